import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import corePackage from "../package.json" with { type: "json" };
import { backendNames } from "../src/backend.ts";
import { type ProjectConfig, projectSchema, readProjectFile } from "../src/config.ts";
import { ConfigError } from "../src/errors.ts";
import { isShowable, showable, showableJson } from "../src/hidden.ts";
import { addProjectKey, generateIdentity } from "../src/local/manage.ts";
import { type Schema, unsupportedKeywords, validate } from "../src/schema/validate.ts";

const SECRET = "Sup3r-s3cret-pasted-here";
// biome-ignore lint/suspicious/noExplicitAny: configs broken on purpose, any shape
type Broken = any;

/** A config like the one `s5 init` writes, with two recipients. */
async function initConfig(): Promise<ProjectConfig> {
  const [alice, ci] = [await generateIdentity(), await generateIdentity()];
  const config: ProjectConfig = { $schema: "./node_modules/@s5/core/s5.schema.json" };
  await addProjectKey(config, [
    { name: "alice@laptop", publicKey: alice.publicKey },
    { name: "ci", publicKey: ci.publicKey },
  ]);
  config.backend = "local";
  config.vault = { transitKey: "app.v2", transitMount: "team/transit" };
  return JSON.parse(JSON.stringify(config));
}

const paths = (value: unknown) => validate(value, projectSchema).map((problem) => problem.path);
const messages = (value: unknown) =>
  validate(value, projectSchema, "the project config F").map((problem) => problem.message);

function schemas(schema: Schema, at = "#"): [string, Schema][] {
  return [
    [at, schema],
    ...Object.entries(schema.properties ?? {}).flatMap(([name, child]) =>
      schemas(child, `${at}/properties/${name}`),
    ),
    ...(schema.items ? schemas(schema.items, `${at}/items`) : []),
  ];
}

describe("s5.schema.json", () => {
  it("uses only what the validator implements, explains every property, closes every object", () => {
    expect(unsupportedKeywords(projectSchema)).toEqual([]);
    expect(unsupportedKeywords({ type: "string", format: "uri" } as Schema)).toEqual(["#/format"]);
    for (const [at, schema] of schemas(projectSchema)) {
      expect(schema.description, at).toBeTruthy();
      expect(schema.title, at).toBeTruthy();
      if (schema.type === "object") expect(schema.additionalProperties, at).toBe(false);
    }
    expect(projectSchema.properties?.backend?.enum).toEqual([...backendNames]);
    expect(projectSchema.properties?.$schema).toBeDefined();
  });

  it("is the file shipped as @s5/core/schema.json", () => {
    const file = new URL("../s5.schema.json", import.meta.url);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(projectSchema);
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(pkg.exports["./schema.json"]).toBe("./s5.schema.json");
    expect(pkg.files).toContain("s5.schema.json");
  });
});

describe("validate against the project schema", () => {
  it("accepts a config as s5 init writes it, and an empty one", async () => {
    expect(validate(await initConfig(), projectSchema)).toEqual([]);
    expect(validate({}, projectSchema)).toEqual([]);
  });

  it("names the JSON path of each violation, and what is expected", async () => {
    const config = (await initConfig()) as Broken;
    config.legacyTokens = "yes";
    config.local.keys[0].id = SECRET;
    config.local.keys[0].recipients[1].publicKey = SECRET;
    config.local.keys[0].recipients[0].sealedKey = `${SECRET}=`;
    delete config.local.keys[0].recipients[1].name;
    config.vault.transitKey = "a/b";
    config.vault.transitMount = "/kv//x";
    expect(paths(config).sort()).toEqual([
      "legacyTokens",
      "local.keys[0].id",
      "local.keys[0].recipients[0].sealedKey",
      "local.keys[0].recipients[1].name",
      "local.keys[0].recipients[1].publicKey",
      "vault.transitKey",
      "vault.transitMount",
    ]);
    const shown = messages(config);
    expect(shown).toContain("`legacyTokens` in the project config F must be true or false");
    expect(shown).toContain(
      "`local.keys[0].recipients[1].publicKey` in the project config F must be an s5 public key (`s5pk-` and 43 base64url characters)",
    );
    expect(shown).toContain(
      "`local.keys[0].recipients[1]` in the project config F is missing `name` (a non-empty name without control, bidirectional or invisible characters)",
    );
    expect(shown.join("\n")).not.toContain(SECRET);
    expect(paths({ local: { keys: [] } })).toEqual(["local.keys"]);
    expect(paths({ local: {} })).toEqual(["local.keys"]);
    expect(paths({ local: { keys: {} } })).toEqual(["local.keys"]);
    expect(paths({ vault: "transit" })).toEqual(["vault"]);
    expect(paths({ vault: { transitMount: "/team/transit/" } })).toEqual([]);
    expect(messages([])).toEqual(["the project config F must be a JSON object"]);
    expect(messages(null)).toEqual(["the project config F must be a JSON object"]);
  });

  it("an unknown key is named, with the closest known key at its level", async () => {
    expect(messages({ backnd: "aes" })).toEqual([
      "unknown key `backnd` in the project config F (did you mean `backend`?)",
    ]);
    const config = (await initConfig()) as Broken;
    config.local.keys[0].recipients[0].nmae = "x";
    config.vault.tranistKey = "x";
    config.vault.address = "x";
    expect(messages(config)).toEqual([
      "unknown key `nmae` in the project config F at `local.keys[0].recipients[0]` (did you mean `name`?)",
      "unknown key `tranistKey` in the project config F at `vault` (did you mean `transitKey`?)",
      "unknown key `address` in the project config F at `vault` (known keys: transitKey, transitMount, maxRetries, retryTimeout)",
    ]);
    // A key that looks like a secret pasted in the wrong place is not shown.
    const pasted = messages({ "S5-SECRET-KEY-abcdefghijklmnop": true });
    expect(pasted[0]).toContain("unknown key (not shown: it may be a secret)");
    expect(pasted[0]).not.toContain("abcdefgh");
    // A key with control characters (a terminal escape) is shown escaped.
    const escaped = messages({ "\u001b[2Kx\n": true });
    expect(escaped[0]).toContain("unknown key `\\u001b[2Kx\\n`");
    expect(escaped[0]).not.toContain("\u001b");
    // A right-to-left override would show the rest of the line reversed.
    const reordered = messages({ "tok\u202eyek": true });
    expect(reordered[0]).toContain("unknown key `tok\\u202eyek`");
    expect(reordered[0]).not.toContain("\u202e");
  });

  it("a recipient's name: the schema's pattern lists, as ranges, every code point that isShowable refuses", () => {
    // Ranges, not Unicode properties: V8 builds a `\p{…}` class from Unicode's tables each time a
    // process first uses it (~8 million instructions of every `s5/config` start). When a Node
    // release brings new Unicode data, this fails and prints the pattern to put in s5.schema.json.
    const ranges: [number, number][] = [];
    for (let code = 0; code <= 0x10ffff; code++) {
      if (isShowable(String.fromCodePoint(code))) continue;
      const last = ranges.at(-1);
      if (last && last[1] === code - 1) last[1] = code;
      else ranges.push([code, code]);
    }
    const written = (code: number) =>
      code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
    const expected = `^[^${ranges.map(([a, b]) => (a === b ? written(a) : `${written(a)}-${written(b)}`)).join("")}]+$`;
    const name = (projectSchema as Broken).properties.local.properties.keys.items.properties
      .recipients.items.properties.name;
    expect(name.pattern).toBe(expected);
    expect(ranges.length).toBeGreaterThan(20);
  });

  it("a recipient's name: the schema refuses exactly what addRecipient refuses", async () => {
    const config = (await initConfig()) as Broken;
    const named = (name: string) => {
      config.local.keys[0].recipients[0].name = name;
      return paths(config);
    };
    expect(named("alice@laptop")).toEqual([]);
    expect(named("Zoë ✓ 🔑")).toEqual([]);
    // Every BMP code unit alone, then each inside a name: the two checks agree.
    let hidden = 0;
    for (let unit = 0; unit <= 0xffff; unit++) {
      const c = String.fromCharCode(unit);
      const refused = named(`a${c}b`).length > 0;
      expect(refused, `U+${unit.toString(16)}`).toBe(!isShowable(`a${c}b`));
      if (refused) hidden++;
    }
    // C0, C1, the bidirectional controls and the invisible ones, and the 2048 surrogates.
    expect(hidden).toBeGreaterThan(2048 + 65 + 20);
    // Outside the BMP too: tag characters ("ASCII smuggling"), variation selectors, invisible
    // musical symbols; and the blank braille pattern.
    for (const name of [
      "\u202eevil",
      "al\u200bice",
      "alice\u2066",
      "\ud83d",
      "\u061c",
      "alice\u{e0041}\u{e0042}",
      "alice\ufe0f",
      "alice\u{e0100}",
      "al\u{1d173}ice",
      "alice\u2800",
    ]) {
      expect(named(name), JSON.stringify(name)).toEqual(["local.keys[0].recipients[0].name"]);
      expect(showable(name)).toMatch(/^[\x20-\x7e]*$/);
      // As JSON (`--json`): the same value to a parser, no character a terminal acts on.
      const json = showableJson({ name, c1: "\u009b2J", del: "\u007f" }, 2);
      expect(json).toMatch(/^[\x20-\x7e\n]*$/);
      expect(JSON.parse(json)).toEqual({ name, c1: "\u009b2J", del: "\u007f" });
    }
    expect(named("\ud83d\ude00")).toEqual([]);
    expect(showableJson(["Zoë ✓ 🔑\n"])).toBe('["Zoë ✓ 🔑\\n"]');
    // ASCII alone: DEL is still escaped (JSON leaves it raw).
    expect(showableJson({ del: "a\u007f" })).toBe('{"del":"a\\u007f"}');
  });

  it("an unknown backend lists the backends, suggesting one only for a near typo", () => {
    expect(messages({ backend: "vualt" })).toEqual([
      "`backend` in the project config F must be one of `local`, `aes`, `vault` (did you mean `vault`?)",
    ]);
    expect(messages({ backend: SECRET })[0]).not.toContain(SECRET);
    expect(messages({ backend: SECRET })[0]).not.toContain("did you mean");
  });
});

describe("readProjectFile", () => {
  const write = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), "s5-schema-")), ".s5.json");
    writeFileSync(file, text);
    return file;
  };
  const failure = (file: string) => {
    try {
      readProjectFile(file);
    } catch (error) {
      return error as ConfigError;
    }
    throw new Error("no error");
  };

  it("reads a valid config, keeping `$schema`, and defaults missing recipients", async () => {
    const config = await initConfig();
    delete (config.local!.keys[0] as Broken).recipients;
    const read = readProjectFile(write(JSON.stringify(config)));
    expect(read.$schema).toBe(config.$schema);
    expect(read.local!.keys[0]!.recipients).toEqual([]);
  });

  it("a schema violation is a ConfigError (exit 12) naming the file, every path, no value", () => {
    const file = write(JSON.stringify({ backnd: "aes", legacyTokens: SECRET }));
    const error = failure(file);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe("S5_CONFIG_INVALID");
    expect(error.exitCode).toBe(12);
    expect(error.message).toContain(
      `unknown key \`backnd\` in the project config ${file} (did you mean \`backend\`?)`,
    );
    expect(error.message).toContain(`\`legacyTokens\` in the project config ${file} must be`);
    expect(error.describe()).not.toContain(SECRET);
  });

  it("malformed JSON exits 12, says where, and does not quote the text", () => {
    const file = write(`{\n  "backend": "local"\n  "x": "${SECRET}"\n}\n`);
    const error = failure(file);
    expect(error.code).toBe("S5_CONFIG_PARSE");
    expect(error.exitCode).toBe(12);
    expect(error.location).toEqual({ file, line: 3, column: 3 });
    expect(error.describe()).not.toContain("Sup3r");
    // Node's message for a bad token quotes the text around it and gives no position.
    const quoted = failure(write(`{"x": ${SECRET}}`));
    expect(quoted.exitCode).toBe(12);
    expect(quoted.location).toBeUndefined();
    expect(quoted.describe()).not.toContain("Sup3r");
    const cut = failure(write(`{\n  "backend": "local",\n  "x": "${SECRET}`));
    expect(cut.location?.line).toBe(3);
    expect(cut.describe()).not.toContain("Sup3r");
  });

  it("a key twice in one object is refused where it repeats: JSON would keep the hidden one", async () => {
    const config = await initConfig();
    const shown = JSON.stringify(config, null, 2);
    // A second `backend` far to the right of a line, past what a diff shows.
    const hidden = shown.replace(
      '"backend": "local",',
      `"backend": "local",${" ".repeat(200)}"backend": "aes",`,
    );
    const file = write(hidden);
    const error = failure(file);
    expect(error.code).toBe("S5_CONFIG_DUPLICATE_KEY");
    expect(error.exitCode).toBe(12);
    expect(error.message).toBe(
      `the project config ${file} has the key \`backend\` twice: JSON keeps the last one, which a review may not see`,
    );
    const lines = hidden.split("\n");
    const line = lines.findIndex((l) => l.includes('"backend"')) + 1;
    const column = lines[line - 1]!.lastIndexOf('"backend"') + 1;
    expect(column).toBeGreaterThan(200);
    expect(error.location).toEqual({ file, line, column });
    // Nested, with the object's path; keys compared as JSON decodes them (`\u0070` is `p`).
    const nested = shown.replace('"publicKey": "', '"\\u0070ublicKey": "s5pk-x", "publicKey": "');
    const inKey = failure(write(nested));
    expect(inKey.code).toBe("S5_CONFIG_DUPLICATE_KEY");
    expect(inKey.message).toContain("the key `publicKey` in `local.keys[0]` twice");
    const inRecipient = failure(
      write(shown.replace('"name": "ci",', '"name": "ci", "name": "alice@laptop",')),
    );
    expect(inRecipient.message).toContain("the key `name` in `local.keys[0].recipients[1]` twice");
    // Equal keys in different objects, and strings that look like keys, are fine.
    expect(readProjectFile(write(shown))).toEqual(config);
    expect(
      readProjectFile(
        write(JSON.stringify({ vault: { transitKey: "transitKey" }, backend: "vault" })),
      ),
    ).toEqual({ vault: { transitKey: "transitKey" }, backend: "vault" });
    // A secret-looking key is not shown.
    const pasted = failure(write(`{"S5-SECRET-KEY-${SECRET}": 1, "S5-SECRET-KEY-${SECRET}": 2}`));
    expect(pasted.code).toBe("S5_CONFIG_DUPLICATE_KEY");
    expect(pasted.describe()).not.toContain("Sup3r");
  });

  it("a byte-order mark before the JSON is read past, as Node's JSON loading does", async () => {
    const config = await initConfig();
    expect(readProjectFile(write(`\ufeff${JSON.stringify(config, null, 2)}`))).toEqual(config);
  });

  it("what a newer s5 may have written is refused with its version to upgrade from, a typo is not", async () => {
    const upgrade = `upgrade s5 (this is ${corePackage.version})`;
    // A new kind of project key: used as a sealed box, a recipient could be dropped or misread.
    const config = (await initConfig()) as Broken;
    config.local.keys[0].kind = "hybrid-x25519-mlkem768";
    const unknown = failure(write(JSON.stringify(config)));
    expect(unknown.code).toBe("S5_CONFIG_INVALID");
    expect(unknown.hint).toContain(`may have been written by a newer s5: ${upgrade}`);
    // A backend word this s5 does not have.
    const backend = failure(write(JSON.stringify({ ...config, backend: "kms" })));
    expect(backend.hint).toContain(upgrade);
    // A near typo is a typo: no upgrade is suggested.
    const typo = failure(write(JSON.stringify({ backnd: "aes" })));
    expect(typo.hint).not.toContain("upgrade");
    // `s5 init` names the schema of its version when s5 is not installed in the project: proof.
    config.$schema = "https://unpkg.com/@s5/core@99.0.0/s5.schema.json";
    const newer = failure(write(JSON.stringify(config)));
    expect(newer.code).toBe("S5_CONFIG_NEWER");
    expect(newer.exitCode).toBe(12);
    expect(newer.message).toContain(`written by a newer s5 (99.0.0, its \`$schema\` says)`);
    expect(newer.message).toContain(upgrade);
    expect(newer.message).toContain("unknown key `kind`");
    // The schema of an older s5, or of this one, proves nothing.
    config.$schema = "https://unpkg.com/@s5/core@0.0.9/s5.schema.json";
    expect(failure(write(JSON.stringify(config))).code).toBe("S5_CONFIG_INVALID");
  });
});
