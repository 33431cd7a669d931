/**
 * Errors raised after our transform (a later plugin, the bundler's parser) quote the module as we
 * left it: a code frame, Vite's `pluginCode`, a message. This replaces every form of every
 * plaintext this plugin instance wrote with a marker, in place, before the bundler prints the
 * error or sends it to a browser.
 *
 * Colour codes are taken out of a text before it is searched (Vite colours a frame one character
 * at a time) and put back after each marker. The search is literal (`search.ts`): a regular
 * expression made of the values overflowed V8 on a long value, and its `SyntaxError` quoted them.
 */
import { formsOf } from "./leaks.ts";
import { MIN_CUT, type MultiSearch, multiSearch, type Range } from "./search.ts";

/** What a plaintext becomes in an error. */
export const HIDDEN = "[s5: value hidden]";

/** What a whole field becomes if it could not be searched (it is never shown unsearched). */
export const UNCHECKED = `${HIDDEN} (this text could not be searched for decrypted values)`;

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

const COLOUR = /\x1b\[[0-9;]*m/g;

interface Plain {
  text: string;
  /** Index in the original text of each character of `text`; none when there were no codes. */
  origin?: Int32Array;
}

function withoutColours(value: string): Plain {
  if (!value.includes("\x1b")) return { text: value };
  const origin = new Int32Array(value.length);
  let text = "";
  let from = 0;
  const copy = (to: number) => {
    for (let i = from; i < to; i++) origin[text.length + i - from] = i;
    text += value.slice(from, to);
  };
  for (const match of value.matchAll(COLOUR)) {
    copy(match.index);
    from = match.index + match[0].length;
  }
  copy(value.length);
  return { text, origin };
}

/** Both ends of each range, in the original text; the colour codes inside follow the marker. */
function replaceRanges(value: string, plain: Plain, ranges: readonly Range[]): string {
  let out = "";
  let from = 0;
  for (const [start, end] of ranges) {
    const first = plain.origin ? plain.origin[start]! : start;
    const last = plain.origin ? plain.origin[end - 1]! + 1 : end;
    const colours = plain.origin ? (value.slice(first, last).match(COLOUR) ?? []).join("") : "";
    out += value.slice(from, first) + HIDDEN + colours;
    from = last;
  }
  return out + value.slice(from);
}

/** Merges two sorted lists of ranges. */
function union(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const range of [...a, ...b].sort((x, y) => x[0] - y[0])) {
    const last = out.at(-1);
    if (last && range[0] < last[1]) last[1] = Math.max(last[1], range[1]);
    else out.push([range[0], range[1]]);
  }
  return out;
}

const reversed = (text: string) => {
  let out = "";
  for (let i = text.length - 1; i >= 0; i--) out += text[i];
  return out;
};

const ELLIPSIS = /\u2026|\.\.\./g;

/**
 * Pieces of a line cut on both sides (`...piece...`, Vite's frame around a column in a long
 * value) of `MIN_CUT` characters or more that are part of a form. Shorter pieces are left: a piece
 * of 4–7 characters between two ellipses is as often ordinary text (`...) as...`, `…node_modules…`)
 * as a part of a value, and would blank it out wherever a value holds it. A line of a decrypted
 * module's own frame is redrawn whatever its length (`frame.ts`). One `includes` per piece over
 * every form: ~1 ms for 2,000 values' forms, and only for texts with two ellipses on a line.
 */
function middles(text: string, joined: string): Range[] {
  const out: Range[] = [];
  let previous: number | undefined;
  for (const match of text.matchAll(ELLIPSIS)) {
    const start = match.index;
    if (previous !== undefined && start - previous >= MIN_CUT) {
      const piece = text.slice(previous, start);
      if (!piece.includes("\n") && !piece.includes("\0") && joined.includes(piece)) {
        out.push([previous, start]);
      }
    }
    previous = start + match[0].length;
  }
  return out;
}

export type Redactor = ReturnType<typeof createRedactor>;

export function createRedactor() {
  const forms = new Set<string>();
  /**
   * Values added since the forms were last worked out: their forms are computed when an error
   * is first searched (~20 µs a value, so ~2 ms of every build with 100 tokens and no error).
   */
  const pending: string[] = [];
  /** Every value added, once: a watch build transforms the same module again and again. */
  const added = new Set<string>();
  let search: MultiSearch | undefined;
  /** The forms written backwards: the end of a value after a frame's leading ellipsis. */
  let backwards: MultiSearch | undefined;
  /** Every form, NUL-separated: a piece cut on both sides is looked for in it (`middles`). */
  let joined: string | undefined;

  /** A value leaves the list only once its forms are in (a throw leaves it for the next search). */
  function takePending(): void {
    while (pending.length > 0) {
      for (const form of formsOf(pending.at(-1)!)) {
        if (form.length >= MIN_FORM && !forms.has(form)) {
          forms.add(form);
          search = undefined;
          backwards = undefined;
          joined = undefined;
        }
      }
      pending.pop();
    }
  }

  function redact(value: string): string {
    const plain = withoutColours(value);
    search ??= multiSearch(forms);
    let ranges = search.covered(plain.text, true);
    if (plain.text.includes("\u2026") || plain.text.includes("...")) {
      backwards ??= multiSearch([...forms].map(reversed));
      const length = plain.text.length;
      const tails = backwards
        .covered(reversed(plain.text), true)
        .map(([start, end]): Range => [length - end, length - start])
        .reverse();
      ranges = union(ranges, tails);
      joined ??= [...forms].join("\0");
      ranges = union(ranges, middles(plain.text, joined));
    }
    return ranges.length === 0 ? value : replaceRanges(value, plain, ranges);
  }

  /** `value` with every form hidden; the whole of it hidden if that fails (never a new error). */
  function text(value: string): string {
    if (forms.size === 0 && pending.length === 0) return value;
    try {
      takePending();
      return forms.size === 0 ? value : redact(value);
    } catch {
      return UNCHECKED;
    }
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
      let value: unknown;
      try {
        value = record[key];
      } catch {
        continue;
      }
      if (typeof value !== "string") continue;
      const hidden = text(value);
      if (hidden === value) continue;
      changed = true;
      setField(record, key, hidden);
    }
    for (const key of NESTED_KEYS) {
      try {
        changed = redactObject(record[key], seen) || changed;
      } catch {}
    }
    return changed;
  }

  return {
    /** Remembers the plaintexts written into a module. */
    add(values: readonly string[]): void {
      for (const value of values) {
        if (added.has(value)) continue;
        added.add(value);
        pending.push(value);
      }
    },
    text,
    /** Hides every plaintext in an error (and the errors it wraps), in place; true if any. */
    error(error: unknown): boolean {
      return (forms.size > 0 || pending.length > 0) && redactObject(error, new Set());
    },
  };
}

/** Sets a field of an error; a read-only one is defined over (a frozen object stays as is). */
export function setField(record: Record<string, unknown>, key: string, value: string): void {
  try {
    record[key] = value;
  } catch {
    try {
      Object.defineProperty(record, key, { value, configurable: true, writable: true });
    } catch {}
  }
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
