/**
 * What the loader will write: values from the `.env` files (dotenv's precedence rules) and
 * variables already in the environment whose values hold tokens. Only the token-holding ones need
 * a backend; when there are none, nothing is started.
 */
import { IoError, mayContainToken, type S5Error } from "@s5/core";
import { FROM_FILES, markFromFiles, scan } from "@s5/core/internal";
import type { DecryptRequest, SerializedError } from "./decrypt.ts";
import { describeOrigin, LoaderError } from "./errors.ts";
import {
  columnOf,
  escapedPlaces,
  type FileEntry,
  type Origin,
  readEnvFile,
  runOnLine,
} from "./files.ts";
import type { Env, ResolvedOptions } from "./options.ts";

/** A variable that cannot be set as read, found before decrypting; reported with the tokens. */
export interface InputFailure {
  entry: FileEntry;
  error: S5Error;
  /** Where in the value (1-based), as for a token. */
  line: number;
  column: number;
}

export interface Plan {
  /** Every variable to write, in order, with its value as read (tokens still in it). */
  assign: Map<string, FileEntry>;
  /** The entries of `assign` whose values hold something that starts like a token. */
  pending: FileEntry[];
  /** The files that were read. */
  files: string[];
  /** Variables that cannot be set; the start fails, after their tokens' failures are known too. */
  failures: InputFailure[];
  /**
   * Whether a file's token stands for a variable the environment already holds: most often a
   * process started by one that decrypted it (`fork`, cluster), its value the plaintext.
   */
  inherited: boolean;
}

/** Cheap first: most values do not contain `{{` at all. */
export function hasToken(value: string): boolean {
  if (!mayContainToken(value)) return false;
  const { tokens, malformed } = scan(value);
  return tokens.length > 0 || malformed.length > 0;
}

/** Line and column (1-based) of `index` in `value`. */
function placeIn(value: string, index: number): { line: number; column: number } {
  const before = value.slice(0, index).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

// Node cuts a variable at its first NUL (a C string), and `spawn` refuses it quoting the value.
const NUL_IN_VALUE = new IoError(
  "S5_INPUT",
  "the value holds a NUL byte, which an environment variable cannot hold",
  { hint: "remove it from the file; a binary value is encrypted with `| base64`" },
);

function quoteError(quote: string, textAfter: boolean): IoError {
  if (textAfter) {
    return new IoError(
      "S5_INPUT_QUOTE",
      `text follows the value's closing ${quote} on its line: dotenv then keeps the quotes and that text, and the secret would arrive with them`,
      { hint: "remove the text after the closing quote, or make it a comment (` # …`)" },
    );
  }
  return new IoError(
    "S5_INPUT_QUOTE",
    `the value starts with ${quote} but does not end with one: dotenv keeps the quote, and the secret would arrive with it`,
    { hint: `close the quote: ${quote} at the end of the value` },
  );
}

/**
 * A value that opens a quote dotenv kept (its closing quote forgotten, or text after it). With a
 * token, the secret would arrive with a stray quote: a failure. Without one it is what dotenv
 * itself would set, so `s5/config` sets it too (it replaces `dotenv/config`), with a warning naming
 * the place. Printed whatever `quiet` says: quiet silences the line a start prints when all went
 * well, not what is wrong in a file (dotenv's `quiet` is its success line too).
 */
function checkQuote(entry: FileEntry, assigned: boolean, failures: InputFailure[]): void {
  const quote = entry.openQuote!;
  const textAfter = entry.textAfterQuote === true;
  if (assigned && hasToken(entry.value)) {
    failures.push({ entry, error: quoteError(quote, textAfter), line: 1, column: 1 });
    return;
  }
  const what = textAfter
    ? `text follows the value's closing ${quote}, so dotenv keeps the quotes and that text in the value (S5_INPUT_QUOTE); remove it, or make it a comment (\` # …\`)`
    : `the value starts with ${quote} but does not end with one, so dotenv keeps the quote in the value (S5_INPUT_QUOTE); close it if it is not meant to be there`;
  process.stderr.write(
    `[s5] warning: ${describeOrigin({ ...entry.origin, column: columnOf(entry) })}: ${entry.key}: ${what}\n`,
  );
}

function runOnError(lines: number): IoError {
  return new IoError(
    "S5_INPUT_QUOTE",
    `the value runs on over ${lines} lines into one that assigns a variable: its closing quote is missing, so dotenv read every line up to the next quote as this value, and the secret would arrive with them`,
    { hint: "close the quote at the end of the value's first line" },
  );
}

/** A token value whose missing closing quote made dotenv run on into later lines (see runOnLine). */
function checkRunOn(entry: FileEntry, failures: InputFailure[]): void {
  const at = runOnLine(entry.value);
  if (at === -1 || !hasToken(entry.value.slice(0, entry.value.indexOf("\n")))) return;
  const lines = entry.value.split("\n").length;
  failures.push({ entry, error: runOnError(lines), line: at + 1, column: 1 });
}

export function makePlan(options: ResolvedOptions, named = false): Plan {
  const fromFiles = new Map<string, FileEntry>();
  const files: string[] = [];
  const failures: InputFailure[] = [];
  const quoted: FileEntry[] = [];
  for (const path of options.paths) {
    const entries = readEnvFile(path, options.cwd, options.defaultPath, named);
    if (!entries) continue;
    files.push(path);
    for (const entry of entries) {
      if (entry.refused) {
        failures.push({ entry, error: entry.refused, line: 1, column: 1 });
        continue;
      }
      if (entry.openQuote) quoted.push(entry);
      if (options.override || !fromFiles.has(entry.key)) fromFiles.set(entry.key, entry);
    }
  }
  const env = options.processEnv;
  const assign = new Map<string, FileEntry>();
  let inherited = false;
  for (const [key, entry] of fromFiles) {
    // Own properties only: `constructor` or `toString` is not "already set" because a plain
    // object (`s5 run`'s copy, a `processEnv`) inherits it (dotenv's `populate` asks the same).
    const set = Object.hasOwn(env, key) && env[key] !== undefined;
    if (options.override || !set) assign.set(key, entry);
    else if (!inherited && hasToken(entry.value)) inherited = true;
    if (assign.has(key) && entry.value.includes("\0")) {
      failures.push({
        entry,
        error: NUL_IN_VALUE,
        ...placeIn(entry.value, entry.value.indexOf("\0")),
      });
    } else if (assign.has(key) && entry.origin.file !== undefined && entry.value.includes("\n")) {
      checkRunOn(entry, failures);
    }
  }
  for (const entry of quoted) checkQuote(entry, assign.get(entry.key) === entry, failures);
  // Docker, Kubernetes and `node --env-file` put values in the environment before any preload.
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !assign.has(key) && hasToken(value)) {
      assign.set(key, { key, value, origin: {} });
    }
  }
  // A variable that fails already is not decrypted: its tokens' outcome would change nothing.
  const failed = new Set(failures.map((failure) => failure.entry));
  const pending = [...assign.values()].filter(
    (entry) => !failed.has(entry) && hasToken(entry.value),
  );
  return { assign, pending, files, failures, inherited };
}

/**
 * The request for the backends. They read their settings (keys, `VAULT_ADDR`, TLS, proxies) from
 * the real environment only, never from the `.env` files being decrypted: a committed file must
 * not decide where the Vault token is sent or whether TLS is checked.
 */
export function requestFor(plan: Plan, options: ResolvedOptions, items = plan.pending) {
  const env: Env = { ...options.processEnv };
  return {
    items: items.map((entry) => ({ name: entry.key, value: entry.value, dir: entry.dir })),
    cwd: options.cwd,
    env,
    intoEnvironment: true,
  } satisfies DecryptRequest;
}

/** Where each variable comes from, columns included (worked out here: a report is being made). */
export function originsOf(entries: Iterable<FileEntry>): Map<string, Origin> {
  const origins = new Map<string, Origin>();
  for (const entry of entries) {
    const column = columnOf(entry);
    origins.set(entry.key, { ...entry.origin, column, inFile: escapedPlaces(entry) });
  }
  return origins;
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

/**
 * Every failure of one start in one error: the variables that cannot be set as read (NUL, a kept
 * quote, `__proto__`) with those whose tokens failed, so the user fixes them all at once.
 * `error` is the decryption's, when it failed.
 */
export function failure(error: SerializedError | undefined, plan: Plan): LoaderError {
  const inputs = plan.failures.map(({ entry, error: cause, line, column }) => ({
    name: entry.key,
    line,
    column,
    code: cause.code,
    exitCode: cause.exitCode,
    message: cause.message,
    hint: cause.hint,
  }));
  const origins = originsOf([...plan.assign.values(), ...plan.failures.map((f) => f.entry)]);
  return new LoaderError(
    { ...(error ?? { code: inputs[0]!.code, exitCode: inputs[0]!.exitCode, message: "" }), inputs },
    origins,
  );
}
