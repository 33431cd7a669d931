/** The project config `.s5.json`: its JSON Schema, written by `s5 init`, and its errors (exit 12). */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Schema, validate } from "../../packages/core/src/schema/validate.ts";
import { sandbox } from "./run.ts";

const require = createRequire(import.meta.url);
/** The schema as published: `@s5/core/schema.json`. */
const schema = require("@s5/core/schema.json") as Schema;
const { version } = require("@s5/core/package.json") as { version: string };

describe("the project config", () => {
  it("s5 init writes `$schema` first, and a config that validates against the schema", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const text = readFileSync(join(box.dir, ".s5.json"), "utf8");
    const url = `https://unpkg.com/@s5/core@${version}/s5.schema.json`;
    expect(text.startsWith(`{\n  "$schema": "${url}",\n`)).toBe(true);
    expect(validate(JSON.parse(text), schema)).toEqual([]);
    // Rewriting it (a new recipient) keeps `$schema`, first.
    const ci = /public key: (s5pk-\S+)/.exec((await box.s5(["keys", "generate"])).stderr)![1]!;
    expect((await box.s5(["keys", "add", "ci", ci])).code).toBe(0);
    const after = readFileSync(join(box.dir, ".s5.json"), "utf8");
    expect(after.startsWith(`{\n  "$schema": "${url}",\n`)).toBe(true);
    expect(validate(JSON.parse(after), schema)).toEqual([]);
  });

  it("s5 init points `$schema` at the installed schema when there is one, and keeps an existing one", async () => {
    const box = sandbox();
    const installed = join(box.dir, "node_modules", "@s5", "core");
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(installed, "s5.schema.json"), "{}");
    const app = join(box.dir, "app");
    mkdirSync(app);
    expect((await box.s5(["init", "--dir", "app"])).code).toBe(0);
    const config = JSON.parse(readFileSync(join(app, ".s5.json"), "utf8"));
    expect(Object.keys(config)[0]).toBe("$schema");
    expect(config.$schema).toBe("../node_modules/@s5/core/s5.schema.json");
    expect((await box.s5(["init"])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(box.dir, ".s5.json"), "utf8")).$schema).toBe(
      "./node_modules/@s5/core/s5.schema.json",
    );

    const own = sandbox();
    writeFileSync(join(own.dir, ".s5.json"), '{ "backend": "local", "$schema": "my.json" }\n');
    expect((await own.s5(["init"])).code).toBe(0);
    const kept = JSON.parse(readFileSync(join(own.dir, ".s5.json"), "utf8"));
    expect(Object.keys(kept)[0]).toBe("$schema");
    expect(kept.$schema).toBe("my.json");
  });

  it("an unknown key exits 12 and suggests the closest known key; no value is shown", async () => {
    const box = sandbox();
    writeFileSync(join(box.dir, ".s5.json"), '{"backnd": "aes", "legacyTokens": "Sup3rS3cret"}');
    const result = await box.s5(["cipher", "--key", "cc6af4c2bf251c1cce0aebdbd39dc91d", "x"]);
    expect(result.code).toBe(12);
    expect(result.stderr).toContain("unknown key `backnd` in the project config");
    expect(result.stderr).toContain("(did you mean `backend`?)");
    expect(result.stderr).toContain("`legacyTokens` in the project config");
    expect(result.stderr).toContain("S5_CONFIG_INVALID");
    expect(result.stderr).not.toContain("Sup3r");
    expect(result.stdout.length).toBe(0);
  });

  it("malformed JSON exits 12 and says where", async () => {
    const box = sandbox();
    writeFileSync(join(box.dir, ".s5.json"), '{\n  "backend": "local"\n  "x": "Sup3rS3cret"\n}\n');
    const result = await box.s5(["cipher", "x"]);
    expect(result.code).toBe(12);
    expect(result.stderr).toContain(".s5.json:3:3: the project config");
    expect(result.stderr).toContain("is not valid JSON (S5_CONFIG_PARSE)");
    expect(result.stderr).not.toContain("Sup3r");
  });

  it("a key twice exits 12 at the second one; a byte-order mark is read past", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const file = join(box.dir, ".s5.json");
    const text = readFileSync(file, "utf8");
    const token = (await box.s5(["cipher", "v"])).stdout.toString().trim();
    writeFileSync(file, `\ufeff${text}`);
    expect((await box.s5(["decipher", token])).stdout.toString()).toBe("v");
    const lines = text.split("\n");
    lines.splice(1, 0, `  "backend": "aes",${" ".repeat(150)}"backend": "local",`);
    writeFileSync(file, lines.join("\n"));
    const result = await box.s5(["cipher", "x"]);
    expect(result.code).toBe(12);
    expect(result.stderr).toContain(".s5.json:2:170: the project config");
    expect(result.stderr).toContain("has the key `backend` twice");
    expect(result.stderr).toContain("(S5_CONFIG_DUPLICATE_KEY)");
  });

  it("an invalid variable exits 12; no backend set up still exits 7", async () => {
    const box = sandbox();
    const batch = await box.s5(["cipher", "vault", "x"], {
      env: { VAULT_ADDR: "http://127.0.0.1:9", VAULT_TOKEN: "t", S5_VAULT_BATCH_SIZE: "abc" },
    });
    expect(batch.code).toBe(12);
    expect(batch.stderr).toContain("S5_VAULT_BATCH_SIZE must be a whole number");
    const none = await box.s5(["cipher", "x"]);
    expect(none.code).toBe(7);
    expect(none.stderr).toContain("no backend is set up here");
  });
});
