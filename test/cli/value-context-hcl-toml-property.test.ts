/**
 * The HCL and TOML places against the parsers that read the files: random values made of the
 * characters that matter (quotes, backslashes, line breaks, `$`, `%`, `{`, `#`, `*`, `/`) spliced
 * without a filter into `.tf` and `.toml` templates. Whatever s5 accepts must read back, by
 * OpenTofu (`tofu console`) and Python's `tomllib`, as the value itself where the token stood
 * (the string, or the literal value), with the document's other values unchanged. A TOML
 * document that no longer parses is loud, not silent, and allowed; every accepted HCL document
 * must parse (the check reads them all in one run). Each tool missing skips its half, with a
 * message on stderr.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cipherValues, createBackends, renderSources, resolveSettings } from "@s5/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { missingTool, toolsDir } from "../iac/tools.ts";

const KEY = "cc6af4c2bf251c1cce0aebdbd39dc91d";
const built = join(toolsDir, "bin/tofu");
const TOFU = process.env.S5_TOFU || (existsSync(built) ? built : undefined);
const PYTHON = spawnSync("python3", ["-c", "import tomllib"]).status === 0;

const CHARS = [
  ..."abcXYZ019 ",
  ..."\t\n\r'\"\\#:-,[]{}$%*/=.~",
  "\r\n",
  "é",
  "\u00a0",
  "EOT",
  "  ",
];
const values = [
  ...["123", "-1.5e3", "true", "abc", "x y", "abc\n", "[1, 2]", '"q"', "a$", "{b", "  c"],
  ...fc.sample(fc.string({ unit: fc.constantFrom(...CHARS), minLength: 1, maxLength: 12 }), {
    numRuns: 300,
    seed: 7,
  }),
];

/** Reads every document's three values with one `tofu console` (all in one file, each its own block);
 * base64 keeps the console's quoting out of the way. */
function readHcl(dir: string, docs: { text: string; i: number }[]) {
  writeFileSync(join(dir, "main.tf"), docs.map((doc) => doc.text).join(""));
  const list = docs.map(({ i }) => `[local.b_${i}, local.s_${i}, local.a_${i}]`).join(", ");
  const out = spawnSync(TOFU!, ["console"], {
    cwd: dir,
    input: `base64encode(jsonencode([${list}]))\n`,
    encoding: "utf8",
    env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" },
  });
  // An error in the configuration may still exit 0, with the result unknown: not a string then.
  const status = out.status === 0 && out.stdout.trim().startsWith('"') ? 0 : 1;
  return { status, stdout: out.stdout, stderr: out.stderr };
}

async function render(name: string, template: string, tokens: string[]) {
  await using backends = createBackends(resolveSettings({ env: { S5_AES_KEY: KEY } }));
  const out: (string | undefined)[] = [];
  for (const token of tokens) {
    try {
      const [text] = await renderSources(
        [{ name, content: Buffer.from(template.replace("@", token)) }],
        backends,
      );
      out.push(text!.toBuffer().toString());
    } catch (error) {
      expect((error as { code?: string }).code).toBe("S5_VALUE_CONTEXT");
      out.push(undefined);
    }
  }
  return out;
}

/** What `<<-` makes of a value on a line indented by `indent`: later lines lose that much. */
function flushed(value: string, indent: number): string {
  const [first, ...rest] = value.split("\n");
  const lines = rest.map((line) => (/^\s*$/.test(line) ? line : line.slice(indent)));
  return `${[first, ...lines].join("\n")}\n`;
}

/** A literal value as HCL and JSON both read it. */
const literal = (value: string): unknown => JSON.parse(value.replace(/^(-?)0+(?=\d)/, "$1"));

// `I` is each copy's number: every rendered document becomes one `locals` block of one file.
const HCL: { template: string; expect: (value: string) => unknown }[] = [
  { template: 'locals {\n  b_I = 1\n  s_I = "@"\n  a_I = 2\n}\n', expect: (v) => v },
  {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL's interpolation, on purpose
    template: 'locals {\n  b_I = 1\n  s_I = "${"<"}@${">"}"\n  a_I = 2\n}\n',
    expect: (v) => `<${v}>`,
  },
  { template: 'locals {\n  b_I = 1\n  s_I = "@{x}"\n  a_I = 2\n}\n', expect: (v) => `${v}{x}` },
  {
    template: "locals {\n  b_I = 1\n  s_I = <<EOT\n@\nEOT\n  a_I = 2\n}\n",
    expect: (v) => `${v}\n`,
  },
  {
    template: "locals {\n  b_I = 1\n  s_I = <<-EOT\n    @\n    EOT\n  a_I = 2\n}\n",
    expect: (v) => flushed(v, 4),
  },
  { template: "locals {\n  b_I = 1\n  s_I = @\n  a_I = 2\n}\n", expect: (v) => literal(v.trim()) },
  {
    template: "locals {\n  b_I = 1\n  s_I = [@]\n  a_I = 2\n}\n",
    expect: (v) => [literal(v.trim())],
  },
  { template: "locals {\n  b_I = 1 # @\n  s_I = 0\n  a_I = 2\n}\n", expect: () => 0 },
  { template: "locals {\n  b_I = 1 /* @ */\n  s_I = 0\n  a_I = 2\n}\n", expect: () => 0 },
];

/** A TOML parser may read a multi-line string's CR LF as LF (tomllib does): the spec allows it. */
const lf = (value: string) => value.replaceAll("\r\n", "\n");

/** What the value is read as, or for a value in an array or alone, how it may look. */
const TOML: { template: string; expect: ((value: string) => unknown) | "one" | "pair" }[] = [
  { template: 'before = 1\nsecret = "@"\nafter = 2\n', expect: (v) => v },
  { template: "before = 1\nsecret = '@'\nafter = 2\n", expect: (v) => v },
  { template: 'before = 1\nsecret = """\n@"""\nafter = 2\n', expect: lf },
  { template: 'before = 1\nsecret = """@ x"""\nafter = 2\n', expect: (v) => `${lf(v)} x` },
  { template: "before = 1\nsecret = '''\n@'''\nafter = 2\n", expect: lf },
  { template: "before = 1\nsecret = @\nafter = 2\n", expect: "one" },
  { template: "before = 1\nsecret = [0, @]\nafter = 2\n", expect: "pair" },
  { template: "before = 1\n# @\nsecret = 0\nafter = 2\n", expect: () => 0 },
];

/** A token of each value (the AES backend: no key file, no server). */
async function aesTokens(): Promise<string[]> {
  await using backends = createBackends(resolveSettings({ env: { S5_AES_KEY: KEY } }));
  return cipherValues(
    backends,
    "aes",
    values.map((value) => Buffer.from(value)),
    { allowEmpty: true },
  );
}

describe("HCL and TOML values judged by their place, read back by OpenTofu and tomllib", () => {
  if (!TOFU) missingTool(`the HCL read-back: no ${built} and S5_TOFU is not set`);
  it.skipIf(!TOFU)("HCL: accepted values read back as themselves, the rest unchanged", async () => {
    const tokens = await aesTokens();
    const dir = mkdtempSync(join(tmpdir(), "s5-hcl-"));
    try {
      for (const { template, expect: want } of HCL) {
        const rendered = await render("main.tf", template, tokens);
        let kept = values.flatMap((value, i) =>
          rendered[i] === undefined
            ? []
            : [{ value, text: rendered[i]!.replaceAll("_I", `_${i}`), i }],
        );
        // A document that no longer parses is loud, and allowed: the ones tofu names are left
        // out and the rest read again (a bare word is not looked at: `x y`, see docs/decisions.md).
        let out = readHcl(dir, kept);
        for (let round = 0; out.status !== 0 && round < 20; round++) {
          const lines = [...out.stderr.matchAll(/on main\.tf line (\d+)/g)].map((m) =>
            Number(m[1]),
          );
          let line = 1;
          const bad = new Set<number>();
          for (const doc of kept) {
            const end = line + doc.text.split("\n").length - 1;
            if (lines.some((at) => at >= line && at < end)) bad.add(doc.i);
            line = end;
          }
          if (bad.size === 0) break;
          kept = kept.filter((doc) => !bad.has(doc.i));
          out = readHcl(dir, kept);
        }
        expect(out.status, `${template}\n${out.stderr}`).toBe(0);
        expect(kept.length, template).toBeGreaterThan(2);
        const read = JSON.parse(
          Buffer.from(JSON.parse(out.stdout.trim()), "base64").toString(),
        ) as unknown[][];
        kept.forEach(({ value }, j) => {
          expect(read[j], `${JSON.stringify(value)} in ${JSON.stringify(template)}`).toEqual([
            1,
            want(value),
            2,
          ]);
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Python is no tool the CI builds (S5_REQUIRE_IAC_TOOLS does not ask for it): said, and skipped.
  if (!PYTHON) process.stderr.write("[toml] SKIPPED the TOML read-back: no python3 with tomllib\n");
  it.skipIf(!PYTHON)(
    "TOML: accepted values read back as themselves, the rest unchanged",
    async () => {
      const tokens = await aesTokens();
      for (const { template, expect: want } of TOML) {
        const rendered = await render("config.toml", template, tokens);
        const script =
          "import json, sys, tomllib\n" +
          "out = []\n" +
          "for text in json.load(sys.stdin):\n" +
          "    try: out.append(tomllib.loads(text))\n" +
          "    except Exception: out.append(None)\n" +
          "print(json.dumps(out, default=str))\n";
        const docs = rendered.filter((text) => text !== undefined);
        const out = spawnSync("python3", ["-c", script], {
          input: JSON.stringify(docs),
          encoding: "utf8",
        });
        expect(out.status, out.stderr).toBe(0);
        const read = JSON.parse(out.stdout) as (Record<string, unknown> | null)[];
        let parsed = 0;
        let j = 0;
        values.forEach((value, i) => {
          if (rendered[i] === undefined) return;
          const doc = read[j++];
          if (!doc) return; // no longer parses: loud
          parsed++;
          const where = `${JSON.stringify(value)} in ${JSON.stringify(template)}: ${JSON.stringify(doc)}`;
          expect(Object.keys(doc).sort(), where).toEqual(["after", "before", "secret"]);
          expect([doc.before, doc.after], where).toEqual([1, 2]);
          if (want === "pair") expect((doc.secret as unknown[]).length, where).toBe(2);
          else if (want === "one") {
            // One value: a scalar or an array, never a table.
            expect(Array.isArray(doc.secret) || typeof doc.secret !== "object", where).toBe(true);
          } else expect(doc.secret, where).toEqual(want(value));
        });
        expect(parsed, template).toBeGreaterThan(2);
      }
    },
  );
});
