import { inspect as inspectError } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Decryptor, s5Decryptor, secret, setDecryptor, stubDecryptor } from "../src/index.ts";
import { failure, inspect, localProject, mocks } from "./helpers.ts";

const DB = "{{ s5:local:AbCdEfGh:ZGItcGFzc3dvcmQ }}";
const API = "{{ s5:vault:v1:YXBpLWtleQ== | base64 }}";
const values = {
  "local:AbCdEfGh:ZGItcGFzc3dvcmQ": "db-password",
  "{{ s5:vault:v1:YXBpLWtleQ== }}": "api-key",
};

describe("secret()", () => {
  beforeEach(() => {
    mocks();
    setDecryptor(stubDecryptor(values));
  });
  afterEach(() => setDecryptor(undefined));

  it("decrypts a token into a secret Output", async () => {
    expect(await inspect(secret(DB))).toEqual({ value: "db-password", secret: true, known: true });
  });

  it("decrypts every token inside text (filters applied by core), from an Output too", async () => {
    const text = pulumi.interpolate`postgres://app:${DB}@db/app?key=${pulumi.output(API)}`;
    const result = await inspect(secret(text));
    expect(result.value).toBe("postgres://app:db-password@db/app?key=YXBpLWtleQ==");
    expect(result.secret).toBe(true);
  });

  it("leaves text without tokens unchanged, still secret", async () => {
    expect(await inspect(secret("plain"))).toEqual({ value: "plain", secret: true, known: true });
  });

  it("works during preview", async () => {
    mocks(true);
    expect(pulumi.runtime.isDryRun()).toBe(true);
    expect(await inspect(secret(DB))).toMatchObject({ value: "db-password", secret: true });
  });

  it("leaves an input unknown at preview unknown (and secret) without calling the decryptor", async () => {
    mocks(true);
    let calls = 0;
    const counting: Decryptor = async (sources) => {
      calls++;
      return sources.map((source) => ({ ok: true as const, value: source.content }));
    };
    const unknown = pulumi.output(pulumi.unknown as unknown as string);
    const result = await inspect(secret(unknown, { decryptor: counting }));
    expect(result.known).toBe(false);
    expect(result.secret).toBe(true);
    expect(calls).toBe(0);
  });

  it("sends the tokens of one turn of the event loop to the decryptor as one batch", async () => {
    const calls: number[] = [];
    const stub = stubDecryptor(values);
    const counting: Decryptor = (sources) => {
      calls.push(sources.length);
      return stub(sources);
    };
    const outputs = [DB, API, `a ${DB} b`].map((text) => secret(text, { decryptor: counting }));
    const results = await Promise.all(outputs.map(inspect));
    expect(results.map((r) => r.value)).toEqual(["db-password", "YXBpLWtleQ==", "a db-password b"]);
    expect(calls).toEqual([3]);
  });

  it("fails only the value whose token fails, with a location and no plaintext", async () => {
    const good = secret(DB, { name: "good" });
    const bad = secret(`x ${DB} {{ s5:local:AbCdEfGh:bm9wZQ }}`, { name: "bad" });
    expect((await inspect(good)).value).toBe("db-password");
    const error = await failure(bad);
    expect(error.message).toMatch(/^\[s5\] 1 token failed/);
    expect(error.message).toContain("bad:1:");
    expect(error.message).toContain("S5_DECRYPT_STUB");
    expect(error.message).not.toContain("db-password");
    // Pulumi prints `err.stack` of an error that reaches it after the program ran (a stack
    // transform's input): without a stack it prints the message, not s5's frames.
    expect(error.stack).toBeUndefined();
  });

  it("never copies the message of an unexpected error (it may hold a value)", async () => {
    const leaky: Decryptor = async () => {
      throw new Error("boom: db-password");
    };
    const error = await failure(secret(DB, { decryptor: leaky }));
    expect(error.message).toContain("[s5] unexpected internal error");
    expect(error.message).not.toContain("db-password");
    // Nor keeps it as a cause: Node prints causes (console.log, a program that wraps the error,
    // Pulumi's report of that wrapper), so the message would reach the log after all.
    expect(error.cause).toBeUndefined();
    const wrapped = new Error("database setup failed", { cause: error });
    expect(inspectError(wrapped)).not.toContain("db-password");
  });

  it("shows an unexpected error's stack frames under S5_DEBUG, without its message", async () => {
    const leaky: Decryptor = async () => {
      throw new TypeError("boom: db-password");
    };
    process.env.S5_DEBUG = "1";
    try {
      const error = await failure(secret(DB, { decryptor: leaky }));
      expect(error.message).toContain("TypeError (message not shown)");
      expect(error.message).toMatch(/\n\s+at /);
      expect(inspectError(error)).not.toContain("db-password");
    } finally {
      delete process.env.S5_DEBUG;
    }
  });

  it("reports a malformed token", async () => {
    const error = await failure(secret("{{ s5:local:oops", { name: "cfg" }));
    expect(error.message).toContain("[s5]");
    expect(error.message).toContain("cfg:1:1");
  });
});

describe("the default decryptor (s5's own settings)", () => {
  it("decrypts local-key tokens of a real project", async () => {
    mocks();
    const project = await localProject();
    const [token] = await project.cipher("s3cr3t-value");
    const decryptor = s5Decryptor({ cwd: project.cwd, env: project.env });
    const result = await inspect(secret(`pw=${token}`, { decryptor }));
    expect(result).toEqual({ value: "pw=s3cr3t-value", secret: true, known: true });
  });

  it("says what to do when no key can open the token, without the value", async () => {
    mocks();
    const project = await localProject();
    const [token] = await project.cipher("s3cr3t-value");
    const stranger = await localProject();
    const decryptor = s5Decryptor({ cwd: stranger.cwd, env: project.env });
    const error = await failure(secret(token!, { decryptor }));
    expect(error.message).toMatch(/^\[s5\] /);
    expect(error.message).not.toContain("s3cr3t-value");
  });
});
