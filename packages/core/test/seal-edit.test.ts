// An edit sealed again (`s5 edit`, seal.ts's keepOrPlace/unplacedValues): which token a marker
// keeps and which backend a changed value is sealed with. The end-to-end tests run the editor; these
// reach the cases they do not, each found by a mutation that no test caught.
import { describe, expect, it } from "vitest";
import type { BackendName } from "../src/backend.ts";
import { cipherValues } from "../src/cipher.ts";
import { openForEdit, sealText } from "../src/seal.ts";
import { testBackends } from "./helpers.ts";

const backends = await testBackends();

async function token(backend: BackendName, value: string, filters?: string[]) {
  const [out] = await cipherValues(backends, backend, [Buffer.from(value)], { filters });
  return out!;
}

/** The tokens of `text`, in order. */
const tokensOf = (text: string) => text.match(/\{\{ s5:[^}]*\}\}/g) ?? [];
const backendOf = (token: string) => /^\{\{ s5:(\w+):/.exec(token)![1];

/** Opens `file` for an edit, applies `change` to the copy, seals it with `backend` for new values. */
async function edit(file: string, change: (copy: string) => string, backend: BackendName) {
  const from = await openForEdit(file, "f.yml", backends);
  return sealText(change(from.text), { backends, backend, name: "f.yml", from });
}

describe("where new values went (SealResult.destinations)", () => {
  it("one entry per backend used, with its key and readers, in the order of the values", async () => {
    const localKey = /^\{\{ s5:local:([\w-]+):/.exec(await token("local", "k"))![1];
    const file = `a: ${await token("aes", "a1")}\nb: ${await token("local", "l1")}\nc: ${await token("aes", "c1")}\n`;
    const out = await edit(
      file,
      (copy) =>
        `${copy.replace("seal a1", "seal a2").replace("seal l1", "seal l2").replace("seal c1", "seal c2")}d: {{ s5:seal n }}\n`,
      "local",
    );
    expect(out.destinations).toEqual([
      { to: { backend: "aes" }, count: 2 },
      { to: { backend: "local", key: localKey, recipients: 1 }, count: 2 },
    ]);
    const unchanged = await edit(file, (copy) => copy, "local");
    expect(unchanged.destinations).toEqual([]);
  });
});

describe("an edit sealed again", () => {
  it("a filter changed on a value that did not change is a new token with that filter", async () => {
    const file = `a: ${await token("aes", "dmFsdWU=")}\n`;
    const out = await edit(file, (copy) => copy.replace(" }}", " | base64 }}"), "local");
    const [sealed] = tokensOf(out.text);
    expect(sealed).toContain("| base64");
    expect(backendOf(sealed!)).toBe("aes");
    expect(out).toMatchObject({ sealed: 1, kept: 0 });
  });

  it("a value written twice keeps its token once; the second is sealed anew", async () => {
    const a = await token("local", "twice");
    const out = await edit(`a: ${a}\n`, (copy) => `${copy}b: {{ s5:seal twice }}\n`, "local");
    const [first, second] = tokensOf(out.text);
    expect(first).toBe(a);
    expect(second).not.toBe(a);
    expect(out).toMatchObject({ sealed: 1, kept: 1 });
  });

  it("a changed value found in two removed tokens keeps the one of its place's backend", async () => {
    const [a, b, c] = [await token("aes", "x"), await token("local", "y"), await token("aes", "y")];
    const file = `a: ${a}\nb: ${b}\nc: ${c}\n`;
    const out = await edit(
      file,
      (copy) => copy.replace("seal x }}", "seal y }}").replace(/\nb: .*\nc: .*\n/, "\n"),
      "local",
    );
    expect(tokensOf(out.text)).toEqual([c]);
  });

  it("a changed value where a token stood whose value moved on the line takes the default backend", async () => {
    // x: [AES a, local l] -> x: [l, new]: l keeps its token; `new` stands where l stood, but is not
    // l changed (l is still there): a new value, of the default backend (here AES), not local.
    const file = `x: [${await token("aes", "a")}, ${await token("local", "l")}]\n`;
    const out = await edit(
      file,
      (copy) =>
        copy
          .replace("{{ s5:seal a }}", "@")
          .replace("{{ s5:seal l }}", "{{ s5:seal new }}")
          .replace("@", "{{ s5:seal l }}"),
      "aes",
    );
    expect(tokensOf(out.text).map(backendOf)).toEqual(["local", "aes"]);
    expect(out).toMatchObject({ sealed: 1, kept: 1 });
  });

  it("no note when every token of another backend kept its value or its place", async () => {
    const file = `a: ${await token("aes", "x")}\nx: [${await token("aes", "p")}, ${await token("local", "q")}]\n`;
    // A changed at its place (sealed with AES), a new line: nothing of AES lost its value.
    const changed = await edit(
      file,
      (copy) => `${copy.replace("seal x }}", "seal x2 }}")}n: {{ s5:seal new }}\n`,
      "local",
    );
    expect(changed.unplaced).toBeUndefined();
    expect(tokensOf(changed.text).map(backendOf)).toEqual(["aes", "aes", "local", "local"]);
    // Two values swapped on a line (each keeps its token elsewhere), a new line: no note either.
    const swapped = await edit(
      file,
      (copy) =>
        `${copy.replace("seal p }}", "@").replace("seal q }}", "seal p }}").replace("@", "seal q }}")}n: {{ s5:seal new }}\n`,
      "local",
    );
    expect(swapped.unplaced).toBeUndefined();
  });

  it("the note names only new values, and only when a token of another backend lost its value", async () => {
    const file = `a: ${await token("aes", "x")}\nb: ${await token("aes", "y")}\nc: ${await token("local", "z")}\n`;
    // b (AES) gone, a changed at its place, n new: the note is for n alone.
    const out = await edit(
      file,
      (copy) =>
        `${copy.replace("seal x }}", "seal x2 }}").replace(/b: .*\n/, "")}n: {{ s5:seal new }}\n`,
      "local",
    );
    expect(out.unplaced).toEqual([
      { location: { file: "f.yml", line: 3, column: 4 }, removed: "aes" },
    ]);
    // c (local, the backend of new values) gone and n new: nothing to say.
    const same = await edit(
      file,
      (copy) => `n: {{ s5:seal new }}\n${copy.replace(/c: .*\n/, "")}`,
      "local",
    );
    expect(same.unplaced).toBeUndefined();
  });

  it("a line moved over one it replaced, and changed, keeps its own backend, not the replaced line's", async () => {
    // `s` (AES: CI only) moved down where `p` (local: every recipient) stood, `p` deleted, and s's
    // value changed in the same edit. Before: s's new value took p's place and p's local key,
    // without a note — readable by every recipient.
    const file = `s: ${await token("aes", "old")}\nz: 1\ny: 2\np: ${await token("local", "p")}\n`;
    const out = await edit(
      file,
      (copy) => `z: 1\ny: 2\n${copy.split("\n")[0]!.replace("seal old", "seal new")}\n`,
      "local",
    );
    expect(tokensOf(out.text).map(backendOf)).toEqual(["aes"]);
    expect(out.unplaced).toBeUndefined();
  });
});
