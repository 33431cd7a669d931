// `s5 check` of what `s5 k8s wrap` writes, the built CLI as a child process: the values of an
// S5Secret's data and stringData are decrypted by the controller one by one, never spliced into
// YAML, so a TLS key or a value holding `"` passes the check; the rest of the file, the other
// documents, and documents that only look like an S5Secret keep the YAML rules; and `s5 render`
// refuses to put an S5Secret's plaintext into YAML.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runChild } from "../child.ts";
import { s5OnPath, sandbox } from "./run.ts";

describe("s5 check of an S5Secret written by s5 k8s wrap", () => {
  const box = sandbox();
  const tlsKey = generateKeyPairSync("ed25519").privateKey.export({
    format: "pem",
    type: "pkcs8",
  }) as string;
  const quoted = 'he said "hi" \\ and left';
  const docker = '{"auths":{"r.example":{"auth":"dTpw"}}}';
  const run = async (args: string[], input?: string) => {
    const out = await box.s5(args, input === undefined ? {} : { input });
    expect(out.code, out.stderr).toBe(0);
    return out.stdout.toString();
  };
  const cipher = (value: string, ...filter: string[]) =>
    run(["cipher", "--no-trim", ...filter.flatMap((f) => ["-f", f])], value).then((t) => t.trim());
  /** A file, then `s5 check` of it: exit code and what it printed. */
  const check = async (name: string, text: string) => {
    writeFileSync(join(box.dir, name), text);
    const out = await box.s5(["check", name]);
    return { code: out.code, stdout: out.stdout.toString(), stderr: out.stderr };
  };

  beforeAll(async () => {
    await run(["init", "--name", "dev"]);
  });

  it("wrap -i then check: a TLS key, a value with quotes and JSON pass (exit 0)", async () => {
    const secret = [
      "apiVersion: v1",
      "kind: Secret",
      "metadata:",
      "  name: web-tls",
      "type: kubernetes.io/tls",
      "stringData:",
      `  tls.key: ${await cipher(tlsKey, "yaml")}`,
      `  tls.crt: ${await cipher(tlsKey.replaceAll("PRIVATE KEY", "CERTIFICATE"), "yaml")}`,
      `  note: ${await cipher(quoted, "yaml")}`,
      `  .dockerconfigjson: ${await cipher(docker, "yaml")}`,
      "data:",
      `  bin: ${await cipher('\x00\x01\n"', "base64")}`,
      "",
    ].join("\n");
    writeFileSync(join(box.dir, "tls.yml"), secret);
    expect((await box.s5(["check", "tls.yml"])).code).toBe(0);
    await run(["k8s", "wrap", "-i", "tls.yml"]);
    const wrapped = readFileSync(join(box.dir, "tls.yml"), "utf8");
    expect(wrapped).toContain("kind: S5Secret");
    expect(parse(wrapped).spec.stringData["tls.key"]).toMatch(/^\{\{ s5:local:\S+ \}\}$/);
    const out = await box.s5(["check", "tls.yml"]);
    expect(out.code, out.stdout.toString() + out.stderr).toBe(0);
    expect(out.stderr).toContain("5 token(s) (5 decrypted): 0 problem(s)");
    // As CI runs it, on the directory.
    const dir = await box.s5(["check", "."]);
    expect(dir.code, dir.stdout.toString() + dir.stderr).toBe(0);
  });

  it("render refuses the tokens of an S5Secret in any other shape: flow style, JSON, an item of a List", async () => {
    const token = await cipher("flow-secret-value", "yaml");
    const json = await cipher("json-secret-value", "json");
    const files = {
      "flow.yml": `{apiVersion: s5.dev/v1alpha1, kind: S5Secret, metadata: {name: db}, spec: {stringData: {a: ${token}}}}\n`,
      "s5secret.json": `{"apiVersion": "s5.dev/v1alpha1", "kind": "S5Secret", "metadata": {"name": "db"}, "spec": {"stringData": {"a": "${json}"}}}\n`,
      "list.yml": `apiVersion: v1\nkind: List\nitems:\n  - apiVersion: s5.dev/v1alpha1\n    kind: S5Secret\n    metadata:\n      name: db\n    spec:\n      stringData:\n        a: ${token}\n`,
    };
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(box.dir, name), text);
      const out = await box.s5(["render", name]);
      expect(out.code, name).toBe(5);
      expect(out.stdout.length, name).toBe(0);
      expect(out.stderr).toContain(`${name}:`);
      expect(out.stderr).toContain("stands in a document that names an S5Secret");
      expect(out.stderr).not.toContain("secret-value");
      // --keep-failed writes the refused token as it is, never its plaintext.
      const kept = await box.s5(["render", "--keep-failed", name]);
      expect(kept.stdout.toString(), name).toContain("{{ s5:local:");
      expect(kept.stdout.toString(), name).not.toContain("secret-value");
    }
    // Another document of the file, and a file that names no S5Secret, render as before.
    writeFileSync(
      join(box.dir, "other.yml"),
      `kind: ConfigMap\ndata:\n  a: ${token}\n---\n{apiVersion: s5.dev/v1alpha1, kind: S5Secret, spec: {}}\n`,
    );
    const other = await box.s5(["render", "other.yml"]);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout.toString()).toContain(`a: "flow-secret-value"\n`);
    // A document names an S5Secret only with both the kind and the group: another one of the
    // file with the group alone (an annotation) or the kind alone (a comment) renders.
    writeFileSync(
      join(box.dir, "half.yml"),
      `kind: ConfigMap\nmetadata:\n  annotations:\n    s5.dev/owner: team\ndata:\n  a: ${token}\n---\n# made from an S5Secret\nkind: ConfigMap\ndata:\n  b: ${token}\n---\n{apiVersion: s5.dev/v1alpha1, kind: S5Secret, spec: {}}\n`,
    );
    const half = await box.s5(["render", "half.yml"]);
    expect(half.code, half.stderr).toBe(0);
    expect(half.stdout.toString()).toContain(`a: "flow-secret-value"\n`);
    expect(half.stdout.toString()).toContain(`b: "flow-secret-value"\n`);
    // JSON that names the kind without the group.
    writeFileSync(join(box.dir, "kind.json"), `{"note": "not an S5Secret", "a": "${json}"}\n`);
    const kind = await box.s5(["render", "kind.json"]);
    expect(kind.code, kind.stderr).toBe(0);
    expect(kind.stdout.toString()).toBe('{"note": "not an S5Secret", "a": "json-secret-value"}\n');
    writeFileSync(join(box.dir, "plain.json"), `{"kind": "ConfigMap", "a": "${json}"}\n`);
    const plain = await box.s5(["render", "plain.json"]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.toString()).toBe('{"kind": "ConfigMap", "a": "json-secret-value"}\n');
  });

  it("render of an S5Secret is refused (its plaintext would stand in it); unwrap | render gives the Secret", async () => {
    const out = await box.s5(["render", "tls.yml"]);
    expect(out.code).toBe(5);
    expect(out.stdout.length).toBe(0);
    expect(out.stderr).toMatch(
      /tls\.yml:\d+:\d+: this token is a value of an S5Secret, which the s5 controller decrypts in the cluster.*\(S5_VALUE_CONTEXT\)/,
    );
    expect(out.stderr).toContain("s5 k8s unwrap FILE | s5 render -");
    expect(out.stderr).not.toContain("PRIVATE");
    expect(out.stderr).not.toContain("said");
    const pipe = await runChild(
      "bash",
      ["-c", "set -o pipefail; s5 k8s unwrap tls.yml | s5 render -"],
      {
        cwd: box.dir,
        env: { ...box.env, PATH: `${s5OnPath(box.dir)}:${box.env.PATH}` },
      },
    );
    expect(pipe.code, pipe.stderr).toBe(0);
    const secret = parse(pipe.stdout);
    expect(secret.kind).toBe("Secret");
    expect(secret.stringData["tls.key"]).toBe(tlsKey);
    expect(secret.stringData.note).toBe(quoted);
    expect(secret.stringData[".dockerconfigjson"]).toBe(docker);
  });

  it("another document's splice is still refused, with the `| yaml` hint", async () => {
    const wrapped = readFileSync(join(box.dir, "tls.yml"), "utf8");
    const text = [
      wrapped.trimEnd(),
      "---",
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: app",
      "data:",
      `  greeting: "${await cipher(quoted)}"`,
      "",
    ].join("\n");
    const line = text.split("\n").findIndex((l) => l.startsWith("  greeting:")) + 1;
    const out = await check("multi.yml", text);
    expect(out.code).toBe(10);
    expect(out.stdout).toContain(
      `multi.yml:${line}:14: this token's plaintext would break out of a YAML double-quoted scalar`,
    );
    expect(out.stdout).toContain("with `| yaml`");
    expect(out.stdout.match(/S5_VALUE_CONTEXT/g)).toHaveLength(1);
    expect(out.stderr).toContain("1 problem(s)");
  });

  it("documents that only look like an S5Secret keep the YAML rules", async () => {
    const t = await cipher(quoted);
    const pem = await cipher(tlsKey);
    const body = ["spec:", "  stringData:", `    q: "${t}"`];
    const shapes: Record<string, string[]> = {
      "kind in a comment": ["apiVersion: s5.dev/v1alpha1", "# kind: S5Secret", ...body],
      "a nested kind": [
        "apiVersion: s5.dev/v1alpha1",
        "kind: ConfigMap",
        "spec:",
        "  kind: S5Secret",
        "  stringData:",
        `    q: "${t}"`,
      ],
      "kind in another document": [
        "apiVersion: s5.dev/v1alpha1",
        "kind: S5Secret",
        "---",
        "apiVersion: s5.dev/v1alpha1",
        ...body,
      ],
      "flow style": [
        `{apiVersion: s5.dev/v1alpha1, kind: S5Secret, spec: {stringData: {q: "${t}"}}}`,
      ],
      "a quoted kind": ["apiVersion: s5.dev/v1alpha1", 'kind: "S5Secret"', ...body],
      "another group": ["apiVersion: example.com/v1", "kind: S5Secret", ...body],
      "another version": ["apiVersion: s5.dev/v1alpha2", "kind: S5Secret", ...body],
      "a duplicate kind": [
        "apiVersion: s5.dev/v1alpha1",
        "kind: S5Secret",
        "kind: ConfigMap",
        ...body,
      ],
      "a value under a block scalar key": [
        "apiVersion: s5.dev/v1alpha1",
        "kind: S5Secret",
        "spec:",
        "  stringData: |",
        `    q: "${pem}"`,
      ],
      "a tab in an indentation": [
        "apiVersion: s5.dev/v1alpha1",
        "kind: S5Secret",
        "spec:",
        "  stringData:",
        `  \tq: "${t}"`,
      ],
      "data outside spec": [
        "apiVersion: s5.dev/v1alpha1",
        "kind: S5Secret",
        "stringData:",
        `  q: "${t}"`,
      ],
    };
    for (const [what, lines] of Object.entries(shapes)) {
      const out = await check("shape.yml", `${lines.join("\n")}\n`);
      expect(out.code, what).toBe(10);
      expect(out.stdout, what).toContain("(S5_VALUE_CONTEXT)");
      const render = await box.s5(["render", "shape.yml"]);
      expect(render.code, what).toBe(5);
      expect(render.stdout.length, what).toBe(0);
    }
  });

  it("a refused value in what looks like an S5Secret gets no `| yaml` hint", async () => {
    const t = await cipher(quoted);
    const out = await check(
      "quoted-kind.yml",
      `apiVersion: s5.dev/v1alpha1\nkind: "S5Secret"\nspec:\n  stringData:\n    q: "${t}"\n`,
    );
    expect(out.code).toBe(10);
    expect(out.stdout).toContain("in an S5Secret add no `| yaml`");
    expect(out.stdout).not.toContain("write the token alone as the value with `| yaml`");
  });

  /** An S5Secret's lines to its `data`: `password` sealed as is (line 7), then `good`. */
  const dataSecret = async (password: string, good: string) => [
    "apiVersion: s5.dev/v1alpha1",
    "kind: S5Secret",
    "metadata:",
    "  name: db",
    "spec:",
    "  data:",
    `    password: "${await cipher(password)}"`,
    `    good: "${good}"`,
  ];

  it("a spec.data value the controller would refuse (not base64 once decrypted) is reported, never shown", async () => {
    const password = "hunter2-plain!";
    const text = [
      ...(await dataSecret(password, await cipher(password, "base64"))),
      `    encoded: "${await cipher("aGVsbG8=")}"`,
      `    suffixed: "aGVs${await cipher("bG8=")}"`,
      "  stringData:",
      `    text: "${await cipher(password)}"`,
      "",
    ].join("\n");
    // Before: exit 0, and the controller then refused the S5Secret (S5_K8S_DATA_BASE64).
    const out = await check("data.yml", text);
    expect(out.code).toBe(10);
    expect(out.stdout).toBe(
      "data.yml:7:16: the s5 controller will refuse this S5Secret: its spec.data value `password` is not base64 once decrypted (a Secret's data holds base64); under data, write the token as `{{ s5:… | base64 }}` (the Secret then holds the plaintext's bytes), or move the key to stringData (S5_K8S_DATA_BASE64)\n",
    );
    expect(out.stderr).toContain("5 token(s) (5 decrypted): 1 problem(s)");
    expect(out.stdout + out.stderr).not.toContain(password);
    const json = await box.s5(["check", "--json", "data.yml"]);
    expect(JSON.parse(json.stdout.toString())).toMatchObject([
      { file: "data.yml", line: 7, column: 16, code: "S5_K8S_DATA_BASE64", level: "error" },
    ]);
    // The fix the hint names passes; without a key to decrypt it, nothing is judged.
    const fixed = await check(
      "fixed.yml",
      text.replace(/(password: "\{\{ s5:\S+) \}\}/, "$1 | base64 }}"),
    );
    expect(fixed.code, fixed.stdout).toBe(0);
    expect((await box.s5(["check", "--no-decrypt", "data.yml"])).code).toBe(0);
  });

  it("a value of an S5Secret with no token is plaintext committed: reported, never shown, also with no token in the file", async () => {
    const secret = [
      "apiVersion: v1",
      "kind: Secret",
      "metadata:",
      "  name: db",
      "stringData:",
      `  token: ${await cipher("tok-value", "yaml")}`,
      "  pin: Xy7pQ2",
      '  api: "qWe9-rTy1"',
      "  user: app # s5:ignore (a user name)",
      '  empty: ""',
      "",
    ].join("\n");
    writeFileSync(join(box.dir, "db.yml"), secret);
    const wrap = await box.s5(["k8s", "wrap", "-i", "db.yml"]);
    // wrap says so of each, as before; the hook did not.
    expect(wrap.stderr).toContain("stringData.pin holds no token");
    const out = await box.s5(["check", "db.yml"]);
    const said = out.stdout.toString();
    expect(out.code, said).toBe(10);
    expect(said.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^db\.yml:8:10: a value of an S5Secret with no token: .*\(S5_CHECK_PLAINTEXT\)$/,
      ),
      expect.stringMatching(
        /^db\.yml:9:10: a value of an S5Secret with no token: .*\(S5_CHECK_PLAINTEXT\)$/,
      ),
    ]);
    for (const value of ["Xy7pQ2", "qWe9-rTy1"]) expect(said + out.stderr).not.toContain(value);
    // A Secret wrapped before any value was sealed: no token in the file at all.
    writeFileSync(
      join(box.dir, "plain.yml"),
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: p\ndata:\n  key: WHk3cFEy\n",
    );
    await box.s5(["k8s", "wrap", "-i", "plain.yml"]);
    const plain = await box.s5(["check", "--no-decrypt", "plain.yml"]);
    expect(plain.code).toBe(10);
    expect(plain.stdout.toString()).toMatch(
      /^plain\.yml:7:10: a value of an S5Secret with no token/,
    );
    // Every value sealed: passes.
    const sealed = secret.replace("  pin: Xy7pQ2", `  pin: ${await cipher("Xy7pQ2", "yaml")}`);
    writeFileSync(join(box.dir, "sealed.yml"), sealed.replace('  api: "qWe9-rTy1"\n', ""));
    await box.s5(["k8s", "wrap", "-i", "sealed.yml"]);
    const passed = await box.s5(["check", "sealed.yml"]);
    expect(passed.code, passed.stdout.toString()).toBe(0);
    // A Helm chart's S5Secret, its tokens in values.yaml: templates are no values in clear.
    const chart = await check(
      "chart-secret.yml",
      'apiVersion: s5.dev/v1alpha1\nkind: S5Secret\nmetadata:\n  name: db\nspec:\n  stringData:\n    password: "{{ .Values.db.password }}"\n',
    );
    expect(chart.code, chart.stdout).toBe(0);
  });

  it("an S5Secret saved with a byte-order mark and CRLF (a Windows editor) is told as one", async () => {
    const password = "hunter2-bom!";
    const good = await cipher(password, "base64");
    const lines = [...(await dataSecret(password, good)), ""];
    lines[0] = `\ufeff${lines[0]}`;
    // kubectl reads past the mark (go-yaml skips it): the controller gets this S5Secret as is.
    // Before: check exit 0, and render printed the S5Secret with both plaintexts in it (exit 0).
    const out = await check("bom.yml", lines.join("\r\n"));
    expect(out.code, out.stderr).toBe(10);
    expect(out.stdout).toMatch(
      /^bom\.yml:7:16: .*`password` is not base64 .*\(S5_K8S_DATA_BASE64\)\n$/,
    );
    const render = await box.s5(["render", "bom.yml"]);
    expect(render.code).toBe(5);
    expect(render.stdout.length).toBe(0);
    expect(render.stderr).toContain("2 tokens failed; nothing was written");
    expect(render.stderr).toContain("bom.yml:7:16: this token is a value of an S5Secret");
    expect(out.stdout + out.stderr + render.stderr).not.toContain(password);
    expect(render.stderr).not.toContain(Buffer.from(password).toString("base64"));
  });

  it("a byte-order mark before `---`: told at the file's start, and said where files were joined", async () => {
    const password = "hunter2-joined!";
    const secret = await dataSecret(password, await cipher(password, "base64"));
    // At the start kubectl reads the S5Secret (go-yaml skips a mark that starts the stream).
    // Before: check exit 0, render spliced the plaintext into the S5Secret (exit 0).
    const start = await check("start.yml", `\ufeff---\n${secret.join("\n")}\n`);
    expect(start.code, start.stderr).toBe(10);
    expect(start.stdout).toMatch(/^start\.yml:8:16: .*\(S5_K8S_DATA_BASE64\)\n$/);
    const render = await box.s5(["render", "start.yml"]);
    expect(render.code).toBe(5);
    expect(render.stdout.length).toBe(0);
    // Two files joined, the second saved with a mark: kubectl refuses the whole file ("could not
    // find expected ':'"), so check says where; both S5Secrets are told all the same. Before:
    // exit 0, and render spliced both plaintexts (exit 0).
    const joined = [...secret, "\ufeff---", ...secret, ""].join("\r\n");
    const out = await check("joined.yml", joined);
    expect(out.code, out.stderr).toBe(10);
    expect(out.stdout.split("\n").filter((line) => !line.includes("S5_CHECK_COPY"))).toEqual([
      expect.stringMatching(/^joined\.yml:7:16: .*\(S5_K8S_DATA_BASE64\)$/),
      "joined.yml:9:1: a byte-order mark (U+FEFF) before this `---`: kubectl refuses the whole file (its YAML reader takes the `---` for text, not a new document), as other YAML readers do; remove the mark (S5_CHECK_YAML_MARK)",
      expect.stringMatching(/^joined\.yml:16:16: .*\(S5_K8S_DATA_BASE64\)$/),
      "",
    ]);
    const both = await box.s5(["render", "joined.yml"]);
    expect(both.code).toBe(5);
    expect(both.stdout.length).toBe(0);
    expect(both.stderr).toContain("4 tokens failed; nothing was written");
    expect(both.stderr).toContain("joined.yml:7:16: this token is a value of an S5Secret");
    expect(start.stdout + start.stderr + render.stderr + out.stdout + both.stderr).not.toContain(
      password,
    );
  });

  it("a byte-order mark that starts a line past the first, without `---`: files joined, told and refused", async () => {
    const password = "hunter2-nomarker!";
    const secret = await dataSecret(password, await cipher(password, "base64"));
    // The second file saved with a mark, joined with no `---` between: kubectl's reader takes
    // both as one object, the keys after the mark over those before (and a key named with the
    // mark); go-yaml v3 and the `yaml` package refuse the duplicate keys. Before: one document
    // with duplicate keys, so no S5Secret told: check exit 0, render spliced both plaintexts.
    for (const eol of ["\n", "\r\n"]) {
      const joined = [...secret, `\ufeff${secret[0]}`, ...secret.slice(1), ""].join(eol);
      const out = await check("glued.yml", joined);
      expect(out.code, out.stderr).toBe(10);
      expect(out.stdout.split("\n").filter((line) => !line.includes("S5_CHECK_COPY"))).toEqual([
        expect.stringMatching(/^glued\.yml:7:16: .*\(S5_K8S_DATA_BASE64\)$/),
        "glued.yml:9:1: a byte-order mark (U+FEFF) starts this line, with no `---` before it: two files joined (the second saved with a mark); kubectl reads both as one object, the keys after the mark replacing those before; put `---` on a line of its own here and remove the mark (S5_CHECK_YAML_MARK)",
        expect.stringMatching(/^glued\.yml:15:16: .*\(S5_K8S_DATA_BASE64\)$/),
        "",
      ]);
      const render = await box.s5(["render", "glued.yml"]);
      expect(render.code).toBe(5);
      expect(render.stdout.length).toBe(0);
      expect(render.stderr).toContain("4 tokens failed; nothing was written");
      expect(render.stderr).toContain("glued.yml:7:16: this token is a value of an S5Secret");
      expect(out.stdout + out.stderr + render.stderr).not.toContain(password);
    }
    // A mark after indentation is a block scalar's text, not a join: not told.
    const indented = await check("indented.yml", [...secret, "  \ufeffnote: x", ""].join("\n"));
    expect(indented.stdout).not.toContain("S5_CHECK_YAML_MARK");
  });

  it("S5_CHECK_YAML_MARK's line counts bytes: characters of several bytes above the mark", async () => {
    const password = "hunter2-accent!";
    const secret = await dataSecret(password, await cipher(password, "base64"));
    const out = await check(
      "accent.yml",
      ["# café ✓", ...secret, "\ufeff---", ...secret, ""].join("\n"),
    );
    expect(out.code, out.stderr).toBe(10);
    expect(out.stdout).toContain("accent.yml:10:1: a byte-order mark (U+FEFF) before this `---`");
    expect(out.stdout + out.stderr).not.toContain(password);
    // Only YAML files that hold tokens are looked at: a YAML file without one, or a text file.
    const none = await check("none.yml", "a: 1\n\ufeff---\nb: 2\n");
    expect(none.stdout).not.toContain("S5_CHECK_YAML_MARK");
    const text = await check("notes.txt", `a ${await cipher("v")}\n\ufeff---\n`);
    expect(text.stdout).not.toContain("S5_CHECK_YAML_MARK");
  });
});
