import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formsOf } from "../src/core/leaks.ts";
import { MIN_CUT, multiSearch, type Range } from "../src/core/search.ts";

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

/** Every occurrence of every pattern, as ranges merged where they overlap (the slow way). */
function naiveCovered(text: string, patterns: string[]): Range[] {
  const hit = new Array<boolean>(text.length).fill(false);
  for (const pattern of patterns) {
    if (pattern.length === 0) continue;
    for (let at = text.indexOf(pattern); at !== -1; at = text.indexOf(pattern, at + 1)) {
      for (let i = at; i < at + pattern.length; i++) hit[i] = true;
    }
  }
  // Overlapping matches merge; matches that only touch stay apart, so compare by occurrences.
  return hit.flatMap((on, i) => (on ? [i] : [])).map((i): Range => [i, i + 1]);
}
const positions = (ranges: Range[]) => ranges.flatMap(([start, end]) => range(start, end));
const range = (start: number, end: number) =>
  Array.from({ length: end - start }, (_, i) => start + i);

describe("multiSearch.covered: where the patterns are", () => {
  it("covers exactly the characters String.indexOf finds, on random texts and patterns", () => {
    const letters = fc.constantFrom("a", "b", "c", "\u{1f511}", "…", ".");
    const word = (max: number) => fc.array(letters, { maxLength: max }).map((l) => l.join(""));
    fc.assert(
      fc.property(word(200), fc.array(word(12), { maxLength: 30 }), (text, patterns) => {
        const ranges = multiSearch(patterns).covered(text);
        expect(positions(ranges)).toEqual(positions(naiveCovered(text, patterns)));
        // In order, and never overlapping.
        for (let i = 1; i < ranges.length; i++)
          expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
      }),
      { numRuns: 1000 },
    );
  });

  it("with cuts: a run of 8 or more characters that starts a pattern, before `…` or `...`", () => {
    const search = multiSearch(["sk_live_0123456789abcdef"]);
    expect(search.covered('x = "sk_live_0123…', true)).toEqual([[5, 17]]);
    expect(search.covered('x = "sk_live_0123...', true)).toEqual([[5, 17]]);
    // Shorter than MIN_CUT, not followed by an ellipsis, or cuts not asked for: left alone.
    expect(search.covered('x = "sk_live…', true)).toEqual([]);
    expect(search.covered('x = "sk_live_0123"', true)).toEqual([]);
    expect(search.covered('x = "sk_live_0123…')).toEqual([]);
    expect(MIN_CUT).toBe(8);
  });

  it("builds and searches for a 4 MB pattern and for 20,000 patterns (no regular expression to overflow)", () => {
    const long = "Zq9/".repeat(1_000_000);
    expect(multiSearch([long]).covered(`a${long}b`)).toEqual([[1, long.length + 1]]);
    const many = Array.from({ length: 20_000 }, (_, i) => `value-${i}-${(i * 7919) % 10007}`);
    const search = multiSearch(many.flatMap(formsOf));
    const text = `${"x".repeat(100_000)}${many[12_345]}y`;
    expect(search.covered(text)).toEqual([[100_000, 100_000 + many[12_345]!.length]]);
  });
});
