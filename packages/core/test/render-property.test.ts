/**
 * `s5 render` as a hostile user tries it: documents of text around tokens and things that start
 * like tokens (`{{`, some space, `s5:` in some case, a body cut short or altered, odd filters).
 * Whatever the document, render either fails with a coded error, or writes an output in which
 * nothing that starts like a token is left: a token is never passed through undecrypted.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cipherValues } from "../src/cipher.ts";
import { S5Error } from "../src/errors.ts";
import { renderSources } from "../src/render.ts";
import { testBackends } from "./helpers.ts";

const backends = await testBackends();
const pick = <T>(...items: T[]) => fc.constantFrom(...items);

/** `{{`, any space the scanner knows or not, `s5:` in any case. */
const LEFT_BEHIND = /\{\{[\s\u180e\u200b-\u200d\u2060\ufeff]*s5:/i;

const plain = fc.string({
  unit: fc.oneof(
    { arbitrary: pick("a", " ", "\n", ":", "s", "5", "x", "é", "\u00a0", '"', "|"), weight: 12 },
    { arbitrary: pick("{", "}"), weight: 1 },
  ),
  maxLength: 10,
});

/** A value that cannot spell `s5:` itself. */
const value = fc.string({
  unit: pick("a", " ", "\n", "{", "}", "|", '"', "é", "😀"),
  maxLength: 8,
});

type Change = (token: string) => string;
const changes: Change[] = [
  (t) => t,
  (t) => t,
  (t) => t.replace("s5:", "S5:"),
  (t) => t.replace("{{ ", "{{\u00a0"),
  (t) => t.replace("{{ ", "{{\u200b"),
  (t) => t.replace("{{ ", "{{\u2028"),
  (t) => t.replace("{{ ", "{{\ufeff"),
  (t) => t.replace(" }}", ""),
  (t) => t.replace(" }}", " }"),
  (t) => t.replace(" }}", " | base64 }}"),
  (t) => t.replace(" }}", " | nope }}"),
  (t) => t.replace(" }}", " |}}"),
  (t) => t.slice(0, Math.floor(t.length / 2)),
  (t) => t.replace(/:([^:]*)$/, ":x$1"),
  (t) => t.replace("local:", "locl:"),
  (t) => t.replace("s5:", "s5: "),
  (t) => t.replace("{{ s5:", "{{ s5:{{ s5:"),
];

describe("render, tried as a hostile user would", () => {
  it("fails with a code, or leaves nothing that starts like a token", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(plain, value, fc.nat(changes.length - 1)), {
          minLength: 1,
          maxLength: 4,
        }),
        plain,
        async (parts, tail) => {
          const tokens = await cipherValues(
            backends,
            "local",
            parts.map(([, text]) => Buffer.from(text)),
            { allowEmpty: true },
          );
          const document =
            parts.map(([before, , change], i) => before + changes[change]!(tokens[i]!)).join("") +
            tail;
          let output: string;
          try {
            const [rendered] = await renderSources(
              [{ name: "f", content: Buffer.from(document) }],
              backends,
            );
            output = rendered!.toBuffer().toString();
          } catch (error) {
            expect(error).toBeInstanceOf(S5Error);
            expect((error as S5Error).code).toMatch(/^S5_/);
            return;
          }
          expect(output).not.toMatch(LEFT_BEHIND);
        },
      ),
      { numRuns: Number(process.env.S5_PROPERTY_RUNS ?? 300) },
    );
  }, 600_000);
});
