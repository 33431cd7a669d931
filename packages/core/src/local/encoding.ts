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

const SECRET_KEY_HINT =
  "a secret key looks like S5-SECRET-KEY-… (from `s5 init` or `s5 keys generate`), one a line or separated by spaces or commas; `#` starts a comment";

export function decodeSecretKey(text: string): Buffer {
  return decode(text, SECRET_PREFIX, "s5 secret key", SECRET_KEY_HINT);
}

/**
 * Reads secret keys from text: one a line or separated by spaces/commas; `#` starts a comment.
 * `source` names where the text came from, for a message that says which key to fix.
 * @example parseSecretKeys(text, "the identity file /home/me/.config/s5/identity.txt")
 */
export function parseSecretKeys(text: string, source?: string): Buffer[] {
  const keys: Buffer[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const content = line.replace(/#.*$/, "");
    for (const word of content.split(/[\s,]+/)) {
      if (!word) continue;
      try {
        keys.push(decodeSecretKey(word));
      } catch (error) {
        if (source === undefined) throw error;
        // The word itself is not shown: it may be a key with one character wrong.
        const where = lines.length > 1 ? ` (line ${i + 1})` : "";
        throw new KeyError(
          "S5_KEY_FORMAT",
          `${source} holds something that is not a valid s5 secret key${where}; it is not shown`,
          { hint: SECRET_KEY_HINT },
        );
      }
    }
  });
  return keys;
}

/**
 * A key id as a command line takes it: an id may start with `-` (base64url), which would be read
 * as an option, so `--` goes before it then (`s5 keys trust -- -AbC12xy`).
 */
export function idArgument(id: string): string {
  return id.startsWith("-") ? `-- ${id}` : id;
}
