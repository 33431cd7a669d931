// One team, several versions of s5: what this s5 does with files a newer one wrote. It never
// drops what it does not know when it rewrites a file, never takes an unknown thing for one it
// knows, and refuses what it cannot use with "a newer s5 … upgrade s5 (this is X.Y.Z)".

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import corePackage from "../../packages/core/package.json" with { type: "json" };
import { sandbox } from "./run.ts";

const THIS = `upgrade s5 (this is ${corePackage.version})`;

describe("the record of known project keys, written by a newer s5", () => {
  it("keeps members it does not know byte for byte when it adds a project", async () => {
    const alice = sandbox();
    expect((await alice.s5(["init", "--name", "alice"])).code).toBe(0);
    const record = join(alice.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    // A newer s5 added members an older one may ignore (still version 1), written its own way.
    const added = `"revoked": [ "s5pk-${"A".repeat(43)}",  12345678901234567890123 ],\n  "note":{"a" : 1}`;
    writeFileSync(record, readFileSync(record, "utf8").replace(/\n}\n$/, `,\n  ${added}\n}\n`));
    mkdirSync(join(alice.dir, "p2"));
    expect((await alice.s5(["init", "--dir", "p2"])).code).toBe(0);
    const text = readFileSync(record, "utf8");
    expect(text).toContain(`"revoked": [ "s5pk-${"A".repeat(43)}",  12345678901234567890123 ]`);
    expect(text).toContain(`"note": {"a" : 1}`);
    expect(Object.keys(JSON.parse(text).projects)).toHaveLength(2);
  });

  it("refuses a record of a newer version, and does not say to move it aside", async () => {
    const alice = sandbox();
    expect((await alice.s5(["init", "--name", "alice"])).code).toBe(0);
    const record = join(alice.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    const newer = readFileSync(record, "utf8").replace('"version": 1', '"version": 2');
    writeFileSync(record, newer);
    const refused = await alice.s5(["cipher", "x"]);
    expect(refused.code).toBe(7);
    expect(refused.stdout.toString()).toBe("");
    expect(refused.stderr).toContain(`was written by a newer s5 (record version 2`);
    expect(refused.stderr).toContain(`${THIS} (S5_KEY_KNOWN_NEWER)`);
    expect(refused.stderr).not.toContain("move it aside");
    expect(readFileSync(record, "utf8")).toBe(newer);
  });
});

describe("a project config a newer s5 wrote", () => {
  it("is neither used nor rewritten, and the message says to upgrade", async () => {
    const alice = sandbox();
    expect((await alice.s5(["init", "--name", "alice"])).code).toBe(0);
    const bob = sandbox();
    const bobPublic = (await bob.s5(["init", "--name", "bob"])).stdout.toString().trim();
    const token = (await alice.s5(["cipher", "hunter2"])).stdout.toString();
    writeFileSync(join(alice.dir, "a.yml"), `pw: ${token}\n`);
    const file = join(alice.dir, ".s5.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    // A recipient entry of a kind this s5 does not know: skipping it could drop a recipient.
    config.local.keys[0].recipients.push({ kind: "group", name: "ops", members: ["x"] });
    const newer = `${JSON.stringify(config, null, 2)}\n`;
    writeFileSync(file, newer);
    for (const args of [
      ["render", "a.yml"],
      ["keys", "add", "bob", bobPublic],
      ["keys", "rotate"],
    ]) {
      const refused = await alice.s5(args);
      expect(refused.code, args.join(" ")).toBe(12);
      expect(refused.stderr).toContain("unknown key `kind`");
      expect(refused.stderr).toContain(THIS);
      expect(refused.stdout.toString()).toBe("");
    }
    expect(readFileSync(file, "utf8")).toBe(newer);
  });
});

describe("tokens a newer s5 wrote", () => {
  it("a new backend word or filter is never read as one this s5 knows, nor rewritten around", async () => {
    const alice = sandbox();
    expect((await alice.s5(["init", "--name", "alice"])).code).toBe(0);
    const token = (await alice.s5(["cipher", "hunter2"])).stdout.toString();
    const body = token.slice("{{ s5:".length, -" }}".length);
    const file = join(alice.dir, "a.yml");
    // A newer backend, a token format of its own, a filter this s5 does not have (taken as
    // `raw`, the value would land unescaped), and a value to seal beside them.
    const text = [
      `kms: {{ s5:kms:projects/p/keys/k:AAAABBBB }}`,
      `v2: {{ s5:v2:local:${body.split(":")[1]}:AAAA }}`,
      `filtered: {{ s5:${body} | toml }}`,
      `plain: ${token}`,
      `new: {{ s5:seal hunter3 }}`,
      "",
    ].join("\n");
    writeFileSync(file, text);
    for (const args of [
      ["render", "a.yml"],
      ["check", "a.yml"],
      ["rewrap", "-i", "a.yml"],
    ]) {
      const refused = await alice.s5(args);
      expect(refused.code, args.join(" ")).toBe(args[0] === "check" ? 10 : 5);
      expect(refused.stdout.toString(), args.join(" ")).not.toContain("hunter");
      // `check` reports on stdout, the others on stderr; the hints go to stderr.
      const report = refused.stdout.toString() + refused.stderr;
      expect(report).toContain("a.yml:1:6: unknown token backend `kms` (S5_TOKEN_SCHEME)");
      expect(report).toContain("a.yml:2:5: unknown token backend `v2` (S5_TOKEN_SCHEME)");
      expect(report).toContain("a.yml:3:11: unknown filter `toml` (S5_TOKEN_FILTER)");
      expect(refused.stderr).toContain(`a token a newer s5 wrote needs it: ${THIS}`);
    }
    const sealed = await alice.s5(["seal", "-i", "a.yml"]);
    expect(sealed.code).toBe(5);
    expect(sealed.stderr).toContain(
      "a.yml:1:6: neither a seal marker nor a token this s5 reads: its backend word is not one of this s5's (S5_TOKEN_SCHEME)",
    );
    expect(sealed.stderr).toContain(`a token a newer s5 wrote needs it: ${THIS}`);
    expect(sealed.stderr).not.toContain("kms");
    const edited = await alice.s5(["edit", "a.yml"], { env: { EDITOR: "true" } });
    expect(edited.code).toBe(5);
    expect(edited.stderr).toContain(THIS);
    expect(readFileSync(file, "utf8")).toBe(text);
  });
});

describe("an S5Secret a newer s5 wrote", () => {
  it("k8s unwrap of another s5.dev version or an unknown spec field says to upgrade, and writes nothing", async () => {
    const alice = sandbox();
    expect((await alice.s5(["init", "--name", "alice"])).code).toBe(0);
    const token = (await alice.s5(["cipher", "hunter2"])).stdout.toString().trim();
    const resource = (apiVersion: string, spec = "") =>
      `apiVersion: ${apiVersion}\nkind: S5Secret\nmetadata: {name: db}\nspec:\n${spec}  stringData:\n    password: "${token}"\n`;
    const current = resource("s5.dev/v1alpha1");
    const cases = [
      // A newer CRD version, alone and after one this s5 reads (it was copied through as it was,
      // and `unwrap | s5 render | kubectl apply` would have applied it with its tokens).
      [
        "v2.yml",
        resource("s5.dev/v1alpha2"),
        "v2.yml:1:13: this S5Secret is apiVersion s5.dev/v1alpha2, which this s5 does not read (it reads s5.dev/v1alpha1): it may be a newer s5's (S5_K8S_API_VERSION)",
      ],
      [
        "mix.yml",
        `${current}---\n${resource("s5.dev/v1alpha2")}`,
        "mix.yml:8:13: this S5Secret is apiVersion s5.dev/v1alpha2",
      ],
      // The same inside a List (kubectl get -o yaml of several).
      [
        "list.yml",
        `apiVersion: v1\nkind: List\nitems:\n  - apiVersion: s5.dev/v1alpha2\n    kind: S5Secret\n    metadata: {name: db}\n    spec:\n      stringData:\n        password: "${token}"\n`,
        "list.yml:4:17: this S5Secret is apiVersion s5.dev/v1alpha2",
      ],
      // A field a newer CRD accepts.
      [
        "field.yml",
        resource("s5.dev/v1alpha1", "  secretName: other\n"),
        "field.yml:5:3: the S5Secret's spec has `secretName`, which the converted resource has no place for (S5_K8S_UNKNOWN_FIELD)",
      ],
      [
        "meta.yml",
        resource("s5.dev/v1alpha1", "  metadata:\n    finalizers: [x]\n"),
        "the S5Secret's spec.metadata has `finalizers`",
      ],
    ] as const;
    for (const [name, text, said] of cases) {
      const file = join(alice.dir, name);
      writeFileSync(file, text);
      const refused = await alice.s5(["k8s", "unwrap", "-i", name]);
      expect(refused.code, name).toBe(3);
      expect(refused.stderr, name).toContain(said);
      expect(refused.stderr, name).toContain(THIS);
      expect(refused.stderr, name).toContain("newer s5's");
      expect(readFileSync(file, "utf8"), name).toBe(text);
    }
    // A near typo is named, with the same words about a newer s5.
    writeFileSync(join(alice.dir, "typo.yml"), resource("s5.dev/v1alpha1", "  strinData: {}\n"));
    const typo = await alice.s5(["k8s", "unwrap", "typo.yml"]);
    expect(typo.code).toBe(3);
    expect(typo.stderr).toContain(
      `did you mean \`stringData\`? If not, the field may be a newer s5's: ${THIS}`,
    );
  });
});

describe("files an older tool renders: the Go tool", () => {
  // The Go tool's own test vectors (key and tokens), and its pattern: it leaves anything else in
  // place, silently, so a token it cannot match reaches the output as text.
  const KEY = "cc6af4c2bf251c1cce0aebdbd39dc91d";
  const COUCOU =
    "{{s5:MTdkNjc2OWRlNDliMTljZjAwNGM3YjI3MTRkNGRjNWFmZGE0NDUzYWM5Zjg6M2NhYzZjNjliMTQxZDdmZGU5MmEyZTMy}}";
  const FOO =
    "{{s5:MmZmZTI0NDI1NjY3YTdhNjZhZjFmMGZjMzdkZjM0OTBiZGY0MDc6YTEzNzdlOGJkMTc2ZDg5NjE2ZTJlNjll}}";
  const GO_TOOL = /\{\{\s?s5:([A-Za-z0-9+\\/=]*)\s?\}\}/g;

  it("edit and seal keep a Go-tool file in its form, and say which new token cannot be", async () => {
    const box = sandbox();
    const env = { S5_AES_KEY: KEY };
    const file = join(box.dir, "values.yml");
    writeFileSync(file, `a: ${COUCOU}\nb: ${FOO}\n`);
    const edited = await box.s5(["edit", "aes", "values.yml"], {
      env: { ...env, EDITOR: "sed -i s/coucou/hello/" },
    });
    expect(edited.code).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).toContain(`b: ${FOO}\n`);
    expect(text.match(GO_TOOL)).toHaveLength(2);
    expect(edited.stderr).not.toContain("note");
    // A marker with a filter has no Go-tool form: sealed in s5's, and said.
    writeFileSync(file, `${text}c: {{ s5:seal x | yaml }}\nd: {{ s5:seal y }}\n`);
    const sealed = await box.s5(["seal", "aes", "-i", "values.yml"], { env });
    expect(sealed.code).toBe(0);
    expect(sealed.stderr).toContain(
      "values.yml: its other tokens are in the Go tool's form, 1 new one(s) in s5's",
    );
    const after = readFileSync(file, "utf8");
    expect(after.match(GO_TOOL)).toHaveLength(3);
    expect(after).toMatch(/^c: \{\{ s5:aes:[\w-]+ \| yaml \}\}$/m);
    const rendered = await box.s5(["render", "aes", "values.yml"], { env });
    expect(rendered.stdout.toString()).toBe('a: hello\nb: foo\nc: "x"\nd: y\n');
    // Chosen in so many words, the form is what was chosen.
    writeFileSync(file, `a: ${COUCOU}\ne: {{ s5:seal z }}\n`);
    const chosen = await box.s5(["seal", "aes", "-i", "values.yml"], {
      env: { ...env, S5_LEGACY_TOKENS: "false" },
    });
    expect(chosen.code).toBe(0);
    expect(readFileSync(file, "utf8")).toMatch(/^e: \{\{ s5:aes:[\w-]+ \}\}$/m);
    // …and so in the project config.
    writeFileSync(join(box.dir, ".s5.json"), '{ "legacyTokens": false }\n');
    writeFileSync(file, `a: ${COUCOU}\nf: {{ s5:seal w }}\n`);
    const configured = await box.s5(["seal", "aes", "-i", "values.yml"], { env });
    expect(configured.code, configured.stderr).toBe(0);
    expect(readFileSync(file, "utf8")).toMatch(/^f: \{\{ s5:aes:[\w-]+ \}\}$/m);
    // A file with a token in s5's form is not the Go tool's to render: new tokens in s5's.
    rmSync(join(box.dir, ".s5.json"));
    const ours = (await box.s5(["cipher", "aes", "v"], { env })).stdout.toString().trim();
    expect(ours).toMatch(/^\{\{ s5:aes:/);
    writeFileSync(file, `a: ${COUCOU}\nb: ${ours}\ng: {{ s5:seal u }}\n`);
    const mixed = await box.s5(["seal", "aes", "-i", "values.yml"], { env });
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(mixed.stderr).toBe("values.yml: 1 new token(s): 1 to AES\n");
    expect(readFileSync(file, "utf8")).toMatch(/^g: \{\{ s5:aes:[\w-]+ \}\}$/m);
  });
});
