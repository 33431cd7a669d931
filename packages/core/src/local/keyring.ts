/**
 * The local-key keyring. A project has one or more X25519 key pairs (the newest encrypts, all
 * decrypt). Their public halves live in the committed project config; each secret half is stored
 * there only sealed to every recipient (a teammate's or CI's own key pair), so adding a recipient
 * never changes a token, and a recipient's own secret key never leaves its machine.
 */
import { KeyError } from "../errors.ts";
import { decodePublicKey, encodePublicKey } from "./encoding.ts";
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
}

/** One project key pair as stored in the project config. */
export interface ProjectKey {
  /** Short id written into every token (`local:ID:…`). */
  id: string;
  /** The project public key (`s5pk-…`): anyone with it can encrypt. */
  publicKey: string;
  /** ISO date of creation. */
  created?: string | undefined;
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

export function addRecipient(
  sodium: SodiumModule,
  key: ProjectKey,
  pair: KeyPair,
  recipient: { name: string; publicKey: string },
): void {
  const publicKey = decodePublicKey(recipient.publicKey);
  const sealedKey = seal(sodium, pair.secretKey, publicKey).toString("base64url");
  const entry = { name: recipient.name, publicKey: encodePublicKey(publicKey), sealedKey };
  const existing = key.recipients.findIndex((r) => r.publicKey === entry.publicKey);
  if (existing >= 0) key.recipients[existing] = entry;
  else key.recipients.push(entry);
}

/**
 * Finds the secret key of a project key with the identities at hand: an identity that is the
 * project key itself (CI may hold that), or one that is a recipient of it.
 */
export function unlockProjectKey(
  sodium: SodiumModule,
  key: ProjectKey | undefined,
  keyId: string,
  identities: readonly KeyPair[],
): KeyPair {
  for (const identity of identities) {
    if (keyIdOf(sodium, identity.publicKey) === keyId) return identity;
  }
  if (!key) {
    throw new KeyError("S5_KEY_LOCAL_UNKNOWN", `local key ${keyId} is not in the project config`, {
      hint: "run s5 where the project's .s5.json can be found (or pass --config), or set S5_PRIVATE_KEY to that project key",
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
    if (secretKey) return { secretKey, publicKey: publicKeyOf(sodium, secretKey) };
  }
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
