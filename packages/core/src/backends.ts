/**
 * Creates backends from settings, lazily: a command pays only for the backends its tokens use.
 */

import { createAesBackend } from "./aes/backend.ts";
import type { Backend, BackendName } from "./backend.ts";
import { goToolBackendOf, loadSecretKeys, type Settings } from "./config.ts";
import { ConfigError, KeyError, S5Error } from "./errors.ts";
import { createLocalBackend } from "./local/backend.ts";

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
  if (name === "local") {
    return createLocalBackend({
      keys: settings.project?.config.local?.keys ?? [],
      secretKeys: loadSecretKeys(settings),
    });
  }
  if (!settings.aesKey) {
    throw new KeyError("S5_KEY_AES_MISSING", "the AES backend needs a key", {
      hint: "pass --key HEX or set S5_AES_KEY",
    });
  }
  return createAesBackend({ key: settings.aesKey });
}

/**
 * The Vault backend's module. node-vault (its HTTP transport) is an optional peer dependency, so
 * that local-key and AES users do not install it: without it, say what to install.
 */
async function loadVaultModule(): Promise<typeof import("./vault/backend.ts")> {
  try {
    return await import("./vault/backend.ts");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const missing =
      (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
      /['"]node-vault['"]/.test(String((error as Error).message));
    if (!missing) throw error;
    throw new ConfigError(
      "S5_CONFIG_VAULT_CLIENT",
      "the Vault backend needs the package node-vault, which is not installed",
      {
        hint: "install it beside s5: npm install node-vault (or npm install --global s5 node-vault for a global s5)",
        missing: true,
      },
    );
  }
}

export function createBackends(settings: Settings): Backends {
  const made = new Map<BackendName, Promise<Backend>>();

  const make = async (name: BackendName): Promise<Backend> => {
    switch (name) {
      case "aes":
      case "local":
        return createSyncBackend(settings, name);
      case "vault": {
        const { createVaultBackend } = await loadVaultModule();
        return createVaultBackend(settings);
      }
    }
  };

  return {
    goToolBackend: goToolBackendOf(settings),
    get(name) {
      let backend = made.get(name);
      if (!backend) {
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
