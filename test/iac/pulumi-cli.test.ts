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

describe.skipIf(!available)("Pulumi CLI: apps/pulumi-program on a local file backend", () => {
  it("preview and up decrypt s5 tokens from stack config into secrets; nothing in plain text", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "pulumi"])).code).toBe(0);
    const cipher = async (value: string) => (await box.s5(["cipher", value])).stdout.toString();
    const password = "real-pulumi-pa55word";
    const apiKey = "real-pulumi-api-key";
    const passwordToken = await cipher(password);
    const apiKeyToken = await cipher(apiKey);

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

    expect((await pulumi(["stack", "init", "dev", "--secrets-provider", "passphrase"])).code).toBe(
      0,
    );
    for (const [key, value] of [
      ["dbHost", "db.internal"],
      ["dbPassword", passwordToken],
      ["apiKeyToken", apiKeyToken],
    ]) {
      // --plaintext: Pulumi guesses that a token "looks like a secret"; it is already ciphertext.
      const set = await pulumi(["config", "set", "--plaintext", key!, "--", value!]);
      expect(set.code, set.log).toBe(0);
    }
    expect(
      (
        await pulumi([
          "config",
          "set",
          "--plaintext",
          "--path",
          "settings.apiKey",
          "--",
          apiKeyToken,
        ])
      ).code,
    ).toBe(0);
    expect((await pulumi(["config", "set", "--path", "settings.timeoutSeconds", "30"])).code).toBe(
      0,
    );

    const preview = await pulumi(["preview", "--diff"]);
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
});
