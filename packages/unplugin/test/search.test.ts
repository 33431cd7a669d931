import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formsOf } from "../src/core/leaks.ts";
import { multiSearch } from "../src/core/search.ts";

const naive = (text: string, patterns: string[]) =>
  patterns.some((pattern) => pattern.length > 0 && text.includes(pattern));

describe("multiSearch: many patterns in one pass", () => {
  it("agrees with String.includes on random texts and patterns (a small alphabet with the characters regular expressions treat specially)", () => {
    const letters = fc.constantFrom(
      "a",
      "b",
      "c",
      "\u00e9",
      "\u{1f511}",
      ".",
      "*",
      "\\",
      "(",
      "|",
      "$",
      "[",
    );
    const word = (max: number) => fc.array(letters, { maxLength: max }).map((l) => l.join(""));
    fc.assert(
      fc.property(word(300), fc.array(word(20), { maxLength: 40 }), (text, patterns) => {
        expect(multiSearch(patterns).containsAny(text)).toBe(naive(text, patterns));
      }),
      { numRuns: 2000 },
    );
  });

  it("finds a pattern at the very start and the very end, and none in a shorter text", () => {
    const search = multiSearch(["secret-value", "other"]);
    expect(search.containsAny("secret-value; and more")).toBe(true);
    expect(search.containsAny("x = 'other'")).toBe(true);
    expect(search.containsAny("x = 'othe")).toBe(false);
    expect(search.containsAny("…ends with other")).toBe(true);
    expect(search.containsAny("secret")).toBe(false);
    expect(multiSearch([]).containsAny("anything")).toBe(false);
    expect(multiSearch([""]).containsAny("anything")).toBe(false);
  });

  it("finds every form of 100 secrets in a large chunk, wherever one is planted", () => {
    const values = Array.from(
      { length: 100 },
      (_, i) => `server-value-${i}-ü"/${"x".repeat(i % 17)}`,
    );
    const forms = values.flatMap(formsOf);
    const chunk = "function f(a){return a+1}\n".repeat(1000);
    const search = multiSearch(forms);
    expect(search.containsAny(chunk)).toBe(false);
    for (const form of forms.filter((_, i) => i % 5 === 0)) {
      const at = (form.length * 7919) % chunk.length;
      expect(search.containsAny(chunk.slice(0, at) + form + chunk.slice(at))).toBe(true);
    }
  });
});
