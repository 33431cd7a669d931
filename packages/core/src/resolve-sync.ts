/**
 * {@link resolveTokens} without waiting, for tokens of backends that need no I/O (local keys,
 * AES). The runtime loader decrypts with it before the application's next import runs, without
 * the cost of a worker thread; Vault tokens still go through {@link resolveTokens}.
 */
import type { BackendName, ItemResult } from "./backend.ts";
import { createSyncBackend, type SyncBackendName } from "./backends.ts";
import type { Settings } from "./config.ts";
import { S5Error } from "./errors.ts";
import {
  assembleValues,
  type Decrypted,
  distinctBodies,
  type FoundTokens,
  type ResolveOptions,
  recordResults,
} from "./render.ts";

function isSync(name: BackendName): name is SyncBackendName {
  return name === "local" || name === "aes";
}

/** Whether every token found can be decrypted by {@link resolveTokensSync}. */
export function canResolveSync(found: readonly FoundTokens[]): boolean {
  return found.every(({ tokens }) => tokens.every((token) => isSync(token.info.backend)));
}

/**
 * The value of each token of each source (filters applied), or throws {@link TokenFailures}.
 * Throws a plain Error when a token needs an asynchronous backend (check {@link canResolveSync})
 * or when the backend's native module cannot be loaded here.
 */
export function resolveTokensSync(
  found: readonly FoundTokens[],
  settings: Settings,
): Uint8Array[][];
/** With `failures`, every failure is collected there and its token is `undefined`. */
export function resolveTokensSync(
  found: readonly FoundTokens[],
  settings: Settings,
  options: ResolveOptions,
): (Uint8Array | undefined)[][];
export function resolveTokensSync(
  found: readonly FoundTokens[],
  settings: Settings,
  options: ResolveOptions = {},
): (Uint8Array | undefined)[][] {
  const decrypted: Decrypted = new Map();
  for (const [name, bodies] of distinctBodies(found)) {
    if (!isSync(name)) throw new Error(`${name} tokens cannot be decrypted synchronously`);
    let outcome: ItemResult<Uint8Array>[] | S5Error;
    try {
      outcome = createSyncBackend(settings, name).decryptSync!([...bodies.values()]);
    } catch (error) {
      if (!(error instanceof S5Error)) throw error;
      outcome = error;
    }
    recordResults(decrypted, name, [...bodies.keys()], outcome);
  }
  return assembleValues(found, decrypted, options);
}
