// apps/pulumi-program run under Pulumi's own unit-test mocks (`runtime.setMocks`), with its stack
// config holding real local-key tokens made by the s5 CLI. Always on; a real `pulumi preview`/`up`
// is in pulumi-cli.test.ts, opt-in.
import { createRequire } from "node:module";
import { s5Decryptor, setDecryptor } from "@s5/pulumi";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sandbox } from "../cli/run.ts";

const app = new URL("../../apps/pulumi-program/", import.meta.url);
// The program's own copy of the SDK: the runtime state it shares with @s5/pulumi is process-wide.
const pulumi = createRequire(new URL("package.json", app))("@pulumi/pulumi");

interface Registered {
  type: string;
  name: string;
  props: Record<string, unknown>;
}

async function inspect(output: unknown) {
  const o = output as { promise(): Promise<unknown>; isKnown: Promise<boolean> };
  return {
    value: await o.promise(),
    secret: await pulumi.isSecret(output),
    known: await o.isKnown,
  };
}

describe("apps/pulumi-program under Pulumi mocks", () => {
  const registered: Registered[] = [];
  let program: Record<string, unknown>;

  beforeAll(async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "pulumi"])).code).toBe(0);
    const cipher = async (value: string) => (await box.s5(["cipher", value])).stdout.toString();
    const dbPassword = await cipher("pa55-w0rd-from-s5");
    const apiKey = await cipher("api-key-from-s5");

    const transforms: ((
      args: unknown,
    ) => Promise<{ props: Record<string, unknown> } | undefined>)[] = [];
    pulumi.runtime.setMocks(
      {
        async newResource(args: { type: string; name: string; inputs: Record<string, unknown> }) {
          // The mock monitor only records stack transforms; run them as the engine would.
          let props = args.inputs;
          for (const transform of transforms) {
            const result = await transform({ ...args, props, custom: false, opts: {} });
            if (result) props = result.props;
          }
          registered.push({ type: args.type, name: args.name, props });
          return { id: `${args.name}-id`, state: props };
        },
        call: (args: { inputs: unknown }) => args.inputs,
        registerTransform: (transform: (typeof transforms)[number]) => transforms.push(transform),
      },
      "s5-demo",
      "dev",
      false,
    );
    pulumi.runtime.setAllConfig(
      {
        "s5-demo:dbHost": "db.internal",
        "s5-demo:dbPassword": dbPassword,
        "s5-demo:apiKeyToken": apiKey,
        "s5-demo:settings": JSON.stringify({ apiKey, timeoutSeconds: 30 }),
      },
      [],
    );
    setDecryptor(s5Decryptor({ cwd: box.dir, env: box.env }));
    program = await import(new URL("index.ts", app).href);
  });

  afterAll(() => setDecryptor(undefined));

  it("exports decrypted values as secrets, plain values as they are", async () => {
    expect(program.dbHost).toBe("db.internal");
    expect(await inspect(program.dbUrl)).toEqual({
      value: "postgres://app:pa55-w0rd-from-s5@db.internal:5432/app",
      secret: true,
      known: true,
    });
    expect(await inspect(program.apiKey)).toMatchObject({ value: "api-key-from-s5", secret: true });
    expect(await inspect(program.timeoutSeconds)).toMatchObject({ value: 30, secret: true });
    expect(await inspect(program.passwordLength)).toMatchObject({ value: 17, secret: true });
    expect(await inspect(program.banner)).toMatchObject({
      value: "connecting to db.internal as app",
      secret: true,
    });
  });

  it("the stack transform decrypts a token passed straight into a resource, as a secret", async () => {
    // Registration runs in the background of the program; wait until the engine (mock) has it.
    await vi.waitFor(
      () => expect(registered.map((r) => r.type)).toContain("s5demo:index:Database"),
      {
        timeout: 30_000,
      },
    );
    const db = registered.find((r) => r.type === "s5demo:index:Database");
    expect(await inspect(db!.props.apiKeyToken)).toEqual({
      value: "api-key-from-s5",
      secret: true,
      known: true,
    });
  });
});
