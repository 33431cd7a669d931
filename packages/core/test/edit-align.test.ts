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
});
