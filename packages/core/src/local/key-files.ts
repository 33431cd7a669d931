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
import { encodePublicKey, parseSecretKeys } from "./encoding.ts";
import { loadSodiumSync, publicKeyOf } from "./sodium.ts";

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
  return { backend: createLocalBackend({ keys, secretKeys }), publicKeys };
}
