/**
 * Many callers, one backend round: a bundler transforms modules concurrently and Pulumi resolves
 * inputs one by one, yet each backend should get one batch (one Vault request) per wave. Sources
 * that arrive within a short window are resolved together; every source gets its own outcome —
 * its values, or the failures of its own tokens — from that one round, never a retry.
 */
import type { ItemResult } from "./backend.ts";
import type { Backends } from "./backends.ts";
import { type S5Error, toS5Error } from "./errors.ts";
import {
  assembleValues,
  type Decrypted,
  distinctBodies,
  type FoundTokens,
  findTokens,
  plaintextsAsText,
  type ResolveOptions,
  recordResults,
  type Source,
} from "./render.ts";
import { spliceText } from "./scan.ts";

/** One source's result: its values, or why it failed. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: S5Error };

/**
 * Decrypts the tokens of every source in one round (one batch per backend), then gives each
 * source its own outcome: a failing token fails only its source.
 */
export async function resolveEach(
  found: readonly FoundTokens[],
  backends: Backends,
  options: Pick<ResolveOptions, "filters"> = {},
): Promise<Outcome<Uint8Array[]>[]> {
  const decrypted: Decrypted = new Map();
  await Promise.all(
    [...distinctBodies(found)].map(async ([name, bodies]) => {
      let outcome: ItemResult<Uint8Array>[] | S5Error;
      try {
        outcome = await (await backends.get(name)).decrypt([...bodies.values()]);
      } catch (error) {
        outcome = toS5Error(error);
      }
      recordResults(decrypted, name, [...bodies.keys()], outcome);
    }),
  );
  return found.map((item) => {
    try {
      return { ok: true, value: assembleValues([item], decrypted, options)[0] as Uint8Array[] };
    } catch (error) {
      return { ok: false, error: toS5Error(error) };
    }
  });
}

/**
 * {@link renderSources} for texts that stand alone (Pulumi inputs, config values): one round for
 * all of them, and each text its own outcome.
 */
export async function renderEach(
  sources: readonly Source<string>[],
  backends: Backends,
): Promise<Outcome<string>[]> {
  const found = sources.map((source) => findTokens(source, backends.goToolBackend));
  const outcomes = await resolveEach(found, backends);
  return outcomes.map((outcome, i): Outcome<string> => {
    if (!outcome.ok) return outcome;
    try {
      const texts = plaintextsAsText(outcome.value, found[i]!);
      return { ok: true, value: spliceText(sources[i]!.content, found[i]!.tokens, texts) };
    } catch (error) {
      return { ok: false, error: toS5Error(error) };
    }
  });
}

export interface BatchOptions extends Pick<ResolveOptions, "filters"> {
  /**
   * How long a round waits for more sources when one needs Vault (a network round trip saves
   * whole requests); local keys and AES wait one event-loop turn only.
   * @default 8
   */
  windowMs?: number | undefined;
}

export interface Batcher {
  /** The value of each token of `found`, or a {@link TokenFailures} of its own tokens. */
  resolve(found: FoundTokens): Promise<Uint8Array[]>;
  /** Rounds made so far (tests, the benchmark). */
  readonly rounds: number;
}

interface Pending {
  found: FoundTokens;
  resolve(values: Uint8Array[]): void;
  reject(error: unknown): void;
}

/** A batcher over the backends `backends()` returns (asked once per round). */
export function createBatcher(backends: () => Backends, options: BatchOptions = {}): Batcher {
  let queue: Pending[] = [];
  let scheduled = false;
  let rounds = 0;

  const flush = async () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    rounds++;
    try {
      const outcomes = await resolveEach(
        batch.map((item) => item.found),
        backends(),
        options,
      );
      for (const [i, item] of batch.entries()) {
        const outcome = outcomes[i]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  };

  return {
    resolve(found) {
      return new Promise((resolve, reject) => {
        queue.push({ found, resolve, reject });
        if (scheduled) return;
        scheduled = true;
        const remote = found.tokens.some((token) => token.info.backend === "vault");
        if (remote) setTimeout(flush, options.windowMs ?? 8);
        else setImmediate(flush);
      });
    },
    get rounds() {
      return rounds;
    },
  };
}
