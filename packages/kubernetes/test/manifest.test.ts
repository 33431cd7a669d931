import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { unwrapManifest, wrapManifest } from "../src/manifest.ts";

const goTool = Buffer.alloc(48, 7).toString("base64");
const v = (n: number) => `vault:v1:${Buffer.from(`ciphertext-${n}`).toString("base64")}`;

describe("wrapManifest / unwrapManifest", () => {
  it("keeps other documents, comments, quoted tokens inside text, and Go-tool tokens", () => {
    const text = [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: {name: cm}",
      "---",
      "# top",
      "apiVersion: v1",
      "kind: Secret",
      "metadata:",
      "  name: s",
      "  annotations:",
      "    note: kept",
      "immutable: true",
      "stringData:",
      `  url: "postgres://u:{{ s5:${v(1)} }}@db"`,
      `  go: {{s5:${goTool}}}`,
      `  json: {{ s5:${v(2)} | json }}`,
      "",
    ].join("\n");
    const wrapped = wrapManifest(text, "in.yml", "vault");
    const docs = parseAllDocuments(wrapped).map((doc) => doc.toJS());
    expect(docs[0]).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } });
    expect(wrapped).toContain("# top");
    expect(docs[1].spec).toEqual({
      immutable: true,
      metadata: { annotations: { note: "kept" } },
      stringData: {
        url: `postgres://u:{{ s5:${v(1)} }}@db`,
        go: `{{s5:${goTool}}}`,
        json: `{{ s5:${v(2)} }}`,
      },
    });
    const back = parseAllDocuments(unwrapManifest(wrapped, "in.yml", "vault")).map((doc) =>
      doc.toJS(),
    );
    expect(back[1].metadata).toEqual({ name: "s", annotations: { note: "kept" } });
  });

  it("keeps the comments around apiVersion and kind, which the conversion replaces", () => {
    const text = [
      "apiVersion: v1 # api note",
      "# before kind",
      "kind: Secret # kind note",
      "metadata:",
      "  name: s",
      "stringData:",
      `  pw: {{ s5:${v(5)} }}`,
      "",
    ].join("\n");
    const wrapped = wrapManifest(text, "in.yml", "vault");
    expect(wrapped).toContain(
      "apiVersion: s5.dev/v1alpha1 # api note\n# before kind\nkind: S5Secret # kind note\n",
    );
    const back = unwrapManifest(wrapped, "in.yml", "vault");
    expect(back).toContain("apiVersion: v1 # api note\n# before kind\nkind: Secret # kind note\n");
  });

  it("unwrap keeps the comments of spec and spec.metadata, which a Secret has no place for", () => {
    const text = [
      "apiVersion: s5.dev/v1alpha1",
      "kind: S5Secret",
      "metadata:",
      "  name: s",
      "# before spec",
      "spec: # spec note",
      "  metadata: # meta note",
      "    labels:",
      "      a: b",
      "  stringData:",
      `    pw: "{{ s5:${v(6)} }}"`,
      "",
    ].join("\n");
    const back = unwrapManifest(text, "in.yml", "vault");
    for (const note of ["# before spec", "# spec note", "# meta note"])
      expect(back).toContain(note);
    expect(back).toMatch(/# meta note\n {2}labels:/);
    expect(back).toMatch(/# spec note\nstringData:/);
    expect(back).toContain("  pw: {{ s5:vault:v1:");
  });

  it("wrap then unwrap gives the Secret manifest back", () => {
    const text = [
      "apiVersion: v1",
      "kind: Secret",
      "metadata:",
      "  name: s",
      "type: kubernetes.io/tls",
      "data:",
      `  tls.crt: {{ s5:${v(3)} | base64 }}`,
      "stringData:",
      `  pw: {{ s5:${v(4)} | yaml }}`,
      "",
    ].join("\n");
    expect(unwrapManifest(wrapManifest(text))).toBe(text);
  });

  it("errors say where: a malformed token, YAML that is not YAML, nothing to convert", () => {
    expect(() => wrapManifest("a: {{ s5:vault:v1 }}\n", "bad.yml")).toThrow(/token/);
    expect(() => wrapManifest("a: [\n", "bad.yml")).toThrowError(
      expect.objectContaining({ code: "S5_K8S_YAML" }),
    );
    expect(() => unwrapManifest("apiVersion: v1\nkind: Secret\n", "x.yml")).toThrowError(
      expect.objectContaining({ code: "S5_K8S_NO_SECRET" }),
    );
    expect(parse(wrapManifest("apiVersion: v1\nkind: Secret\nmetadata: {name: e}\n")).spec).toEqual(
      {},
    );
  });
});

describe("wrap / unwrap keep what they do not convert (review findings)", () => {
  const t = (n: number, filters = "") => `{{ s5:${v(n)}${filters} }}`;

  it("a token followed by a digit stays itself, with 11+ tokens too", () => {
    const lines = ["apiVersion: v1", "kind: Secret", "metadata: {name: db}", "stringData:"];
    lines.push(`  user: ${t(0, " | yaml")}`, `  url: "postgres://app:${t(1)}0@db/x"`);
    for (let i = 2; i <= 10; i++) lines.push(`  k${i}: ${t(i, " | yaml")}`);
    lines.push(`  pin: "${t(11)}7"`, "");
    const wrapped = wrapManifest(lines.join("\n"));
    expect(parse(wrapped).spec.stringData).toMatchObject({
      url: `postgres://app:${t(1)}0@db/x`,
      pin: `${t(11)}7`,
      k10: t(10),
    });
    const back = parse(unwrapManifest(wrapped.replace(`${t(10)}"`, `${t(10)}1"`)));
    expect(back.stringData.url).toBe(`postgres://app:${t(1)}0@db/x`);
    expect(back.stringData.pin).toBe(`${t(11)}7`);
    expect(back.stringData.k10).toBe(`${t(10)}1`);
  });

  it("other documents are copied as text: 0440 stays octal for kubectl (YAML 1.1)", () => {
    const deployment = [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: api}   # flow style kept",
      "spec:",
      "  template:",
      "    spec:",
      "      volumes:",
      "        - name: db",
      "          secret: {secretName: db, defaultMode: 0440}",
      "        - {name: x, configMap: {name: x, defaultMode: 0777}}",
      "      big: 12345678901234567890",
      `      token: ${t(1)}`,
      "",
    ].join("\n");
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  generation: 0777\nstringData:\n  pw: ${t(2, " | yaml")}\n`;
    const wrapped = wrapManifest(`${secret}---\n${deployment}`);
    expect(wrapped.endsWith(`---\n${deployment}`)).toBe(true);
    // In a converted document too, a scalar is written as its source text.
    expect(wrapped).toContain("  generation: 0777\n");
    expect(unwrapManifest(wrapped).endsWith(`---\n${deployment}`)).toBe(true);
  });

  it("unwrap keeps unquoted tokens: other documents as text, a hand-written S5Secret's too", () => {
    const secret = `apiVersion: v1\nkind: Secret\nmetadata: {name: b}\nstringData:\n  password: ${t(1, " | yaml")}\n`;
    const text = [
      "apiVersion: s5.dev/v1alpha1",
      "kind: S5Secret",
      "metadata: {name: a}",
      "spec:",
      "  stringData:",
      `    ok: "${t(2)}"`,
      `    handwritten: ${t(3)}`,
      "",
    ].join("\n");
    const out = unwrapManifest(`${text}---\n${secret}`);
    expect(out.endsWith(`---\n${secret}`)).toBe(true);
    expect(out).toContain(`  ok: ${t(2, " | yaml")}\n`);
    expect(out).toContain(`  handwritten: ${t(3, " | yaml")}\n`);
    // wrap puts no token where it would not be a string: it refuses one outside the values.
    const annotated = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  annotations:\n    note: ${t(4)}\n`;
    expect(() => wrapManifest(annotated, "a.yml")).toThrowError(
      expect.objectContaining({
        code: "S5_K8S_YAML",
        location: expect.objectContaining({ line: 6, column: 11 }),
      }),
    );
  });

  it("unwrap merges spec.metadata into metadata key by key, and refuses a conflict", () => {
    const resource = (labels: string) =>
      [
        "apiVersion: s5.dev/v1alpha1",
        "kind: S5Secret",
        `metadata: {name: a, labels: {team: t, ${labels}}}`,
        "spec:",
        "  metadata:",
        "    labels:",
        "      app: x",
        "      tier: back",
        "",
      ].join("\n");
    const out = unwrapManifest(resource("app: x"));
    // `yaml` refuses duplicate keys, as kubectl should have.
    const doc = parseAllDocuments(out)[0]!;
    expect(doc.errors).toEqual([]);
    expect(doc.toJS().metadata).toEqual({
      name: "a",
      labels: { team: "t", app: "x", tier: "back" },
    });
    expect(() => unwrapManifest(resource("app: y"))).toThrowError(
      expect.objectContaining({ code: "S5_K8S_METADATA_CONFLICT" }),
    );
    // A block-style value merged into a flow map: `a,b` would split in flow style.
    const annotated = unwrapManifest(
      "apiVersion: s5.dev/v1alpha1\nkind: S5Secret\nmetadata: {name: a, annotations: {x: y}}\nspec:\n  metadata:\n    annotations:\n      note: a,b\n",
    );
    expect(parse(annotated).metadata).toEqual({ name: "a", annotations: { x: "y", note: "a,b" } });
  });

  it("a Secret inside a List is refused, not passed through with its tokens", () => {
    const text = `apiVersion: v1\nkind: Secret\nmetadata: {name: b}\nstringData:\n  p: ${t(1, " | yaml")}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: a}\n  stringData:\n    p: ${t(1, " | yaml")}\n`;
    expect(() => wrapManifest(text, "l.yml")).toThrowError(
      expect.objectContaining({
        code: "S5_K8S_LIST",
        location: expect.objectContaining({ line: 10 }),
      }),
    );
  });

  it("a field the other kind has no place for is refused with its line, not dropped", () => {
    // A misspelt `stringdata:` would have left its values out of the Secret the cluster gets.
    const secret = `apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n  p: ${t(1)}\nstringdata:\n  q: ${t(2)}\n`;
    expect(() => wrapManifest(secret, "w.yml")).toThrowError(
      expect.objectContaining({
        code: "S5_K8S_UNKNOWN_FIELD",
        message: expect.stringContaining("the Secret has `stringdata`"),
        location: expect.objectContaining({ file: "w.yml", line: 6, column: 1 }),
      }),
    );
    const wrapped = wrapManifest(secret.replace(/stringdata:\n.*\n$/, ""), "w.yml");
    const resource = (spec: string, extra = "") =>
      wrapped.replace("spec:\n", `spec:\n${spec}`).concat(extra);
    // An S5Secret read back from the cluster: its status is the controller's, and goes.
    const status = "status:\n  observedGeneration: 1\n";
    const back = unwrapManifest(resource("", status), "u.yml");
    expect(back).toContain(`stringData:\n  p: ${t(1, " | yaml")}\n`);
    expect(back).not.toContain("observedGeneration");
    expect(() => unwrapManifest(resource("  strinData:\n    q: x\n"), "u.yml")).toThrowError(
      expect.objectContaining({
        code: "S5_K8S_UNKNOWN_FIELD",
        message: expect.stringContaining("the S5Secret's spec has `strinData`"),
      }),
    );
    expect(() => unwrapManifest(resource("", "extra: 1\n"), "u.yml")).toThrowError(
      expect.objectContaining({ code: "S5_K8S_UNKNOWN_FIELD" }),
    );
  });

  it("unwrap refuses a spec or metadata that is not a map, and shows a refused key as written, escaped", () => {
    const head = "apiVersion: s5.dev/v1alpha1\nkind: S5Secret\nmetadata: {name: x}\n";
    for (const [body, message] of [
      ['spec: "stringData: {password: hunter2}"\n', "spec is not a map"],
      ["spec:\n- stringData: {p: x}\n", "spec is not a map"],
      ['spec:\n  metadata: "labels: {a: b}"\n', "spec.metadata is not a map"],
    ] as const) {
      expect(() => unwrapManifest(head + body, "s.yml"), body).toThrowError(
        expect.objectContaining({ code: "S5_K8S_YAML", message: expect.stringContaining(message) }),
      );
    }
    expect(() => unwrapManifest(`${head}spec:\n  metadata: {name: y}\n`, "s.yml")).toThrowError(
      expect.objectContaining({ code: "S5_K8S_UNKNOWN_FIELD" }),
    );
    expect(() =>
      unwrapManifest(head.replace("metadata: {name: x}", "metadata: not-a-map"), "s.yml"),
    ).toThrowError(
      expect.objectContaining({ message: expect.stringContaining("metadata is not a map") }),
    );
    // A key from an untrusted manifest: no escape sequence or reordering reaches the terminal,
    // and a token in it is shown as the token, not as what the reader set it aside as.
    const secret = (key: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n${key}: 1\n`;
    const caught = (text: string) => {
      try {
        wrapManifest(text, "k.yml");
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("not refused");
    };
    const escaped = caught(secret('"\\e[31mRED\\u202eevil"'));
    expect(escaped).toContain("\\u001b[31mRED\\u202eevil");
    expect(escaped).not.toMatch(/[\u001b\u202e]/);
    expect(caught(secret(`"k${t(3)}"`))).toContain(`k${t(3)}`);
  });

  it("merge keys, aliases and non-scalar values under data/stringData are refused", () => {
    const secret = (body: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: m}\n${body}`;
    const warned: string[] = [];
    for (const body of [
      "stringData:\n  <<: {password: hunter2}\n",
      `stringData:\n  a: &x "${t(1)}"\n  b: *x\n`,
      "stringData:\n  a: {password: hunter2}\n",
      "data: [a]\n",
    ]) {
      expect(() =>
        wrapManifest(secret(body), "m.yml", undefined, (m) => warned.push(m)),
      ).toThrowError(expect.objectContaining({ code: "S5_K8S_YAML" }));
    }
    expect(warned.join("\n")).not.toContain("hunter2");
  });

  it("a tag other than !!str on a data/stringData value is refused, where it stands", () => {
    // !!binary decodes the text (a token's placeholder) as base64: the token went unseen.
    const secret = (body: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: b}\n${body}`;
    const warned: string[] = [];
    for (const [body, line, column, tag] of [
      [`data:\n  p: !!binary ${t(1, " | base64")}\n`, 5, 15, "!!binary"],
      [`data:\n  p: !!binary aHVudGVyMg==\n`, 5, 15, "!!binary"],
      [`stringData:\n  q: x\n  p: !!int ${t(2)}\n`, 6, 12, "!!int"],
    ] as const) {
      let error: unknown;
      try {
        wrapManifest(secret(body), "b.yml", undefined, (m) => warned.push(m));
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({
        code: "S5_K8S_YAML",
        location: expect.objectContaining({ file: "b.yml", line, column }),
      });
      const message = String((error as Error).message);
      expect(message).toContain(tag);
      expect(message).not.toMatch(/s5:|aHVudGVyMg|hunter2/);
    }
    expect(warned).toEqual([]);
    // unwrap refuses it as well.
    const s5 = `apiVersion: s5.dev/v1alpha1\nkind: S5Secret\nmetadata: {name: a}\nspec:\n  data:\n    p: !!binary ${t(3, " | base64")}\n`;
    expect(() => unwrapManifest(s5, "s.yml")).toThrowError(
      expect.objectContaining({ code: "S5_K8S_YAML" }),
    );
    // !!str (and the non-specific !) leave a string: converted as before.
    const str = parse(wrapManifest(secret(`stringData:\n  p: !!str ${t(4)}\n  q: ! ${t(5)}\n`)));
    expect(str.spec.stringData).toEqual({ p: t(4), q: t(5) });
  });

  it("unwrap keeps white space around a token: only a value that is exactly one token is bare", () => {
    const text = `apiVersion: s5.dev/v1alpha1\nkind: S5Secret\nmetadata: {name: t}\nspec:\n  stringData:\n    spaced: "  ${t(1)}  "\n    nl: "${t(2)}\\n"\n    whole: "${t(3)}"\n`;
    const back = unwrapManifest(text);
    expect(back).toContain(`  spaced: "  ${t(1)}  "\n`);
    expect(back).toContain(`  nl: "${t(2)}\\n"\n`);
    expect(back).toContain(`  whole: ${t(3, " | yaml")}\n`);
  });

  it("an alias the reordering puts before its anchor is a YAML error, not an internal one", () => {
    const text = `apiVersion: v1\nkind: Secret\ndata:\n  a: &x "${t(1, " | base64")}"\nmetadata:\n  name: n\n  labels:\n    l: *x\n`;
    expect(() => wrapManifest(text, "a.yml")).toThrowError(
      expect.objectContaining({
        code: "S5_K8S_YAML",
        location: expect.objectContaining({ line: 8 }),
      }),
    );
  });
});
