/**
 * The escaping filters against the parsers that read their output: hundreds of random values
 * (any Unicode, control characters, quotes, YAML's and the shell's special characters) rendered
 * by the real CLI, then read back by a YAML parser, `sh` and `JSON.parse`. A value that came back
 * different could break out of its place in the file (config injection).
 */
import { spawnSync } from "node:child_process";
import { cipherValues, createBackends, resolveSettings } from "@s5/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { sandbox } from "./run.ts";

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
});
