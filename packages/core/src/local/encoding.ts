/**
 * Text forms of local keys. Secret keys are prefixed so a leaked one is easy to find with a scanner
 * (`S5-SECRET-KEY-…`); public keys are safe to commit (`s5pk-…`).
 */
import { KeyError } from "../errors.ts";

export const SECRET_PREFIX = "S5-SECRET-KEY-";
export const PUBLIC_PREFIX = "s5pk-";

const KEY_TEXT = /^[A-Za-z0-9_-]{43}$/;

export function encodeSecretKey(secretKey: Uint8Array): string {
  return SECRET_PREFIX + Buffer.from(secretKey).toString("base64url");
}

export function encodePublicKey(publicKey: Uint8Array): string {
  return PUBLIC_PREFIX + Buffer.from(publicKey).toString("base64url");
}

function decode(text: string, prefix: string, what: string, hint: string): Buffer {
  const trimmed = text.trim();
  const rest = trimmed.startsWith(prefix) ? trimmed.slice(prefix.length) : undefined;
  if (rest === undefined || !KEY_TEXT.test(rest)) {
    throw new KeyError("S5_KEY_FORMAT", `not a valid ${what} (expected ${prefix}…)`, { hint });
  }
  return Buffer.from(rest, "base64url");
}

export function decodePublicKey(text: string): Buffer {
  return decode(text, PUBLIC_PREFIX, "s5 public key", "print yours with `s5 keys show`");
}

export function decodeSecretKey(text: string): Buffer {
  return decode(
    text,
    SECRET_PREFIX,
    "s5 secret key",
    "a secret key looks like S5-SECRET-KEY-… (from `s5 init` or `s5 keys generate`)",
  );
}

/** Reads secret keys from text: one a line or separated by spaces/commas; `#` starts a comment. */
export function parseSecretKeys(text: string): Buffer[] {
  const keys: Buffer[] = [];
  for (const line of text.split(/\r?\n/)) {
    const content = line.replace(/#.*$/, "");
    for (const word of content.split(/[\s,]+/)) {
      if (word) keys.push(decodeSecretKey(word));
    }
  }
  return keys;
}
