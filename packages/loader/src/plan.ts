/**
 * What the loader will write: values from the `.env` files (dotenv's precedence rules) and
 * variables already in the environment whose values hold tokens. Only the token-holding ones need
 * a backend; when there are none, nothing is started.
 */
import { IoError, mayContainToken } from "@s5/core";
import { FROM_FILES, markFromFiles, scan } from "@s5/core/internal";
import type { DecryptRequest, SerializedError } from "./decrypt.ts";
import { describeOrigin, LoaderError } from "./errors.ts";
import { type FileEntry, type Origin, readEnvFile } from "./files.ts";
import type { Env, ResolvedOptions } from "./options.ts";

export interface Plan {
  /** Every variable to write, in order, with its value as read (tokens still in it). */
  assign: Map<string, FileEntry>;
  /** The entries of `assign` whose values hold something that starts like a token. */
  pending: FileEntry[];
  /** The files that were read. */
  files: string[];
}

/** Cheap first: most values do not contain `{{` at all. */
export function hasToken(value: string): boolean {
  if (!mayContainToken(value)) return false;
  const { tokens, malformed } = scan(value);
  return tokens.length > 0 || malformed.length > 0;
}

export function makePlan(options: ResolvedOptions): Plan {
  const fromFiles = new Map<string, FileEntry>();
  const files: string[] = [];
  for (const path of options.paths) {
    const entries = readEnvFile(path, options.cwd, options.defaultPath);
    if (!entries) continue;
    files.push(path);
    for (const entry of entries) {
      if (options.override || !fromFiles.has(entry.key)) fromFiles.set(entry.key, entry);
    }
  }
  const env = options.processEnv;
  const assign = new Map<string, FileEntry>();
  for (const [key, entry] of fromFiles) {
    // Own properties only: `constructor` or `toString` is not "already set" because a plain
    // object (`s5 run`'s copy, a `processEnv`) inherits it (dotenv's `populate` asks the same).
    const set = Object.hasOwn(env, key) && env[key] !== undefined;
    if (options.override || !set) assign.set(key, entry);
    // Node cuts a variable at its first NUL (a C string), and `spawn` refuses it quoting the value.
    if (assign.has(key) && entry.value.includes("\0")) {
      throw new IoError(
        "S5_INPUT",
        `${key} (${describeOrigin(entry.origin)}) holds a NUL byte, which an environment variable cannot hold`,
        { hint: "remove it from the file; a binary value is encrypted with `| base64`" },
      );
    }
  }
  // Docker, Kubernetes and `node --env-file` put values in the environment before any preload.
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !assign.has(key) && hasToken(value)) {
      assign.set(key, { key, value, origin: {} });
    }
  }
  const pending = [...assign.values()].filter((entry) => hasToken(entry.value));
  return { assign, pending, files };
}

/**
 * The request for the backends. They read their settings (keys, `VAULT_ADDR`, TLS, proxies) from
 * the real environment only, never from the `.env` files being decrypted: a committed file must
 * not decide where the Vault token is sent or whether TLS is checked.
 */
export function requestFor(plan: Plan, options: ResolvedOptions, items = plan.pending) {
  const env: Env = { ...options.processEnv };
  return {
    items: items.map((entry) => ({ name: entry.key, value: entry.value })),
    cwd: options.cwd,
    env,
    intoEnvironment: true,
  } satisfies DecryptRequest;
}

export function originsOf(entries: readonly FileEntry[]): Map<string, Origin> {
  return new Map(entries.map((entry) => [entry.key, entry.origin]));
}

/** Writes the plan: only after every token succeeded, so the app never sees half of it. */
export function applyPlan(
  plan: Plan,
  values: readonly string[],
  options: ResolvedOptions,
): Record<string, string> {
  const decrypted = new Map(plan.pending.map((entry, i) => [entry.key, values[i]!]));
  const parsed: Record<string, string> = {};
  const before = options.processEnv[FROM_FILES];
  const fromFiles: string[] = [];
  for (const [key, entry] of plan.assign) {
    const value = decrypted.get(key) ?? entry.value;
    options.processEnv[key] = value;
    parsed[key] = value;
    if (entry.origin.file !== undefined) fromFiles.push(key);
  }
  // An s5 started beneath (by `s5 run`'s command, or by this app) must not take its settings
  // (VAULT_ADDR, proxies, keys) from these files, as this one did not.
  if (fromFiles.length > 0) markFromFiles(options.processEnv, fromFiles, before);
  return parsed;
}

export function failure(error: SerializedError, plan: Plan): LoaderError {
  return new LoaderError(error, originsOf(plan.pending));
}
