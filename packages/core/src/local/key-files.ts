/**
 * A local-key backend from files alone, for a process that opens one scope's tokens with that
 * scope's keys only (the Kubernetes controller: one key file per namespace). The secret keys are
 * read as `S5_PRIVATE_KEY_FILE` is (refused when others can read them); a project config, when
 * given, lists the project keys they unlock. No known-keys check and nothing learned: whoever
 * wrote the files (a cluster admin) is the trust.
 */
import type { Backend } from "../backend.ts";
import { PROJECT_FILE, readConfigFile } from "../config.ts";
import { KeyError } from "../errors.ts";
import { readKeyFile } from "../private-file.ts";
import { createLocalBackend } from "./backend.ts";
import { decodePublicKey, encodePublicKey, parseSecretKeys } from "./encoding.ts";
import { identityFromSecret, type ProjectKey, unlockProjectKey } from "./keyring.ts";
import { loadSodiumSync, publicKeyOf, type SodiumModule } from "./sodium.ts";

export interface KeyFilesOptions {
  /**
   * The file of secret keys, in the form `S5_PRIVATE_KEY_FILE` takes: identities (`s5 keys
   * generate`) or project keys themselves, several for a rotation.
   * @example "/etc/s5/namespace-keys/billing"
   */
  keyFile: string;
  /**
   * The project config (`.s5.json`) whose keys those identities unlock; none: only tokens of a
   * project key held in `keyFile` open.
   * @default undefined
   */
  configFile?: string | undefined;
  /**
   * How messages name the config, before its path: whose it is, for whoever fixes it.
   * @default "the project config"
   * @example "namespace billing's team config"
   */
  configName?: string | undefined;
  /**
   * Where the key file's path came from, for messages.
   * @example "--namespace-private-keys"
   */
  setting: string;
}

export interface KeyFilesBackend {
  backend: Backend;
  /**
   * The public halves (`s5pk-…`) of the key file's keys: two scopes that hold the same key are
   * one scope, which the caller refuses. Not for messages.
   */
  publicKeys: string[];
  /**
   * Whether the config's project key of this public half opens with the key file's keys (its
   * sealed key opened and checked: an entry copied or made up opens nothing). One scope's file
   * holding a key that another scope's config opens makes them one scope too. No work unless the
   * config lists that key; one sealed-box open then, kept. Not for messages.
   */
  unlocks(publicKey: string): boolean;
}

/** The local backend of a key file and an optional project config (see the module comment). */
export function localBackendOfFiles(options: KeyFilesOptions): KeyFilesBackend {
  const { keyFile, configFile, configName = "the project config", setting } = options;
  const what = "the private key file";
  const text = readKeyFile(keyFile, what, true, setting, true) ?? "";
  const secretKeys = parseSecretKeys(text, `${what} ${keyFile}`);
  if (secretKeys.length === 0) {
    throw new KeyError("S5_KEY_FILE", `${what} ${keyFile} holds no s5 secret key`, {
      hint: "put the S5-SECRET-KEY-… line that `s5 keys generate` prints in it",
    });
  }
  const sodium = loadSodiumSync();
  const publicKeys = secretKeys.map((secret) => encodePublicKey(publicKeyOf(sodium, secret)));
  const naming = {
    what: configName,
    setting,
    known: true,
    directory: `put the project's ${PROJECT_FILE} there, not a directory`,
  };
  const keys = configFile ? (readConfigFile(configFile, naming).local?.keys ?? []) : [];
  return {
    backend: createLocalBackend({ keys, secretKeys }),
    publicKeys,
    unlocks: unlocker(sodium, keys, secretKeys),
  };
}

/** `unlocks` of {@link KeyFilesBackend}: `keys` by public half, each opened at most once. */
function unlocker(
  sodium: SodiumModule,
  keys: readonly ProjectKey[],
  secretKeys: readonly Uint8Array[],
): (publicKey: string) => boolean {
  const byPublicKey = new Map<string, ProjectKey>();
  for (const key of keys) {
    try {
      byPublicKey.set(encodePublicKey(decodePublicKey(key.publicKey)), key);
    } catch {
      // Not a public key: it opens nothing, and the backend says why when a token needs it.
    }
  }
  const opened = new Map<string, boolean>();
  return (publicKey) => {
    const key = byPublicKey.get(publicKey);
    if (key === undefined) return false;
    let opens = opened.get(publicKey);
    if (opens === undefined) {
      const identities = secretKeys.map((secret) =>
        identityFromSecret(sodium, Buffer.from(secret)),
      );
      try {
        opens = unlockProjectKey(sodium, key, key.id, identities, false) !== undefined;
      } catch {
        // Not sealed to these keys, or altered: the backend says so when a token needs it.
        opens = false;
      }
      opened.set(publicKey, opens);
    }
    return opens;
  };
}
