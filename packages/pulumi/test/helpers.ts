import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { cipherValues, createBackends, type ProjectConfig, resolveSettings } from "@s5/core";
import { addProjectKey, generateIdentity } from "@s5/core/internal";

/** The value, secret flag and known flag of an Output (`promise()` is the SDK's own accessor). */
export async function inspect<T>(
  output: pulumi.Output<T>,
): Promise<{ value: T | undefined; secret: boolean; known: boolean }> {
  const internal = output as unknown as { promise(): Promise<T>; isKnown: Promise<boolean> };
  return {
    value: await internal.promise(),
    secret: await pulumi.isSecret(output),
    known: await internal.isKnown,
  };
}

/** The error an Output fails with (every promise inside it is settled, none left unhandled). */
export async function failure(output: pulumi.Output<unknown>): Promise<Error> {
  const internal = output as unknown as {
    promise(): Promise<unknown>;
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
    allResources?: () => Promise<unknown>;
  };
  const [value] = await Promise.allSettled([
    internal.promise(),
    internal.isKnown,
    internal.isSecret,
    internal.allResources?.(),
  ]);
  if (value.status === "rejected") return value.reason as Error;
  throw new Error("expected the Output to fail");
}

/**
 * Pulumi mocks: resources echo their inputs as outputs. The mock monitor only records stack
 * transforms; these mocks run them on the inputs first, as the engine would.
 */
export function mocks(preview = false): { transforms: pulumi.ResourceTransform[] } {
  const transforms: pulumi.ResourceTransform[] = [];
  pulumi.runtime.setMocks(
    {
      async newResource(args) {
        let props: pulumi.Inputs = args.inputs;
        for (const transform of transforms) {
          const result = await transform({
            type: args.type,
            name: args.name,
            custom: args.custom ?? true,
            props,
            opts: {},
          });
          if (result) props = result.props;
        }
        return { id: `${args.name}-id`, state: props };
      },
      call: (args) => args.inputs,
      registerTransform: (transform) => transforms.push(transform),
    },
    "project",
    "stack",
    preview,
  );
  return { transforms };
}

/** A throw-away s5 project with local keys: its directory, env, and a function making tokens. */
export async function localProject(): Promise<{
  cwd: string;
  env: Record<string, string>;
  cipher(...plaintexts: string[]): Promise<string[]>;
}> {
  const identity = await generateIdentity();
  const cwd = mkdtempSync(join(tmpdir(), "s5-pulumi-"));
  const config: ProjectConfig = { backend: "local" };
  await addProjectKey(config, [{ name: "test", publicKey: identity.publicKey }]);
  writeFileSync(join(cwd, ".s5.json"), JSON.stringify(config));
  const env = { S5_PRIVATE_KEY: identity.secretKey, HOME: cwd, XDG_CONFIG_HOME: cwd };
  return {
    cwd,
    env,
    async cipher(...plaintexts) {
      const backends = createBackends(resolveSettings({ cwd, env }));
      const encoder = new TextEncoder();
      return cipherValues(
        backends,
        "local",
        plaintexts.map((text) => encoder.encode(text)),
      );
    },
  };
}
