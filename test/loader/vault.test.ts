// `s5/config` and `s5 run` with Vault transit tokens on the real OpenBao of globalSetup: one batch
// request per start whatever the number of variables, every loading mode (the worker thread),
// bundled applications, and failures that name the variables.
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "../vault/fault-proxy.ts";
import { admin, describeVault, newMount, vaultEncrypt, vaultEnv } from "../vault/helpers.ts";
import { linkModules, localProject, printVars, root, run, s5Bin } from "./helpers.ts";

const COUNT = 60;
const isDecrypt = (path: string) => path.includes("/decrypt/");

describeVault("s5/config with Vault transit", () => {
  let proxy: FaultProxy;
  let env: Record<string, string>;
  let dir: string;
  const names = Array.from({ length: COUNT }, (_, i) => `VAR_${i}`);
  const values = names.map((name, i) => `vault-secret-${i}-${name.toLowerCase()}`);
  let tokens: string[];

  beforeAll(async () => {
    const { mount, key } = await newMount("app");
    proxy = await startFaultProxy(admin.addr);
    env = vaultEnv({
      VAULT_ADDR: proxy.url,
      S5_VAULT_TRANSIT_MOUNT: mount,
      S5_VAULT_TRANSIT_KEY: key,
    });
    tokens = [];
    for (const value of values) tokens.push(`{{ s5:${await vaultEncrypt(mount, key, value)} }}`);
    dir = mkdtempSync(join(tmpdir(), "s5-loader-vault-"));
    linkModules(dir);
    // 55 variables in .env, 5 more already in the environment (as Kubernetes would set them).
    const fileLines = names.slice(0, 55).map((name, i) => `${name}=${tokens[i]}`);
    writeFileSync(join(dir, ".env"), `${fileLines.join("\n")}\n`);
    writeFileSync(join(dir, "app.mjs"), `import "s5/config";\nimport "./print.mjs";\n`);
    writeFileSync(join(dir, "print.mjs"), `${printVars(names)}\n`);
    writeFileSync(join(dir, "print.cjs"), `${printVars(names)}\n`);
    writeFileSync(join(dir, "app.cjs"), `require("s5/config");\nrequire("./print.cjs");\n`);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  const fromEnv = () =>
    Object.fromEntries(names.slice(55).map((name, i) => [name, tokens[55 + i]!]));
  const expected = () => Object.fromEntries(names.map((name, i) => [name, values[i]]));

  it(`${COUNT} variables (.env and process.env) cost one decrypt request`, async () => {
    proxy.seen.length = 0;
    const out = await run(["app.mjs"], { cwd: dir, env: { ...env, ...fromEnv() } });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual(expected());
    const decrypts = proxy.seen.filter((seen) => isDecrypt(seen.path));
    expect(decrypts).toHaveLength(1);
    expect(decrypts[0]!.items).toBe(COUNT);
  });

  it("node --import s5/preload decrypts in the main thread before the app; imported by the app it is s5/config", async () => {
    writeFileSync(join(dir, "plain-app.mjs"), `import "./print.mjs";\n`);
    writeFileSync(join(dir, "preload-app.mjs"), `import "s5/preload";\nimport "./print.mjs";\n`);
    const debugEnv = { ...env, ...fromEnv(), S5_CONFIG_DEBUG: "1" };
    const preloaded = [
      { args: ["--import", "s5/preload", "plain-app.mjs"], env: debugEnv },
      { args: ["--import=@s5/loader/preload", "plain-app.mjs"], env: debugEnv },
      { args: ["plain-app.mjs"], env: { ...debugEnv, NODE_OPTIONS: "--import s5/preload" } },
      {
        args: ["--import", "./node_modules/s5/dist/preload.mjs", "plain-app.mjs"],
        env: debugEnv,
      },
    ];
    for (const { args, env: runEnv } of preloaded) {
      proxy.seen.length = 0;
      const out = await run(args, { cwd: dir, env: runEnv });
      expect(JSON.parse(out.stdout), args.join(" ")).toEqual(expected());
      expect(out.stderr).toContain("decrypted in this thread, before the application");
      expect(out.stderr).not.toContain("in a worker");
      expect(proxy.seen.filter((seen) => isDecrypt(seen.path))).toHaveLength(1);
    }
    // An import in the application: the next import must still see the values, so no await.
    const imported = await run(["preload-app.mjs"], { cwd: dir, env: debugEnv });
    expect(JSON.parse(imported.stdout)).toEqual(expected());
    expect(imported.stderr).toContain("decrypted in a worker");
    expect(imported.stderr).toContain("`node --import s5/preload` decrypts before the application");
    // A token Vault refuses: the application never runs, the variable is named.
    const refused = await run(["--import", "s5/preload", "plain-app.mjs"], {
      cwd: dir,
      env: { ...env, VAR_55: "{{ s5:vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA }}" },
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("VAR_55");
    for (const value of values) expect(refused.stderr).not.toContain(value);
  });

  it("the engine's compiled code is kept in the user's private cache, reused, never in a shared directory", async () => {
    const app = (extra: Record<string, string>) =>
      run(["app.mjs"], { cwd: dir, env: { ...env, ...fromEnv(), ...extra } });
    const cache = mkdtempSync(join(tmpdir(), "s5-loader-cache-"));
    const codeCache = join(cache, "s5", "code-cache");
    for (let i = 0; i < 2; i++) {
      const out = await app({ XDG_CACHE_HOME: cache });
      expect(out.stderr).toBe("");
      expect(JSON.parse(out.stdout)).toEqual(expected());
    }
    // One file for the application's thread (s5/config), one for the worker (Vault tokens).
    const files = readdirSync(codeCache).sort();
    expect(files).toEqual([
      expect.stringMatching(/^engine-config-[0-9a-f]{16}-v[\d.]+-\w+\.bin$/),
      expect.stringMatching(/^engine-worker-[0-9a-f]{16}-v[\d.]+-\w+\.bin$/),
    ]);
    expect(statSync(codeCache).mode & 0o777).toBe(0o700);
    const written = new Map<string, number>();
    for (const name of files) {
      const file = join(codeCache, name);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      written.set(file, statSync(file).mtimeMs);
      // Compiled code only: no value, token or credential of the starts that wrote it. (The
      // engine's own string literals are there as text, so such a string would be seen.)
      const text = readFileSync(file).toString("latin1");
      expect(text).toContain("S5_CONFIG_WORKER");
      for (const secret of [...values, ...tokens, env.VAULT_TOKEN!]) {
        expect(text.includes(secret), `${name} holds a secret`).toBe(false);
      }
    }
    // Written once by the first start; the second start used them (V8 accepted them: not rewritten).
    await app({ XDG_CACHE_HOME: cache });
    for (const [file, mtime] of written) expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readdirSync(codeCache)).toHaveLength(2);
    // Damaged cached data: V8 refuses it, the start is the same, and a good file replaces it.
    for (const file of written.keys()) writeFileSync(file, Buffer.alloc(4096, 7));
    const damaged = await app({ XDG_CACHE_HOME: cache });
    expect(damaged.stderr).toBe("");
    expect(JSON.parse(damaged.stdout)).toEqual(expected());
    for (const file of written.keys()) {
      expect(readFileSync(file).equals(Buffer.alloc(4096, 7))).toBe(false);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(readdirSync(codeCache)).toHaveLength(2);

    // A directory another user could write to, or NODE_DISABLE_COMPILE_CACHE: no cache at all.
    const shared = mkdtempSync(join(tmpdir(), "s5-loader-shared-"));
    mkdirSync(join(shared, "s5", "code-cache"), { recursive: true });
    chmodSync(join(shared, "s5", "code-cache"), 0o777);
    // Writable by the group alone: any member could plant compiled code, which runs as you.
    const team = mkdtempSync(join(tmpdir(), "s5-loader-team-"));
    mkdirSync(join(team, "s5", "code-cache"), { recursive: true });
    chmodSync(join(team, "s5", "code-cache"), 0o770);
    const disabled = mkdtempSync(join(tmpdir(), "s5-loader-disabled-"));
    const cases: Record<string, string>[] = [
      { XDG_CACHE_HOME: shared },
      { XDG_CACHE_HOME: team },
      { XDG_CACHE_HOME: disabled, NODE_DISABLE_COMPILE_CACHE: "1" },
    ];
    for (const extra of cases) {
      const out = await app(extra);
      expect(out.stderr).toBe("");
      expect(JSON.parse(out.stdout)).toEqual(expected());
    }
    expect(readdirSync(join(shared, "s5", "code-cache"))).toEqual([]);
    expect(readdirSync(join(team, "s5", "code-cache"))).toEqual([]);
    rmSync(team, { recursive: true, force: true });
    expect(readdirSync(disabled)).toEqual([]);
  });

  it("NODE_DEBUG (every section but the two that print environments) and DEBUG=* print no Vault token, value or s5 token, in the worker or in the app's thread", async () => {
    writeFileSync(join(dir, "plain-app.mjs"), `import "./print.mjs";\n`);
    // NODE_DEBUG=* is refused: test/loader/diagnostics.test.ts.
    const sections = "net,http,https,tls,http2,undici,fetch,stream,module,esm,timer,messaging";
    for (const args of [["app.mjs"], ["--import", "s5/preload", "plain-app.mjs"]]) {
      for (const debug of [{ NODE_DEBUG: sections }, { DEBUG: "*" }] as Record<string, string>[]) {
        const out = await run(args, { cwd: dir, env: { ...env, ...fromEnv(), ...debug } });
        expect(out.code, out.stderr).toBe(0);
        expect(JSON.parse(out.stdout)).toEqual(expected());
        for (const secret of [env.VAULT_TOKEN!, ...values, ...tokens]) {
          expect(out.stderr.includes(secret), `${args.join(" ")} ${JSON.stringify(debug)}`).toBe(
            false,
          );
        }
      }
    }
    // With Node's debug output on, s5/preload asks Vault from the worker, which runs without it.
    const preload = await run(["--import", "s5/preload", "plain-app.mjs"], {
      cwd: dir,
      env: { ...env, ...fromEnv(), NODE_DEBUG: "net", S5_CONFIG_DEBUG: "1" },
    });
    expect(JSON.parse(preload.stdout)).toEqual(expected());
    expect(preload.stderr).toContain("decrypted in a worker");
    // So it does with Node's native debug output on.
    const native = await run(["--import", "s5/preload", "plain-app.mjs"], {
      cwd: dir,
      env: { ...env, ...fromEnv(), NODE_DEBUG_NATIVE: "HTTP2SESSION", S5_CONFIG_DEBUG: "1" },
    });
    expect(native.code, native.stderr).toBe(0);
    expect(JSON.parse(native.stdout)).toEqual(expected());
    expect(native.stderr).toContain("decrypted in a worker");
    // A preload before it deleted NODE_DEBUG, which Node read at start-up and still obeys.
    writeFileSync(join(dir, "unset.mjs"), "delete process.env.NODE_DEBUG;\n");
    const unset = await run(
      ["--import", "./unset.mjs", "--import", "s5/preload", "plain-app.mjs"],
      {
        cwd: dir,
        env: { ...env, ...fromEnv(), NODE_DEBUG: "net,http", S5_CONFIG_DEBUG: "1" },
      },
    );
    expect(unset.code, unset.stderr).toBe(0);
    expect(JSON.parse(unset.stdout)).toEqual(expected());
    expect(unset.stderr).toContain("decrypted in a worker");
    expect(unset.stderr.includes(env.VAULT_TOKEN!)).toBe(false);
  });

  it("the worker's files of earlier builds (named config-worker-… before the engine): the three newest stay", async () => {
    const cache = mkdtempSync(join(tmpdir(), "s5-loader-legacy-"));
    const codeCache = join(cache, "s5", "code-cache");
    mkdirSync(codeCache, { recursive: true, mode: 0o700 });
    chmodSync(join(cache, "s5"), 0o700);
    const legacy = (i: number) => `config-worker-${String(i).repeat(16)}-v22.0.0-x64.bin`;
    for (let i = 1; i <= 4; i++) {
      writeFileSync(join(codeCache, legacy(i)), "old", { mode: 0o600 });
      const when = new Date(Date.now() - i * 86_400_000);
      utimesSync(join(codeCache, legacy(i)), when, when);
    }
    const out = await run(["app.mjs"], {
      cwd: dir,
      env: { ...env, ...fromEnv(), XDG_CACHE_HOME: cache },
    });
    expect(JSON.parse(out.stdout)).toEqual(expected());
    const left = readdirSync(codeCache);
    expect(left.filter((name) => name.startsWith("config-worker-")).sort()).toEqual(
      [legacy(1), legacy(2), legacy(3)].sort(),
    );
    expect(left.filter((name) => name.startsWith("engine-worker-"))).toHaveLength(1);
    rmSync(cache, { recursive: true, force: true });
  });

  it("require, -r, --import and NODE_OPTIONS (the worker must not load s5/config again)", async () => {
    const cases: [string[], Record<string, string>][] = [
      [["app.cjs"], {}],
      [["-r", "s5/config", "print.cjs"], {}],
      [["--import", "s5/config", "print.mjs"], {}],
      [["print.mjs"], { NODE_OPTIONS: "--require s5/config" }],
      [["print.mjs"], { NODE_OPTIONS: "--import s5/config" }],
    ];
    for (const [args, extra] of cases) {
      const out = await run(args, { cwd: dir, env: { ...env, ...fromEnv(), ...extra } });
      expect(out.stderr, args.join(" ")).toBe("");
      expect(JSON.parse(out.stdout)).toEqual(expected());
    }
  });

  it("the async load() and decrypt() APIs", async () => {
    writeFileSync(
      join(dir, "api.mjs"),
      [
        'import { decrypt, decryptSync, load } from "@s5/loader";',
        "const result = await load();",
        `const one = await decrypt({ A: ${JSON.stringify(tokens[0])}, B: "plain" });`,
        `const two = decryptSync({ C: ${JSON.stringify(tokens[1])} });`,
        "console.log(JSON.stringify({ decrypted: result.decrypted.length, VAR_3: process.env.VAR_3, one, two }));",
      ].join("\n"),
    );
    const out = await run(["api.mjs"], { cwd: dir, env });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({
      decrypted: 55,
      VAR_3: values[3],
      one: { A: values[0], B: "plain" },
      two: { C: values[1] },
    });
  });

  it("a bundled application (esbuild ESM and CommonJS): the worker travels inside the bundle", async () => {
    for (const format of ["esm", "cjs"] as const) {
      const deploy = mkdtempSync(join(tmpdir(), "s5-deploy-vault-"));
      mkdirSync(join(deploy, "node_modules"));
      // Only the native module: the Vault transport travels inside s5's code.
      symlinkSync(
        join(root, "node_modules", "sodium-native"),
        join(deploy, "node_modules", "sodium-native"),
        "dir",
      );
      copyFileSync(join(dir, ".env"), join(deploy, ".env"));
      const file = format === "esm" ? "app.mjs" : "app.cjs";
      await build({
        entryPoints: [join(dir, "app.mjs")],
        bundle: true,
        platform: "node",
        format,
        outfile: join(deploy, file),
        external: ["sodium-native"],
        banner:
          format === "esm"
            ? {
                js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
              }
            : {},
        logLevel: "silent",
      });
      const out = await run([file], { cwd: deploy, env: { ...env, S5_CONFIG_DEBUG: "1" } });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toContain("decrypted in a worker");
      expect(JSON.parse(out.stdout).VAR_7).toBe(values[7]);
    }
  });

  it("local-key and Vault tokens together: one start, both backends", async () => {
    const project = await localProject();
    const [local] = await project.encrypt(["local-secret-value"]);
    project.write({
      ".env": `LOCAL=${local}\nREMOTE=${tokens[0]}\n`,
      "app.mjs": `import "s5/config";\n${printVars(["LOCAL", "REMOTE"])}\n`,
    });
    const vaultVars = Object.fromEntries(
      Object.entries(env).filter(([k]) => /^(VAULT_|S5_VAULT)/.test(k)),
    );
    const out = await project.node(["app.mjs"], vaultVars);
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({ LOCAL: "local-secret-value", REMOTE: values[0] });
  });

  it("a denied token or an unreachable server stops the app, naming the variables, never a value", async () => {
    writeFileSync(join(dir, "started.mjs"), 'import "s5/config";\nconsole.log("APP STARTED");\n');
    const denied = await run(["started.mjs"], {
      cwd: dir,
      env: { ...env, VAULT_TOKEN: "s.invalid" },
    });
    const down = await run(["started.mjs"], {
      cwd: dir,
      env: { ...env, VAULT_ADDR: "http://127.0.0.1:1", VAULT_MAX_RETRIES: "0" },
    });
    for (const out of [denied, down]) {
      expect(out.stdout).not.toContain("APP STARTED");
      expect(out.code).not.toBe(0);
      expect(out.stderr).toContain("[s5] cannot start: 55 variables could not be decrypted");
      expect(out.stderr).toMatch(/VAR_0 \(\.env:1:7\), VAR_1 \(\.env:2:7\)/);
      for (const [i, value] of values.entries()) {
        expect(out.stderr).not.toContain(value);
        expect(out.stderr).not.toContain(tokens[i]!);
      }
    }
    expect(down.code).toBe(8);
  });

  it("s5 run with Vault tokens, one request, output redacted", async () => {
    proxy.seen.length = 0;
    const out = await run(
      [
        s5Bin,
        "run",
        "--redact",
        "--",
        process.execPath,
        "-e",
        "console.log(process.env.VAR_1 + ' ' + process.env.VAR_59)",
      ],
      { cwd: dir, env: { ...env, ...fromEnv() } },
    );
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe("[REDACTED] [REDACTED]\n");
    expect(proxy.seen.filter((seen) => isDecrypt(seen.path))).toHaveLength(1);
  });
});
