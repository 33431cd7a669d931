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
