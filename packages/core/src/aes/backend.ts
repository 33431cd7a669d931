/**
 * The Go tool's AES-GCM backend, byte-compatible: a key given in hex, no AAD, a 12-byte nonce and
 * a 16-byte tag. The body's two text forms (s5's `aes:…` and the Go tool's) are token.ts's.
 */
import type { KeyObject } from "node:crypto";
import type { AesBody, Backend, ItemResult, TokenBody } from "../backend.ts";
import { DecryptError, KeyError, type S5Error, TokenError } from "../errors.ts";
import { aesBytes } from "../token.ts";

// Loaded on first use: node:crypto costs milliseconds to load, and the runtime loader of
// local-key tokens (which imports this module through the package index) never needs it.
const crypto = () => process.getBuiltinModule("node:crypto");

const NONCE = 12;
const TAG = 16;

export interface AesOptions {
  /** The key in hex: 32, 48 or 64 hex digits (AES-128, -192, -256). */
  key: string;
  /** Where the key was given (`--key`, `S5_AES_KEY`), for a message about it. */
  from?: string | undefined;
}

function parseKey(hex: string, from: string | undefined): Buffer {
  const trimmed = hex.trim();
  if (!/^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{48}|[0-9a-fA-F]{64})$/.test(trimmed)) {
    const named = from ? `the AES key from ${from}` : "the AES key";
    throw new KeyError("S5_KEY_AES_INVALID", `${named} must be 32, 48 or 64 hex digits`, {
      hint: `generate one with \`openssl rand -hex 32\` and pass it as ${from ?? "--key or S5_AES_KEY"}`,
    });
  }
  return Buffer.from(trimmed, "hex");
}

/** The key, made once: a KeyObject makes each cipher 3× cheaper than a raw key buffer. */
interface AesKey {
  object: KeyObject;
  algorithm: "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm";
}

function makeKey(raw: Buffer): AesKey {
  const algorithm =
    raw.length === 16 ? "aes-128-gcm" : raw.length === 24 ? "aes-192-gcm" : "aes-256-gcm";
  return { object: crypto().createSecretKey(raw), algorithm };
}

function open(key: AesKey, body: TokenBody): Uint8Array {
  if (body.backend !== "aes") throw new TokenError("S5_TOKEN_MALFORMED", "not an AES token");
  const data = aesBytes(body);
  const nonce = data.subarray(0, NONCE);
  const sealed = data.subarray(NONCE);
  const decipher = crypto().createDecipheriv(key.algorithm, key.object, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG)),
      decipher.final(),
    ]);
  } catch (cause) {
    throw new DecryptError("S5_DECRYPT_AES", "the AES key does not open this token", {
      cause,
      hint: "check S5_AES_KEY / --key: it is not the key this token was made with, or the token was altered",
    });
  }
}

function seal(key: AesKey, plaintext: Uint8Array): AesBody {
  const nonce = crypto().randomBytes(NONCE);
  const cipher = crypto().createCipheriv(key.algorithm, key.object, nonce);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { backend: "aes", nonce, sealed, goTool: false };
}

export function createAesBackend(options: AesOptions): Backend {
  const key = makeKey(parseKey(options.key, options.from));
  const decryptAll = (bodies: readonly TokenBody[]): ItemResult<Uint8Array>[] =>
    bodies.map((body) => {
      try {
        return { ok: true, value: open(key, body) };
      } catch (error) {
        return { ok: false, error: error as S5Error };
      }
    });
  return {
    name: "aes",
    async encrypt(plaintexts) {
      return plaintexts.map((plaintext) => seal(key, plaintext));
    },
    async decrypt(bodies) {
      return decryptAll(bodies);
    },
    decryptSync: decryptAll,
    async [Symbol.asyncDispose]() {},
  };
}
