import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MIN_REDACTED_LENGTH, Redactor } from "../src/redact.ts";

/** Feeds `text` in the given pieces and returns everything written. */
function through(redactor: Redactor, text: string, cuts: number[]): string {
  const bytes = Buffer.from(text);
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const point of [...points, bytes.length]) {
    out.push(redactor.push(bytes.subarray(last, point)));
    last = point;
  }
  out.push(redactor.end());
  return Buffer.concat(out).toString();
}

describe("Redactor", () => {
  it("replaces every secret, wherever the chunks are cut (property)", () => {
    const secret = fc.string({
      minLength: MIN_REDACTED_LENGTH,
      maxLength: 12,
      unit: fc.constantFrom("a", "b", "c", "é", "🔑"),
    });
    fc.assert(
      fc.property(
        fc.array(secret, { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.nat(2)), { maxLength: 12 }),
        fc.array(fc.nat(200), { maxLength: 10 }),
        (secrets, parts, cuts) => {
          const text = parts
            .map((part) => (typeof part === "number" ? secrets[part % secrets.length] : part))
            .join("");
          const whole = new Redactor(secrets);
          const expected = Buffer.concat([whole.push(Buffer.from(text)), whole.end()]).toString();
          const chunked = through(new Redactor(secrets), text, cuts);
          expect(chunked).toBe(expected);
          for (const value of secrets) expect(chunked).not.toContain(value);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("holds back only a possible start of a secret, so ordinary output is not delayed", () => {
    const redactor = new Redactor(["hunter2-secret"]);
    expect(redactor.push(Buffer.from("listening on 3000\n")).toString()).toBe(
      "listening on 3000\n",
    );
    expect(redactor.push(Buffer.from("pass=hunt")).toString()).toBe("pass=");
    expect(redactor.push(Buffer.from("er2-secret!")).toString()).toBe("[REDACTED]!");
    expect(redactor.push(Buffer.from("hunter")).toString()).toBe("");
    expect(redactor.end().toString()).toBe("hunter");
  });

  it("prefers the longer secret when one starts another", () => {
    const redactor = new Redactor(["abcd", "abcdefgh"], { replacement: "*" });
    expect(through(redactor, "xabcdefghy abcdz", [3, 6])).toBe("x*y *z");
  });

  it(`ignores values shorter than ${MIN_REDACTED_LENGTH} characters`, () => {
    const redactor = new Redactor(["1", "on", "yes"]);
    expect(redactor.active).toBe(false);
    expect(redactor.push(Buffer.from("1 on yes")).toString()).toBe("1 on yes");
  });
});
