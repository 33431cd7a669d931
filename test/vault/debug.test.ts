// Debug switches (DEBUG, NODE_DEBUG, NODE_DEBUG_NATIVE) never make s5 print a Vault token or a
// plaintext: the CLI drops them for itself (and gives them back to `s5 run`'s command), the
// loader's worker runs without them, and inside a host process (a bundler) s5 refuses to send.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { S5_BIN } from "../cli/run.ts";
import { linkModules, run } from "../loader/helpers.ts";
import { admin, describeVault, newMount, s5, tempDir, vaultEncrypt, vaultEnv } from "./helpers.ts";

const SWITCHES: Record<string, string>[] = [
  { DEBUG: "*" },
  { DEBUG: "follow-redirects" },
  { NODE_DEBUG: "net" },
  { NODE_DEBUG: "http,https,tls,http2,undici,fetch,stream" },
  { NODE_DEBUG: "child_process,worker,messaging" },
  { NODE_DEBUG: "*" },
  { NODE_DEBUG_NATIVE: "HTTP2SESSION,HTTP2STREAM" },
];
const PLAIN = "debug-switch-plaintext-Qw3";
/**
 * Sections that print the environment of every process and worker a program starts: where s5
 * puts decrypted values into one (`s5 run`'s command, the loader's app), it refuses them
 * (test/loader/diagnostics.test.ts).
 */
const printsEnvironment = (debug: Record<string, string>) =>
  /child_process|worker|\*/.test(debug.NODE_DEBUG ?? "");

describeVault("debug switches", () => {
  let env: Record<string, string>;
  let token: string;
  let secretShapes: string[];

  beforeAll(async () => {
    const { mount, key } = await newMount("app");
    env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
    token = `{{ s5:${await vaultEncrypt(mount, key, PLAIN)} }}`;
    // The token, the plaintext and the plaintext as it travels (base64 in Vault's JSON).
    secretShapes = [admin.token, PLAIN, Buffer.from(PLAIN).toString("base64")];
  });

  const clean = (text: string) => {
    for (const shape of secretShapes) expect(text).not.toContain(shape);
  };

  it("the CLI prints neither the Vault token nor a plaintext on stderr, whatever is set", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yml"), `a: ${token}\n`);
    writeFileSync(join(dir, ".env"), `A=${token}\n`);
    for (const debug of SWITCHES) {
      const runEnv = { ...env, ...debug };
      const decipher = await s5(["decipher", token], { env: runEnv, cwd: dir });
      expect(decipher.stdout, JSON.stringify(debug)).toBe(PLAIN);
      clean(decipher.stderr);
      const render = await s5(["render", "a.yml"], { env: runEnv, cwd: dir });
      expect(render.stdout).toBe(`a: ${PLAIN}\n`);
      clean(render.stderr);
      const cipher = await s5(["cipher", "vault", "another-value-Zx9"], { env: runEnv, cwd: dir });
      expect(cipher.code).toBe(0);
      expect(cipher.stderr).not.toContain("another-value-Zx9");
      clean(cipher.stderr);
      // The command gets the switches back, and not s5's own Vault token.
      const runCommand = await s5(
        [
          "run",
          "--",
          "sh",
          "-c",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion
          'echo "$DEBUG|$NODE_DEBUG|$NODE_DEBUG_NATIVE|${VAULT_TOKEN:-none}"',
        ],
        { env: runEnv, cwd: dir },
      );
      clean(runCommand.stderr);
      if (printsEnvironment(debug)) {
        expect(runCommand.code).toBe(12);
        expect(runCommand.stderr).toContain("(S5_CONFIG_DEBUG_SWITCH)");
        continue;
      }
      expect(runCommand.code).toBe(0);
      expect(runCommand.stdout).toBe(
        `${debug.DEBUG ?? ""}|${debug.NODE_DEBUG ?? ""}|${debug.NODE_DEBUG_NATIVE ?? ""}|none\n`,
      );
    }
  });

  it("the CLI's own process runs with every switch empty, DEBUG included (a dependency that read it could print)", async () => {
    // Code loaded into s5's process (here a --require of NODE_OPTIONS) sees what s5's code sees.
    const dir = tempDir();
    const seen = join(dir, "seen.txt");
    const probe = join(dir, "probe.cjs");
    writeFileSync(
      probe,
      `require("node:fs").appendFileSync(${JSON.stringify(seen)}, JSON.stringify([process.env.DEBUG, process.env.NODE_DEBUG, process.env.NODE_DEBUG_NATIVE]) + "\\n");\n`,
    );
    const out = await s5(["decipher", token], {
      env: {
        ...env,
        NODE_OPTIONS: `--require ${probe}`,
        DEBUG: "*",
        NODE_DEBUG: "child_process",
        NODE_DEBUG_NATIVE: "HTTP2SESSION",
      },
      cwd: dir,
    });
    expect(out.stdout, out.stderr).toBe(PLAIN);
    // The process as started, then as s5 started itself again: the last is the one that runs s5.
    const lines = readFileSync(seen, "utf8").trim().split("\n");
    expect(JSON.parse(lines.at(-1)!)).toEqual(["", "", ""]);
  });

  it("a switch from `node --env-file` is dropped once, not again and again", async () => {
    // The env file sets NODE_DEBUG whenever it is missing: s5 used to start itself forever.
    const dir = tempDir();
    writeFileSync(join(dir, "debug.env"), "NODE_DEBUG=http,net\nDEBUG=*\n");
    const out = spawnSync(process.execPath, ["--env-file=debug.env", S5_BIN, "decipher", token], {
      env,
      cwd: dir,
      encoding: "utf8",
      timeout: 20_000,
      killSignal: "SIGKILL",
    });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toBe(PLAIN);
    clean(out.stderr);
  });

  it('`import "s5/config"` decrypts in a worker without the switches', async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-debug-loader-"));
    linkModules(dir);
    writeFileSync(join(dir, ".env"), `A=${token}\n`);
    writeFileSync(
      join(dir, "app.mjs"),
      `import "s5/config";\nprocess.stdout.write(process.env.A === ${JSON.stringify(PLAIN)} ? "ok" : "wrong");\n`,
    );
    for (const debug of SWITCHES) {
      const out = await run(["app.mjs"], { cwd: dir, env: { ...env, ...debug } });
      clean(out.stderr);
      if (printsEnvironment(debug)) {
        expect(out.stderr, JSON.stringify(debug)).toContain("(S5_CONFIG_DEBUG_SWITCH)");
        continue;
      }
      expect(out.stdout, JSON.stringify(debug)).toBe("ok");
    }
  });

  it("inside a bundler process s5 refuses to send while NODE_DEBUG or NODE_DEBUG_NATIVE would print the request; DEBUG prints nothing of it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-debug-plugin-"));
    linkModules(dir);
    writeFileSync(join(dir, "secret.ts"), `export const a = "${token}";\n`);
    writeFileSync(
      join(dir, "build.mjs"),
      [
        'import { build } from "esbuild";',
        'import s5 from "@s5/unplugin/esbuild";',
        "try {",
        '  await build({ entryPoints: ["secret.ts"], bundle: true, platform: "node", write: false, logLevel: "silent", plugins: [s5()] });',
        '  console.log("built");',
        "} catch (error) {",
        "  console.log(error.message);",
        "}",
      ].join("\n"),
    );
    const net = await run(["build.mjs"], { cwd: dir, env: { ...env, NODE_DEBUG: "net" } });
    expect(net.stdout).toContain("S5_CONFIG_DEBUG_SWITCH");
    clean(net.stdout + net.stderr);
    // Node's native debug output is refused the same way.
    const native = await run(["build.mjs"], {
      cwd: dir,
      env: { ...env, NODE_DEBUG_NATIVE: "HTTP2SESSION,HTTP2STREAM" },
    });
    expect(native.stdout).toContain("S5_CONFIG_DEBUG_SWITCH");
    expect(native.stdout).toContain("NODE_DEBUG_NATIVE");
    clean(native.stdout + native.stderr);
    // The transport loads no library that reads DEBUG: the build runs and prints nothing of it.
    for (const debug of ["*", "node-vault,axios,follow-redirects"]) {
      const built = await run(["build.mjs"], { cwd: dir, env: { ...env, DEBUG: debug } });
      expect(built.stdout.trim(), debug).toBe("built");
      clean(built.stdout + built.stderr);
    }
  });

  it("a host that unsets NODE_DEBUG after start-up still gets a refusal: Node read it once, and would print the token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-debug-host-"));
    linkModules(dir);
    writeFileSync(
      join(dir, "host.mjs"),
      [
        'import { createBackends, parseBody, resolveSettings } from "@s5/core";',
        // What a host does to "clean" its environment, or a .env file loaded with override.
        "const env = { ...process.env };",
        "delete process.env.NODE_DEBUG;",
        "delete env.NODE_DEBUG;",
        "const backends = createBackends(resolveSettings({ cwd: process.cwd(), env }));",
        "try {",
        "  const vault = await backends.get('vault');",
        `  const [result] = await vault.decrypt([parseBody(${JSON.stringify(token.slice(6, -3))})]);`,
        "  console.log(result.ok ? 'decrypted' : result.error.code);",
        "} catch (error) {",
        "  console.log(error.code, error.message);",
        "}",
      ].join("\n"),
    );
    for (const debug of ["net", "http", "tls,https"]) {
      const host = await run(["host.mjs"], { cwd: dir, env: { ...env, NODE_DEBUG: debug } });
      expect(host.stdout, debug).toContain("S5_CONFIG_DEBUG_SWITCH");
      expect(host.stdout).toContain("NODE_DEBUG was set when this process started");
      clean(host.stdout + host.stderr);
    }
    // Without it, the same host decrypts.
    const plain = await run(["host.mjs"], { cwd: dir, env });
    expect(plain.stdout.trim()).toBe("decrypted");
  });
});
