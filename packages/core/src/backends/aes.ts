/**
 * The Go tool's AES-GCM backend, byte-compatible. Its payload is
 * `base64( hex(ciphertext ‖ tag16) + ":" + hex(nonce12) )` with the key given in hex and no AAD.
 * New tokens use the compact body `aes:BASE64URL(nonce12 ‖ ciphertext ‖ tag16)`.
 */
import type { KeyObject } from "node:crypto";
import type { Backend, EncryptOptions, ItemResult } from "../backend.ts";
import { DecryptError, KeyError, TokenError } from "../errors.ts";
import { isUpstreamAesPayload } from "../token.ts";

// Loaded on first use: node:crypto costs milliseconds to load, and the runtime loader of
// local-key tokens (which imports this module through the package index) never needs it.
const crypto = () => process.getBuiltinModule("node:crypto");

const NONCE = 12;
const TAG = 16;

export interface AesOptions {
  /** The key in hex: 32, 48 or 64 hex digits (AES-128, -192, -256). */
  key: string;
}

function parseKey(hex: string): Buffer {
  const trimmed = hex.trim();
  if (!/^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{48}|[0-9a-fA-F]{64})$/.test(trimmed)) {
    throw new KeyError("S5_KEY_AES_INVALID", "the AES key must be 32, 48 or 64 hex digits", {
      hint: "generate one with `openssl rand -hex 32` and pass it as --key or S5_AES_KEY",
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

function open(key: AesKey, nonce: Buffer, sealed: Buffer): Uint8Array {
  if (nonce.length !== NONCE || sealed.length < TAG) {
    throw new TokenError("S5_TOKEN_MALFORMED", "the AES token is truncated");
  }
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

function seal(key: AesKey, plaintext: Uint8Array): { nonce: Buffer; sealed: Buffer } {
  const nonce = crypto().randomBytes(NONCE);
  const cipher = crypto().createCipheriv(key.algorithm, key.object, nonce);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, sealed };
}

function decryptBody(key: AesKey, body: string): Uint8Array {
  if (body.startsWith("aes:")) {
    const raw = Buffer.from(body.slice(4), "base64url");
    return open(key, raw.subarray(0, NONCE), raw.subarray(NONCE));
  }
  if (!isUpstreamAesPayload(body)) {
    throw new TokenError("S5_TOKEN_MALFORMED", "this token is not in the AES format");
  }
  const [sealedHex = "", nonceHex = ""] = Buffer.from(body, "base64").toString("latin1").split(":");
  return open(key, Buffer.from(nonceHex, "hex"), Buffer.from(sealedHex, "hex"));
}

export function createAesBackend(options: AesOptions): Backend {
  const key = makeKey(parseKey(options.key));
  const decryptAll = (bodies: readonly string[]): ItemResult<Uint8Array>[] =>
    bodies.map((body) => {
      try {
        return { ok: true, value: decryptBody(key, body) };
      } catch (error) {
        return { ok: false, error: error as DecryptError };
      }
    });
  return {
    name: "aes",
    async encrypt(plaintexts: readonly Uint8Array[], encryptOptions: EncryptOptions = {}) {
      return plaintexts.map((plaintext) => {
        const { nonce, sealed } = seal(key, plaintext);
        if (encryptOptions.legacy) {
          return Buffer.from(`${sealed.toString("hex")}:${nonce.toString("hex")}`).toString(
            "base64",
          );
        }
        return `aes:${Buffer.concat([nonce, sealed]).toString("base64url")}`;
      });
    },
    async decrypt(bodies: readonly string[]): Promise<ItemResult<Uint8Array>[]> {
      return decryptAll(bodies);
    },
    decryptSync: decryptAll,
  };
}
