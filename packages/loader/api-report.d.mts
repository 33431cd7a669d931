// The public API of this package, from its built declarations (scripts/api-report.mjs).

// ---- config.d.mts ----
export {}

// ---- index.d.mts ----
import { Overrides, S5Error } from "@s5/core";
import { MIN_REDACTED_LENGTH } from "@s5/core/internal";
interface SerializedFailure {
  /** Variable name. */
  name: string;
  /** Line and column of the token inside the value (1-based). */
  line: number;
  column: number;
  code: string;
  /** The exit code of this failure's class (the first failure of a report decides the process's). */
  exitCode?: number | undefined;
  message: string;
  hint?: string | undefined;
}
interface SerializedError {
  code: string;
  exitCode: number;
  message: string;
  hint?: string | undefined;
  failures?: SerializedFailure[] | undefined;
  /** Variables that cannot be set as read (found before decrypting), reported with `failures`. */
  inputs?: SerializedFailure[] | undefined;
  /** Only for unexpected errors, shown with the debug switch. */
  stack?: string | undefined;
}
/** Where a value comes from: a line of a `.env` file, or the environment the process got. */
interface Origin {
  /** The file as given (relative to `cwd` when it is inside it), or undefined for process.env. */
  file?: string | undefined;
  line?: number | undefined;
  /** The 1-based column of the value's first character on that line (after an opening quote). */
  column?: number | undefined;
  /**
   * A place in the value (1-based line and column) as a place in the file, when the two differ
   * by more than the value's start: a double-quoted value whose `\n` escapes dotenv turned into
   * line breaks.
   */
  inFile?: ((line: number, column: number) => {
    line: number;
    column: number;
  }) | undefined;
}
/** A variable that stopped the start, with where its value came from. Never holds the value. */
interface FailedVariable {
  name: string;
  /** `.env:3:12` (file, line, column), `process.env`, or `given value` (decrypt()). */
  where: string;
  code: string;
  message: string;
}
/**
 * Thrown by `config()`, `load()` and `decrypt()` when any token cannot be decrypted, or a variable
 * cannot be set as read; nothing was written to the environment. `describe()` lists every
 * variable of the start, grouped by reason; the exit code is that of the first one listed (file
 * order), as `s5 render`'s is its first failure's.
 */
export declare class LoaderError extends S5Error {
  #private;
  name: string;
  readonly variables: readonly FailedVariable[];
  constructor(error: SerializedError, origins: ReadonlyMap<string, Origin>);
  describe(): string;
}
type Env = Record<string, string | undefined>;
interface LoaderOptions {
  /**
   * The `.env` file(s) to read, in order. Relative paths start at `cwd`. A file named here must
   * exist; only the default `.env` may be missing.
   * @default `S5_CONFIG_PATH` (comma-separated), else ".env"
   * @example config({ path: [".env.local", ".env"] })
   */
  path?: string | readonly string[] | undefined;
  /**
   * Let values from the files replace variables that are already set. With several files and
   * `override`, the last file wins; without it, the first file that sets a variable wins.
   * Tokens in variables that are already set are decrypted either way.
   * @default `S5_CONFIG_OVERRIDE`, else false
   */
  override?: boolean | undefined;
  /**
   * Print nothing on success. Failures are always printed by the `s5/config` entry.
   * @default `S5_CONFIG_QUIET`, else true
   */
  quiet?: boolean | undefined;
  /**
   * Explain on stderr what the loader does (files, variable names, backends, time) — never a value.
   * @default `S5_CONFIG_DEBUG`, else false
   */
  debug?: boolean | undefined;
  /**
   * Directory that relative paths and the project config (`.s5.json`) are found from.
   * @default process.cwd()
   */
  cwd?: string | undefined;
  /**
   * The environment to read and to write (dotenv's `processEnv`).
   * @default process.env
   */
  processEnv?: Env | undefined;
}
interface LoadResult {
  /** Every variable written, with its final value. */
  parsed: Record<string, string>;
  /** The `.env` files that were read. */
  files: string[];
  /** Names of the variables whose tokens were decrypted. */
  decrypted: string[];
}
/**
 * Reads the `.env` file(s), decrypts every token in them and in `process.env`, and sets
 * `process.env` — synchronously, so the next import already sees the values. All or nothing:
 * throws a {@link LoaderError} naming the variables that failed, and writes nothing.
 *
 * @example
 * import { config } from "@s5/loader";
 * config({ path: [".env.local", ".env"] });
 */
export declare function config(options?: LoaderOptions): LoadResult;
/**
 * {@link config} without a worker thread, for hosts that await an init hook (Next.js
 * `instrumentation.ts`) or cannot block (`Atomics.wait` is missing on edge runtimes).
 *
 * @example
 * export async function register() { await (await import("@s5/loader")).load(); }
 */
export declare function load(options?: LoaderOptions): Promise<LoadResult>;
/** What tools that run a command need: backend flags, and each token's plaintext to redact. */
interface ToolOptions extends LoaderOptions {
  /** Backend flags of the s5 CLI (`--private-key-file`, `--transit-key`…). */
  overrides?: Overrides | undefined;
}
/**
 * {@link load}, also returning the plaintext of every token (for `s5 run --redact`).
 * @internal
 */
export declare function loadWithSecrets(options?: ToolOptions): Promise<LoadResult & {
  secrets: string[];
}>;
interface RedactorOptions {
  /** @default "[REDACTED]" */
  replacement?: string | undefined;
}
export declare class Redactor {
  #private;
  /**
   * @example
   * const redactor = new Redactor(["hunter2"]);
   * process.stdout.write(redactor.push(chunk)); // … then redactor.end() when the stream ends
   */
  constructor(secrets: Iterable<string>, options?: RedactorOptions);
  /** Whether there is anything to redact at all. */
  get active(): boolean;
  /** The part of the output that is safe to write now. */
  push(chunk: Uint8Array): Buffer;
  /** Everything still held back, redacted; call once when the stream ends. */
  end(): Buffer;
}
interface DecryptOptions {
  /**
   * Where the project config (`.s5.json`) is found from.
   * @default process.cwd()
   */
  cwd?: string | undefined;
  /**
   * Where backends read their settings (`S5_PRIVATE_KEY`, `VAULT_ADDR`…).
   * @default process.env
   */
  env?: Env | undefined;
}
type Values = Readonly<Record<string, string | undefined>>;
/**
 * Returns a copy of `values` with every token decrypted (one batch per backend). All or nothing:
 * throws a {@link LoaderError} naming the keys that failed.
 *
 * @example
 * const secrets = await decrypt({ DB_PASSWORD: "{{ s5:local:… }}" });
 */
export declare function decrypt<T extends Values>(values: T, options?: DecryptOptions): Promise<T>;
/**
 * {@link decrypt}, blocking, for synchronous validation libraries such as t3-env or envalid:
 * local-key and AES tokens in this thread, Vault tokens in a worker thread (`Atomics.wait`).
 *
 * @example
 * const env = createEnv({ server: schema, runtimeEnv: decryptSync(process.env) });
 */
export declare function decryptSync<T extends Values>(values: T, options?: DecryptOptions): T;
export { type DecryptOptions, type Env, type FailedVariable, type LoadResult, type LoaderOptions, MIN_REDACTED_LENGTH, type RedactorOptions, type ToolOptions };

// ---- preload.d.mts ----
export {}
