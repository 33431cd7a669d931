import { describe, expect, it } from "vitest";
import { alignMarkers } from "../src/edit-align.ts";
import { scanMarkers } from "../src/markers.ts";

/** Where each marker of `edited` stood in `copy` (indexes of the copy's markers). */
function align(copy: string, edited: string) {
  return alignMarkers(copy, scanMarkers(copy).markers, edited, scanMarkers(edited).markers);
}

const copy =
  "a: {{ s5:seal 1 }}\nb: {{ s5:seal 2 }}\nc: plain\nd: {{ s5:seal 3 }} {{ s5:seal 4 }}\n";

describe("alignMarkers", () => {
  it("a changed value stays at its place; new lines hold new values", () => {
    expect(align(copy, copy.replace("seal 2", "seal two"))).toEqual([0, 1, 2, 3]);
    expect(align(copy, copy.replace("c: plain\n", "c: plain\nn: {{ s5:seal new }}\n"))).toEqual([
      0,
      1,
      undefined,
      2,
      3,
    ]);
    expect(align(copy, `x: {{ s5:seal 0 }}\n${copy}`)).toEqual([undefined, 0, 1, 2, 3]);
  });

  it("a line rewritten around its value keeps its place; a line removed gives its place to none", () => {
    expect(align(copy, copy.replace("b: {{ s5:seal 2 }}", "bee:  {{ s5:seal 9 }} # x"))).toEqual([
      0, 1, 2, 3,
    ]);
    expect(align(copy, copy.replace("b: {{ s5:seal 2 }}\n", ""))).toEqual([0, 2, 3]);
    // A rewritten line beside a new one: by the text before each marker.
    expect(
      align(copy, copy.replace("b: {{ s5:seal 2 }}", "b: {{ s5:seal 9 }} # x\ne: {{ s5:seal 5 }}")),
    ).toEqual([0, 1, undefined, 2, 3]);
  });

  it("a value moved to another line and changed keeps its place when its line is the only one like it", () => {
    const moved = copy
      .replace("a: {{ s5:seal 1 }}\n", "")
      .replace("c: plain\n", "c: plain\na: {{ s5:seal 7 }}\n");
    expect(align(copy, moved)).toEqual([1, 0, 2, 3]);
    // Its line rewritten too: nothing tells where it was.
    expect(align(copy, moved.replace("a: {{ s5:seal 7", "aa: {{ s5:seal 7"))).toEqual([
      1,
      undefined,
      2,
      3,
    ]);
  });

  it("blocks swapped, their values changed: each value keeps the place under its own block", () => {
    const blocks = "prod:\n  password: {{ s5:seal p }}\ndev:\n  password: {{ s5:seal d }}\n";
    const swapped = "dev:\n  password: {{ s5:seal d2 }}\nprod:\n  password: {{ s5:seal p2 }}\n";
    expect(align(blocks, swapped)).toEqual([1, 0]);
    // TOML sections: the header is the block.
    const toml = "[prod]\npw = {{ s5:seal p }}\n[dev]\npw = {{ s5:seal d }}\n";
    const tomlSwapped = "[dev]\npw = {{ s5:seal d2 }}\n[prod]\npw = {{ s5:seal p2 }}\n";
    expect(align(toml, tomlSwapped)).toEqual([1, 0]);
    // Two lines alike under one block: by their order, as before.
    const list = "hosts:\n  - {{ s5:seal a }}\n  - {{ s5:seal b }}\n";
    expect(align(list, list.replace("seal a", "seal a2"))).toEqual([0, 1]);
  });

  it("pairs a rewritten hunk by the text before each marker, trimmed, from the previous marker's end", () => {
    // A new line above the rewritten one: pairing in order would give `e` the place of `b`.
    expect(
      align(copy, copy.replace("b: {{ s5:seal 2 }}", "e: {{ s5:seal 5 }}\nb: {{ s5:seal 9 }} # x")),
    ).toEqual([0, undefined, 1, 2, 3]);
    // Indented anew: the same text before the marker once trimmed.
    expect(
      align(
        copy,
        copy.replace("b: {{ s5:seal 2 }}", "e: {{ s5:seal 5 }}\n    b:  {{ s5:seal 9 }}"),
      ),
    ).toEqual([0, undefined, 1, 2, 3]);
    // The second of two values on a line: the text since the first, not since the line's start.
    expect(
      align(
        copy,
        copy.replace(
          "d: {{ s5:seal 3 }} {{ s5:seal 4 }}",
          "dd: {{ s5:seal 3 }} {{ s5:seal 8 }}\nn: {{ s5:seal 5 }}",
        ),
      ),
    ).toEqual([0, 1, undefined, 3, undefined]);
    // Two markers with the same text before them: the copy's one marker goes to the first only.
    const one = "x: {{ s5:seal 1 }}\ny: plain\n";
    expect(align(one, "x: {{ s5:seal 9 }} # c\nx:  {{ s5:seal 5 }} # d\ny: plain\n")).toEqual([
      0,
      undefined,
    ]);
  });

  it("a line's context: every block above it, blank lines skipped, a section header at column 0 only", () => {
    const nested =
      "prod:\n  db:\n    password: {{ s5:seal p }}\ndev:\n  db:\n    password: {{ s5:seal d }}\n";
    const nestedSwapped =
      "dev:\n  db:\n    password: {{ s5:seal d2 }}\nprod:\n  db:\n    password: {{ s5:seal p2 }}\n";
    expect(align(nested, nestedSwapped)).toEqual([1, 0]);
    const blank = "prod:\n\n  password: {{ s5:seal p }}\ndev:\n\n  password: {{ s5:seal d }}\n";
    const blankSwapped =
      "dev:\n\n  password: {{ s5:seal d2 }}\nprod:\n\n  password: {{ s5:seal p2 }}\n";
    expect(align(blank, blankSwapped)).toEqual([1, 0]);
    // An indented flow sequence (`[a, b]`) is no TOML section: it does not mark the lines after it.
    const flow =
      "prod:\n  password: {{ s5:seal p }}\n  list:\n    [a, b]\ndev:\n  password: {{ s5:seal d }}\n";
    const flowSwapped =
      "dev:\n  password: {{ s5:seal d2 }}\nprod:\n  password: {{ s5:seal p2 }}\n  list:\n    [a, b]\n";
    expect(align(flow, flowSwapped)).toEqual([1, 0]);
  });

  it("a moved line pairs only with the one copy line of its shape, and only with markers not given", () => {
    // Two lines of the copy alike: which one moved cannot be told.
    const two = "k: {{ s5:seal 1 }}\nk: {{ s5:seal 2 }}\na: 1\nb: 2\nc: 3\n";
    expect(align(two, "a: 1\nb: 2\nc: 3\nk: {{ s5:seal 3 }}\n")).toEqual([undefined]);
    // The copy line kept its place already: a second line like it is new.
    const kept = "a: {{ s5:seal 1 }}\nb: 2\nc: 3\nd: 4\n";
    expect(align(kept, `${kept}a: {{ s5:seal 9 }}\n`)).toEqual([0, undefined]);
    // An edited line that has its place keeps it, though a deleted line was of its shape.
    const placed = [
      "  a: {{ s5:seal 0 }}",
      "  y: {{ s5:seal 1 }}",
      "a: {{ s5:seal 2 }}",
      "d: {{ s5:seal 3 }} {{ s5:seal 4 }}",
      "  y: {{ s5:seal 5 }}",
      "a: {{ s5:seal 6 }}",
    ];
    const withoutThird = placed.filter((_, i) => i !== 2).join("\n");
    expect(align(placed.join("\n"), withoutThird)).toEqual([0, 1, 3, 4, 5, 6]);
  });

  it("the common lines are a longest common subsequence", () => {
    const text =
      "a: {{ s5:seal 1 }}\n  a: {{ s5:seal 2 }}\n  y: {{ s5:seal 3 }}\na: {{ s5:seal 4 }}\n\nx:";
    expect(align(text, "  y: {{ s5:seal 3 }}\na: {{ s5:seal 4 }}\n")).toEqual([2, 3]);
  });

  it("a moved line, the one of its shape, pairs with its own line before a hunk pairs by order", () => {
    // Before: `s` stood where `p` was deleted, and took p's place (and p's backend).
    const moved = "s: {{ s5:seal 1 }}\nz: 1\ny: 2\np: {{ s5:seal 2 }}\n";
    expect(align(moved, "z: 1\ny: 2\ns: {{ s5:seal 3 }}\n")).toEqual([0]);
    // A rewritten line beside it still pairs with what is left of its hunk.
    expect(align(moved, "z: 1\ny: 2\ns: {{ s5:seal 3 }}\np: {{ s5:seal 4 }} # x\n")).toEqual([
      0, 1,
    ]);
  });
});
