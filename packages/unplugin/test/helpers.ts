/** A fake backend for unit tests: a `local:test:` body is the base64url of its plaintext. */
import { type Backends, formatBody, type TokenBody } from "@s5/core";
import type { UnpluginOptions } from "unplugin";
import type { Options } from "../src/core/options.ts";
import { unpluginFactory } from "../src/core/unplugin.ts";

export const token = (value: string, filters = "") =>
  `{{ s5:local:test:${Buffer.from(value).toString("base64url")}${filters} }}`;

export function fakeBackends() {
  const calls: string[][] = [];
  const backends: Backends = {
    goToolBackend: undefined,
    async get() {
      return {
        name: "local" as const,
        async encrypt(): Promise<TokenBody[]> {
          throw new Error("not in tests");
        },
        async decrypt(bodies: readonly TokenBody[]) {
          calls.push(bodies.map((body) => formatBody(body)));
          return bodies.map((body) => ({
            ok: true as const,
            value: new Uint8Array(
              Buffer.from(body.backend === "local" ? body.sealed : "", "base64url"),
            ),
          }));
        },
        async [Symbol.asyncDispose]() {},
      };
    },
    async [Symbol.asyncDispose]() {},
  };
  return { backends, calls };
}

type Handler = (code: string, id: string) => Promise<{ code: string } | null>;

/** The plugin's transform as a function, run as if in a Vite environment (`client` or `server`). */
export function transformer(options: Options = {}, consumer: "client" | "server" = "server") {
  const fake = fakeBackends();
  const plugin = unpluginFactory(
    { root: "/project", backends: fake.backends, ...options },
    { framework: "vite", versions: {} },
  ) as UnpluginOptions;
  const hook = plugin.transform as { handler: Handler };
  const run = async (code: string, id = "/project/src/config.ts") => {
    const result = await hook.handler.call(
      { environment: { config: { consumer } } } as never,
      code,
      id,
    );
    return result?.code;
  };
  return { run, calls: fake.calls, plugin };
}

/** Evaluates a module whose only statement is `export default EXPR`. */
export function evaluate(code: string): unknown {
  return new Function(code.replace(/^export default /, "return "))();
}
