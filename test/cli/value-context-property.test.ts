/**
 * The rules that judge a value by its place, against the parsers that read the files: thousands of
 * random values (made of the characters that matter: line breaks, quotes, `#`, `:`, indicators)
 * spliced without a filter into YAML, JSON and `.env` templates. Whatever s5 accepts must not
 * change the document's structure when a YAML parser, `JSON.parse` or dotenv (the loader's) reads
 * it back: the same keys, the same other values, a scalar where the token stood. A document that no
 * longer parses is loud, not silent, and allowed; the test also counts that most accepted values
 * do parse, so it is not empty.
 */
import { createRequire } from "node:module";
import { cipherValues, createBackends, renderSources, resolveSettings } from "@s5/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

const loaderRequire = createRequire(new URL("../../packages/loader/package.json", import.meta.url));
const dotenv = loaderRequire("dotenv") as { parse(text: string): Record<string, string> };

const KEY = "cc6af4c2bf251c1cce0aebdbd39dc91d";
const SLOT = "VALUE_SLOT";

const CHARS = [
  ..."abcXYZ019 ",
  ..."\t\n\r'\"\\#:-?,[]{}&*!|>%@`/=.",
  "\r\n",
  "é",
  "\u2028",
  "\u0085",
];
const values = [
  // Values every template takes, so that each is read back a few times.
  ...["123", "true", "abc", "x y", "abc\n", '{"a": 1}', "[1]", "null"],
  ...fc.sample(fc.string({ unit: fc.constantFrom(...CHARS), minLength: 1, maxLength: 12 }), {
    numRuns: 300,
    seed: 11,
  }),
];

const TEMPLATES: Record<"yaml" | "json" | "env", string[]> = {
  yaml: [
    "before: 1\nsecret: @\nafter: 2\n",
    "before: 1\nsecret: '@'\nafter: 2\n",
    'before: 1\nsecret: "@"\nafter: 2\n',
    "before: 1\nsecret: |\n  @\nafter: 2\n",
    "before: 1\nsecret: >-\n    @\nafter: 2\n",
    "before: 1\nlist:\n  - @\n  - x\nafter: 2\n",
    "before: 1\nflow: [@, x]\nafter: 2\n",
    "before: 1\nmap: {a: @, b: x}\nafter: 2\n",
    "before: 1\n# @\nafter: 2\n",
    "before: 1\nsecret: pre @ post\nafter: 2\n",
    "@: key\nafter: 2\n",
  ],
  json: [
    '{"before": 1, "secret": "@", "after": 2}',
    '{"before": 1, "secret": @, "after": 2}',
    "[1, @, 2]",
    '{"before": 1, "@": 3, "after": 2}',
  ],
  env: [
    "BEFORE=1\nSECRET=@\nAFTER=2\n",
    "BEFORE=1\nSECRET='@'\nAFTER=2\n",
    'BEFORE=1\nSECRET="@"\nAFTER=2\n',
    "BEFORE=1\nSECRET=`@`\nAFTER=2\n",
    "BEFORE=1\nSECRET=@ # note\nAFTER=2\n",
    "BEFORE=1\n# @\nAFTER=2\n",
    "BEFORE=1\nSECRET=pre@post\nAFTER=2\n",
  ],
};

const NAMES = { yaml: "v.yml", json: "v.json", env: ".env" };

function read(kind: keyof typeof TEMPLATES, text: string): unknown {
  if (kind === "yaml") return parseYaml(text, { uniqueKeys: true });
  if (kind === "json") return JSON.parse(text);
  return dotenv.parse(text);
}

/**
 * Whether `actual` has the structure of `expected`, where a string holding the slot may be any
 * scalar (any JSON value in bare JSON) and a key holding it any string.
 */
function sameShape(expected: unknown, actual: unknown, bareJson: boolean): boolean {
  if (typeof expected === "string" && expected.includes(SLOT)) {
    return bareJson || actual === null || typeof actual !== "object";
  }
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, i) => sameShape(item, actual[i], bareJson))
    );
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    const want = Object.entries(expected);
    const got = actual as Record<string, unknown>;
    if (want.length !== Object.keys(got).length) return false;
    // Compared by name, not order: JavaScript puts integer-like keys (`123`) first.
    const named = new Set(want.map(([key]) => key).filter((key) => !key.includes(SLOT)));
    return want.every(([key, item]) => {
      if (!key.includes(SLOT))
        return Object.hasOwn(got, key) && sameShape(item, got[key], bareJson);
      const other = Object.keys(got).find((name) => !named.has(name));
      return other !== undefined && sameShape(item, got[other], bareJson);
    });
  }
  return Object.is(expected, actual);
}

describe("values judged by their place, read back by the files' parsers", () => {
  it("never change a document's structure when accepted", async () => {
    await using backends = createBackends(resolveSettings({ env: { S5_AES_KEY: KEY } }));
    const tokens = await cipherValues(
      backends,
      "aes",
      values.map((value) => Buffer.from(value)),
      { allowEmpty: true },
    );
    for (const kind of ["yaml", "json", "env"] as const) {
      for (const template of TEMPLATES[kind]) {
        const bare = kind === "json" && !template.includes('"@"');
        const expected = read(kind, template.replace("@", bare ? `"${SLOT}"` : SLOT));
        let accepted = 0;
        let parsed = 0;
        for (const [i, value] of values.entries()) {
          const content = Buffer.from(template.replace("@", tokens[i]!));
          let text: string;
          try {
            const [out] = await renderSources([{ name: NAMES[kind], content }], backends);
            text = out!.toBuffer().toString();
          } catch (error) {
            expect((error as { code?: string }).code).toBe("S5_VALUE_CONTEXT");
            continue;
          }
          accepted++;
          let actual: unknown;
          try {
            actual = read(kind, text);
          } catch {
            continue; // no longer parses: loud
          }
          parsed++;
          expect(
            sameShape(expected, actual, bare),
            `${JSON.stringify(value)} in ${JSON.stringify(template)} read as ${JSON.stringify(actual)}`,
          ).toBe(true);
        }
        // Not empty: a good share of the values is accepted and read back.
        expect(parsed, template).toBeGreaterThan(2);
        expect(accepted).toBeGreaterThanOrEqual(parsed);
      }
    }
  });
});
