/**
 * The `vault` backend: Vault / OpenBao transit. New bodies are Vault's ciphertext as it is
 * (`vault:v3:…`, so rotation never breaks reading); the Go tool's bodies are that ciphertext
 * with `vault:v1:` stripped, and get it back before they are sent.
 */
import type { Backend, EncryptOptions, ItemResult } from "../backend.ts";
import type { Settings } from "../config.ts";
import { BackendError, ExitCode, TokenError, UsageError } from "../errors.ts";
import { createTokenSource } from "./auth.ts";
import { type ClientStats, createVaultClient } from "./client.ts";
import { readVaultConfig } from "./config.ts";
import { createTransit } from "./transit.ts";

const CIPHERTEXT = /^vault:v([1-9][0-9]{0,9}):[A-Za-z0-9+/]+={0,2}$/;
const LEGACY = /^[A-Za-z0-9+/]+={0,2}$/;
const LEGACY_PREFIX = "vault:v1:";

export interface VaultBackendOptions {
  /** Counts requests and retries (tests, benchmark). */
  stats?: ClientStats | undefined;
}

/** The Vault ciphertext of a token body, or undefined when the body cannot be one. */
export function ciphertextOf(body: string): string | undefined {
  if (CIPHERTEXT.test(body)) return body;
  if (LEGACY.test(body)) return LEGACY_PREFIX + body;
  return undefined;
}

function versionOf(ciphertext: string): number {
  return Number(CIPHERTEXT.exec(ciphertext)?.[1] ?? 0);
}

const malformed = new TokenError("S5_TOKEN_MALFORMED", "this is not a Vault token body", {
  hint: "a Vault token body is `vault:vN:BASE64`, or the Go tool's bare base64",
});

/**
 * Creates the Vault backend from settings (VAULT_ADDR, the token or login method, transit key
 * and mount…). Nothing is sent until the first call.
 *
 * @example
 * const vault = await createVaultBackend(resolveSettings({ overrides: { transitKey: "app" } }));
 */
export async function createVaultBackend(
  settings: Settings,
  options: VaultBackendOptions = {},
): Promise<Backend> {
  const config = readVaultConfig(settings);
  const client = createVaultClient(config, options.stats);
  const tokens = createTokenSource(client, config.auth);
  const transit = createTransit(client, tokens);

  /** Sends the well-formed bodies, deduplicated; malformed ones fail without a request. */
  const run = async (
    action: "decrypt" | "rewrap",
    ciphertexts: readonly (string | undefined)[],
  ): Promise<ItemResult<string>[]> => {
    const distinct = [...new Set(ciphertexts.filter((text) => text !== undefined))];
    const answers = await transit.batch(action, distinct);
    const byText = new Map(distinct.map((text, i) => [text, answers[i]!]));
    return ciphertexts.map((text) =>
      text === undefined ? { ok: false, error: malformed } : byText.get(text)!,
    );
  };

  return {
    name: "vault",

    async encrypt(plaintexts: readonly Uint8Array[], encryptOptions: EncryptOptions = {}) {
      const results = await transit.batch(
        "encrypt",
        plaintexts.map((plaintext) => Buffer.from(plaintext).toString("base64")),
      );
      const bodies = results.map((result) => {
        if (!result.ok) throw result.error;
        if (!CIPHERTEXT.test(result.value)) {
          throw new BackendError(
            "S5_VAULT_RESPONSE",
            ExitCode.unavailable,
            "Vault answered with a ciphertext s5 does not know",
          );
        }
        return result.value;
      });
      if (!encryptOptions.legacy) return bodies;
      const newest = Math.max(...bodies.map(versionOf));
      if (newest > 1) {
        throw new UsageError(
          `the Go tool reads only version 1 of a transit key; \`${config.transitKey}\` is at version ${newest}`,
          {
            hint: "drop --legacy (s5 reads every version), or keep a separate key at version 1 for the Go tool",
          },
        );
      }
      return bodies.map((body) => body.slice(LEGACY_PREFIX.length));
    },

    async decrypt(bodies: readonly string[]) {
      const results = await run("decrypt", bodies.map(ciphertextOf));
      return results.map(
        (result): ItemResult<Uint8Array> =>
          result.ok ? { ok: true, value: Buffer.from(result.value, "base64") } : result,
      );
    },

    async rewrap(bodies: readonly string[]) {
      const ciphertexts = bodies.map(ciphertextOf);
      // Bodies already at the latest version stay as they are, so a second rewrap changes
      // nothing; without `read` on the key, every body is rewrapped.
      const latest = await transit.latestVersion();
      const pending = ciphertexts.map((text) =>
        text !== undefined && latest !== undefined && versionOf(text) >= latest ? null : text,
      );
      const results = await run(
        "rewrap",
        pending.map((text) => text ?? undefined),
      );
      return results.map((result, i): ItemResult<string> => {
        const body = bodies[i]!;
        if (pending[i] === null) return { ok: true, value: body };
        if (!result.ok) return result;
        // A Go-tool body still at version 1 keeps the Go tool's form.
        const legacy = !body.startsWith("vault:") && result.value.startsWith(LEGACY_PREFIX);
        return {
          ok: true,
          value: legacy ? result.value.slice(LEGACY_PREFIX.length) : result.value,
        };
      });
    },

    keyVersions() {
      return transit.keyVersions();
    },

    close() {
      tokens.close();
      client.close();
    },
  };
}
