/**
 * The local-key keyring. A project has one or more X25519 key pairs (the newest encrypts, all
 * decrypt). Their public halves live in the committed project config; each secret half is stored
 * there only sealed to every recipient (a teammate's or CI's own key pair), so adding a recipient
 * never changes a token, and a recipient's own secret key never leaves its machine.
 */
import { KeyError, UsageError } from "../errors.ts";
import { isShowable } from "../hidden.ts";
import { decodePublicKey, encodePublicKey, idArgument } from "./encoding.ts";
import {
  generateKeyPair,
  type KeyPair,
  keyIdOf,
  open,
  publicKeyOf,
  type SodiumModule,
  seal,
} from "./sodium.ts";

/** A recipient of a project key: who may decrypt. */
export interface Recipient {
  /** A label for people: `alice@laptop`, `ci`. */
  name: string;
  /** The recipient's public key (`s5pk-…`). */
  publicKey: string;
  /** The project secret key sealed to this recipient (base64url). */
  sealedKey: string;
  /**
   * Made from the project secret key and the recipient's public key ({@link recipientProof}):
   * only someone who holds the key can add a recipient with a proof. An entry without one (an
   * edit of the project config, or from before proofs) is not carried over by a rotation.
   */
  proof?: string | undefined;
}

/** One project key pair as stored in the project config. */
export interface ProjectKey {
  /** Short id written into every token (`local:ID:…`). */
  id: string;
  /** The project public key (`s5pk-…`): anyone with it can encrypt. */
  publicKey: string;
  /** ISO date of creation. */
  created?: string | undefined;
  /**
   * For every key after the first: made from the previous key's secret and this key's public key
   * ({@link keyEndorsement}) by `s5 keys rotate`. A key appended by an edit of the project config
   * has none that checks, and encrypting with it is refused where the previous key can be opened.
   */
  endorsement?: string | undefined;
  recipients: Recipient[];
}

export function createProjectKey(
  sodium: SodiumModule,
  recipients: readonly { name: string; publicKey: string }[],
): { key: ProjectKey; pair: KeyPair } {
  const pair = generateKeyPair(sodium);
  const key: ProjectKey = {
    id: keyIdOf(sodium, pair.publicKey),
    publicKey: encodePublicKey(pair.publicKey),
    created: new Date().toISOString(),
    recipients: [],
  };
  for (const recipient of recipients) addRecipient(sodium, key, pair, recipient);
  return { key, pair };
}

const PROOF_DOMAIN = Buffer.from("s5 recipient proof v1\0");

/**
 * BLAKE2b-256 of a domain, the project secret key and a recipient's public key: a keyed hash
 * (BLAKE2 takes a key prefix safely) that anyone holding the project key can make and check, and
 * nobody else can. A sealed key alone proves nothing: anyone can seal 32 bytes to any key.
 */
export function recipientProof(sodium: SodiumModule, pair: KeyPair, publicKey: Buffer): string {
  const out = Buffer.alloc(32);
  sodium.crypto_generichash(out, Buffer.concat([PROOF_DOMAIN, pair.secretKey, publicKey]));
  return out.toString("base64url");
}

const ENDORSEMENT_DOMAIN = Buffer.from("s5 key endorsement v1\0");

/** BLAKE2b-256 of a domain, the previous project key's secret and the next key's public key. */
export function keyEndorsement(sodium: SodiumModule, previous: KeyPair, next: Buffer): string {
  const out = Buffer.alloc(32);
  sodium.crypto_generichash(out, Buffer.concat([ENDORSEMENT_DOMAIN, previous.secretKey, next]));
  return out.toString("base64url");
}

/** Whether `key` was made by someone who held the key before it (`previous`, unlocked). */
export function isEndorsed(sodium: SodiumModule, previous: KeyPair, key: ProjectKey): boolean {
  return (
    key.endorsement !== undefined &&
    key.endorsement === keyEndorsement(sodium, previous, decodePublicKey(key.publicKey))
  );
}

/**
 * Whether every key from `from` + 1 to `to` (indexes in `keys`) is endorsed by the key before it,
 * each previous key opened with `open` (false when one does not open): a rotation this user can
 * check, link by link.
 */
export function endorsedChain(
  sodium: SodiumModule,
  keys: readonly ProjectKey[],
  open: (key: ProjectKey) => KeyPair | undefined,
): (from: number, to: number) => boolean {
  return (from, to) =>
    keys.slice(from + 1, to + 1).every((next, i) => {
      const pair = open(keys[from + i]!);
      return pair !== undefined && isEndorsed(sodium, pair, next);
    });
}

/**
 * The newest link of the key chain that fails: a key whose previous key `open` can open and that
 * previous key did not endorse. Every link is checked, not only the newest: an attacker who
 * appends two keys, the second endorsed by the first, passes a check of the last link alone.
 */
export function brokenLink(
  sodium: SodiumModule,
  keys: readonly ProjectKey[],
  open: (key: ProjectKey) => KeyPair | undefined,
): { key: ProjectKey; previous: ProjectKey } | undefined {
  for (let i = keys.length - 1; i >= 1; i--) {
    const [previous, key] = [keys[i - 1]!, keys[i]!];
    const pair = open(previous);
    if (pair && !isEndorsed(sodium, pair, key)) return { key, previous };
  }
  return undefined;
}

/**
 * Whether one of these identities is a recipient of `key`: listed by its public key, or holding an
 * entry whose sealed key opens with it (its publicKey changed: the entry was altered to make the
 * user look like a stranger to this key, whose link to the next then goes unchecked).
 */
export function isListed(
  sodium: SodiumModule,
  key: ProjectKey,
  identities: readonly KeyPair[],
): boolean {
  const mine = new Set(identities.map((identity) => encodePublicKey(identity.publicKey)));
  return key.recipients.some(
    (recipient) =>
      mine.has(recipient.publicKey) ||
      identities.some((identity) => opensWith(sodium, recipient.sealedKey, identity)),
  );
}

function opensWith(sodium: SodiumModule, sealedKey: string, identity: KeyPair): boolean {
  try {
    return open(sodium, Buffer.from(sealedKey, "base64url"), identity) !== undefined;
  } catch {
    return false;
  }
}

/**
 * A key this user is listed on but cannot open: its sealed key (or publicKey) was altered. Not
 * "not a recipient": an attacker who appends a key of their own and spoils the victim's entry on
 * the key before it would otherwise make the link between them impossible to check, and pass.
 * `newest`: the key is the one that encrypts, so no key comes after it; encrypting with it is
 * refused for this user (local/backend.ts), as an altered entry may go with an altered key.
 */
export function tampered(key: ProjectKey, newest: boolean): KeyError {
  const consequence = newest
    ? " (on the key that encrypts: s5 will not encrypt with it here until your entry is restored)"
    : ", so the keys after it cannot be checked";
  return new KeyError(
    "S5_KEY_LOCAL_TAMPERED",
    `you are a recipient of local key ${key.id}, but the key sealed to you there does not open: the project config was altered${consequence}`,
    {
      hint: "check `git log -p .s5.json` and restore your entry; a holder of the key can add you again (`s5 keys add`)",
    },
  );
}

export function unendorsed(key: ProjectKey, previous: ProjectKey): KeyError {
  return new KeyError(
    "S5_KEY_LOCAL_UNENDORSED",
    `local key ${key.id} was not made by a holder of local key ${previous.id} (no valid endorsement): new secrets would go to whoever added it`,
    {
      hint:
        "a key appended by editing .s5.json: check `git log -p .s5.json` and remove it. If your " +
        "team made it with `s5 keys rotate` before endorsements, a holder of the previous key " +
        `checks it and confirms it with \`s5 keys endorse ${idArgument(key.id)}\``,
    },
  );
}

/** Whether a recipient entry was made by someone who holds the project key. */
export function isProven(sodium: SodiumModule, pair: KeyPair, recipient: Recipient): boolean {
  if (recipient.proof === undefined) return false;
  const expected = recipientProof(sodium, pair, decodePublicKey(recipient.publicKey));
  return recipient.proof === expected;
}

export function addRecipient(
  sodium: SodiumModule,
  key: ProjectKey,
  pair: KeyPair,
  recipient: { name: string; publicKey: string },
): void {
  // A name is printed by `s5 keys list`: a control character could rewrite the lines above it, a
  // bidirectional control reorder them, an invisible character make two names look alike.
  if (!isShowable(recipient.name) || recipient.name === "") {
    throw new UsageError(
      "a recipient's name must be non-empty, without control, bidirectional or invisible characters",
    );
  }
  // `s5 keys add` with its two words swapped, or a secret key pasted as the name, would write the
  // key into a file that is committed.
  if (/secret-key-|^s5pk-/i.test(recipient.name)) {
    throw new UsageError("a recipient's name looks like a key (not shown)", {
      hint: "the name comes first, then the public key (s5pk-…): s5 keys add NAME s5pk-…; never put a secret key on a command line",
    });
  }
  const publicKey = decodePublicKey(recipient.publicKey);
  const sealedKey = seal(sodium, pair.secretKey, publicKey).toString("base64url");
  const entry = {
    name: recipient.name,
    publicKey: encodePublicKey(publicKey),
    sealedKey,
    proof: recipientProof(sodium, pair, publicKey),
  };
  const existing = key.recipients.findIndex((r) => r.publicKey === entry.publicKey);
  if (existing >= 0) key.recipients[existing] = entry;
  else key.recipients.push(entry);
}

function altered(keyId: string, what: string): KeyError {
  return new KeyError(
    "S5_KEY_LOCAL_MISMATCH",
    `local key ${keyId} in the project config: ${what}`,
    {
      hint:
        "the project config (.s5.json) was altered: new secrets could be encrypted to someone else. " +
        "Restore it from a trusted copy (git log -p .s5.json) before encrypting or decrypting",
    },
  );
}

/**
 * Checks that a project key's public key is the one its id was made from: a swapped `publicKey`
 * with the same `id` would send every new secret to whoever holds the swapped key.
 */
export function verifyProjectKey(sodium: SodiumModule, key: ProjectKey): Buffer {
  const publicKey = decodePublicKey(key.publicKey);
  if (keyIdOf(sodium, publicKey) !== key.id) {
    throw altered(key.id, "its publicKey is not the one its id was made from");
  }
  return publicKey;
}

/**
 * Checks every key of a project's list, not only the one that encrypts: each id made from its
 * public key, and no id or public key listed twice. A key listed again under another key's id
 * would be unlocked as that other key (keys are found by id), so its link to the next would be
 * checked with the wrong key pair.
 */
export function verifyKeyList(sodium: SodiumModule, keys: readonly ProjectKey[]): void {
  const ids = new Set<string>();
  const publicKeys = new Set<string>();
  for (const key of keys) {
    verifyProjectKey(sodium, key);
    if (ids.has(key.id) || publicKeys.has(key.publicKey)) {
      throw altered(key.id, "it is listed twice");
    }
    ids.add(key.id);
    publicKeys.add(key.publicKey);
  }
}

/**
 * Finds the secret key of a project key with the identities at hand: an identity that is the
 * project key itself (CI may hold that), or one that is a recipient of it. The key found must
 * match the public key in the project config. `newest`: `key` is the last of the list (the one
 * that encrypts), for the message of a tampered entry.
 */
export function unlockProjectKey(
  sodium: SodiumModule,
  key: ProjectKey | undefined,
  keyId: string,
  identities: readonly KeyPair[],
  newest: boolean,
): KeyPair {
  const expected = key ? verifyProjectKey(sodium, key) : undefined;
  for (const identity of identities) {
    if (keyIdOf(sodium, identity.publicKey) !== keyId) continue;
    if (expected && !expected.equals(identity.publicKey)) {
      throw altered(keyId, "its publicKey is not the project key's");
    }
    return identity;
  }
  if (!key) {
    throw new KeyError("S5_KEY_LOCAL_UNKNOWN", `local key ${keyId} is not in the project config`, {
      hint: "the token was encrypted in another project: run s5 where that project's .s5.json is found (or name it with --config or S5_CONFIG), or encrypt the value again here with `s5 cipher`",
    });
  }
  if (identities.length === 0) {
    throw new KeyError(
      "S5_KEY_LOCAL_NONE",
      "no s5 private key is available to decrypt local-key tokens",
      {
        hint: "run `s5 init` on this machine, or set S5_PRIVATE_KEY / S5_PRIVATE_KEY_FILE (CI)",
      },
    );
  }
  for (const identity of identities) {
    const mine = encodePublicKey(identity.publicKey);
    const recipient = key.recipients.find((r) => r.publicKey === mine);
    if (!recipient) continue;
    const secretKey = open(sodium, Buffer.from(recipient.sealedKey, "base64url"), identity);
    if (!secretKey) continue;
    const publicKey = publicKeyOf(sodium, secretKey);
    // The key sealed for this recipient is another key than the one new tokens are encrypted to.
    if (!publicKey.equals(expected!)) {
      throw altered(keyId, "the key sealed for you does not match its publicKey");
    }
    return { secretKey, publicKey };
  }
  // Listed, yet nothing opens: an altered entry, not a stranger to this key (see `tampered`).
  if (isListed(sodium, key, identities)) throw tampered(key, newest);
  const yours = identities.map((identity) => encodePublicKey(identity.publicKey)).join(", ");
  throw new KeyError(
    "S5_KEY_LOCAL_NOT_RECIPIENT",
    `you are not a recipient of local key ${keyId}`,
    {
      hint: `ask someone who is to run \`s5 keys add NAME ${yours}\``,
    },
  );
}

export function identityFromSecret(sodium: SodiumModule, secretKey: Buffer): KeyPair {
  return { secretKey, publicKey: publicKeyOf(sodium, secretKey) };
}
