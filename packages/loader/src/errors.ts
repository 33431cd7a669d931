/** The loader's one error: which variables could not be decrypted, where they come from, and why. */
import { type ExitCodeValue, S5Error, toS5Error } from "@s5/core";
import type { SerializedError } from "./decrypt.ts";
import type { Origin } from "./files.ts";

/** A variable that stopped the start, with where its value came from. Never holds the value. */
export interface FailedVariable {
  name: string;
  /** `.env:3`, `process.env`, or `given value` (decrypt()). */
  where: string;
  code: string;
  message: string;
}

export function describeOrigin(origin: Origin | undefined, lineInValue = 1): string {
  // No origin: a key of an object given to decrypt().
  if (!origin) return "given value";
  if (!origin.file) return "process.env";
  if (origin.line === undefined) return origin.file;
  return `${origin.file}:${origin.line + lineInValue - 1}`;
}

const MAX_NAMES = 10;

/**
 * Thrown by `config()`, `load()` and `decrypt()` when any token cannot be decrypted; nothing was
 * written to the environment. `describe()` lists the variables, grouped by reason.
 */
export class LoaderError extends S5Error {
  override name = "LoaderError";
  readonly variables: readonly FailedVariable[];
  readonly #hints: readonly string[];

  constructor(error: SerializedError, origins: ReadonlyMap<string, Origin>) {
    // In the order of the .env files (core sorts by name).
    const order = [...origins.keys()];
    const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
    const failures = [...(error.failures ?? [])].sort((a, b) => rank(a.name) - rank(b.name));
    const variables: FailedVariable[] = failures.map((failure) => ({
      name: failure.name,
      where: describeOrigin(origins.get(failure.name), failure.line),
      code: failure.code,
      message: failure.message,
    }));
    const names = new Set(variables.map((variable) => variable.name));
    const message =
      variables.length > 0
        ? names.size === 1
          ? `the variable ${[...names][0]} could not be decrypted`
          : `${names.size} variables could not be decrypted`
        : `the environment could not be decrypted: ${error.message}`;
    super(error.code, error.exitCode as ExitCodeValue, message, { hint: error.hint });
    this.variables = variables;
    const hints = (error.failures ?? []).map((failure) => failure.hint).filter(Boolean);
    this.#hints = [...new Set(hints.length > 0 ? hints : [error.hint])].filter(
      (hint): hint is string => typeof hint === "string",
    );
  }

  override describe(): string {
    const groups = new Map<string, FailedVariable[]>();
    for (const variable of this.variables) {
      const key = `${variable.message} (${variable.code})`;
      groups.set(key, [...(groups.get(key) ?? []), variable]);
    }
    const lines = [...groups].map(([reason, list]) => {
      const shown = list.slice(0, MAX_NAMES).map((item) => `${item.name} (${item.where})`);
      const more = list.length > MAX_NAMES ? `, and ${list.length - MAX_NAMES} more` : "";
      return `  ${shown.join(", ")}${more}: ${reason}`;
    });
    const head = this.variables.length > 0 ? this.message : `${this.message} (${this.code})`;
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
