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
};

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
