// Which tokens an s5 controller decrypts one by one (an S5Secret's spec.data and spec.stringData
// values), told from the text: only the shape `s5 k8s wrap` writes; anything else is not told, so
// its tokens keep the YAML rules.
import { describe, expect, it } from "vitest";
import {
  clearS5SecretValues,
  controllerDataValues,
  controllerValues,
  isSecretData,
  joinMarks,
  mentionsS5Secret,
} from "../src/context/s5secret.ts";

const T = "{{ s5:aes:v1:AAAA }}";
const HEAD = "apiVersion: s5.dev/v1alpha1\nkind: S5Secret\n";

/** `text` with each `@` a token, and the tokens' spans. */
function withTokens(text: string) {
  const tokens: { start: number; end: number }[] = [];
  let content = "";
  for (const [i, part] of text.split("@").entries()) {
    if (i > 0) {
      tokens.push({ start: content.length, end: content.length + T.length });
      content += T;
    }
    content += part;
  }
  return { content, tokens };
}

/** The flags of the tokens (`@`) in `text`. */
function told(text: string): boolean[] {
  const { content, tokens } = withTokens(text);
  return controllerValues(content, tokens) ?? tokens.map(() => false);
}

describe("controllerValues", () => {
  it("tells the values of spec.data and spec.stringData, quoted on one line", () => {
    expect(
      told(
        `# web\n${HEAD}metadata:\n  name: web # @\n  labels:\n    app: web\nspec:\n  type: kubernetes.io/tls\n  data:\n    bin: "@"\n  stringData:\n    tls.key: "@" # the key\n    .dockerconfigjson: 'x@y'\n    url: "a\\"b@c"\n`,
      ),
    ).toEqual([false, true, true, true, true]);
    expect(
      told(`${HEAD.replaceAll("\n", "\r\n")}spec:\r\n  stringData:\r\n    a: "@"\r\n`),
    ).toEqual([true]);
    expect(told(`---\n${HEAD}spec:\n  stringData:\n    a: "@"\n--- # next\na: "@"\n`)).toEqual([
      true,
      false,
    ]);
    // A byte-order mark at a document's start (kubectl's reader skips it), as text and as bytes
    // viewed as latin1; one further on is text of its line.
    for (const mark of ["\ufeff", "\xef\xbb\xbf"]) {
      expect(told(`${mark}${HEAD}spec:\n  data:\n    a: "@"\n`), mark).toEqual([true]);
      expect(told(`a: "@"\n---\n${mark}${HEAD}spec:\n  data:\n    a: "@"\n`), mark).toEqual([
        false,
        true,
      ]);
      expect(told(`${HEAD}spec:\n  data:\n${mark}    a: "@"\n`), mark).toEqual([false]);
    }
  });

  it("cuts documents where a byte-order mark stands before `---`, and says where past the first line", () => {
    const secret = `${HEAD}spec:\n  data:\n    a: "@"\n`;
    for (const mark of ["\ufeff", "\xef\xbb\xbf"]) {
      // At the file's start kubectl reads it (the mark starts the stream): before, not told.
      expect(told(`${mark}---\n${secret}`), mark).toEqual([true]);
      expect(told(`${mark}--- # web\r\n${secret.replaceAll("\n", "\r\n")}`), mark).toEqual([true]);
      // Files joined: kubectl refuses the whole file, but a reader may cut there (YAML 1.2 lets a
      // mark stand before a document): told on both sides, so render refuses their values.
      const joined = `${secret}${mark}---\n${secret}`;
      expect(told(joined), mark).toEqual([true, true]);
      const { content } = withTokens(joined);
      expect(joinMarks(content), mark).toEqual([
        { at: content.lastIndexOf(`${mark}---`), marker: true },
      ]);
      expect(joinMarks(`${mark}---\n${secret}`), mark).toEqual([]);
      // A mark before other text is no marker (but a join all the same).
      expect(joinMarks(`a: 1\n${mark}----\n${mark}---x\n`), mark).toEqual([
        { at: 5, marker: false },
        { at: 10 + mark.length, marker: false },
      ]);
      // The document after the mark is another: an S5Secret before it is not this one's.
      const plain = `${secret}${mark}---\na: ${T}\n`;
      expect(mentionsS5Secret(plain, plain.indexOf(T)), mark).toBe(false);
      expect(mentionsS5Secret(plain, plain.indexOf("spec:")), mark).toBe(true);
    }
  });

  it("cuts documents where a byte-order mark starts a line past the first, without `---` (files joined)", () => {
    const secret = `${HEAD}spec:\n  data:\n    a: "@"\n`;
    for (const mark of ["\ufeff", "\xef\xbb\xbf"]) {
      // Before: one document with duplicate keys, so neither S5Secret was told.
      const joined = `${secret}${mark}${secret}`;
      expect(told(joined), mark).toEqual([true, true]);
      expect(told(joined.replaceAll("\n", "\r\n")), mark).toEqual([true, true]);
      const { content } = withTokens(joined);
      expect(joinMarks(content), mark).toEqual([
        { at: content.lastIndexOf(`${mark}apiVersion`), marker: false },
      ]);
      const marked = withTokens(`${secret}${mark}---\n${secret}`).content;
      expect(joinMarks(marked), mark).toEqual([
        { at: marked.lastIndexOf(`${mark}---`), marker: true },
      ]);
      // At the file's start, or after indentation (a block scalar's text), no join.
      expect(joinMarks(`${mark}${secret}`), mark).toEqual([]);
      const both = withTokens(`${mark}${secret}${mark}${secret}`).content;
      expect(joinMarks(both), mark).toEqual([
        { at: both.lastIndexOf(`${mark}apiVersion`), marker: false },
      ]);
      expect(joinMarks(`${secret}  ${mark}b: 1\n`), mark).toEqual([]);
      // The text after the mark is another document: the S5Secret before it is not its own.
      const plain = `${secret}${mark}a: ${T}\n`;
      expect(mentionsS5Secret(plain, plain.indexOf(T)), mark).toBe(false);
      expect(mentionsS5Secret(plain, plain.indexOf("spec:")), mark).toBe(true);
      // The line of the mark is the next document's first: what it says is that document's.
      const kindFirst = `a: 1\n${mark}kind: S5Secret\nb: ${T}\n`;
      expect(mentionsS5Secret(kindFirst, kindFirst.indexOf(T)), mark).toBe(true);
      // After a marker with content (`--- !tag`: the next document is not this shape), the
      // mark starts yet another: its S5Secret is told. Before: not told, so render spliced it.
      expect(told(`${secret}--- !x\n${mark}${secret}`), mark).toEqual([true, true]);
      const after = `a: ${T}\n${mark}${secret}`;
      expect(mentionsS5Secret(after, after.indexOf(T)), mark).toBe(false);
      expect(mentionsS5Secret(after, after.lastIndexOf("spec:")), mark).toBe(true);
      // kubectl reads joined files as one object: the S5Secret's head in the first file and a
      // `spec` in the second are one S5Secret. Before: the second not told, render spliced it.
      const head = `${HEAD}metadata:\n  name: x\n`;
      const tail = 'spec:\n  stringData:\n    b: "@"\n';
      expect(told(`${head}${mark}${tail}`), mark).toEqual([true]);
      expect(told(`${secret}${mark}metadata:\n  name: y\n${tail}`), mark).toEqual([true, true]);
      expect(told(`${head}${mark}a: 1\n${mark}${tail}`), mark).toEqual([true]);
      // Or the head after the mark: its keys replace the first file's.
      expect(told(`${tail}${mark}${HEAD}`), mark).toEqual([true]);
      // A `---` ends the object: what follows is another.
      expect(told(`${head}---\n${mark}${tail}`), mark).toEqual([false]);
    }
  });

  it("tells none in a document of another shape", () => {
    const value = 'spec:\n  stringData:\n    a: "@"\n';
    for (const text of [
      `${HEAD}spec:\n  stringData:\n    a: @\n`, // plain: a flow map to YAML
      `${HEAD}spec:\n  stringData:\n    a: "x\n      @"\n`, // over two lines
      `${HEAD}spec:\n  stringData:\n    a: "x"\n      "@"\n`, // a continuation line
      `${HEAD}spec:\n  stringData:\n    a: x\n    b: "@"\n    c: |\n      z\n    d: *ref\n`,
      `${HEAD}spec:\n  stringData:\n    "a": "@"\n`, // a quoted key
      `${HEAD}spec:\n  stringData:\n   a: x\n    b: "@"\n`, // between two levels
      `${HEAD}spec:\n  stringData:\n    @: "@"\n`, // a token in a key
      `${HEAD}spec:\n  stringData:\n    a: "@" x\n`, // text after the string
      `${HEAD}spec:\n  stringData:\n    a: "@\\\n"\n`, // an escaped line break
      `${HEAD}metadata:\n  name: a\u2028spec:\n${value}`, // a line break of YAML 1.1
      `${HEAD}metadata:\n  name: a\xe2\x80\xa8x\n${value}`, // the same, bytes viewed as latin1
      `${HEAD}...\n${value}`,
      `--- !tag\n${HEAD}${value}`,
      `apiVersion: s5.dev/v1alpha1 # kind: S5Secret\n${value}`,
      `${HEAD}spec:\n  - stringData:\n    a: "@"\n`,
      `${HEAD}spec:\n  stringData:\n    a: "@"\n    a: "x"\n`, // a duplicate key
      `apiVersion: s5.dev/v1alpha1\nkind: S5Secret extra\n${value}`,
      `apiVersion: 's5.dev/v1alpha1'\nkind: S5Secret\n${value}`,
    ]) {
      expect(told(text).includes(true), JSON.stringify(text)).toBe(false);
    }
  });
});

// The s5 controller refuses an S5Secret whose spec.data value is not base64 once decrypted
// (packages/kubernetes/src/render.ts uses isSecretData); `s5 check` reads the same values.
describe("controllerDataValues and isSecretData", () => {
  it("gives each spec.data value as text and tokens, as YAML reads the text", () => {
    const { content, tokens } = withTokens(
      `${HEAD}spec:\n  data:\n    a: "@"\n    b: 'it''s\\@x'\n    c: "x\\u0041@"\n    d: "@@"\n    e: "plain"\n  stringData:\n    f: "@"\n`,
    );
    expect(controllerDataValues(content, tokens)).toEqual([
      { key: "a", first: 0, pieces: [0] },
      // A `\` in a single-quoted string is itself: read, not an escape.
      { key: "b", first: 1, pieces: ["it's\\", 1, "x"] },
      // An escape may stand for a base64 character: not read here, so not judged.
      { key: "c", first: 2, pieces: undefined },
      { key: "d", first: 3, pieces: [3, 4] },
    ]);
    // Another shape: none (its tokens keep the YAML rules).
    const other = withTokens(`apiVersion: v1\nkind: Secret\ndata:\n  a: "@"\n`);
    expect(controllerDataValues(other.content, other.tokens)).toEqual([]);
  });

  it("takes padded base64 only, as a Secret's data", () => {
    for (const good of ["", "aGk=", "aGVsbG8=", "YWJj", "+/+/"])
      expect(isSecretData(good)).toBe(true);
    for (const bad of [
      "hunter2!",
      "aGk",
      "aGk=\n",
      " aGk=",
      "aGk==",
      "a b ",
      "aGVsbG8",
      "aGk=aGk=",
    ]) {
      expect(isSecretData(bad), bad).toBe(false);
    }
  });
});

describe("clearS5SecretValues", () => {
  /** The keys whose values hold no token, in the S5Secrets told. */
  const clear = (text: string) => {
    const { content, tokens } = withTokens(text);
    return clearS5SecretValues(content, tokens).map((at) =>
      content.slice(content.lastIndexOf("\n", at) + 1, at).trim(),
    );
  };

  it("names each spec.data/stringData value without a token, plain or quoted, not an empty one", () => {
    const text = `${HEAD}spec:\n  data:\n    a: "@"\n    b: WHk=\n  stringData:\n    c: 'x@'\n    d: "pw"\n    e: ""\n    f: ~\n    g: pw # a comment\n`;
    expect(clear(text)).toEqual(["b:", "d:", "g:"]);
  });

  it("leaves templates and references alone: a Helm chart's S5Secret takes its tokens from values.yaml", () => {
    const text = `${HEAD}spec:\n  stringData:\n    a: "{{ .Values.db.password }}"\n    b: "postgres://{{ .Values.user }}@db"\n    c: "\${DB_PASSWORD}"\n    d: changeme\n    e: "<password>"\n`;
    expect(clear(text)).toEqual([]);
  });

  it("only in S5Secrets of the shape wrap writes: a Secret, a flow-style S5Secret, metadata are none", () => {
    expect(clear("apiVersion: v1\nkind: Secret\nstringData:\n  a: pw\n")).toEqual([]);
    expect(clear(`${HEAD}spec: {stringData: {a: pw}}\n`)).toEqual([]);
    expect(clear(`${HEAD}metadata:\n  name: pw\nspec:\n  stringData:\n    a: "@"\n`)).toEqual([]);
    // Two documents: the Secret's values are not the S5Secret's.
    expect(
      clear(
        `apiVersion: v1\nkind: Secret\nstringData:\n  a: pw\n---\n${HEAD}spec:\n  stringData:\n    b: pw\n`,
      ),
    ).toEqual(["b:"]);
  });
});
