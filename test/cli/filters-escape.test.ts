/**
 * The escaping filters against the parsers that read their output: hundreds of random values
 * (any Unicode, control characters, quotes, YAML's and the shell's special characters) rendered
 * by the real CLI, then read back by a YAML parser, `sh` and `JSON.parse`. A value that came back
 * different could break out of its place in the file (config injection).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cipherValues, createBackends, resolveSettings } from "@s5/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { missingTool, toolsDir } from "../iac/tools.ts";
import { sandbox } from "./run.ts";

const builtTofu = join(toolsDir, "bin/tofu");
const TOFU = process.env.S5_TOFU || (existsSync(builtTofu) ? builtTofu : undefined);
const TOMLLIB = spawnSync("python3", ["-c", "import tomllib"]).status === 0;

const KEY = "cc6af4c2bf251c1cce0aebdbd39dc91d";

const EDGES = [
  "",
  "'",
  '"',
  "\\",
  "\n",
  "\r\n",
  "\t",
  " lead and trail ",
  "\u2028\u2029\u0085",
  "\ufeffbom",
  "a: b # c",
  "- item",
  "*alias",
  "&anchor",
  "!!binary x",
  "%TAG",
  "@at",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, on purpose
  "`tick` $(id) ${HOME} $HOME",
  "---",
  "...",
  "'\"'\"",
  "yes",
  "null",
  "0x1F",
  "😀 é ß",
  "\u0001\u001f\u007f\u009f",
  "\ufffe\uffff",
  // HCL's interpolation and directives, and their escapes.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL's interpolation, on purpose
  '${file("/etc/shadow")} %{ if true }x%{ endif } $${x} %%{y} $',
  "{x} a$",
  "%",
];

const values = [
  ...EDGES,
  ...fc
    .sample(fc.string({ unit: "binary", maxLength: 24 }), { numRuns: 400, seed: 5 })
    // Text only: a lone surrogate has no UTF-8 form.
    .filter(
      (value) => !/[\ud800-\udfff]/.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, "")),
    ),
];

async function tokensFor(plaintexts: readonly string[]): Promise<string[]> {
  await using backends = createBackends(resolveSettings({ env: { S5_AES_KEY: KEY } }));
  const encoder = new TextEncoder();
  return cipherValues(
    backends,
    "aes",
    plaintexts.map((value) => encoder.encode(value)),
    { allowEmpty: true },
  );
}

const withFilter = (token: string, filter: string) => token.replace(" }}", ` | ${filter} }}`);

describe("escaping filters, read back by their parsers", () => {
  it("yaml, json and shell give back every value exactly", async () => {
    const box = sandbox();
    const tokens = await tokensFor(values);
    const render = async (text: string) => {
      const out = await box.s5(["render", "-"], { input: text, env: { S5_AES_KEY: KEY } });
      expect(out.stderr).toBe("");
      expect(out.code).toBe(0);
      return out.stdout.toString();
    };

    const yaml = await render(
      tokens.map((token, i) => `v${i}: ${withFilter(token, "yaml")}\n`).join(""),
    );
    const parsed = parse(yaml) as Record<string, string>;
    values.forEach((value, i) => {
      expect(parsed[`v${i}`], JSON.stringify(value)).toBe(value);
    });

    const json = await render(
      `[${tokens.map((token) => `"${withFilter(token, "json")}"`).join(",")}]`,
    );
    expect(JSON.parse(json)).toEqual(values);

    // The shell cannot carry a NUL; every other value comes back byte for byte, through sh.
    const words = values.filter((value) => !value.includes("\0"));
    const wordTokens = tokens.filter((_, i) => !values[i]!.includes("\0"));
    const script = await render(
      `set -- ${wordTokens.map((token) => withFilter(token, "shell")).join(" ")}\nprintf '%s\\0' "$@"\n`,
    );
    const shell = spawnSync("sh", ["-c", script], { encoding: "buffer" });
    expect(shell.status).toBe(0);
    const back = shell.stdout.toString().split("\0").slice(0, -1);
    expect(back).toEqual(words);
  });

  if (!TOFU) missingTool(`the hcl filter's read-back: no ${builtTofu} and S5_TOFU is not set`);
  it.skipIf(!TOFU)(
    "hcl gives back every value through OpenTofu, next to the file's `$` and `{`",
    async () => {
      const box = sandbox();
      const tokens = await tokensFor(values);
      // Each value after the file's `$` and before its `{x}`: a `{` first or `$` last must not join them.
      const text = tokens
        .map((token, i) => {
          const filtered = withFilter(token, "hcl");
          return `locals {\n  a${i} = "$${filtered}"\n  b${i} = "${filtered}{x}"\n}\n`;
        })
        .join("");
      const out = await box.s5(["render", "-"], { input: text, env: { S5_AES_KEY: KEY } });
      expect(out.code).toBe(0);
      const dir = mkdtempSync(join(tmpdir(), "s5-hcl-filter-"));
      try {
        writeFileSync(join(dir, "main.tf"), out.stdout);
        const list = values.map((_, i) => `[local.a${i}, local.b${i}]`).join(", ");
        const tofu = spawnSync(TOFU!, ["console"], {
          cwd: dir,
          input: `base64encode(jsonencode([${list}]))\n`,
          encoding: "utf8",
          env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" },
        });
        expect(tofu.status, tofu.stderr).toBe(0);
        expect(tofu.stdout.trim().startsWith('"'), tofu.stderr.slice(0, 2000)).toBe(true);
        expect(
          JSON.parse(Buffer.from(JSON.parse(tofu.stdout.trim()), "base64").toString()),
        ).toEqual(values.map((v) => [`$${v}`, `${v}{x}`]));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  if (!TOMLLIB)
    process.stderr.write("[toml] SKIPPED the json filter's TOML read-back: no tomllib\n");
  it.skipIf(!TOMLLIB)(
    "json in a TOML basic string gives back every value through tomllib",
    async () => {
      const box = sandbox();
      // DEL (U+007F) is the one character TOML wants escaped and JSON does not: a parse error, loud.
      const kept = values.filter((value) => !value.includes("\u007f"));
      const tokens = await tokensFor(kept);
      const text = tokens.map((token, i) => `v${i} = "${withFilter(token, "json")}"\n`).join("");
      const out = await box.s5(["render", "-"], { input: text, env: { S5_AES_KEY: KEY } });
      expect(out.code).toBe(0);
      const python = spawnSync(
        "python3",
        ["-c", "import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))"],
        { input: out.stdout, encoding: "utf8" },
      );
      expect(python.status, python.stderr).toBe(0);
      const parsed = JSON.parse(python.stdout) as Record<string, string>;
      kept.forEach((value, i) => {
        expect(parsed[`v${i}`], JSON.stringify(value)).toBe(value);
      });
    },
  );
});
