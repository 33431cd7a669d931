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

  it("a value moved to another line and changed has no place", () => {
    const moved = copy
      .replace("a: {{ s5:seal 1 }}\n", "")
      .replace("c: plain\n", "c: plain\na: {{ s5:seal 7 }}\n");
    expect(align(copy, moved)).toEqual([1, undefined, 2, 3]);
  });
});
