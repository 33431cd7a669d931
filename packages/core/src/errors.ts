/**
 * Every failure s5 reports is an {@link S5Error} with a stable `code`, the process exit code the CLI
 * uses for it, and a hint saying what to do next. Messages never hold a plaintext or a key.
 */
import { showable } from "./hidden.ts";
import { metHint } from "./io-hints.ts";

/** Where in an input something went wrong (1-based line and column). */
export interface Location {
  file: string;
  line: number;
  column: number;
}

/** Exit codes of the CLI, one per class of failure (documented in the README). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  input: 3,
  output: 4,
  malformed: 5,
  decrypt: 6,
  key: 7,
  unavailable: 8,
  denied: 9,
  check: 10,
  editor: 11,
  config: 12,
  /** `s5 run`: COMMAND exists but cannot be run (not executable, a directory), as shells say. */
  cannotRun: 126,
  /** `s5 run`: COMMAND was not found, as shells say. */
  notFound: 127,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface S5ErrorOptions {
  hint?: string | undefined;
  location?: Location | undefined;
  cause?: unknown;
}

/** What every copy of core puts on its errors (see {@link S5Error}). */
const S5_ERROR: unique symbol = Symbol.for("s5.S5Error");

/**
 * Base class of every error s5 raises on purpose. `error instanceof S5Error` is true for the
 * errors of every copy of core in the process, not only this one: the CLI's engine carries its
 * own copy and loads packages (`@s5/loader`, `@s5/kubernetes`) that import theirs, and an
 * application may hold two versions. Subclasses (`UsageError`…) keep the usual `instanceof`.
 */
export class S5Error extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class asked, maybe a subclass
    if (this !== S5Error) return Function.prototype[Symbol.hasInstance].call(this, value);
    return (
      typeof value === "object" &&
      value !== null &&
      (value as { [S5_ERROR]?: unknown })[S5_ERROR] === true
    );
  }

  get [S5_ERROR](): true {
    return true;
  }

  override name = "S5Error";
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  readonly location: Location | undefined;

  constructor(
    code: string,
    exitCode: ExitCodeValue,
    message: string,
    options: S5ErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.location = options.location;
  }

  /** `file:line:col: message (CODE)` followed by the hint, for people. */
  describe(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : "";
    const hint = this.hint ? `\n  hint: ${this.hint}` : "";
    return `${where}${this.message} (${this.code})${hint}`;
  }
}

/** Wrong command line or API options. */
export class UsageError extends S5Error {
  override name = "UsageError";
  constructor(message: string, options: S5ErrorOptions = {}) {
    super("S5_USAGE", ExitCode.usage, message, options);
  }
}

/**
 * Configuration errors that mean "nothing is set up" rather than "set up wrongly"; see
 * {@link ConfigError}. (A missing `VAULT_ADDR` passes `missing: true` itself: the same code also
 * names a VAULT_ADDR that is set wrongly.)
 */
const MISSING_SETUP = new Set(["S5_CONFIG_NO_BACKEND", "S5_CONFIG_VAULT_MOUNT"]);
const missingSetup = (code: string) => MISSING_SETUP.has(code);

/**
 * A configuration file or variable that cannot be used.
 *
 * The rule for its exit code: configuration that is **there but wrong** exits 12
 * (`ExitCode.config`: JSON syntax, schema violations and unknown keys in `.s5.json`, a variable with
 * an invalid value, a bad transit name, a non-PEM TLS file, a VAULT_ADDR with the wrong scheme, a
 * namespace that does not exist); configuration that is **missing** — nothing set up to encrypt or
 * decrypt with (no backend, no VAULT_ADDR, no transit engine at the mount) — exits 7
 * (`ExitCode.key`) like the other "no key or credentials" errors (a missing transit key is a
 * KeyError, 7). Pass `missing: true` for the latter, or list the code in `MISSING_SETUP`.
 */
export class ConfigError extends S5Error {
  override name = "ConfigError";
  constructor(
    code: `S5_CONFIG${string}`,
    message: string,
    options: S5ErrorOptions & { missing?: boolean | undefined } = {},
  ) {
    const missing = options.missing ?? missingSetup(code);
    super(code, missing ? ExitCode.key : ExitCode.config, message, options);
  }
}

/** An input that cannot be read, or an output that cannot be written. */
export class IoError extends S5Error {
  override name = "IoError";
  constructor(
    code: `S5_INPUT${string}` | `S5_OUTPUT${string}`,
    message: string,
    options: S5ErrorOptions = {},
  ) {
    super(code, code.startsWith("S5_INPUT") ? ExitCode.input : ExitCode.output, message, options);
  }
}

/** Text that starts like a token but is not one s5 can read. */
export class TokenError extends S5Error {
  override name = "TokenError";
  constructor(
    code:
      | "S5_TOKEN_MALFORMED"
      | "S5_TOKEN_FILTER"
      | "S5_TOKEN_SCHEME"
      | "S5_TOKEN_UNSEALED"
      | "S5_VALUE_CONTEXT"
      | "S5_K8S_DATA_BASE64",
    message: string,
    options: S5ErrorOptions = {},
  ) {
    super(code, ExitCode.malformed, message, options);
  }
}

/** A key that is missing or unusable (no private key, wrong AES key length, no Vault token…). */
export class KeyError extends S5Error {
  override name = "KeyError";
  constructor(code: `S5_KEY${string}`, message: string, options: S5ErrorOptions = {}) {
    super(code, ExitCode.key, message, options);
  }
}

/** A ciphertext that the key at hand cannot open (wrong key, tampered or truncated token). */
export class DecryptError extends S5Error {
  override name = "DecryptError";
  constructor(code: `S5_DECRYPT${string}`, message: string, options: S5ErrorOptions = {}) {
    super(code, ExitCode.decrypt, message, options);
  }
}

/** A backend that cannot be reached or refused the request (Vault down, permission denied…). */
export class BackendError extends S5Error {
  override name = "BackendError";
  readonly status: number | undefined;
  constructor(
    code: `S5_${string}`,
    exitCode: ExitCodeValue,
    message: string,
    options: S5ErrorOptions & { status?: number | undefined } = {},
  ) {
    super(code, exitCode, message, options);
    this.status = options.status;
  }
}

/** One token that failed, where it is, and why. */
export interface TokenFailure {
  location: Location;
  error: S5Error;
  /** How many tokens this entry stands for (a summary of many beyond a report's limit). @default 1 */
  count?: number | undefined;
}

/** Several tokens failed at once: every failure with its location; nothing was written. */
export class TokenFailures extends S5Error {
  override name = "TokenFailures";
  readonly failures: readonly TokenFailure[];

  constructor(unsorted: readonly TokenFailure[]) {
    const failures = [...unsorted].sort(
      (a, b) =>
        a.location.file.localeCompare(b.location.file) ||
        a.location.line - b.location.line ||
        a.location.column - b.location.column,
    );
    const first = failures[0]?.error;
    const count = failures.reduce((sum, failure) => sum + (failure.count ?? 1), 0);
    super(
      first?.code ?? "S5_DECRYPT",
      first?.exitCode ?? ExitCode.decrypt,
      count === 1 ? "1 token failed" : `${count} tokens failed`,
      { hint: first?.hint, location: failures[0]?.location },
    );
    this.failures = failures;
  }

  override describe(): string {
    // The same cause (one missing key) is shown once, with how many tokens it stopped.
    const groups = new Map<S5Error, { locations: Location[]; count: number }>();
    for (const { error, location, count = 1 } of this.failures) {
      const group = groups.get(error);
      if (group) {
        group.locations.push(location);
        group.count += count;
      } else groups.set(error, { locations: [location], count });
    }
    const lines: string[] = [];
    const shown = [...groups].slice(0, 50);
    for (const [error, { locations, count }] of shown) {
      const more = count > 1 ? ` (and ${count - 1} more tokens)` : "";
      lines.push(`  ${formatLocation(locations[0]!)}: ${error.message} (${error.code})${more}`);
    }
    if (groups.size > 50) {
      const rest = [...groups.values()].slice(50).reduce((sum, group) => sum + group.count, 0);
      lines.push(`  … and ${rest} more tokens`);
    }
    const hints = [...new Set(shown.map(([error]) => error.hint).filter(Boolean))];
    const hintText = hints.map((hint) => `\n  hint: ${hint}`).join("");
    return `${this.message}; nothing was written:\n${lines.join("\n")}${hintText}`;
  }
}

/**
 * `file:line:col`, as editors and CI annotations read it. A file name's control, bidirectional and
 * invisible characters are escaped (`\u000a`): a name with a newline could forge a line of the
 * report, one with a right-to-left override show another name.
 */
export function formatLocation(location: Location): string {
  return `${showable(location.file)}:${location.line}:${location.column}`;
}

/**
 * Where an unexpected error came from, for `S5_DEBUG`: its class and stack frames, without its
 * message and causes, which may quote data (a parser's error can hold the text it read).
 */
export function stackFrames(error: unknown): string {
  if (!(error instanceof Error)) return `thrown: ${typeof error}`;
  const frames = (error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
  return [`${error.name} (message not shown)`, ...frames].join("\n");
}

/** Turns anything thrown into an {@link S5Error}, without copying unknown messages that may hold data. */
export function toS5Error(error: unknown): S5Error {
  if (error instanceof S5Error) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT" || code === "EACCES" || code === "EISDIR" || code === "EPERM") {
    const path = (error as { path?: string }).path ?? "";
    return new IoError("S5_INPUT", `cannot access ${path}: ${String(code)}`, {
      cause: error,
      hint: metHint(code),
    });
  }
  return new S5Error("S5_INTERNAL", ExitCode.internal, "unexpected internal error", {
    cause: error,
    hint: "run again with S5_DEBUG=1 to see the stack trace, and report it",
  });
}
