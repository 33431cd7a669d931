/**
 * Errors raised after our transform (a later plugin, the bundler's parser) quote the module as we
 * left it: a code frame, Vite's `pluginCode`, a message. This replaces every form of every
 * plaintext this plugin instance wrote with a marker, in place, before the bundler prints the
 * error or sends it to a browser.
 */
import { formsOf } from "./leaks.ts";

/** What a plaintext becomes in an error. */
export const HIDDEN = "[s5: value hidden]";

/**
 * Shorter forms are left alone: a two-letter value would blank out unrelated words of every
 * message. The syntax check (`syntax-check.ts`) keeps such values out of parse errors anyway.
 */
const MIN_FORM = 4;

/** Fields of an error that quote code or wrap another error (not `module`: never mutate that). */
const TEXT_KEYS = [
  "message",
  "frame",
  "pluginCode",
  "stack",
  "details",
  "hint",
  "text",
  "lineText",
];
const NESTED_KEYS = ["cause", "error", "errors", "location", "notes", "loc"];

export type Redactor = ReturnType<typeof createRedactor>;

export function createRedactor() {
  const forms = new Set<string>();
  let pattern: RegExp | undefined;

  /** One pattern for all forms, longest first; a character may be wrapped in colour codes. */
  function compiled(): RegExp | undefined {
    if (forms.size === 0) return undefined;
    pattern ??= new RegExp(
      [...forms]
        .sort((a, b) => b.length - a.length)
        .map((form) =>
          [...form]
            .map((c) => c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&"))
            .join("(?:\\x1b\\[[0-9;]*m)*"),
        )
        .join("|"),
      "g",
    );
    return pattern;
  }

  function text(value: string): string {
    const re = compiled();
    return re ? value.replace(re, HIDDEN) : value;
  }

  /** Returns whether anything was hidden. */
  function redactObject(error: unknown, seen: Set<object>): boolean {
    if (typeof error !== "object" || error === null || seen.has(error)) return false;
    seen.add(error);
    let changed = false;
    if (Array.isArray(error)) {
      for (const item of error) changed = redactObject(item, seen) || changed;
      return changed;
    }
    const record = error as Record<string, unknown>;
    for (const key of TEXT_KEYS) {
      const value = record[key];
      if (typeof value !== "string") continue;
      const hidden = text(value);
      if (hidden === value) continue;
      changed = true;
      try {
        record[key] = hidden;
      } catch {
        // A read-only field: define it over (an own accessor or a frozen object stays as is).
        try {
          Object.defineProperty(record, key, { value: hidden, configurable: true, writable: true });
        } catch {}
      }
    }
    for (const key of NESTED_KEYS) changed = redactObject(record[key], seen) || changed;
    return changed;
  }

  return {
    /** Remembers the plaintexts written into a module. */
    add(values: readonly string[]): void {
      for (const value of values) {
        for (const form of formsOf(value)) {
          if (form.length >= MIN_FORM && !forms.has(form)) {
            forms.add(form);
            pattern = undefined;
          }
        }
      }
    },
    text,
    /** Hides every plaintext in an error (and the errors it wraps), in place; true if any. */
    error(error: unknown): boolean {
      return forms.size > 0 && redactObject(error, new Set());
    },
  };
}

/** The errors and warnings of a webpack/Rspack compilation and of its child compilations. */
export interface CompilationMessages {
  errors: unknown[];
  warnings: unknown[];
  children?: CompilationMessages[];
}

/** Hides the plaintexts in every error and warning of a compilation and its children. */
export function redactCompilation(
  compilation: CompilationMessages,
  redact: (error: unknown) => boolean,
): void {
  for (const list of [compilation.errors, compilation.warnings]) {
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      // Rspack hands out a fresh copy of a diagnostic on each read, tied to its Rust original
      // (which it would print again): write a plain copy of the redacted one back.
      if (redact(item) && list[i] !== item) list[i] = plainCopy(item as Record<string, unknown>);
    }
  }
  for (const child of compilation.children ?? []) redactCompilation(child, redact);
}

function plainCopy(error: Record<string, unknown>): Error {
  const copy = new Error(String(error.message)) as Error & Record<string, unknown>;
  for (const key of ["name", "details", "module", "file", "loc", "hideStack", "stack"]) {
    if (error[key] !== undefined) copy[key] = error[key];
  }
  return copy;
}
