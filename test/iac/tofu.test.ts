// A real OpenTofu run of apps/tofu-stack. Opt-in: it runs when OpenTofu is at ~/.cache/s5-tools/bin/tofu
// (scripts/build-tofu.sh builds it from the Go module proxy) or S5_TOFU names a binary, and is
// skipped, with a message on stderr, otherwise. The protocol of `s5 tf-external` is tested
// without OpenTofu in tf-external.test.ts.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { S5_BIN, type Sandbox, sandbox } from "../cli/run.ts";
import { missingTool, toolsDir } from "./tools.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const built = join(toolsDir, "bin/tofu");
const TOFU = process.env.S5_TOFU || (existsSync(built) ? built : undefined);
// scripts/build-tofu.sh puts a stand-in for hashicorp/external here (see docs/iac.md).
const builtMirror = join(toolsDir, "tofu-providers");
const MIRROR =
  process.env.S5_TF_PROVIDER_MIRROR || (existsSync(builtMirror) ? builtMirror : undefined);

if (!TOFU) {
  missingTool(
    `the real OpenTofu tests: no ${built} and S5_TOFU is not set ` +
      "(run scripts/build-tofu.sh to build OpenTofu from the Go module proxy)",
  );
} else if (!MIRROR) {
  missingTool(
    `the OpenTofu external data source test: no ${builtMirror} and ` +
      "S5_TF_PROVIDER_MIRROR is not set (a filesystem mirror holding hashicorp/external)",
  );
}

interface Run {
  code: number | null;
  output: string;
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** A stack directory in the sandbox and an environment that keeps OpenTofu off the network. */
function stack(box: Sandbox, files: string[], mirror?: string): Record<string, string> {
  for (const file of files) {
    const target = join(box.dir, file.replace(/^external\//, ""));
    mkdirSync(join(target, ".."), { recursive: true });
    copyFileSync(join(root, "apps/tofu-stack", file), target);
  }
  // Providers come only from a local mirror (an empty one when the stack needs none).
  const providers = mirror ?? join(box.dir, "..", "no-providers");
  mkdirSync(providers, { recursive: true });
  const cliConfig = join(box.dir, "..", "tofu.rc");
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(providers)}\n  }\n}\n`,
  );
  return {
    ...box.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    NO_COLOR: "1",
  };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe.skipIf(!TOFU)("OpenTofu: the safer path (ephemeral variable from the environment)", () => {
  it("`s5 run -- tofu apply` hands the plaintext to the stack and keeps it out of state and plan", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "tofu"])).code).toBe(0);
    const plaintext = "ephemeral-pa55word-do-not-store";
    const token = (await box.s5(["cipher", plaintext])).stdout.toString();
    const env = { ...stack(box, ["main.tf"]), TF_VAR_db_password: token };

    expect((await run(TOFU!, ["init", "-no-color"], box.dir, env)).code).toBe(0);

    // `s5 run` decrypts the tokens in the environment of the command it runs. Until it exists in
    // this tree, the test does the same by hand with `s5 decipher`.
    const hasRun = (await box.s5(["run", "--help"])).code === 0;
    const via = async (args: string[]) => {
      if (hasRun) return box.s5(["run", "--", TOFU!, ...args], { env });
      const plain = (await box.s5(["decipher", token])).stdout.toString();
      const result = await run(TOFU!, args, box.dir, { ...env, TF_VAR_db_password: plain });
      return { code: result.code, stdout: Buffer.from(result.output), stderr: "" };
    };

    const plan = await via(["plan", "-no-color", "-out=tfplan"]);
    expect(plan.stderr + plan.stdout.toString()).not.toContain(plaintext);
    expect(plan.code).toBe(0);
    const shown = await run(TOFU!, ["show", "-json", "tfplan"], box.dir, env);
    expect(shown.code).toBe(0);
    expect(shown.output).not.toContain(plaintext);

    const apply = await via(["apply", "-no-color", "-auto-approve"]);
    const logs = apply.stderr + apply.stdout.toString();
    expect(logs).not.toContain(plaintext);
    expect(apply.code).toBe(0);
    // The provisioner saw the plaintext: it wrote its digest.
    expect(readFileSync(join(box.dir, "password.sha256"), "utf8").trim()).toBe(sha256(plaintext));
    // Neither the state nor the token's own ciphertext-free parts hold it.
    const state = readFileSync(join(box.dir, "terraform.tfstate"), "utf8");
    expect(state).not.toContain(plaintext);
    expect(JSON.parse(state).outputs.app.value).toBe("demo");
  });

  it("refuses to apply without the ephemeral variable (it is never read back from state)", async () => {
    const box = sandbox();
    const env = stack(box, ["main.tf"]);
    expect((await run(TOFU!, ["init", "-no-color"], box.dir, env)).code).toBe(0);
    const apply = await run(TOFU!, ["apply", "-no-color", "-auto-approve"], box.dir, env);
    expect(apply.code).not.toBe(0);
    expect(apply.output).toMatch(/db_password/);
  });
});

describe.skipIf(!TOFU || !MIRROR)('OpenTofu: data "external" running `s5 tf-external`', () => {
  it("decrypts the query; the result is in the state, as the docs warn", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "tofu"])).code).toBe(0);
    const plaintext = "external-pa55word";
    const token = (await box.s5(["cipher", plaintext])).stdout.toString();
    const env = stack(box, ["external/main.tf"], MIRROR);
    expect((await run(TOFU!, ["init", "-no-color"], box.dir, env)).code).toBe(0);
    const s5 = JSON.stringify([process.execPath, S5_BIN]);
    const apply = await run(
      TOFU!,
      ["apply", "-no-color", "-auto-approve", `-var=db_password_token=${token}`, `-var=s5=${s5}`],
      box.dir,
      env,
    );
    expect(apply.output).not.toContain(plaintext);
    expect(apply.code).toBe(0);
    const output = await run(TOFU!, ["output", "-raw", "db_password"], box.dir, env);
    expect(output.output).toBe(plaintext);
    expect(readFileSync(join(box.dir, "terraform.tfstate"), "utf8")).toContain(plaintext);
  });

  it("refuses to run under a provider TRACE log, where the provider writes the program's output", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "tofu"])).code).toBe(0);
    const plaintext = "traced-pa55word";
    const token = (await box.s5(["cipher", plaintext])).stdout.toString();
    const env = stack(box, ["external/main.tf"], MIRROR);
    expect((await run(TOFU!, ["init", "-no-color"], box.dir, env)).code).toBe(0);
    const args = [
      "apply",
      "-no-color",
      "-auto-approve",
      `-var=db_password_token=${token}`,
      `-var=s5=${JSON.stringify([process.execPath, S5_BIN])}`,
    ];
    // The external provider logs the program's stdout at TRACE ("Executed external program",
    // output=…), and OpenTofu prints the provider's log at the level TF_LOG_PROVIDER or TF_LOG sets.
    const levels: Record<string, string>[] = [
      { TF_LOG: "trace" },
      { TF_LOG_PROVIDER: "TRACE" },
      { TF_LOG: "json" },
    ];
    for (const logs of levels) {
      const traced = await run(TOFU!, args, box.dir, { ...env, ...logs });
      expect(traced.output, JSON.stringify(logs)).not.toContain(plaintext);
      expect(traced.code, JSON.stringify(logs)).not.toBe(0);
      expect(traced.output).toContain("S5_CONFIG_TF_LOG");
    }
    // OpenTofu's own trace, with the provider's log at DEBUG: s5 runs, and the log holds no value.
    const core = await run(TOFU!, args, box.dir, {
      ...env,
      TF_LOG: "trace",
      TF_LOG_PROVIDER: "debug",
    });
    expect(core.output).toContain("[TRACE]");
    expect(core.output).not.toContain(plaintext);
    expect(core.code, core.output.slice(-2000)).toBe(0);
  });

  it("fails the plan with s5's message (the location, never a value) when a token fails", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "tofu"])).code).toBe(0);
    const stranger = sandbox();
    expect((await stranger.s5(["init", "--name", "other"])).code).toBe(0);
    const foreign = (await stranger.s5(["cipher", "not-yours-pa55word"])).stdout.toString();
    const env = stack(box, ["external/main.tf"], MIRROR);
    expect((await run(TOFU!, ["init", "-no-color"], box.dir, env)).code).toBe(0);
    const s5 = JSON.stringify([process.execPath, S5_BIN]);
    const plan = await run(
      TOFU!,
      ["plan", "-no-color", `-var=db_password_token=${foreign}`, `-var=s5=${s5}`],
      box.dir,
      env,
    );
    expect(plan.code).not.toBe(0);
    expect(plan.output).toContain("query.password:1:1");
    expect(plan.output).not.toContain("not-yours-pa55word");
  });
});
