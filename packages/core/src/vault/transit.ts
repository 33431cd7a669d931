/**
 * Transit operations in batches: chunked to `batchSize` items, a bounded number of requests in
 * flight, every item matched back by its `reference`, per-item errors kept per item. An item
 * Vault does not answer for is an error, never a shifted or missing value.
 */
import type { ItemResult } from "../backend.ts";
import { BackendError, ExitCode, type S5Error } from "../errors.ts";
import type { TokenSource } from "./auth.ts";
import type { VaultBody, VaultClient } from "./client.ts";
import { ciphertextVersion, invalidToken, itemError, type Operation } from "./errors.ts";

type Action = "encrypt" | "decrypt" | "rewrap";

/** The batch item field each action sends. */
const FIELD = { encrypt: "plaintext", decrypt: "ciphertext", rewrap: "ciphertext" } as const;
/** The field a successful item answers with. */
const RESULT = { encrypt: "ciphertext", decrypt: "plaintext", rewrap: "ciphertext" } as const;

export interface KeyVersions {
  latest: number;
  minDecryption: number;
}

export interface Transit {
  /** Runs one action over all values; one result per value, in order. */
  batch(action: Action, values: readonly string[]): Promise<ItemResult<string>[]>;
  /** The key's latest version, or undefined when this token may not read the key. */
  latestVersion(): Promise<number | undefined>;
  /** The key's latest and minimum decryption versions, or undefined without `read` on the key. */
  keyVersions(): Promise<KeyVersions | undefined>;
}

/**
 * Bytes of values per request. A server refuses a larger body (OpenBao's and Vault's
 * `max_request_size`, 32 MiB by default: HTTP 413); large values are sent in more requests.
 */
export const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * The requests of one batch, as `[start, end)` ranges: as few as the batch size allows, of equal
 * size so that parallel ones end together, and none with more than {@link BATCH_BYTES} of values
 * (a value larger than that goes alone).
 */
export function batchRanges(values: readonly string[], batchSize: number): [number, number][] {
  const size = Math.ceil(values.length / Math.ceil(values.length / batchSize));
  const ranges: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    const length = values[i]!.length + 32; // the item's JSON around the value
    if (i > start && (i - start >= size || bytes + length > BATCH_BYTES)) {
      ranges.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += length;
  }
  if (start < values.length) ranges.push([start, values.length]);
  return ranges;
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/**
 * Errors with the same text, of tokens at the same key version, share one object, so a report
 * groups the tokens they stopped (a token below the key's minimum is told its own version).
 */
function errorCache(op: Operation) {
  const cache = new Map<string, S5Error>();
  return (text: string, ciphertext?: string): S5Error => {
    const version = ciphertextVersion(ciphertext);
    const id = `${version ?? ""}:${text}`;
    let error = cache.get(id);
    if (!error) {
      error = itemError(text, op, version);
      cache.set(id, error);
    }
    return error;
  };
}

/** A 2xx answer without `data.batch_results`: not Vault's transit (a proxy, another service). */
function missingResults(address: string): S5Error {
  return new BackendError(
    "S5_VAULT_RESPONSE",
    ExitCode.unavailable,
    `the server at ${address} answered without transit batch results`,
    { hint: "check that VAULT_ADDR is Vault's API address (not a proxy or another service)" },
  );
}

/** Transit with `key` (by default the settings' transit key) over one client and login. */
export function createTransit(
  client: VaultClient,
  tokens: TokenSource,
  key = client.config.transitKey,
): Transit {
  const { transitMount: mount, batchSize, parallelism, address } = client.config;

  /** Vault answers 403 to a bogus token as to a policy that denies: ask which it is. */
  const rejected = async (token: string, op: Operation): Promise<S5Error | undefined> => {
    const lookup: Operation = { action: "lookup", address };
    const answer = await client.send("GET", ["auth", "token", "lookup-self"], lookup, { token });
    if (answer.status !== 403) return undefined;
    return invalidToken(op, tokens.describe());
  };

  const post = async (action: Action | "keys", body: object | undefined, op: Operation) => {
    const path = action === "keys" ? [mount, "keys", key] : [mount, action, key];
    for (let attempt = 0; ; attempt++) {
      const token = await tokens.token();
      const response = await client.send(body ? "POST" : "GET", path, op, { token, body });
      if (response.status !== 403) return response;
      // A login token that expired gets one fresh login.
      if (attempt === 0) {
        tokens.invalidate(token);
        if ((await tokens.token()) !== token) continue;
      }
      const cause = await rejected(token, op);
      if (cause) throw cause;
      return response;
    }
  };

  return {
    async batch(action, values) {
      const op: Operation = { action, address, mount, key };
      const results: ItemResult<string>[] = new Array(values.length);
      const itemFailure = errorCache(op);
      let fatal: S5Error | undefined;

      const chunk = async (start: number, end: number) => {
        const fill = (error: S5Error) => {
          for (let i = start; i < end; i++) results[i] = { ok: false, error };
        };
        if (fatal) return fill(fatal);
        const input = [];
        for (let i = start; i < end; i++) {
          input.push({ [FIELD[action]]: values[i], reference: String(i) });
        }
        let body: VaultBody;
        try {
          const response = await post(
            action,
            { batch_input: input, partial_failure_response_code: 200 },
            op,
          );
          // A batch where every item failed is a 400 with per-item results (no `errors`).
          const perItem =
            response.status === 400 && Array.isArray(response.body.data?.batch_results);
          body = perItem ? response.body : client.check(response, op);
        } catch (error) {
          // Batches in flight together that fail the same way report one error, not one each.
          fatal ??= error as S5Error;
          return fill(fatal);
        }
        const items = body.data?.batch_results;
        if (!Array.isArray(items)) {
          fatal ??= missingResults(address);
          return fill(fatal);
        }
        const byReference = new Map<string, Record<string, unknown>>();
        // A reference answered twice is ambiguous: which value belongs to the token? Neither is
        // used (taking the last would put another token's value in its place).
        const twice = new Set<string>();
        for (const item of items as Record<string, unknown>[]) {
          if (!item || typeof item.reference !== "string") continue;
          if (byReference.has(item.reference)) twice.add(item.reference);
          byReference.set(item.reference, item);
        }
        for (let i = start; i < end; i++) {
          const item = byReference.get(String(i));
          const value = item?.[RESULT[action]];
          if (twice.has(String(i))) {
            results[i] = {
              ok: false,
              error: itemFailure("Vault answered more than once for this item"),
            };
          } else if (item && typeof item.error === "string" && item.error !== "") {
            // An encrypt's value is a plaintext: never read for a version.
            const ciphertext = action === "encrypt" ? undefined : values[i];
            results[i] = { ok: false, error: itemFailure(item.error, ciphertext) };
          } else if (typeof value === "string") {
            results[i] = { ok: true, value };
          } else {
            results[i] = {
              ok: false,
              error: itemFailure("Vault returned no result for this item"),
            };
          }
        }
      };

      const tasks = batchRanges(values, batchSize).map(
        ([start, end]) =>
          () =>
            chunk(start, end),
      );
      await pool(tasks, parallelism);
      return results;
    },

    async latestVersion() {
      return (await this.keyVersions())?.latest;
    },

    async keyVersions() {
      const op: Operation = { action: "read", address, mount, key };
      const response = await post("keys", undefined, op);
      if (response.status === 403) return undefined;
      const data = client.check(response, op).data;
      const latest = data?.latest_version;
      const minDecryption = data?.min_decryption_version;
      if (typeof latest !== "number") return undefined;
      return { latest, minDecryption: typeof minDecryption === "number" ? minDecryption : 1 };
    },
  };
}
