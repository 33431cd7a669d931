/**
 * The token grammar's bodies, the only place that knows them: a body is parsed once into a typed
 * {@link TokenBody} that backends use as it is, and written back by {@link formatBody}.
 *
 *   {{ s5:vault:vN:BASE64 }}     Vault transit (Vault's own ciphertext)
 *   {{ s5:local:KEYID:B64URL }}  local keys (a sealed box to project key KEYID)
 *   {{ s5:aes:B64URL }}          AES-GCM: nonce ‖ ciphertext ‖ tag
 *   {{ s5:BASE64 }}, {{s5:BASE64}}, {{ vault:v1:BASE64 }}   the Go tool's forms: Vault's
 *                                ciphertext without `vault:v1:`, or its AES payload
 *                                base64(hex(ciphertext ‖ tag) ":" hex(nonce)); the 0.1.0 form
 */
import type { AesBody, BackendName, TokenBody } from "./backend.ts";
import { TokenError, UsageError } from "./errors.ts";
import { closest } from "./suggest.ts";
import { upgradeHint } from "./version.ts";

const VAULT = /^vault:v([1-9][0-9]{0,9}):([A-Za-z0-9+/]+={0,2})$/;
const LOCAL = /^local:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]+)$/;
const AES = /^aes:[A-Za-z0-9_-]+$/;
const AES_PREFIX = "aes:";
/** Standard padded base64, as Vault writes its ciphertext. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A Vault transit ciphertext is at least a 12-byte nonce and a 16-byte tag. */
const MIN_VAULT_BYTES = 28;
const GO_TOOL_AES = /^((?:[0-9a-f]{2}){16,}):([0-9a-f]{24})$/;
const VAULT_V1 = "vault:v1:";
const NONCE = 12;
const TAG = 16;

/** The Go tool's AES payload, decoded to nonce ‖ ciphertext ‖ tag; undefined when the body is not one. */
function goToolAes(payload: string): Buffer | undefined {
  if (payload.length < 60 || payload.length % 4 !== 0) return undefined;
  const match = GO_TOOL_AES.exec(Buffer.from(payload, "base64").toString("latin1"));
  if (!match) return undefined;
  return Buffer.from(match[2]! + match[1]!, "hex");
}

/**
 * True when a bare body can be the Go tool's Vault payload: Vault's ciphertext (nonce, data, tag)
 * in padded standard base64. Anything else is not read as a Vault token (so `{{ s5:nope }}` is
 * malformed, not "needs VAULT_ADDR").
 */
function isGoToolVault(payload: string): boolean {
  return (
    payload.length >= 40 &&
    BASE64.test(payload) &&
    Buffer.byteLength(payload, "base64") >= MIN_VAULT_BYTES
  );
}

function malformed(message: string, hint?: string): TokenError {
  return new TokenError("S5_TOKEN_MALFORMED", message, { hint });
}

/**
 * A parsed AES body. An s5 token's body keeps only its text and decodes nonce ‖ ciphertext ‖ tag
 * when `nonce` or `sealed` is read (the Go tool's form, validated by decoding, keeps the bytes):
 * a 50 MB file of 100k distinct AES tokens holds every parsed body until all are decrypted, and a
 * buffer per token (two views before) cost ~17 MB of that peak.
 */
class AesToken implements AesBody {
  readonly backend = "aes";
  readonly goTool: boolean;
  /** The token body (`aes:B64URL`) or, for the Go tool's form, the bytes. */
  readonly #source: string | Buffer;

  constructor(source: string | Buffer, goTool: boolean) {
    this.#source = source;
    this.goTool = goTool;
  }

  /** Nonce ‖ ciphertext ‖ tag (decoded again at each call for an s5 token). */
  bytes(): Buffer {
    const source = this.#source;
    return typeof source === "string"
      ? Buffer.from(source.slice(AES_PREFIX.length), "base64url")
      : source;
  }

  get nonce(): Buffer {
    return this.bytes().subarray(0, NONCE);
  }

  get sealed(): Buffer {
    return this.bytes().subarray(NONCE);
  }
}

/** Nonce ‖ ciphertext ‖ tag of an AES body, decoded once (not once per `nonce` and `sealed`). */
export function aesBytes(body: AesBody): Buffer {
  return body instanceof AesToken ? body.bytes() : Buffer.concat([body.nonce, body.sealed]);
}

function aesBody(source: string | Buffer, goTool: boolean): AesBody {
  const length =
    typeof source === "string"
      ? Buffer.byteLength(source.slice(AES_PREFIX.length), "base64url")
      : source.length;
  if (length < NONCE + TAG) throw malformed("the AES token is truncated");
  return new AesToken(source, goTool);
}

/** A backend's word as s5 writes one: lowercase letters and digits, short. */
const BACKEND_WORD = /^[a-z][a-z0-9-]{0,15}$/;

/**
 * Parses a token body. `goToolBackend` decides the Go tool's bare bodies; without it, a body
 * shaped like the Go tool's AES payload is `aes` and any other Vault-shaped one is `vault`.
 *
 * @example
 * parseBody("vault:v2:AbC…") // { backend: "vault", version: 2, ciphertext: "vault:v2:AbC…", goTool: false }
 */
export function parseBody(body: string, goToolBackend?: BackendName): TokenBody {
  if (body.startsWith("vault:")) {
    const match = VAULT.exec(body);
    if (!match) throw malformed("a Vault token body is `vault:vN:BASE64`");
    return { backend: "vault", version: Number(match[1]), ciphertext: body, goTool: false };
  }
  if (body.startsWith("local:")) {
    const match = LOCAL.exec(body);
    if (!match) throw malformed("a local-key token body is `local:KEYID:BASE64URL`");
    return { backend: "local", key: match[1]!, sealed: match[2]!, goTool: false };
  }
  if (body.startsWith(AES_PREFIX)) {
    if (!AES.test(body)) throw malformed("an AES token body is `aes:BASE64URL`");
    return aesBody(body, false);
  }
  if (body.includes(":")) {
    const scheme = body.slice(0, body.indexOf(":"));
    // Never read as another backend's, nor as the Go tool's bare body: a newer s5's token.
    const near = closest(scheme, ["vault", "local", "aes"]);
    // Named only where it reads as a backend's word (`kms`, `v2`): what stands before the colon
    // may be a plaintext written where `seal ` was left out (`{{ s5:Sup3rPw:x }}`).
    const word = BACKEND_WORD.test(scheme)
      ? `\`${scheme}\``
      : "(not shown: what follows `s5:` may be a plaintext)";
    throw new TokenError("S5_TOKEN_SCHEME", `unknown token backend ${word}`, {
      hint: near
        ? `did you mean \`${near}:\`? this s5 reads \`vault:\`, \`local:\` and \`aes:\` tokens and the Go tool's bare tokens`
        : `this s5 reads \`vault:\`, \`local:\` and \`aes:\` tokens and the Go tool's bare tokens; a token a newer s5 wrote needs it: ${upgradeHint()}`,
    });
  }
  const aes = goToolAes(body);
  const vault = !aes && isGoToolVault(body);
  if (!aes && !vault) {
    throw malformed(
      "this is not an s5 token: the body is neither a backend's (`vault:`, `local:`, `aes:`) nor a Go-tool ciphertext",
      "a token is made by `s5 cipher`; check that it was copied whole",
    );
  }
  if (goToolBackend === "local") {
    throw new TokenError("S5_TOKEN_SCHEME", "a bare (Go tool) token cannot be a local-key token", {
      hint: "pick the backend that made it: `s5 render aes …` or `s5 render vault …`",
    });
  }
  const backend = goToolBackend ?? (aes ? "aes" : "vault");
  if (backend === "aes") {
    if (!aes) {
      throw malformed(
        "this bare token is not the Go tool's AES format",
        "it may be a Vault token: `s5 render vault …`",
      );
    }
    return aesBody(aes, true);
  }
  return { backend, version: 1, ciphertext: VAULT_V1 + body, goTool: true };
}

/** Throws when the Go tool's form cannot carry this: local-key tokens, filters. */
export function checkGoToolForm(backend: BackendName, filters: readonly string[] = []): void {
  if (backend === "local") {
    throw new UsageError("the Go tool cannot read local-key tokens, so --legacy does not apply", {
      hint: "use the aes or vault backend for tokens the Go tool must read",
    });
  }
  if (filters.length > 0) {
    throw new UsageError("the Go tool's token format has no filters", {
      hint: "drop --legacy or the filter",
    });
  }
}

/**
 * The text of a body. With `goTool`, the Go tool's form where one exists (AES always; Vault at key
 * version 1), else throws.
 */
export function formatBody(
  body: TokenBody,
  options: { goTool?: boolean | undefined } = {},
): string {
  switch (body.backend) {
    case "vault":
      if (!options.goTool) return body.ciphertext;
      if (!body.ciphertext.startsWith(VAULT_V1)) {
        throw new UsageError(
          `the Go tool reads only version 1 of a transit key; this key is at version ${body.version}`,
          {
            hint: "drop --legacy (s5 reads every version), or keep a separate key at version 1 for the Go tool",
          },
        );
      }
      return body.ciphertext.slice(VAULT_V1.length);
    case "local":
      if (options.goTool) checkGoToolForm("local");
      return `local:${body.key}:${body.sealed}`;
    case "aes": {
      // One decode of the body, not one per `nonce` and `sealed`.
      const bytes = aesBytes(body);
      if (options.goTool) {
        const nonce = bytes.subarray(0, NONCE).toString("hex");
        return Buffer.from(`${bytes.subarray(NONCE).toString("hex")}:${nonce}`).toString("base64");
      }
      return `${AES_PREFIX}${bytes.toString("base64url")}`;
    }
  }
}

/**
 * Writes a complete token.
 *
 * @example
 * formatToken({ backend: "vault", version: 1, ciphertext: "vault:v1:AbC=" }) // "{{ s5:vault:v1:AbC= }}"
 * formatToken(body, { goTool: true }) // "{{s5:AbC=}}"
 */
export function formatToken(
  body: TokenBody,
  options: { filters?: readonly string[] | undefined; goTool?: boolean | undefined } = {},
): string {
  if (options.goTool) {
    checkGoToolForm(body.backend, options.filters);
    return `{{s5:${formatBody(body, options)}}}`;
  }
  const text = formatBody(body, options);
  const filters = (options.filters ?? []).map((name) => ` | ${name}`).join("");
  return `{{ s5:${text}${filters} }}`;
}
