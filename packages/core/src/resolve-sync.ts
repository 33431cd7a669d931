/**
 * {@link resolveTokens} without waiting, for tokens of backends that need no I/O (local keys,
 * AES). The runtime loader decrypts with it before the application's next import runs, without
 * the cost of a worker thread; Vault tokens still go through {@link resolveTokens}.
 */
import type { BackendName, ItemResult } from "./backend.ts";
import { createSyncBackend, type SyncBackendName } from "./backends.ts";
import type { Settings } from "./config.ts";
import { S5Error, type TokenFailure, TokenFailures, toS5Error } from "./errors.ts";
import { applyFilters } from "./filters.ts";
import type { FoundTokens } from "./render.ts";

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
): Uint8Array[][] {
  const bodies = new Map<SyncBackendName, Set<string>>();
  for (const { tokens } of found) {
    for (const token of tokens) {
      const name = token.info.backend;
      if (!isSync(name)) throw new Error(`${name} tokens cannot be decrypted synchronously`);
      const set = bodies.get(name) ?? new Set<string>();
      bodies.set(name, set);
      set.add(token.body);
    }
  }
  const results = new Map<string, ItemResult<Uint8Array>>();
  for (const [name, set] of bodies) {
    const list = [...set];
    let outcome: ItemResult<Uint8Array>[];
    try {
      outcome = createSyncBackend(settings, name).decryptSync!(list);
    } catch (error) {
      if (!(error instanceof S5Error)) throw error;
      outcome = list.map(() => ({ ok: false, error }));
    }
    for (const [i, body] of list.entries()) results.set(`${name}\0${body}`, outcome[i]!);
  }
  const failures: TokenFailure[] = found.flatMap((item) => item.failures);
  const values = found.map((item) =>
    item.tokens.map((token) => {
      const result = results.get(`${token.info.backend}\0${token.body}`);
      let error: S5Error | undefined;
      if (result?.ok) {
        try {
          return applyFilters(token.filters, result.value);
        } catch (filterError) {
          error = toS5Error(filterError);
        }
      } else {
        error = result?.error;
      }
      failures.push({
        location: item.lines.locate(token.start),
        error: error ?? toS5Error(undefined),
      });
      return new Uint8Array(0);
    }),
  );
  if (failures.length > 0) {
    failures.sort(
      (a, b) =>
        a.location.file.localeCompare(b.location.file) ||
        a.location.line - b.location.line ||
        a.location.column - b.location.column,
    );
    throw new TokenFailures(failures);
  }
  return values;
}
