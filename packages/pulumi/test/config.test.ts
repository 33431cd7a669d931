import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Config, setDecryptor, stubDecryptor } from "../src/index.ts";
import { failure, inspect, mocks } from "./helpers.ts";

const token = (name: string) =>
  `{{ s5:local:AbCdEfGh:${Buffer.from(name).toString("base64url")} }}`;
const body = (name: string) => `local:AbCdEfGh:${Buffer.from(name).toString("base64url")}`;

const plaintexts: Record<string, string> = {
  [body("password")]: "hunter2",
  [body("port")]: "5432",
  [body("flag")]: "true",
  [body("json")]: '{"user":"app","password":"hunter2"}',
  [body("short")]: "ab",
  [body("pem")]: '-----BEGIN KEY-----\n"a\\b"\n-----END KEY-----\n',
  [body("hostile")]: 'say "hi"\\ then\nnext\u2028line\u2029end',
};

// Text of string settings that happens to be JSON, and structured values, as Pulumi hands them
// over: what a JSON parser would rewrite (digits past double precision, `1e400`, `1.10`, white
// space) must come back as it was, only the token replaced.
const numbers = `{"password":"${token("password")}","accountId":123456789012345678901,"snowflake":1234567890123456789,"ratio":1.10,"big":1e400,"list":[1,[2.50],-0]}`;
const policy = `{\n  "Version": "2012-10-17",\n  "Statement": [\n    { "Effect": "Allow", "Sid": "${token("password")}" }\n  ]\n}\n`;

describe("Config (a drop-in for pulumi.Config)", () => {
  beforeEach(() => {
    mocks();
    setDecryptor(stubDecryptor(plaintexts));
    pulumi.runtime.setAllConfig(
      {
        "project:region": "eu-west-1",
        "project:password": token("password"),
        "project:url": `postgres://app:${token("password")}@db:${token("port")}/app`,
        "project:port": token("port"),
        "project:replicas": "3",
        "project:flag": token("flag"),
        "project:creds": token("json"),
        "project:nested": JSON.stringify({ db: { password: token("password"), port: 5432 } }),
        "project:plainObject": JSON.stringify({ a: [1, "b"] }),
        "project:short": token("short"),
        "project:tricky": JSON.stringify({
          tls: { key: token("pem"), port: 443 },
          list: [token("password")],
        }),
        "project:numbers": numbers,
        "project:policy": policy,
        "project:hostile": `{"a":"x ${token("hostile")} y","b":["${token("hostile")}"],"c":"${token("hostile")} | \\u00e9\\/"}`,
        "project:filtered": `[ "${token("hostile")}", "{{ s5:${body("hostile")} | base64 }}" ]`,
        "project:keys": `{"${token("password")}": "${token("password")}", "plain": 1.0}`,
        "project:malformed": `{"ok":"${token("password")}","db":{"pw":"{{ s5:local:oops"}}`,
        "project:unknown": `{"db":{"hosts":["${token("password")}","${token("nope")}"]}}`,
        "other:password": token("password"),
      },
      [],
    );
  });
  afterEach(() => setDecryptor(undefined));

  it("returns values without tokens exactly as pulumi.Config does", () => {
    const config = new Config();
    const original = new pulumi.Config();
    expect(config.name).toBe("project");
    expect(config.get("region")).toBe("eu-west-1");
    expect(config.require("region")).toBe(original.require("region"));
    expect(config.getNumber("replicas")).toBe(3);
    expect(config.getObject("plainObject")).toEqual({ a: [1, "b"] });
    expect(config.get("missing")).toBeUndefined();
    expect(() => config.require("missing")).toThrow(/Missing required configuration variable/);
  });

  it("returns a secret Output of the plaintext for a value with a token, from every getter", async () => {
    const config = new Config();
    for (const output of [
      config.get("password"),
      config.require("password"),
      config.getSecret("password"),
      config.requireSecret("password"),
    ]) {
      expect(pulumi.Output.isInstance(output)).toBe(true);
      expect(await inspect(output as pulumi.Output<string>)).toEqual({
        value: "hunter2",
        secret: true,
        known: true,
      });
    }
    expect((await inspect(config.requireSecret("url"))).value).toBe(
      "postgres://app:hunter2@db:5432/app",
    );
  });

  it("converts decrypted numbers, booleans and JSON", async () => {
    const config = new Config();
    expect(await inspect(config.requireSecretNumber("port"))).toMatchObject({
      value: 5432,
      secret: true,
    });
    expect(await inspect(config.getNumber("port") as pulumi.Output<number>)).toMatchObject({
      value: 5432,
      secret: true,
    });
    expect(await inspect(config.requireBoolean("flag") as pulumi.Output<boolean>)).toMatchObject({
      value: true,
      secret: true,
    });
    expect(await inspect(config.requireSecretObject("creds"))).toMatchObject({
      value: { user: "app", password: "hunter2" },
      secret: true,
    });
  });

  it("decrypts tokens deep inside a structured value", async () => {
    const config = new Config();
    const nested = config.getObject<{ db: { password: string; port: number } }>("nested");
    expect(await inspect(nested as pulumi.Output<unknown>)).toEqual({
      value: { db: { password: "hunter2", port: 5432 } },
      secret: true,
      known: true,
    });
  });

  it("keeps a structured value read with a string getter valid JSON, whatever its plaintexts hold", async () => {
    const config = new Config();
    const expected = { tls: { key: plaintexts[body("pem")], port: 443 }, list: ["hunter2"] };
    for (const output of [config.get("tricky"), config.requireSecret("tricky")]) {
      // pulumi.Config hands a structured value over as JSON text; a quote, a backslash or a
      // newline spliced into it unescaped broke that text (or could have added keys to it).
      const result = await inspect(output as pulumi.Output<string>);
      expect(result.secret).toBe(true);
      expect(JSON.parse(result.value!)).toEqual(expected);
    }
    expect((await inspect(config.requireSecretObject("tricky"))).value).toEqual(expected);
  });

  it("keeps the text of a JSON value byte for byte apart from its tokens: numbers, white space", async () => {
    const config = new Config();
    const getters = (key: string) => [
      config.get(key),
      config.require(key),
      config.getSecret(key),
      config.requireSecret(key),
    ];
    for (const [key, raw] of [
      ["numbers", numbers],
      ["policy", policy],
    ] as const) {
      for (const output of getters(key)) {
        // Parsing and writing the JSON again made 123456789012345678901 123456789012345680000,
        // 1e400 null and 1.10 1.1, and put a pretty-printed policy on one line (a diff).
        expect(await inspect(output as pulumi.Output<string>)).toEqual({
          value: raw.replaceAll(token("password"), "hunter2"),
          secret: true,
          known: true,
        });
      }
    }
  });

  it("escapes a plaintext for the JSON string it lands in (after its own filters)", async () => {
    const config = new Config();
    const plain = plaintexts[body("hostile")]!;
    // A quote, a backslash, a newline; U+2028/U+2029 as core's `json` filter writes them.
    const escaped = 'say \\"hi\\"\\\\ then\\nnext\\u2028line\\u2029end';
    const hostile = await inspect(config.require("hostile") as pulumi.Output<string>);
    expect(hostile.secret).toBe(true);
    // The rest of the text as it was: `\u00e9` and `\/` are not rewritten to `é` and `/`.
    expect(hostile.value).toBe(
      `{"a":"x ${escaped} y","b":["${escaped}"],"c":"${escaped} | \\u00e9\\/"}`,
    );
    expect(JSON.parse(hostile.value!)).toEqual({
      a: `x ${plain} y`,
      b: [plain],
      c: `${plain} | \u00e9/`,
    });
    const filtered = await inspect(config.requireSecret("filtered"));
    expect(JSON.parse(filtered.value!)).toEqual([plain, Buffer.from(plain).toString("base64")]);
    expect(filtered.value).toBe(`[ "${escaped}", "${Buffer.from(plain).toString("base64")}" ]`);
  });

  it("reads the same object from a JSON text as getObject does; tokens in keys are left alone", async () => {
    const config = new Config();
    for (const key of ["hostile", "filtered", "numbers", "keys", "nested", "tricky"]) {
      const text = await inspect(config.requireSecret(key));
      const object = await inspect(config.requireSecretObject(key));
      expect(object.secret).toBe(true);
      expect(JSON.parse(text.value!)).toEqual(object.value);
    }
    // getObject parses, as pulumi.Config does: the same numbers as JSON.parse gives.
    const object = (await inspect(config.requireSecretObject("numbers"))).value;
    expect(object).toEqual(JSON.parse(numbers.replaceAll(token("password"), "hunter2")));
    expect(object).toMatchObject({ password: "hunter2", ratio: 1.1, big: Infinity });
    // A key names a setting; decrypting it could also make two keys one.
    expect((await inspect(config.requireSecret("keys"))).value).toBe(
      `{"${token("password")}": "hunter2", "plain": 1.0}`,
    );
    expect((await inspect(config.requireSecretObject("keys"))).value).toEqual({
      [token("password")]: "hunter2",
      plain: 1,
    });
  });

  it("reports a token of a JSON value that fails by its path, never a value", async () => {
    const config = new Config();
    const unknown = await failure(config.requireSecret("unknown"));
    expect(unknown.message).toContain("[s5]");
    expect(unknown.message).toContain("config project:unknown.db.hosts[1]:1:1");
    expect(unknown.message).toContain("S5_DECRYPT_STUB");
    expect(unknown.message).not.toContain("hunter2");
    const malformed = await failure(config.get("malformed") as pulumi.Output<string>);
    expect(malformed.message).toContain("[s5]");
    expect(malformed.message).toContain("config project:malformed.db.pw:1:1");
    expect(malformed.message).toContain("malformed token");
    expect(malformed.message).not.toContain("hunter2");
  });

  it("reads another namespace, like pulumi.Config(name)", async () => {
    const config = new Config("other");
    expect((await inspect(config.requireSecret("password"))).value).toBe("hunter2");
  });

  it("validates decrypted values without showing them", async () => {
    const config = new Config();
    const error = await failure(config.requireSecret("short", { minLength: 8 }));
    expect(error.message).toContain("[s5] Configuration 'project:short'");
    expect(error.message).toContain("shorter than 8");
    expect(error.message).not.toContain("ab");
    const notNumber = await failure(config.requireSecretNumber("password"));
    expect(notNumber.message).toContain("is not a number");
    expect(notNumber.message).not.toContain("hunter2");
  });

  it("takes a decryptor of its own", async () => {
    const config = new Config(undefined, {
      decryptor: stubDecryptor(() => "from-own-decryptor"),
    });
    expect((await inspect(config.requireSecret("password"))).value).toBe("from-own-decryptor");
  });
});
