import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerS5Transform, s5Transform, setDecryptor, stubDecryptor } from "../src/index.ts";
import { inspect, mocks } from "./helpers.ts";

const PASSWORD = "{{ s5:local:AbCdEfGh:cGFzc3dvcmQ }}";
const KEY = "{{ s5:vault:v1:a2V5 }}";
const stub = stubDecryptor({ "local:AbCdEfGh:cGFzc3dvcmQ": "hunter2", "vault:v1:a2V5": "api-key" });

class Database extends pulumi.CustomResource {
  declare readonly password: pulumi.Output<string>;
  declare readonly settings: pulumi.Output<{ env: { name: string; value: string }[] }>;
  declare readonly region: pulumi.Output<string>;
  constructor(name: string, args: Record<string, pulumi.Input<unknown>>) {
    super("test:index:Database", name, args);
  }
}

async function run(transform: pulumi.ResourceTransform, props: pulumi.Inputs) {
  const result = await transform({
    type: "test:index:Thing",
    name: "thing",
    custom: true,
    props,
    opts: {},
  });
  return result?.props;
}

describe("s5Transform()", () => {
  beforeEach(() => {
    mocks();
    setDecryptor(stub);
  });
  afterEach(() => setDecryptor(undefined));

  it("resolves tokens at any depth and marks those inputs secret, leaving the rest alone", async () => {
    const props = await run(s5Transform(), {
      password: PASSWORD,
      region: "eu-west-1",
      env: [
        { name: "API_KEY", value: `key=${KEY}` },
        { name: "PLAIN", value: "x" },
      ],
      count: 3,
    });
    expect(props).toBeDefined();
    expect(await inspect(props!.password)).toMatchObject({ value: "hunter2", secret: true });
    expect(props!.region).toBe("eu-west-1");
    expect(props!.count).toBe(3);
    expect(await inspect(props!.env[0].value)).toMatchObject({
      value: "key=api-key",
      secret: true,
    });
    expect(props!.env[1]).toEqual({ name: "PLAIN", value: "x" });
  });

  it("looks inside Outputs and Promises once they resolve", async () => {
    const props = await run(s5Transform(), {
      fromOutput: pulumi.output({ nested: [PASSWORD] }),
      fromPromise: Promise.resolve(KEY),
      untouched: pulumi.output("plain"),
    });
    expect(await inspect(props!.fromOutput)).toMatchObject({
      value: { nested: ["hunter2"] },
      secret: true,
    });
    expect(await inspect(props!.fromPromise)).toMatchObject({ value: "api-key", secret: true });
    expect(await inspect(props!.untouched)).toMatchObject({ value: "plain", secret: false });
  });

  it("changes nothing when there is no token, and nothing the second time", async () => {
    const transform = s5Transform();
    expect(await run(transform, { a: "plain", b: [1, { c: "d" }] })).toBeUndefined();
    const once = await run(transform, { password: PASSWORD });
    const resolved = await (once!.password as unknown as { promise(): Promise<string> }).promise();
    expect(await run(transform, { password: resolved })).toBeUndefined();
  });

  it("runs as a stack transform: every resource gets plaintext inputs, marked secret", async () => {
    const { transforms } = mocks();
    registerS5Transform();
    const db = new Database("db", {
      password: PASSWORD,
      region: "eu-west-1",
      settings: { env: [{ name: "API_KEY", value: KEY }] },
    });
    expect(await inspect(db.password)).toMatchObject({ value: "hunter2", secret: true });
    expect(await inspect(db.settings)).toMatchObject({
      value: { env: [{ name: "API_KEY", value: "api-key" }] },
      secret: true,
    });
    expect(await inspect(db.region)).toMatchObject({ value: "eu-west-1", secret: false });
    expect(transforms).toHaveLength(1);
  });
});
