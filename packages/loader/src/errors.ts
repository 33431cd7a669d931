/** The loader's one error: which variables could not be decrypted, where they come from, and why. */
import { type ExitCodeValue, S5Error, toS5Error } from "@s5/core";
import { showable } from "@s5/core/internal";
import type { SerializedError, SerializedFailure } from "./decrypt.ts";
import type { Origin } from "./files.ts";

/** A variable that stopped the start, with where its value came from. Never holds the value. */
export interface FailedVariable {
  name: string;
  /** `.env:3:12` (file, line, column), `process.env`, or `given value` (decrypt()). */
  where: string;
  code: string;
  message: string;
}

/**
 * A place in a value (1-based line and column) as a place in its file; the column is undefined
 * when the value's start on its line is not known.
 */
function placeInFile(
  origin: Origin & { line: number },
  lineInValue: number,
  columnInValue: number,
): { line: number; column?: number | undefined } {
  if (origin.inFile) return origin.inFile(lineInValue, columnInValue);
  const line = origin.line + lineInValue - 1;
  if (origin.column === undefined) return { line };
  // On the value's first line the value starts after `NAME=`; on a later one, at the line's start.
  return {
    line,
    column: lineInValue === 1 ? origin.column + columnInValue - 1 : columnInValue,
  };
}

/** `lineInValue` and `columnInValue`: where in the value (1-based), e.g. a token's place. */
export function describeOrigin(
  origin: Origin | undefined,
  lineInValue = 1,
  columnInValue = 1,
): string {
  // No origin: a key of an object given to decrypt().
  if (!origin) return "given value";
  if (!origin.file) return "process.env";
  if (origin.line === undefined) return origin.file;
  const { line, column } = placeInFile(
    { ...origin, line: origin.line },
    lineInValue,
    columnInValue,
  );
  return column === undefined ? `${origin.file}:${line}` : `${origin.file}:${line}:${column}`;
}

const MAX_NAMES = 10;

/** Report order: file by file as they were read, line by line; process.env and the rest after. */
function sortKey(origins: ReadonlyMap<string, Origin>, files: readonly (string | undefined)[]) {
  return (failure: SerializedFailure): [number, number, number] => {
    const origin = origins.get(failure.name);
    const file = origin?.file === undefined ? -1 : files.indexOf(origin.file);
    const place =
      origin?.line === undefined
        ? { line: 0, column: 0 }
        : placeInFile({ ...origin, line: origin.line }, failure.line, failure.column);
    return [file === -1 ? files.length : file, place.line, place.column ?? 0];
  };
}

/**
 * Thrown by `config()`, `load()` and `decrypt()` when any token cannot be decrypted, or a variable
 * cannot be set as read; nothing was written to the environment. `describe()` lists every
 * variable of the start, grouped by reason; the exit code is that of the first one listed (file
 * order), as `s5 render`'s is its first failure's.
 */
export class LoaderError extends S5Error {
  override name = "LoaderError";
  readonly variables: readonly FailedVariable[];
  readonly #hints: readonly string[];
  readonly #general: boolean;

  constructor(error: SerializedError, origins: ReadonlyMap<string, Origin>) {
    const files = [...new Set([...origins.values()].map((origin) => origin.file))].filter(
      (file) => file !== undefined,
    );
    const keyOf = sortKey(origins, files);
    const keyed = [...(error.inputs ?? []), ...(error.failures ?? [])].map(
      (failure) => [keyOf(failure), failure] as const,
    );
    keyed.sort(([a], [b]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    const failures = keyed.map(([, failure]) => failure);
    const variables: FailedVariable[] = failures.map((failure) => ({
      name: failure.name,
      where: describeOrigin(origins.get(failure.name), failure.line, failure.column),
      code: failure.code,
      message: failure.message,
    }));
    // The decryption failed as a whole (settings, an internal error): that is the cause to show.
    const general = error.failures === undefined && error.message !== "";
    const names = new Set(variables.map((variable) => variable.name));
    const verb = (error.inputs ?? []).length > 0 ? "set" : "decrypted";
    const message = general
      ? `the environment could not be decrypted: ${error.message}`
      : names.size === 1
        ? `the variable ${showable([...names][0]!)} could not be ${verb}`
        : `${names.size} variables could not be ${verb}`;
    const first = general ? undefined : failures[0];
    const exitCode = first?.exitCode ?? error.exitCode;
    super(first?.code ?? error.code, exitCode as ExitCodeValue, message, {
      hint: first?.hint ?? error.hint,
    });
    this.variables = variables;
    this.#general = general;
    const hints = failures.map((failure) => failure.hint).filter(Boolean);
    if (general || hints.length === 0) hints.unshift(error.hint);
    this.#hints = [...new Set(hints)].filter((hint): hint is string => typeof hint === "string");
  }

  override describe(): string {
    const groups = new Map<string, FailedVariable[]>();
    for (const variable of this.variables) {
      const key = `${variable.message} (${variable.code})`;
      groups.set(key, [...(groups.get(key) ?? []), variable]);
    }
    const lines = [...groups].map(([reason, list]) => {
      // A name from process.env may hold anything but `=` and NUL: a control would act on the
      // terminal (clear the line, move the cursor) instead of being shown.
      const shown = list
        .slice(0, MAX_NAMES)
        .map((item) => `${showable(item.name)} (${item.where})`);
      const more = list.length > MAX_NAMES ? `, and ${list.length - MAX_NAMES} more` : "";
      return `  ${shown.join(", ")}${more}: ${reason}`;
    });
    const head =
      this.variables.length > 0 && !this.#general ? this.message : `${this.message} (${this.code})`;
    const hints = this.#hints.map((hint) => `\n  hint: ${hint}`).join("");
    return `${head}${lines.length > 0 ? `:\n${lines.join("\n")}` : ""}${hints}`;
  }
}

/**
 * Stops the process before the application runs (`s5/config`, `s5/preload`), naming the
 * variables — never a value.
 */
export function cannotStart(error: unknown): never {
  const failure = toS5Error(error);
  process.stderr.write(`[s5] cannot start: ${failure.describe()}\n`);
  process.exit(failure.exitCode || 1);
}
