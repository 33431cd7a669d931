// Tokens moved since an earlier version of the files (`s5 check --base`): the places rule.
import { describe, expect, it } from "vitest";
import { type CurrentFile, comparePlaces, type EarlierFile } from "../src/moved.ts";
import { findTokens } from "../src/render.ts";

/** A Vault token of 30 made-up bytes (never decrypted here), one per letter. */
const token = (letter: string) =>
  `{{ s5:vault:v1:${Buffer.from(letter.repeat(30)).toString("base64")} }}`;

const earlier = (name: string, text: string, now: string | undefined = name): EarlierFile => ({
  name,
  content: Buffer.from(text),
  now,
});

function current(name: string, text: string): CurrentFile {
  const content = Buffer.from(text);
  return { name, content, found: findTokens({ name, content }) };
}

/** Each move as `file:line:col <- file:line:col`. */
function moves(before: EarlierFile[], after: CurrentFile[]): string[] {
  return changes(before, after, "moved");
}

/** The changes of one kind, as `file:line:col <- file:line:col`. */
function changes(before: EarlierFile[], after: CurrentFile[], kind: string): string[] {
  const found = comparePlaces(before, after).filter((change) => change.kind === kind);
  return found.map(({ file, token: moved, from }) => {
    const at = after[file]!.found.lines.locate(moved.start);
    return `${at.file}:${at.line}:${at.column} <- ${from.file}:${from.line}:${from.column}`;
  });
}

describe("comparePlaces", () => {
  it("names a token of a deleted file that stands in another now", () => {
    expect(
      moves(
        [earlier("old.yml", `a: ${token("a")}\n`, undefined), earlier("b.yml", "b: 1\n")],
        [current("b.yml", `b: ${token("a")}\n`)],
      ),
    ).toEqual(["b.yml:1:4 <- old.yml:1:4"]);
  });

  it("is no move where a token's earlier place is gone (a line rewritten around it)", () => {
    const before = `x:\n  a: ${token("a")}\n  b: ${token("b")}\n`;
    // `a`'s line rewritten with another key and a new token beside it: its place is not found.
    const after = `x:\n  renamed: ${token("a")} ${token("n")}\n  b: ${token("b")}\n`;
    expect(moves([earlier("f.yml", before)], [current("f.yml", after)])).toEqual([]);
  });

  it("is no move where a line is rewritten around a token that another changed file holds too", () => {
    const before = [
      earlier("a.yml", `copy: ${token("a")}\nz: 1\n`),
      earlier("f.yml", `x:\n  a: ${token("a")}\n  b: ${token("b")}\n`),
    ];
    const after = [
      current("a.yml", `copy: ${token("a")}\nz: 2\n`),
      current("f.yml", `x:\n  renamed: ${token("a")} ${token("n")}\n  b: ${token("b")}\n`),
    ];
    expect(moves(before, after)).toEqual([]);
  });

  it("names the first place a token stood at when it stood at two", () => {
    const before = [earlier("a.yml", `a: ${token("a")}\n`), earlier("b.yml", `b: ${token("a")}\n`)];
    const after = [
      current("a.yml", "a: 1\n"),
      current("b.yml", "b: 2\n"),
      current("c.yml", `c: ${token("a")}\n`),
    ];
    expect(moves(before, after)).toEqual(["c.yml:1:4 <- a.yml:1:4"]);
  });

  it("is a move from another stretch of lines, however the lines were rewritten", () => {
    const before = `staging:\n  password: ${token("s")}\nproduction:\n  password: ${token("p")}\n`;
    // Both lines rewritten (other keys, a token added), their tokens swapped: no place is found
    // for either, but each stood in the other line's stretch.
    const after = `staging:\n  pw: ${token("p")} ${token("x")}\nproduction:\n  pw: ${token("s")} ${token("y")}\n`;
    expect(moves([earlier("f.yml", before)], [current("f.yml", after)])).toEqual([
      "f.yml:2:7 <- f.yml:4:13",
      "f.yml:4:7 <- f.yml:2:13",
    ]);
  });

  it("is a move where the earlier place holds another token now", () => {
    const before = `a: ${token("a")}\nb: ${token("b")}\nc: ${token("c")}\n`;
    // a → b's place, b's place had b; b is gone, a's place holds a new token.
    const after = `a: ${token("n")}\nb: ${token("a")}\nc: ${token("c")}\n`;
    expect(moves([earlier("f.env", before)], [current("f.env", after)])).toEqual([
      "f.env:2:4 <- f.env:1:4",
    ]);
  });

  it("keeps a token at its place when a copy of it stood elsewhere too", () => {
    const before = [earlier("a.yml", `a: ${token("a")}\n`), earlier("b.yml", `b: ${token("a")}\n`)];
    // b.yml's copy removed; a.yml changed around its token only.
    const after = [current("a.yml", `# note\na: ${token("a")}\n`), current("b.yml", "b: 1\n")];
    expect(moves(before, after)).toEqual([]);
  });

  it("reads a renamed file at its new name", () => {
    const before = [earlier("old.yml", `p: ${token("p")}\nq: ${token("q")}\n`, "new.yml")];
    expect(moves(before, [current("new.yml", `p: ${token("p")}\nq: ${token("q")}\n`)])).toEqual([]);
    expect(moves(before, [current("new.yml", `p: ${token("q")}\nq: ${token("p")}\n`)])).toEqual([
      "new.yml:1:4 <- old.yml:2:4",
      "new.yml:2:4 <- old.yml:1:4",
    ]);
  });

  it("names a new token of another backend where a token stood", () => {
    const local = `{{ s5:local:AAAAAAAA:${Buffer.alloc(80, 7).toString("base64url")} }}`;
    const before = `prod: ${token("p")}\ndev: ${local}\n`;
    // prod's Vault token replaced by a local-key one; dev's local one by another local one.
    const after = `prod: ${local.replace("AAAAAAAA:", "AAAAAAAA:B")}\ndev: ${local.replace("AAAAAAAA:", "AAAAAAAA:C")}\n`;
    expect(current("f.yml", after).found.failures).toEqual([]);
    expect(changes([earlier("f.yml", before)], [current("f.yml", after)], "backend")).toEqual([
      "f.yml:1:7 <- f.yml:1:7",
    ]);
    expect(comparePlaces([earlier("f.yml", before)], [current("f.yml", after)])).toEqual([
      expect.objectContaining({ kind: "backend", was: "vault" }),
    ]);
  });
});
