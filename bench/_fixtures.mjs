// Throw-away inputs for the benchmark: an s5 project with local keys, files of tokens (made in one
// batch through the core API), and a dotenvx-encrypted .env with the same values.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { run, runParallel } from "./_child.mjs";

/** Distinct plaintexts of similar length: `value-000042-<16 hex>`. */
export function plaintexts(count) {
  return Array.from(
    { length: count },
    (_, i) => `value-${String(i).padStart(6, "0")}-${randomBytes(8).toString("hex")}`,
  );
}

/**
 * `s5 init` in `dir/project`, with the identity in `dir/config` (XDG_CONFIG_HOME), and an
 * environment for every s5 child process that ignores the caller's S5_ and Vault variables.
 */
export function createProject(dir, { node, s5Bin, aesKey }) {
  const cwd = join(dir, "project");
  mkdirSync(cwd, { recursive: true });
  const env = { ...process.env, XDG_CONFIG_HOME: join(dir, "config"), NO_COLOR: "1" };
  for (const name of Object.keys(env)) if (/^(S5_|VAULT_|BAO_)/.test(name)) delete env[name];
  run(node, [s5Bin, "init", "--name", "bench"], { cwd, env });
  return { cwd, env: { ...env, S5_AES_KEY: aesKey }, aesKey };
}

/** Encrypts plaintexts into complete tokens with one backend call, as `s5 cipher` would. */
export async function encryptTokens(core, project, backend, values) {
  const settings = core.resolveSettings({
    cwd: project.cwd,
    env: project.env,
    overrides: { aesKey: project.aesKey },
  });
  const backends = core.createBackends(settings);
  try {
    const encoder = new TextEncoder();
    return await core.cipherValues(
      backends,
      backend,
      values.map((value) => encoder.encode(value)),
    );
  } finally {
    await backends[Symbol.asyncDispose]();
  }
}

const FILLER = "lorem ipsum dolor sit amet, consectetur adipiscing elit; ".repeat(40);

/**
 * Writes a config-like file of `lines` lines, one token per line, padded with filler so the file
 * is about `bytes` long. Line i holds token i % tokens.length. Returns the file's size and the
 * SHA-256 of what a correct render must produce.
 */
export function writeTokenFile(path, { bytes, lines, tokens, values }) {
  const lineLength = Math.floor(bytes / lines);
  const input = [];
  const expected = createHash("sha256");
  let size = 0;
  for (let i = 0; i < lines; i++) {
    const which = i % tokens.length;
    const head = `key_${String(i).padStart(6, "0")}: `;
    const room = lineLength - head.length - tokens[which].length - 2;
    const filler = FILLER.slice(0, Math.max(0, room));
    const line = `${head}${filler} ${tokens[which]}\n`;
    input.push(line);
    size += line.length;
    expected.update(`${head}${filler} ${values[which]}\n`);
  }
  writeFileSync(path, input.join(""));
  return { size, sha256: expected.digest("hex") };
}

export function sha256File(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * A directory with `.env` (the values, encrypted by `dotenvx encrypt`) and `.env.keys`.
 * dotenvx needs ~20 ms of CPU per value, so the values are encrypted in parts on every core with
 * one shared key pair, then put together in one file: the file dotenvx itself would have written.
 */
export async function createDotenvxProject(dir, { dotenvx, values }) {
  const env = { ...process.env, NO_COLOR: "1" };
  for (const name of Object.keys(env)) if (name.startsWith("DOTENV_")) delete env[name];
  const keyDir = join(dir, "key");
  mkdirSync(keyDir, { recursive: true });
  writeFileSync(join(keyDir, ".env"), "SEED=seed\n");
  run(dotenvx, ["encrypt"], { cwd: keyDir, env });
  const publicKeyLine = readFileSync(join(keyDir, ".env"), "utf8")
    .split("\n")
    .find((line) => line.startsWith("DOTENV_PUBLIC_KEY="));
  if (!publicKeyLine) throw new Error("dotenvx encrypt wrote no DOTENV_PUBLIC_KEY");

  const names = values.map((_, i) => `VAR_${String(i).padStart(4, "0")}`);
  const parts = Math.min(availableParallelism(), 4);
  const partDirs = [];
  for (let part = 0; part < parts; part++) {
    const partDir = join(dir, `part${part}`);
    mkdirSync(partDir);
    copyFileSync(join(keyDir, ".env.keys"), join(partDir, ".env.keys"));
    const lines = names.flatMap((name, i) => (i % parts === part ? [`${name}=${values[i]}`] : []));
    writeFileSync(join(partDir, ".env"), `${publicKeyLine}\n${lines.join("\n")}\n`);
    partDirs.push(partDir);
  }
  await runParallel(partDirs.map((cwd) => ({ command: dotenvx, args: ["encrypt"], cwd, env })));

  const encrypted = new Map();
  for (const partDir of partDirs) {
    for (const line of readFileSync(join(partDir, ".env"), "utf8").split("\n")) {
      const match = /^(VAR_\d+)=(encrypted:.+)$/.exec(line);
      if (match) encrypted.set(match[1], match[2]);
    }
  }
  if (encrypted.size !== values.length) {
    throw new Error(`dotenvx encrypted ${encrypted.size} of ${values.length} values`);
  }
  const cwd = join(dir, "project");
  mkdirSync(cwd);
  copyFileSync(join(keyDir, ".env.keys"), join(cwd, ".env.keys"));
  const body = names.map((name) => `${name}=${encrypted.get(name)}`).join("\n");
  writeFileSync(join(cwd, ".env"), `${publicKeyLine}\n${body}\n`);
  return { cwd, env, names };
}

/** Counts the values that `dotenvx decrypt --stdout` printed back correctly. */
export function countDecrypted(stdout, names, values) {
  const printed = new Map();
  for (const line of stdout.split("\n")) {
    const match = /^(VAR_\d+)=(.*)$/.exec(line);
    if (match) printed.set(match[1], match[2].replace(/^(["'])(.*)\1$/, "$2"));
  }
  return names.filter((name, i) => printed.get(name) === values[i]).length;
}

/**
 * A temporary project in `dir` with its own local keys (`s5 init`), and an environment without
 * the developer's S5_/VAULT_/BAO_/XDG_ settings. Returns that environment (S5_CONFIG set).
 */
export function keysSandbox(dir, s5Bin) {
  const home = join(dir, "home");
  mkdirSync(home);
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(S5_|VAULT_|BAO_|XDG_)/.test(key)) env[key] = value;
  }
  Object.assign(env, { HOME: home, XDG_CONFIG_HOME: join(home, ".config") });
  const init = spawnSync(process.execPath, [s5Bin, "init"], { cwd: dir, env, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`s5 init failed: ${init.stderr}`);
  env.S5_CONFIG = join(dir, ".s5.json");
  return env;
}
