/**
 * The local-key backend, the embedded default: public-key encryption with no server. Tokens are
 * `local:KEYID:BASE64URL(sealed box)` — 48 bytes more than the plaintext.
 */
import type { Backend, ItemResult, TokenBody } from "../backend.ts";
import { DecryptError, KeyError, type S5Error, TokenError } from "../errors.ts";
import {
  brokenLink,
  endorsedChain,
  identityFromSecret,
  type ProjectKey,
  unendorsed,
  unlockProjectKey,
  verifyKeyList,
  verifyProjectKey,
} from "./keyring.ts";
import { checkKnownKey, type KnownKeysPlace, learnKnownKey } from "./known-keys.ts";
import {
  type KeyPair,
  loadSodium,
  loadSodiumSync,
  open,
  type SodiumModule,
  seal,
} from "./sodium.ts";

export interface LocalOptions {
  /** Project keys from the project config; the last one encrypts. */
  keys: readonly ProjectKey[];
  /** Secret keys of this user or CI (identities, or project keys themselves). */
  secretKeys: readonly Uint8Array[];
  /** Where this machine records the project's keys it trusts (known-keys.ts); none: not checked. */
  known?: KnownKeysPlace | undefined;
}

/** Unlocking errors that stop encrypting: the project config was altered. */
const REFUSED = new Set(["S5_KEY_LOCAL_MISMATCH", "S5_KEY_LOCAL_TAMPERED"]);

export function createLocalBackend(options: LocalOptions): Backend {
  const unlocked = new Map<string, KeyPair | S5Error>();
  let identities: KeyPair[] | undefined;
  /** This user's key pairs, made once. */
  const myIdentities = (sodium: SodiumModule): KeyPair[] =>
    (identities ??= options.secretKeys.map((secret) =>
      identityFromSecret(sodium, Buffer.from(secret)),
    ));

  /** The key pair of a project key, unlocked once; the error is kept for every later token. */
  const pairFor = (sodium: SodiumModule, keyId: string): KeyPair => {
    let pair = unlocked.get(keyId);
    if (!pair) {
      try {
        const key = options.keys.find((candidate) => candidate.id === keyId);
        const newest = key !== undefined && key === options.keys.at(-1);
        pair = unlockProjectKey(sodium, key, keyId, myIdentities(sodium), newest);
      } catch (error) {
        pair = error as S5Error;
      }
      unlocked.set(keyId, pair);
    }
    if (!(pair as KeyPair).secretKey) throw pair;
    return pair as KeyPair;
  };

  /** Rotations this user can check, keys opened as for decrypting (known-keys.ts). */
  const chainOf = (sodium: SodiumModule) =>
    endorsedChain(sodium, options.keys, (key) => {
      try {
        return pairFor(sodium, key.id);
      } catch {
        return undefined;
      }
    });

  function decryptWith(
    sodium: SodiumModule,
    bodies: readonly TokenBody[],
  ): ItemResult<Uint8Array>[] {
    return bodies.map((body): ItemResult<Uint8Array> => {
      try {
        if (body.backend !== "local") {
          throw new TokenError("S5_TOKEN_MALFORMED", "not a local-key token");
        }
        const pair = pairFor(sodium, body.key);
        const value = open(sodium, Buffer.from(body.sealed, "base64url"), pair);
        if (!value) {
          throw new DecryptError("S5_DECRYPT_LOCAL", "the token does not open with its local key", {
            hint: "the token was altered or truncated; encrypt the value again with `s5 cipher`",
          });
        }
        return { ok: true, value };
      } catch (error) {
        return { ok: false, error: error as S5Error };
      }
    });
  }

  /**
   * Wherever this user can open a key, the key after it must carry its endorsement: a key appended
   * to the project config by someone without access would receive every new secret. A link whose
   * previous key this user is not a recipient of is not checked (someone who joined after it); one
   * whose previous key lists this user but does not open is refused (tampered).
   */
  const checkEndorsed = (sodium: SodiumModule) => {
    const broken = brokenLink(sodium, options.keys, (key) => {
      try {
        return pairFor(sodium, key.id);
      } catch (error) {
        if (REFUSED.has((error as S5Error).code)) throw error;
        return undefined;
      }
    });
    if (broken) throw unendorsed(broken.key, broken.previous);
  };

  return {
    name: "local",
    async encrypt(plaintexts: readonly Uint8Array[]) {
      const key = options.keys.at(-1);
      if (!key) {
        throw new KeyError("S5_KEY_LOCAL_NONE", "this project has no local key to encrypt with", {
          hint: "run `s5 init` in the project's root directory",
        });
      }
      const sodium = await loadSodium();
      // Every key, not only this one: links are checked by opening keys found by their ids.
      verifyKeyList(sodium, options.keys);
      const publicKey = verifyProjectKey(sodium, key);
      // Where this user can unlock the key, the key sealed to them must be this very key (checked
      // by unlocking), and a key that lists them must open; anyone else may still encrypt, as
      // public keys allow.
      if (options.secretKeys.length > 0) {
        try {
          pairFor(sodium, key.id);
        } catch (error) {
          if (REFUSED.has((error as S5Error).code)) throw error;
        }
        checkEndorsed(sodium);
      }
      // The key must be the one this machine encrypts to in the project, or a rotation from it
      // checked by opening each key on the way (known-keys.ts): a key list replaced is refused.
      if (options.known) checkKnownKey(options.known, options.keys, chainOf(sodium));
      return plaintexts.map((plaintext) => ({
        backend: "local" as const,
        key: key.id,
        sealed: seal(sodium, plaintext, publicKey).toString("base64url"),
        goTool: false as const,
      }));
    },

    destination() {
      const key = options.keys.at(-1);
      return { backend: "local", key: key?.id, recipients: key?.recipients.length };
    },

    async decrypt(bodies) {
      const sodium = await loadSodium();
      const results = decryptWith(sodium, bodies);
      if (options.known?.learn) {
        const used = new Set(
          bodies.flatMap((body, i) =>
            results[i]?.ok && body.backend === "local" ? [body.key] : [],
          ),
        );
        learnKnownKey(options.known, options.keys, used, chainOf(sodium));
      }
      return results;
    },

    decryptSync(bodies) {
      return decryptWith(loadSodiumSync(), bodies);
    },

    async [Symbol.asyncDispose]() {},
  };
}
