/**
 * The `vault` backend: Vault / OpenBao transit. New bodies are Vault's ciphertext as it is
 * (`vault:v3:…`, so rotation never breaks reading); the Go tool's bodies are that ciphertext
 * with `vault:v1:` stripped, and get it back before they are sent.
 */
import type { Backend, ItemResult, TokenBody, VaultBody } from "../backend.ts";
import { type Settings, validateName } from "../config.ts";
import { BackendError, ConfigError, ExitCode, type S5Error, TokenError } from "../errors.ts";
import { parseBody } from "../token.ts";
import { createTokenSource } from "./auth.ts";
import { type ClientStats, createVaultClient } from "./client.ts";
import { readVaultConfig } from "./config.ts";
import type { TransitKeyed } from "./keyed.ts";
import { checkKnownTransit, transitUseOf } from "./known-transit.ts";
import { createTransit, type Transit } from "./transit.ts";

export interface VaultBackendOptions {
  /** Counts requests and retries (tests, benchmark). */
  stats?: ClientStats | undefined;
}

const notVault = new TokenError("S5_TOKEN_MALFORMED", "this is not a Vault token body", {
  hint: "a Vault token body is `vault:vN:BASE64`, or the Go tool's bare base64",
});

/**
 * Standard base64 as Vault writes a plaintext: whole groups of four, padding only at the end. A
 * character class and a length check, not a repeated group: V8 matches a group of a 4 MB value
 * with a stack that overflows (RangeError), a class in a loop.
 */
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

/** One error object for every such value, so a report groups them. */
let notBase64Error: S5Error | undefined;
function notBase64(): S5Error {
  notBase64Error ??= new BackendError(
    "S5_VAULT_RESPONSE",
    ExitCode.unavailable,
    "Vault answered with a plaintext that is not base64",
    { hint: "check that VAULT_ADDR is Vault's API address (not a proxy or another service)" },
  );
  return notBase64Error;
}

/** Vault's answer as a parsed body: core's parser checks what the server sent. */
function bodyOf(ciphertext: string, goTool: boolean): VaultBody {
  let body: TokenBody;
  try {
    body = parseBody(ciphertext);
  } catch {
    body = { backend: "aes", nonce: Buffer.alloc(0), sealed: Buffer.alloc(0), goTool: false };
  }
  if (body.backend !== "vault") {
    throw new BackendError(
      "S5_VAULT_RESPONSE",
      ExitCode.unavailable,
      "Vault answered with a ciphertext s5 does not know",
    );
  }
  // A Go-tool body still at version 1 keeps the Go tool's form.
  return { ...body, goTool: goTool && body.version === 1 };
}

/**
 * Sends the Vault bodies, deduplicated; others fail without a request. Index loops rather than
 * array methods: a callback called once per token is compiled by V8 after ~400 calls, and a
 * 1000-token render compiled five of them here (each compile is peak memory a short process
 * never earns back).
 */
async function sendBodies(
  transit: Transit,
  action: "decrypt" | "rewrap",
  bodies: readonly (TokenBody | undefined)[],
): Promise<ItemResult<string>[]> {
  const distinct: string[] = [];
  const slotOf = new Map<string, number>();
  const slots: number[] = [];
  for (let i = 0; i < bodies.length; i++) {
    const body = bodies[i];
    if (body?.backend !== "vault") {
      slots.push(-1);
      continue;
    }
    let slot = slotOf.get(body.ciphertext);
    if (slot === undefined) {
      slot = distinct.length;
      slotOf.set(body.ciphertext, slot);
      distinct.push(body.ciphertext);
    }
    slots.push(slot);
  }
  const answers = await transit.batch(action, distinct);
  const results: ItemResult<string>[] = [];
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    results.push(slot < 0 ? { ok: false, error: notVault as S5Error } : answers[slot]!);
  }
  return results;
}

/** What needs only the key's transit: decrypt, rewrap, the key's versions. */
function readingWith(transit: Transit): Pick<Backend, "decrypt" | "rewrap" | "keyVersions"> {
  return {
    async decrypt(bodies) {
      const results = await sendBodies(transit, "decrypt", bodies);
      const values: ItemResult<Uint8Array>[] = [];
      for (let i = 0; i < results.length; i++) {
        const result = results[i]!;
        // Node's decoder skips what is not base64: a value from something that is not Vault
        // would come out as other bytes, silently.
        if (!result.ok) values.push(result);
        else if (
          typeof result.value !== "string" ||
          result.value.length % 4 !== 0 ||
          !BASE64_CHARS.test(result.value)
        ) {
          values.push({ ok: false, error: notBase64() });
        } else values.push({ ok: true, value: Buffer.from(result.value, "base64") });
      }
      return values;
    },

    async rewrap(bodies) {
      // Bodies already at the latest version stay as they are, so a second rewrap changes
      // nothing; without `read` on the key, every body is rewrapped. A version above the latest
      // is no body of this key (another key's, or altered): Vault is asked, and refuses it.
      const latest = await transit.latestVersion();
      const current = (body: TokenBody) =>
        body.backend === "vault" && latest !== undefined && body.version === latest;
      const results = await sendBodies(
        transit,
        "rewrap",
        bodies.map((body) => (current(body) ? undefined : body)),
      );
      return results.map((result, i): ItemResult<TokenBody> => {
        const body = bodies[i]!;
        if (current(body)) return { ok: true, value: body };
        if (!result.ok) return result;
        return { ok: true, value: bodyOf(result.value, body.goTool) };
      });
    },

    keyVersions() {
      return transit.keyVersions();
    },
  };
}

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
): Promise<Backend & TransitKeyed> {
  const config = readVaultConfig(settings);
  const client = createVaultClient(config, options.stats);
  const tokens = createTokenSource(client, config.auth);
  const transit = createTransit(client, tokens);

  let transitChecked = false;
  return {
    name: "vault",

    async encrypt(plaintexts) {
      // Before anything is sent: a transit key that .s5.json changed is refused (known-transit.ts).
      // Once per backend: its settings do not change, and a seal of many files encrypts per file.
      if (settings.project && !transitChecked) {
        checkKnownTransit(
          { file: settings.knownKeysFile, project: settings.project.file, warn: settings.warn },
          transitUseOf(settings),
        );
        transitChecked = true;
      }
      const results = await transit.batch(
        "encrypt",
        plaintexts.map((plaintext) => Buffer.from(plaintext).toString("base64")),
      );
      return results.map((result) => {
        if (!result.ok) throw result.error;
        return bodyOf(result.value, false);
      });
    },

    destination() {
      const { transitKey: key, transitMount: mount, namespace } = config;
      return { backend: "vault", key, mount, ...(namespace ? { namespace } : {}) };
    },

    ...readingWith(transit),

    forTransitKey(key: string): Backend {
      const name = validateName(key, "transit key");
      return {
        name: "vault",
        async encrypt() {
          throw new ConfigError(
            "S5_CONFIG_TRANSIT_KEY_READ_ONLY",
            `the backend for transit key ${name} only decrypts and rewraps`,
          );
        },
        destination() {
          const { transitMount: mount, namespace } = config;
          return { backend: "vault", key: name, mount, ...(namespace ? { namespace } : {}) };
        },
        ...readingWith(createTransit(client, tokens, name)),
        // The login and connections are the backend's that made this one.
        async [Symbol.asyncDispose]() {},
      };
    },

    async [Symbol.asyncDispose]() {
      tokens.close();
      client.close();
    },
  };
}
