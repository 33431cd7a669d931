import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cipherValues } from "../src/cipher.ts";
import { renderSources } from "../src/render.ts";
import { type ScanStats, scan, scanInPlace, spliceBytes } from "../src/scan.ts";
import { testBackends } from "./helpers.ts";

const backends = await testBackends();

// Arbitrary Unicode including "}}", newlines and NUL.
const secret = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("a", "\u2028", "\u2029", '"', "\\"), maxLength: 10 }),
  fc.string({
    unit: fc.constantFrom("}", "{", "\n", "\r", "\0", " ", "|", "s", "5", ":", "é", "😀"),
    maxLength: 40,
  }),
);

describe("properties", () => {
  it("every value round-trips through a token, for every backend and filter", async () => {
    await fc.assert(
      fc.asyncProperty(secret, fc.constantFrom("local", "aes"), async (value, backend) => {
        const plaintext = Buffer.from(value);
        const [raw, json, b64] = await cipherValues(
          backends,
          backend as "local",
          [plaintext, plaintext, plaintext],
          { allowEmpty: true },
        );
        const text = `${raw}\n"${json!.replace(" }}", " | json }}")}"\n${b64!.replace(" }}", " | base64 }}")}`;
        const [out] = await renderSources([{ name: "p", content: Buffer.from(text) }], backends);
        const rendered = out!.toBuffer();
        const expected = Buffer.concat([
          plaintext,
          // The json filter also escapes U+2028/U+2029 (valid JSON, safe in JavaScript too).
          Buffer.from(
            `\n${JSON.stringify(value)
              .replace(/\u2028/g, "\\u2028")
              .replace(/\u2029/g, "\\u2029")}\n${plaintext.toString("base64")}`,
          ),
        ]);
        expect(rendered.equals(expected)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("render changes no byte outside tokens", async () => {
    const tokens = await cipherValues(
      backends,
      "aes",
      ["one", "two", "three"].map((v) => Buffer.from(v)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 60 }), fc.integer({ min: 0, max: 2 })), {
          maxLength: 8,
        }),
        fc.uint8Array({ maxLength: 60 }),
        async (parts, tail) => {
          const input = Buffer.concat([
            ...parts.flatMap(([bytes, i]) => [bytes, Buffer.from(tokens[i]!)]),
            tail,
          ]);
          // Random bytes may themselves look like a token start; only inputs where exactly our tokens are seen count.
          fc.pre(scan(input).malformed.length === 0 && scan(input).tokens.length === parts.length);
          const expected = Buffer.concat([
            ...parts.flatMap(([bytes, i]) => [bytes, Buffer.from(["one", "two", "three"][i]!)]),
            tail,
          ]);
          const [out] = await renderSources([{ name: "b", content: input }], backends);
          expect(out!.toBuffer().equals(expected)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the scanner never throws and finds what it reports where it says", () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom("{", "}", " ", "s", "5", ":", "A", "|", "b", "\n", "="),
        }),
        (text) => {
          const { tokens, malformed } = scan(text);
          for (const token of tokens) {
            expect(text.slice(token.start, token.end)).toMatch(/^\{\{\s*s5:[\s\S]*\}\}$/);
            expect(text.slice(token.start, token.end)).toContain(token.body);
          }
          for (const bad of malformed) expect(text.startsWith("{{", bad.start)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("finds the same tokens and malformed tokens reading bytes in place as reading a string", () => {
    // Strings and small byte sources go through the compiled matchers (candidates, then whole
    // well-formed tokens); large byte sources through the character loop alone. Both must agree
    // on everything, messages included.
    const unit = fc.constantFrom(
      "{{",
      "}}",
      "{{ s5:",
      "{{s5:",
      "{{ vault:v1:",
      "{{ S5:",
      "s5:",
      "vault:v",
      "aes:",
      "local:k1:",
      " | json",
      "|",
      "{",
      "}",
      " ",
      "\t",
      "\n",
      "\r",
      "\f",
      "\u000b",
      "A",
      "z",
      "9",
      "=",
      "+",
      "/",
      "-",
      ".",
      ":",
      "_",
      "\u00a0",
      "\u2003",
      "\u200b",
      "\ufeff",
      "é",
      "😀",
    );
    const view = (result: ReturnType<typeof scan>) => ({
      tokens: result.tokens.map(({ start, end, body, bodyStart, bodyEnd, filters }) => ({
        start,
        end,
        body,
        bodyStart,
        bodyEnd,
        filters,
      })),
      malformed: result.malformed,
      malformedCount: result.malformedCount,
    });
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (text) => {
        const utf8 = Buffer.from(text, "utf8");
        expect(view(scan(utf8))).toEqual(view(scanInPlace(utf8)));
        // The same characters one byte each (a Unicode space then arrives as one byte, 0xa0).
        const latin1 = Buffer.from(text, "latin1");
        expect(view(scan(latin1))).toEqual(view(scanInPlace(latin1)));
      }),
      { numRuns: 5000 },
    );
  });

  it("a spliced output copied into chunks is the same bytes, in chunks no larger than asked", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.tuple(fc.nat(300), fc.nat(20), fc.uint8Array({ maxLength: 40 })), {
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 64 }),
        (source, cuts, size) => {
          // Non-overlapping matches in order, each replaced by its value.
          const matches: { start: number; end: number }[] = [];
          const values: Uint8Array[] = [];
          let at = 0;
          for (const [skip, width, value] of cuts) {
            const start = Math.min(at + skip, source.length);
            const end = Math.min(start + width, source.length);
            matches.push({ start, end });
            values.push(value);
            at = end;
          }
          const spliced = spliceBytes(source, matches, values);
          const chunks = [...spliced.chunks(size)];
          expect(Buffer.concat(chunks).equals(spliced.toBuffer())).toBe(true);
          for (const chunk of chunks) {
            expect(chunk.byteLength).toBeGreaterThan(0);
            // Larger only when one piece is larger, passed on as it is.
            if (chunk.byteLength > size) {
              const big = [...spliced].some((piece) => Buffer.from(piece).equals(chunk));
              expect(big).toBe(true);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("stays linear on 1 MB adversarial inputs", () => {
    const size = 1 << 20;
    const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    const adversarial = [
      fill("{"),
      fill("{{ s5:"),
      fill("{{"),
      `{{ s5:${fill("A")}`,
      // The string way's expression reads the spaces after `{{` once for both of its ways (a
      // token, a candidate): a version that tried each split of them between the two never
      // finished the first of these.
      `{{${fill(" ")}`,
      `{{${fill(" \u00a0")}`,
      `{{${fill(" ")}}}`,
      fill("{{ \u00a0 "),
      fill("{{ s5:A |"),
      fill("{{ s5:A | b "),
      fill("{{s5:A}"),
      fill("{{ s5:AAAAAAAAAAAAAAAA  "),
      fill("{{ s5:A}}"),
      fill("{{ vault:v1:A"),
      `{{ vault:v9:${fill("A")}`,
    ];
    for (const input of adversarial) {
      const stats: ScanStats = { steps: 0 };
      scan(input, stats);
      // Each character is looked at a bounded number of times: the work is at most a small multiple of the size.
      expect(stats.steps).toBeLessThanOrEqual(3 * input.length);
    }
  });
});
