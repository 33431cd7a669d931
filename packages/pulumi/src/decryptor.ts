/**
 * Where plaintext comes from. By default s5's own settings (`.s5.json`, `S5_*`, `VAULT_*`) through
 * `@s5/core`; tests swap in {@link stubDecryptor} with {@link setDecryptor} or per call.
 */
import {
  type Backend,
  type BackendName,
  type Backends,
  createBackends,
  DecryptError,
  findOneToken,
  formatBody,
  type Outcome,
  renderEach,
  resolveSettings,
  type Settings,
  type SettingsInput,
  type Source,
} from "@s5/core";

/**
 * Turns texts with tokens into texts with values in one round (one Vault batch), each text its
 * own outcome: its value, or a `TokenFailures` (from `@s5/core`) naming its tokens that failed
 * by source name, line and column.
 */
export type Decryptor = (sources: readonly Source<string>[]) => Promise<Outcome<string>[]>;

/**
 * The real decryptor: s5's settings are read once (from `input`, else the working directory and
 * `process.env`), and backends are opened for each batch and closed after it, so a Pulumi program
 * never stays alive on an open Vault connection.
 *
 * @example
 * setDecryptor(s5Decryptor({ cwd: "/path/to/project" }));
 */
export function s5Decryptor(input: SettingsInput = {}): Decryptor {
  let settings: Settings | undefined;
  return async (sources) => {
    settings ??= resolveSettings(input);
    await using backends = createBackends(settings);
    return renderEach(sources, backends);
  };
}

/** Token body (`local:KEYID:…`, `vault:v1:…`) or whole token → plaintext; or a function of the body. */
export type StubValues = Readonly<Record<string, string>> | ((body: string) => string | undefined);

/** The body of a whole token given as a key (`{{ s5:BODY }}`) as `@s5/core` reads it, or the key as it is. */
function bodyOf(key: string): string {
  try {
    const found = findOneToken(key, "stub");
    return found.tokens[0]?.body ?? key;
  } catch {
    return key;
  }
}

/**
 * A decryptor for unit tests: no keys, no Vault, just the values you give. Tokens are still found
 * and filters applied by `@s5/core`, so what reaches a resource is what production would produce.
 *
 * @example
 * setDecryptor(stubDecryptor({ "local:AbCdEfGh:…": "hunter2" }));
 */
export function stubDecryptor(values: StubValues): Decryptor {
  const lookup =
    typeof values === "function"
      ? values
      : (() => {
          const map = new Map(Object.entries(values).map(([key, value]) => [bodyOf(key), value]));
          return (body: string) => map.get(body);
        })();
  const encoder = new TextEncoder();
  const backend = (name: BackendName): Backend => ({
    name,
    async [Symbol.asyncDispose]() {},
    encrypt: () => Promise.reject(new Error("stubDecryptor cannot encrypt")),
    decrypt: async (bodies) =>
      bodies.map((body) => {
        const value = lookup(formatBody(body, { goTool: body.goTool }));
        return value === undefined
          ? {
              ok: false as const,
              error: new DecryptError("S5_DECRYPT_STUB", "the stub decryptor has no value for it", {
                hint: "add this token's body to the values given to stubDecryptor()",
              }),
            }
          : { ok: true as const, value: encoder.encode(value) };
      }),
  });
  const backends: Backends = {
    goToolBackend: undefined,
    get: async (name) => backend(name),
    async [Symbol.asyncDispose]() {},
  };
  return (sources) => renderEach(sources, backends);
}

// Process-wide, like Pulumi's own runtime state: a program and its tests may load two copies of
// this package (a workspace link and an installed copy) and must still share one decryptor.
const slot = Symbol.for("@s5/pulumi:decryptor");
const store = globalThis as { [slot]?: Decryptor | undefined };

/**
 * Sets the decryptor every `secret()`, `Config` and transform of this process uses unless given
 * one of their own; `undefined` restores the default ({@link s5Decryptor}).
 *
 * @example
 * beforeAll(() => setDecryptor(stubDecryptor({ [token]: "hunter2" })));
 */
export function setDecryptor(decryptor: Decryptor | undefined): void {
  store[slot] = decryptor;
}

/** The decryptor in force: the one set with {@link setDecryptor}, else the default. */
export function getDecryptor(): Decryptor {
  store[slot] ??= s5Decryptor();
  return store[slot];
}
