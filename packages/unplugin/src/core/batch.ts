/**
 * Bundlers transform modules concurrently. Instead of one decrypt call per module, requests that
 * arrive within a short window are resolved together: one `resolveTokens` call, so one batch per
 * backend (one Vault request) for every module of that wave of the module graph.
 */
import {
  type Backends,
  type FoundTokens,
  resolveTokens,
  type TokenFailure,
  TokenFailures,
} from "@s5/core";

interface Pending {
  found: FoundTokens;
  resolve(values: Uint8Array[]): void;
  reject(error: unknown): void;
}

export interface Batcher {
  /** The plaintext of each token of `found` (filters are not applied). */
  resolve(found: FoundTokens): Promise<Uint8Array[]>;
  /** How many `resolveTokens` calls were made (for tests and the benchmark). */
  readonly flushes: number;
}

/**
 * How long a batch waits for more modules. A Vault batch is a network round trip, so waiting a few
 * milliseconds for the sibling modules of the same wave saves whole requests; local keys and AES
 * decrypt in-process, where waiting would only lengthen the build (one event-loop turn is enough).
 */
const REMOTE_WINDOW_MS = 8;

export function createBatcher(backends: () => Backends): Batcher {
  let queue: Pending[] = [];
  let scheduled = false;
  let flushes = 0;

  const flush = async () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    flushes++;
    try {
      const values = await resolveTokens(
        batch.map((item) => item.found),
        backends(),
      );
      for (const [i, item] of batch.entries()) item.resolve(values[i]!);
    } catch (error) {
      if (!(error instanceof TokenFailures)) {
        for (const item of batch) item.reject(error);
        return;
      }
      // Each module gets its own failures; modules that had none are tried again.
      const byFile = new Map<string, TokenFailure[]>();
      for (const failure of error.failures) {
        const list = byFile.get(failure.location.file) ?? [];
        list.push(failure);
        byFile.set(failure.location.file, list);
      }
      for (const item of batch) {
        const own = byFile.get(item.found.lines.file);
        if (own) item.reject(new TokenFailures(own));
        else enqueue(item);
      }
    }
  };

  const enqueue = (item: Pending) => {
    queue.push(item);
    if (!scheduled) {
      scheduled = true;
      const remote = item.found.tokens.some((token) => token.info.backend === "vault");
      if (remote) setTimeout(flush, REMOTE_WINDOW_MS);
      else setImmediate(flush);
    }
  };

  return {
    resolve(found) {
      return new Promise((resolve, reject) => enqueue({ found, resolve, reject }));
    },
    get flushes() {
      return flushes;
    },
  };
}
