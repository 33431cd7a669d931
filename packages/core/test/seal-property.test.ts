/**
 * `s5 seal` as a hostile user tries it, by the thousand: documents of ordinary text around things
 * that start like a seal marker (`{{` then `s5:`, in any case, with any space, cut short, with
 * odd filters, a `}}` inside the value). Whatever the document, seal either refuses it with a
 * coded error that does not show the value, or leaves no marked value in clear.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cipherValues } from "../src/cipher.ts";
import { S5Error } from "../src/errors.ts";
import { renderSources } from "../src/render.ts";
import { scan } from "../src/scan.ts";
import { openForEdit, sealText } from "../src/seal.ts";
import { testBackends } from "./helpers.ts";

const backends = await testBackends();

/** In every marked value; the plain text around cannot spell it. */
const SENTINEL = "Zq7Sentinel";

const pick = <T>(...items: T[]) => fc.constantFrom(...items);
const SPACES = [
  "",
  " ",
  "  ",
  "\t",
  "\n",
  "\r\n",
  "\u00a0",
  "\u200b",
  "\u3000",
  "\u2028",
  "\ufeff",
];

/** Ordinary text: braces, bars, colons and spaces, but no letter of the sentinel's. */
const plain = fc.string({
  unit: fc.oneof(
    { arbitrary: pick("a", " ", "\n", ":", "s", "5", "x", "é", "\u00a0", '"', "\\"), weight: 12 },
    { arbitrary: pick("{", "}", "|"), weight: 1 },
  ),
  maxLength: 12,
});

/**
 * A value holding the sentinel: bare (with characters that may end it early) or JSON. No `{` in
 * a bare one: `{{ s5:seal x}}{{ .Values.y }}` is a marker and a template's own braces, by design.
 */
const value = fc.oneof(
  fc
    .tuple(fc.string({ unit: pick("a", " ", "|", "}", '"', "\\", "\u00a0", "é"), maxLength: 4 }))
    .map(([around]) => `${around}${SENTINEL}${around.split("").reverse().join("")}`),
  fc.string({ maxLength: 6 }).map((around) => JSON.stringify(`${around}${SENTINEL}\n${around}`)),
  fc.string({ maxLength: 6 }).map((around) => `"${around}${SENTINEL}`),
);

/** Something that starts like a marker: `{{`, some space, `s5:` in some case, then anything. */
const mutated = fc
  .tuple(
    pick(...SPACES),
    pick(
      "s5:seal",
      "S5:seal",
      "s5:SEAL",
      "s5:Seal",
      "s5: seal",
      "s5:seal:",
      "s5:sealx",
      "s5:",
      "s5 seal",
      "s5-seal",
      "s5 :seal",
      "\uff53\uff15\uff1a\uff53\uff45\uff41\uff4c",
    ),
    pick(" ", "  ", "\t", "", "\u00a0", "\u2028", "\n"),
    value,
    pick("", " | base64", " |raw", " | nope", " |", "| json ", " | base64 | raw"),
    pick(...SPACES),
    pick("}}", "}", "", "}}}", "} }", "}} }}", "}}\n}}"),
  )
  // One brace, spaced braces or full-width ones: a marker meant, when `seal` is written as a word
  // (a space or a colon after it). `{s5:sealpw}}` is two characters away, and not looked for.
  // A near miss not read as a token (`{{ s5 seal …`) is looked for with a space after `seal`:
  // `{{ s5 sealpw }}` is two characters away, and not looked for either.
  .map((parts) =>
    /^s5:/i.test(parts[1]) || parts[2] !== ""
      ? parts
      : ([parts[0], parts[1], " ", ...parts.slice(3)] as unknown as typeof parts),
  )
  .chain((parts) =>
    (/(?:seal|\uff53\uff45\uff41\uff4c)[\s:\uff1a]/iu.test(`${parts[1]}${parts[2]}`)
      ? pick("{{", "{", "{ {", "\uff5b\uff5b")
      : pick("{{")
    ).map((open) => [open, ...parts] as const),
  )
  .map(
    ([open, a, word, b, v, filters, c, close]) =>
      `${open}${a}${word}${b}${v}${filters}${c}${close}`,
  );

/** A marker as the grammar has it: bare or JSON value, plain spaces, known filters. */
const valid = fc
  .tuple(
    pick("", " ", "\t"),
    pick(" ", "  ", "\t"),
    fc.oneof(
      fc
        .string({ unit: pick("a", " ", "é", "}", ":", "5", "\u00a0"), maxLength: 6 })
        .map((around) => `x${around}${SENTINEL}${around}x`),
      fc.string({ maxLength: 8 }).map((around) => JSON.stringify(`${around}${SENTINEL}${around}`)),
    ),
    pick("", " | base64", " | json", " | raw", " | base64 | json", " | yaml", " | shell"),
    pick(" ", "", "\t"),
  )
  .map(([a, b, v, filters, c]) => `{{${a}s5:seal${b}${v}${filters}${c}}}`);

const markerish = fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: mutated, weight: 1 });

const documents = fc
  .array(fc.tuple(plain, markerish), { minLength: 1, maxLength: 4 })
  .chain((parts) => plain.map((tail) => parts.flat().join("") + tail));

describe("seal, tried as a hostile user would", () => {
  it("refuses with a code and no value, or leaves no marked value in clear", async () => {
    await fc.assert(
      fc.asyncProperty(documents, async (document) => {
        let sealed: string;
        try {
          ({ text: sealed } = await sealText(document, {
            backends,
            backend: "local",
            name: "f",
            allowEmpty: true,
          }));
        } catch (error) {
          expect(error).toBeInstanceOf(S5Error);
          expect((error as S5Error).code).toMatch(/^S5_/);
          expect((error as S5Error).describe()).not.toContain(SENTINEL);
          return;
        }
        expect(sealed).not.toContain(SENTINEL);
        // What seal wrote reads back: no malformed token, and render succeeds.
        expect(scan(sealed).malformed).toEqual([]);
        await renderSources([{ name: "f", content: Buffer.from(sealed) }], backends);
      }),
      { numRuns: Number(process.env.S5_PROPERTY_RUNS ?? 400) },
    );
  }, 600_000);
});

/** Any value a token may hold as text: quotes, bars, braces, new lines, edges of Unicode space. */
const editable = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({
    unit: pick("a", " ", "|", "}", "{", '"', "\\", "\n", "\t", "\u00a0", "\u200b", "\u2028", "é"),
    maxLength: 10,
  }),
);

/** A document of text and tokens (with filters) as `s5 cipher` and a person would write it. */
const withTokens = fc.array(
  fc.tuple(
    fc.string({ unit: pick("a", " ", "\n", ":", "-", '"', "x", "{", "}", "|"), maxLength: 8 }),
    editable,
    pick([], ["base64"], ["json"], ["raw"], ["base64", "json"]),
  ),
  { minLength: 1, maxLength: 4 },
);

describe("edit, tried as a hostile user would", () => {
  it("opening a file and sealing it again unchanged gives back the same bytes", async () => {
    await fc.assert(
      fc.asyncProperty(withTokens, plain, async (parts, tail) => {
        const tokens = await cipherValues(
          backends,
          "local",
          parts.map(([, value]) => Buffer.from(value)),
          { allowEmpty: true },
        );
        const document =
          parts
            .map(([before, , filters], i) => {
              const token = tokens[i]!;
              const piped = filters.map((name) => ` | ${name}`).join("");
              return `${before}${filters.length > 0 ? token.replace(" }}", `${piped} }}`) : token}`;
            })
            .join("") + tail;
        let copy: Awaited<ReturnType<typeof openForEdit>>;
        try {
          copy = await openForEdit(document, "f", backends);
        } catch (error) {
          // Text around a token that reads as part of it (`{{ s5:… }}}`): refused, never guessed.
          expect(error).toBeInstanceOf(S5Error);
          return;
        }
        const again = await sealText(copy.text, {
          backends,
          backend: "local",
          name: "f",
          from: copy,
          allowEmpty: true,
        });
        expect(again.text).toBe(document);
        expect(again.sealed).toBe(0);
      }),
      { numRuns: Number(process.env.S5_PROPERTY_RUNS ?? 300) },
    );
  }, 600_000);
});
