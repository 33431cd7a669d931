/**
 * Creates backends from settings, lazily: a command pays only for the backends its tokens use.
 */

import { createAesBackend } from "./aes/backend.ts";
import type { Backend, BackendName } from "./backend.ts";
import { goToolBackendOf, loadSecretKeys, type Settings } from "./config.ts";
import { KeyError, S5Error } from "./errors.ts";
import { createLocalBackend } from "./local/backend.ts";
import type { KnownKeysPlace } from "./local/known-keys.ts";
import { refuseOldNode } from "./node-floor.ts";

/**
 * The backends of one settings, made on first use. Disposable: `await using backends =
 * createBackends(settings)` releases sockets and timers at the end of the block.
 */
export interface Backends extends AsyncDisposable {
  /** The backend of the Go tool's bare tokens, when the command line or config names one. */
  readonly goToolBackend: BackendName | undefined;
  get(name: BackendName): Promise<Backend>;
}

/** The backends that need no I/O to decrypt, so they can decrypt synchronously. */
export type SyncBackendName = "local" | "aes";

/** Creates a local-key or AES backend at once (no `await`), with its `decryptSync`. */
export function createSyncBackend(settings: Settings, name: SyncBackendName): Backend {
  refuseOldNode();
  if (name === "local") {
    return createLocalBackend({
      keys: settings.project?.config.local?.keys ?? [],
      secretKeys: loadSecretKeys(settings),
      known: settings.project ? knownKeysPlace(settings, settings.project.file) : undefined,
    });
  }
  if (!settings.aesKey) {
    throw new KeyError("S5_KEY_AES_MISSING", "the AES backend needs a key", {
      hint: "pass --key HEX or set S5_AES_KEY",
    });
  }
  const from = settings.overrides.aesKey !== undefined ? "--key" : "S5_AES_KEY";
  return createAesBackend({ key: settings.aesKey, from });
}

/** Where this machine records the project keys it trusts for the project of `projectFile`. */
export function knownKeysPlace(settings: Settings, projectFile: string): KnownKeysPlace {
  return {
    file: settings.knownKeysFile,
    project: projectFile,
    warn: settings.warn,
    pinned: settings.env.S5_TRUSTED_KEY?.trim() || undefined,
    learn: settings.overrides.learnKeys === true,
  };
}

/** Every backend this process has made so far, whatever the settings (see {@link backendsUsed}). */
const used = new Set<BackendName>();

/**
 * The backends this process has made so far. The CLI's engine (packages/cli/bin/engine.cjs) keeps
 * V8's compiled code per command, and writes it again when a run used a backend the cached code
 * was not made with: the code of each backend is compiled only when it is used.
 */
export function backendsUsed(): ReadonlySet<BackendName> {
  return used;
}

export function createBackends(settings: Settings): Backends {
  refuseOldNode();
  const made = new Map<BackendName, Promise<Backend>>();

  const make = async (name: BackendName): Promise<Backend> => {
    switch (name) {
      case "aes":
      case "local":
        return createSyncBackend(settings, name);
      case "vault": {
        // The Vault chunk carries its transport (node-vault, axios): loaded on the first Vault token.
        const { createVaultBackend } = await import("./vault/backend.ts");
        return createVaultBackend(settings);
      }
    }
  };

  return {
    goToolBackend: goToolBackendOf(settings),
    get(name) {
      let backend = made.get(name);
      if (!backend) {
        used.add(name);
        backend = make(name);
        made.set(name, backend);
      }
      return backend;
    },
    async [Symbol.asyncDispose]() {
      for (const backend of made.values()) {
        try {
          await (await backend)[Symbol.asyncDispose]();
        } catch (error) {
          if (!(error instanceof S5Error)) throw error;
        }
      }
    },
  };
}
