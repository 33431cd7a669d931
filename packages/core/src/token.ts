/**
 * What a token body means: which backend made it, and for Vault which key version. New bodies name
 * their backend (`vault:v3:…`, `local:KID:…`, `aes:…`); the Go tool's bodies are bare base64 and get
 * their backend from the command line or configuration, else from their shape.
 */
import type { BackendName, TokenInfo } from "./backend.ts";
import { TokenError } from "./errors.ts";

const VAULT = /^vault:v([1-9][0-9]{0,9}):([A-Za-z0-9+/=]+)$/;
const LOCAL = /^local:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]+)$/;
const AES = /^aes:([A-Za-z0-9_-]+)$/;
/** Standard padded base64, as Vault writes its ciphertext. */
const LEGACY = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A Vault transit ciphertext is at least a 12-byte nonce and a 16-byte tag. */
const MIN_VAULT_BYTES = 28;
const UPSTREAM_AES_PAYLOAD = /^(?:[0-9a-f]{2}){16,}:[0-9a-f]{24}$/;

/**
 * True when a bare body can be the Go tool's Vault payload: Vault's ciphertext (nonce, data, tag)
 * in padded standard base64 without `vault:v1:`. Anything else is not read as a Vault token (so
 * `{{ s5:nope }}` is malformed, not "needs VAULT_ADDR").
 */
export function isGoToolVaultPayload(payload: string): boolean {
  return (
    payload.length >= 40 &&
    LEGACY.test(payload) &&
    Buffer.byteLength(payload, "base64") >= MIN_VAULT_BYTES
  );
}

/** True when a bare legacy payload is the Go tool's AES format: base64("hex(ct‖tag):hex(nonce)"). */
export function isUpstreamAesPayload(payload: string): boolean {
  if (payload.length < 60 || payload.length % 4 !== 0) return false;
  const decoded = Buffer.from(payload, "base64").toString("latin1");
  return UPSTREAM_AES_PAYLOAD.test(decoded);
}

/**
 * Reads a token body. `legacyBackend` decides bare (Go tool) bodies; without it, a body shaped like
 * the Go tool's AES payload is `aes` and any other is `vault`.
 *
 * @example
 * describeBody("vault:v2:AbC=") // { backend: "vault", version: 2, legacy: false }
 */
export function describeBody(body: string, legacyBackend?: BackendName): TokenInfo {
  if (body.startsWith("vault:")) {
    const match = VAULT.exec(body);
    if (!match) throw malformed("a Vault token body is `vault:vN:BASE64`");
    return { backend: "vault", version: Number(match[1]), legacy: false };
  }
  if (body.startsWith("local:")) {
    const match = LOCAL.exec(body);
    if (!match) throw malformed("a local-key token body is `local:KEYID:BASE64URL`");
    return { backend: "local", key: match[1], legacy: false };
  }
  if (body.startsWith("aes:")) {
    if (!AES.test(body)) throw malformed("an AES token body is `aes:BASE64URL`");
    return { backend: "aes", legacy: false };
  }
  if (body.includes(":")) {
    const scheme = body.slice(0, body.indexOf(":"));
    throw new TokenError("S5_TOKEN_SCHEME", `unknown token backend \`${scheme}\``, {
      hint: "this s5 reads `vault:`, `local:` and `aes:` tokens and the Go tool's bare tokens",
    });
  }
  const aes = isUpstreamAesPayload(body);
  const vault = !aes && isGoToolVaultPayload(body);
  if (!aes && !vault) {
    throw new TokenError(
      "S5_TOKEN_MALFORMED",
      "this is not an s5 token: the body is neither a backend's (`vault:`, `local:`, `aes:`) nor a Go-tool ciphertext",
      {
        hint: "a token is made by `s5 cipher`; check that it was copied whole",
      },
    );
  }
  if (legacyBackend === "local") {
    throw new TokenError("S5_TOKEN_SCHEME", "a bare (Go tool) token cannot be a local-key token", {
      hint: "pick the backend that made it: `s5 render aes …` or `s5 render vault …`",
    });
  }
  const backend = legacyBackend ?? (aes ? "aes" : "vault");
  if (backend === "aes" && !aes) {
    throw new TokenError("S5_TOKEN_MALFORMED", "this bare token is not the Go tool's AES format", {
      hint: "it may be a Vault token: `s5 render vault …`",
    });
  }
  return { backend, version: backend === "vault" ? 1 : undefined, legacy: true };
}

function malformed(message: string): TokenError {
  return new TokenError("S5_TOKEN_MALFORMED", message);
}

/**
 * Writes a token around a body.
 *
 * @example
 * formatToken("vault:v1:AbC=") // "{{ s5:vault:v1:AbC= }}"
 * formatToken("AbC=", { legacy: true }) // "{{s5:AbC=}}"
 */
export function formatToken(
  body: string,
  options: { filters?: readonly string[] | undefined; legacy?: boolean | undefined } = {},
): string {
  if (options.legacy) return `{{s5:${body}}}`;
  const filters = (options.filters ?? []).map((name) => ` | ${name}`).join("");
  return `{{ s5:${body}${filters} }}`;
}
