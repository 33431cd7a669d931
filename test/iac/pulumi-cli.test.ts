// A real `pulumi preview` and `pulumi up` of apps/pulumi-program on a local file backend. Opt-in:
// it runs when ~/.cache/s5-tools/bin holds `pulumi` and `pulumi-language-nodejs` (scripts/build-pulumi.sh
// builds both from the Go module proxy) or S5_PULUMI_BIN names a directory holding both, and is
// skipped, with a message on stderr, otherwise. The same program runs under Pulumi's mocks in
// pulumi-program.test.ts, always.

import { copyFileSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runChild } from "../child.ts";
import { sandbox } from "../cli/run.ts";
import { missingTool, toolsDir } from "./tools.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const binDir = process.env.S5_PULUMI_BIN || join(toolsDir, "bin");
const available =
  existsSync(join(binDir, "pulumi")) && existsSync(join(binDir, "pulumi-language-nodejs"));

if (!available) {
  missingTool(
    `the real Pulumi tests: no pulumi and pulumi-language-nodejs in ${binDir} ` +
      "(run scripts/build-pulumi.sh, or set S5_PULUMI_BIN)",
  );
}

function run(args: string[], cwd: string, env: Record<string, string>) {
  return runChild(join(binDir, "pulumi"), args, { cwd, env });
}

/** apps/pulumi-program in a fresh s5 project, on a local file backend, with a stack `dev`. */
async function program() {
  const box = sandbox();
  expect((await box.s5(["init", "--name", "pulumi"])).code).toBe(0);
  const cipher = async (value: string) => (await box.s5(["cipher", value])).stdout.toString();

  // The program in the s5 project (where .s5.json is), with the workspace's packages linked.
  const app = join(root, "apps/pulumi-program");
  for (const file of ["Pulumi.yaml", "index.ts", "package.json"]) {
    copyFileSync(join(app, file), join(box.dir, file));
  }
  mkdirSync(join(box.dir, "node_modules/@pulumi"), { recursive: true });
  mkdirSync(join(box.dir, "node_modules/@s5"), { recursive: true });
  symlinkSync(
    join(app, "node_modules/@pulumi/pulumi"),
    join(box.dir, "node_modules/@pulumi/pulumi"),
  );
  symlinkSync(join(root, "packages/pulumi"), join(box.dir, "node_modules/@s5/pulumi"));

  const state = join(box.dir, "..", "state");
  mkdirSync(state);
  const env = {
    ...box.env,
    PATH: `${binDir}:${process.env.PATH}`,
    PULUMI_HOME: join(box.dir, "..", "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "test-only-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    NO_COLOR: "1",
  };
  const pulumi = async (args: string[]) => {
    const result = await run(["--non-interactive", ...args], box.dir, env);
    return { ...result, log: `pulumi ${args[0]}: ${result.stderr}${result.stdout}` };
  };
  expect((await pulumi(["stack", "init", "dev", "--secrets-provider", "passphrase"])).code).toBe(0);
  /** Sets stack config to a token or a plain value (`--path` for a structured one). */
  const set = async (key: string, value: string, path = false) => {
    // --plaintext: Pulumi guesses that a token "looks like a secret"; it is already ciphertext.
    const result = await pulumi([
      "config",
      "set",
      "--plaintext",
      ...(path ? ["--path"] : []),
      key,
      "--",
      value,
    ]);
    expect(result.code, result.log).toBe(0);
  };
  return { cipher, pulumi, set };
}

describe.skipIf(!available)("Pulumi CLI: apps/pulumi-program on a local file backend", () => {
  it("preview and up decrypt s5 tokens from stack config into secrets; nothing in plain text", async () => {
    const { cipher, pulumi, set } = await program();
    const password = "real-pulumi-pa55word";
    const apiKey = "real-pulumi-api-key";
    const passwordToken = await cipher(password);
    const apiKeyToken = await cipher(apiKey);

    await set("dbHost", "db.internal");
    await set("dbPassword", passwordToken);
    await set("apiKeyToken", apiKeyToken);
    await set("settings.apiKey", apiKeyToken, true);
    await set("settings.timeoutSeconds", "30", true);

    // The engine's verbose log too (docs/iac.md: only PULUMI_DEBUG_GRPC records secrets).
    const preview = await pulumi(["preview", "--diff", "-v=9", "--logtostderr", "--logflow"]);
    expect(preview.stderr + preview.stdout).not.toContain(password);
    expect(preview.stderr + preview.stdout).not.toContain(apiKey);
    expect(preview.code, preview.stderr + preview.stdout).toBe(0);
    expect(preview.stdout).toContain("[secret]");

    const up = await pulumi(["up", "--yes"]);
    expect(up.stderr + up.stdout).not.toContain(password);
    expect(up.code, up.stderr + up.stdout).toBe(0);

    const masked = JSON.parse((await pulumi(["stack", "output", "--json"])).stdout);
    expect(masked.dbUrl).toBe("[secret]");
    expect(masked.dbHost).toBe("db.internal");
    const shown = JSON.parse(
      (await pulumi(["stack", "output", "--json", "--show-secrets"])).stdout,
    );
    expect(shown.dbUrl).toBe(`postgres://app:${password}@db.internal:5432/app`);
    expect(shown.apiKey).toBe(apiKey);
    expect(shown.passwordLength).toBe(password.length);

    // The state holds the values only as Pulumi secrets (encrypted with the stack's passphrase).
    const exported = await pulumi(["stack", "export"]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).not.toContain(password);
    expect(exported.stdout).not.toContain(apiKey);
    const db = JSON.parse(exported.stdout).deployment.resources.find(
      (r: { type: string }) => r.type === "s5demo:index:Database",
    );
    // The stack transform turned the token input into a secret.
    expect(db.inputs.apiKeyToken).toHaveProperty("ciphertext");
  });

  it("a token that fails in a stack transform's input: s5's message, no plaintext, no s5 stack frames", async () => {
    const { cipher, pulumi, set } = await program();
    const passwordToken = await cipher("real-pulumi-pa55word");
    const stranger = sandbox();
    expect((await stranger.s5(["init", "--name", "other"])).code).toBe(0);
    const foreign = (await stranger.s5(["cipher", "not-yours-pa55word"])).stdout.toString();
    await set("dbHost", "db.internal");
    await set("dbPassword", passwordToken);
    await set("apiKeyToken", foreign);
    await set("settings.apiKey", passwordToken, true);

    const preview = await pulumi(["preview"]);
    const output = preview.stderr + preview.stdout;
    expect(preview.code, preview.log).not.toBe(0);
    expect(output).toContain('error serializing property "apiKeyToken": [s5] 1 token failed');
    expect(output).toContain("db.apiKeyToken:1:1");
    expect(output).toContain("(S5_KEY_LOCAL_UNKNOWN)");
    expect(output).not.toContain("not-yours-pa55word");
    expect(output).not.toContain("real-pulumi-pa55word");
    // The error reaches Pulumi after the program ran, where it prints `err.stack`: that held
    // frames of s5 and of Pulumi's Output internals, which tell the user nothing.
    expect(output).not.toMatch(/at toPulumiError|packages\/pulumi\/(src|dist)\//);
  });
});
