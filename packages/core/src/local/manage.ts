/**
 * Managing local keys without exposing libsodium: identities (a person's or CI's own key pair) and
 * the project keys in the project config, whose secret halves are sealed to every recipient.
 */
import type { ProjectConfig } from "../config.ts";
import { KeyError, UsageError } from "../errors.ts";
import { showable } from "../hidden.ts";
import { decodePublicKey, encodePublicKey, encodeSecretKey, idArgument } from "./encoding.ts";
import {
  addRecipient,
  brokenLink,
  createProjectKey,
  endorsedChain,
  identityFromSecret,
  isEndorsed,
  isListed,
  isProven,
  keyEndorsement,
  type ProjectKey,
  tampered,
  unendorsed,
  unlockProjectKey,
  verifyKeyList,
} from "./keyring.ts";
import { checkKnownKey, type KnownKeysPlace, rememberKeys } from "./known-keys.ts";
import { generateKeyPair, type KeyPair, loadSodium, type SodiumModule } from "./sodium.ts";

export interface Identity {
  /** `S5-SECRET-KEY-…`: keep private. */
  secretKey: string;
  /** `s5pk-…`: share freely. */
  publicKey: string;
}

/** A new identity key pair (for a person, or for CI). */
export async function generateIdentity(): Promise<Identity> {
  const sodium = await loadSodium();
  const pair = generateKeyPair(sodium);
  return { secretKey: encodeSecretKey(pair.secretKey), publicKey: encodePublicKey(pair.publicKey) };
}

/** The public keys of secret keys. */
export async function publicKeysOf(secretKeys: readonly Uint8Array[]): Promise<string[]> {
  const sodium = await loadSodium();
  return secretKeys.map((secret) =>
    encodePublicKey(identityFromSecret(sodium, Buffer.from(secret)).publicKey),
  );
}

/**
 * Adds a new project key sealed to `recipients` and makes it the one that encrypts. Used by
 * `s5 init` (first key) and `s5 keys rotate` (a new key for the same recipients).
 */
export async function addProjectKey(
  config: ProjectConfig,
  recipients: readonly { name: string; publicKey: string }[],
): Promise<ProjectKey> {
  if (recipients.length === 0) {
    throw new UsageError("a project key needs at least one recipient");
  }
  const sodium = await loadSodium();
  const { key } = createProjectKey(sodium, recipients);
  config.local ??= { keys: [] };
  config.local.keys.push(key);
  return key;
}

/**
 * Seals every project key to one more recipient; needs a secret key that unlocks them. Returns the
 * public key added (as written in the project config) and the others already listed under the
 * same name: a second machine of the same person, or the key of a lost one, which keeps
 * decrypting until it is removed — for the caller to tell.
 */
export async function addProjectRecipient(
  config: ProjectConfig,
  secretKeys: readonly Uint8Array[],
  recipient: { name: string; publicKey: string },
): Promise<{ publicKey: string; sameName: string[] }> {
  const publicKey = encodePublicKey(decodePublicKey(recipient.publicKey));
  const keys = config.local?.keys ?? [];
  if (keys.length === 0) {
    throw new KeyError("S5_KEY_LOCAL_NONE", "this project has no local key yet", {
      hint: "run `s5 init` first",
    });
  }
  // Adding a key again seals to it again (an entry repaired), under the name it has: another name
  // is more likely a public key pasted for the wrong person than a wish to rename.
  const listed = keys
    .flatMap((key) => key.recipients)
    .find((r) => r.publicKey === publicKey && r.name !== recipient.name);
  if (listed) {
    throw new UsageError(
      `that public key is already a recipient, named \`${showable(listed.name)}\``,
      {
        hint: "give that name to seal the key to it again; to rename the recipient, edit its name in the project config (the name is not part of its proof)",
      },
    );
  }
  const sameName = new Set(
    keys
      .flatMap((key) => key.recipients)
      .filter((r) => r.name === recipient.name && r.publicKey !== publicKey)
      .map((r) => r.publicKey),
  );
  const sodium = await loadSodium();
  const identities = identitiesOf(sodium, secretKeys);
  for (const key of keys) {
    const pair = unlockProjectKey(sodium, key, key.id, identities, key === keys.at(-1));
    addRecipient(sodium, key, pair, recipient);
  }
  return { publicKey, sameName: [...sameName] };
}

/**
 * Adds a new project key for the recipients of the current one, as someone who holds the current
 * key (`s5 keys rotate`). A recipient entry without a valid proof — added by an edit of the
 * project config rather than by `s5 keys add` — is refused, naming it: a rotation would hand the
 * new key to it.
 */
export async function rotateProjectKey(
  config: ProjectConfig,
  secretKeys: readonly Uint8Array[],
  known?: KnownKeysPlace,
): Promise<{ key: ProjectKey; previous: ProjectKey }> {
  const previous = config.local?.keys.at(-1);
  if (!previous) {
    throw new KeyError("S5_KEY_LOCAL_NONE", "no local key to rotate", { hint: "run `s5 init`" });
  }
  const sodium = await loadSodium();
  verifyKeyList(sodium, config.local!.keys);
  const identities = identitiesOf(sodium, secretKeys);
  const pair = unlockProjectKey(sodium, previous, previous.id, identities, true);
  // The key rotated from must itself be one a key holder made, through every link that can be
  // checked.
  const broken = brokenLink(sodium, config.local!.keys, (key) => {
    const pair = tryUnlock(sodium, key, identities);
    if (!pair && isListed(sodium, key, identities)) throw tampered(key, key === previous);
    return pair;
  });
  if (broken) throw unendorsed(broken.key, broken.previous);
  // The key rotated from must be one this machine trusts for the project, as for encrypting: a
  // rotation from a replaced list would hand the new key to whoever replaced it.
  if (known) {
    const keys = config.local!.keys;
    checkKnownKey(
      known,
      keys,
      endorsedChain(sodium, keys, (key) => tryUnlock(sodium, key, identities)),
    );
  }
  const unproven = previous.recipients.filter((r) => !isProven(sodium, pair, r));
  if (unproven.length > 0) {
    const names = unproven.map((r) => showable(r.name)).join(", ");
    throw new KeyError(
      "S5_KEY_LOCAL_UNPROVEN",
      `recipients of local key ${previous.id} without a proof that a key holder added them: ${names}`,
      {
        hint:
          "an entry added by editing .s5.json (check `git log -p .s5.json`), or one from before " +
          "proofs: remove it (`s5 keys remove NAME`), or, if you trust it, add it again " +
          "(`s5 keys add NAME s5pk-…`), then rotate",
      },
    );
  }
  const { key } = createProjectKey(sodium, previous.recipients);
  key.endorsement = keyEndorsement(sodium, pair, decodePublicKey(key.publicKey));
  config.local!.keys.push(key);
  return { key, previous };
}

/**
 * `s5 keys trust [ID]`: makes the key that encrypts now (the newest; `id` must name it when given)
 * the one this machine encrypts to in the project, after a change of keys that encrypting refused.
 * The list must hold together: ids made from their public keys, none twice.
 */
export async function trustProjectKeys(
  config: ProjectConfig,
  known: KnownKeysPlace,
  id?: string,
): Promise<ProjectKey> {
  const keys = config.local?.keys ?? [];
  const newest = keys.at(-1);
  if (!newest) {
    throw new KeyError("S5_KEY_LOCAL_NONE", `${known.project} has no local key`, {
      hint: "run `s5 init` in the project's root directory",
    });
  }
  verifyKeyList(await loadSodium(), keys);
  if (id !== undefined && id !== newest.id) {
    throw new KeyError(
      "S5_KEY_LOCAL_UNTRUSTED",
      `local key ${newest.id} encrypts in ${known.project}, not ${shownId(id)}; nothing was trusted`,
      {
        hint: `check \`s5 keys list\`; trust the key that encrypts by its id: s5 keys trust ${idArgument(newest.id)}`,
      },
    );
  }
  rememberKeys(known, [newest.publicKey]);
  return newest;
}

/**
 * An id typed on the command line, as a message may show it: only when it has the form of a key
 * id. Anything else may be a secret key pasted in the wrong place (`s5 keys trust S5-SECRET-…`).
 */
function shownId(id: string): string {
  return /^[A-Za-z0-9_-]{8}$/.test(id) ? id : "(not shown: it is no key id, and may be a secret)";
}

/** The key pairs of secret keys (identities, or project keys themselves). */
function identitiesOf(sodium: SodiumModule, secretKeys: readonly Uint8Array[]): KeyPair[] {
  return secretKeys.map((secret) => identityFromSecret(sodium, Buffer.from(secret)));
}

function tryUnlock(
  sodium: SodiumModule,
  key: ProjectKey,
  identities: readonly KeyPair[],
): KeyPair | undefined {
  try {
    // Whether it is the newest only words a message, and this one is dropped.
    return unlockProjectKey(sodium, key, key.id, identities, false);
  } catch {
    return undefined;
  }
}

/**
 * `s5 keys endorse ID…`: a holder of the key before it confirms a key made without an endorsement
 * (by `s5 keys rotate` before endorsements existed), named by its id — never every unendorsed key
 * at once: a key appended by a change would be endorsed with them. A key whose recipients are not
 * all proven recipients of the key before it is refused: a rotation keeps the recipients, and a
 * key that adds one (its author, say) is no rotation. Returns the keys endorsed.
 */
export async function endorseProjectKeys(
  config: ProjectConfig,
  secretKeys: readonly Uint8Array[],
  ids: readonly string[],
): Promise<ProjectKey[]> {
  const sodium = await loadSodium();
  const identities = identitiesOf(sodium, secretKeys);
  const keys = config.local?.keys ?? [];
  verifyKeyList(sodium, keys);
  const endorsed: ProjectKey[] = [];
  for (const id of ids) {
    const i = keys.findIndex((key) => key.id === id);
    const key = keys[i];
    if (!key || i === 0) {
      throw new KeyError(
        "S5_KEY_LOCAL_ENDORSE",
        `${key ? `local key ${id} is the first key` : `no local key ${shownId(id)}`}: nothing to endorse`,
        { hint: "`s5 keys list` shows the keys and which are UNENDORSED" },
      );
    }
    const previous = keys[i - 1]!;
    const pair = tryUnlock(sodium, previous, identities);
    if (!pair) {
      throw new KeyError(
        "S5_KEY_LOCAL_ENDORSE",
        `you cannot open local key ${previous.id}, the key before ${id}: only its holders can endorse what follows it`,
        { hint: "ask a recipient of that key to check and endorse it" },
      );
    }
    if (isEndorsed(sodium, pair, key)) continue;
    const proven = new Set(
      previous.recipients.filter((r) => isProven(sodium, pair, r)).map((r) => r.publicKey),
    );
    const added = key.recipients.filter((r) => !proven.has(r.publicKey));
    if (added.length > 0) {
      throw new KeyError(
        "S5_KEY_LOCAL_ENDORSE",
        `local key ${id} has recipients that local key ${previous.id} does not: ${added.map((r) => showable(r.name)).join(", ")}; a rotation keeps the recipients, so it was not made by one`,
        {
          hint: "a key appended by editing .s5.json: check `git log -p .s5.json` and remove it; to add someone, `s5 keys add` after a real rotation",
        },
      );
    }
    key.endorsement = keyEndorsement(sodium, pair, decodePublicKey(key.publicKey));
    endorsed.push(key);
  }
  return endorsed;
}

/** What `s5 keys list` can check of one project key with the secret keys at hand. */
export interface KeyCheck {
  /** Public keys of the recipients with a valid proof; undefined when the key cannot be opened. */
  proven: Set<string> | undefined;
  /** The key before it can be opened and did not endorse this one. */
  unendorsed: boolean;
  /** This user is listed as a recipient, and the key sealed to them does not open. */
  tampered: boolean;
}

/** For `s5 keys list`: each project key opened once, its recipients and endorsement checked. */
export async function checkProjectKeys(
  config: ProjectConfig,
  secretKeys: readonly Uint8Array[],
): Promise<Map<string, KeyCheck>> {
  const sodium = await loadSodium();
  const identities = identitiesOf(sodium, secretKeys);
  const keys = config.local?.keys ?? [];
  const pairs = keys.map((key) => tryUnlock(sodium, key, identities));
  const result = new Map<string, KeyCheck>();
  keys.forEach((key, i) => {
    const pair = pairs[i];
    const previous = i > 0 ? pairs[i - 1] : undefined;
    result.set(key.id, {
      proven:
        pair &&
        new Set(key.recipients.filter((r) => isProven(sodium, pair, r)).map((r) => r.publicKey)),
      unendorsed: previous !== undefined && !isEndorsed(sodium, previous, key),
      tampered: pair === undefined && isListed(sodium, key, identities),
    });
  });
  return result;
}

/**
 * Removes a recipient (by name or public key) from every project key; returns the recipients that
 * went, one per public key (a name may stand for several: two machines of one person). Refuses to
 * remove the last recipient of a key: nobody could decrypt its tokens any more.
 */
export function removeProjectRecipient(
  config: ProjectConfig,
  nameOrKey: string,
): { name: string; publicKey: string }[] {
  // A public key names that key alone: `keys add` refuses a name that looks like one, but an
  // edit of the committed file does not, and another recipient named so would go too.
  const byKey = /^s5pk-/i.test(nameOrKey);
  const keep = (r: { name: string; publicKey: string }) =>
    byKey ? r.publicKey !== nameOrKey : r.name !== nameOrKey;
  const keys = config.local?.keys ?? [];
  const orphaned = keys.find((key) => key.recipients.length > 0 && !key.recipients.some(keep));
  if (orphaned) {
    throw new KeyError(
      "S5_KEY_LOCAL_LAST_RECIPIENT",
      `${showable(nameOrKey)} is the last recipient of local key ${orphaned.id}: nobody could decrypt its tokens`,
      { hint: "add another recipient first (`s5 keys add NAME s5pk-…`), then remove this one" },
    );
  }
  const removed = new Map<string, { name: string; publicKey: string }>();
  for (const key of keys) {
    for (const r of key.recipients) {
      if (!keep(r)) removed.set(r.publicKey, { name: r.name, publicKey: r.publicKey });
    }
    key.recipients = key.recipients.filter(keep);
  }
  return [...removed.values()];
}
