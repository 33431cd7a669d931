/**
 * Parts of a decrypted module's values in a frame line that `frame.ts` could not draw again: a
 * plugin between s5 and the one that failed reprinted the module (Vite's TypeScript transform drops
 * `: string` and changes quotes), so the line is no line of the decrypted module any more. Rolldown
 * then cuts it at 120 columns with `...`, and the few characters of a value left before the cut are
 * no form the redactor finds (it takes cut pieces from 8 characters on, `redact.ts`). Only frame
 * lines of an error about the module are looked at, and only for that module's values, so any
 * length counts here:
 * - a line cut at its end: the piece before the ellipsis that starts a form, from a character that
 *   is no letter or digit (`= "S3...`: `S3`, never the `s` of `class...`), if it holds one; a JS
 *   escape (`"a\nS3...`) counts as such a character. A piece that starts inside a word (after a
 *   letter or digit: a prefix in the string, `"v2xY9q...`) counts from `INSIDE` characters on, so
 *   that a word's last letters that happen to start a value are left (`classS3...`);
 * - a line cut at its start: the piece after it that ends a form, up to such a character or an
 *   escape, or from `INSIDE` characters on up to a letter or digit (`...m7AbQabc"`);
 * - a line cut on both sides: the whole piece, if it lies inside a form;
 * - a string literal whose whole content is a form of a value of 1–3 characters (a reprinted line
 *   shown whole; such a value is no form the redactor looks for), in any line of the error: a loader
 *   may quote the reprinted line in its message (`no-restricted-syntax: export var pin = 'Zq7';`).
 */
import { formsOf } from "./leaks.ts";
import { HIDDEN } from "./redact.ts";

/** What a cut piece is looked up in: made on the first line cut by an ellipsis. */
interface Cuts {
  /** Sorted: a piece starts a form if the first form not below it starts with it. */
  starts: string[];
  /** Every form written backwards, sorted: the same test for a piece that ends a form. */
  ends: string[];
  /** Every form, NUL-separated: a piece cut on both sides is looked for in it. */
  joined: string;
  longest: number;
}

export interface Forms {
  /**
   * The forms under 4 characters (of values under 4): longer ones are the redactor's, which runs
   * next. Cheap to make, unlike `cuts` (a module with 20,000 values has ~600,000 forms).
   */
  short: Set<string>;
  cuts(): Cuts;
}

const backwards = (text: string) => [...text].reverse().join("");

export function formIndex(values: readonly string[]): Forms {
  const short = new Set<string>();
  for (const value of values) {
    if (value.length < 4) for (const form of formsOf(value)) if (form.length < 4) short.add(form);
  }
  let cuts: Cuts | undefined;
  return {
    short,
    cuts() {
      if (cuts) return cuts;
      const all = new Set<string>();
      for (const value of values) for (const form of formsOf(value)) if (form) all.add(form);
      const starts = [...all].sort();
      const longest = starts.reduce((most, form) => Math.max(most, form.length), 0);
      cuts = { starts, ends: starts.map(backwards).sort(), joined: starts.join("\0"), longest };
      return cuts;
    },
  };
}

/** Whether some form of the sorted list starts with `piece` (a binary search, then one test). */
function startsOne(sorted: readonly string[], piece: string): boolean {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < piece) low = middle + 1;
    else high = middle;
  }
  return sorted[low]?.startsWith(piece) ?? false;
}

/** A letter or digit. A cut piece without one (`=`, `",`) is left: it ends a base64 form, say. */
const WORD = /[\p{L}\p{N}]/u;
const bounded = (text: string, at: number) => at < 0 || at >= text.length || !WORD.test(text[at]!);
/** A JS escape that ends the text (`\n`, `\xNN`, `\uNNNN`, `\u{…}`): its letters are no word's. */
const ESCAPE_END = /\\(?:[bfnrtv0]|x[\da-fA-F]{2}|u[\da-fA-F]{4}|u\{[\da-fA-F]{1,6}\})$/;
const escapeBefore = (text: string, at: number) =>
  ESCAPE_END.test(text.slice(Math.max(0, at - 10), at));
/**
 * How long a piece that starts or ends inside a word must be: shorter ones are left. Three letters
 * are still ordinary code that a value happens to end with (`...XYZa = 1;`, a value ending `XYZ`);
 * from 8 on, the redactor finds a cut piece anywhere.
 */
const INSIDE = 4;
const LEAD = /^(\s*)(\.\.\.|…)/;
const TRAIL = /(\.\.\.|…)(\s*)$/;
const QUOTED = /(["'`])((?:\\.|(?!\1)[^\\])*)\1/g;

/** `text` (a frame line's text, gutter left out) with every piece of a value hidden. */
export function hidePieces(text: string, forms: Forms): string {
  const lead = LEAD.exec(text);
  const trail = TRAIL.exec(text);
  const first = lead ? lead[0].length : 0;
  const last = trail ? trail.index : text.length;
  if (first >= last) return text;
  if (!lead && !trail) return hideQuoted(text, forms);
  const cuts = forms.cuts();
  if (lead && trail && cuts.joined.includes(text.slice(first, last))) {
    return text.slice(0, first) + HIDDEN + text.slice(last);
  }
  let from = first;
  let to = last;
  let head = "";
  let tail = "";
  if (trail) {
    // The longest piece before the cut that starts a form: bounded, or long enough inside a word.
    for (let at = Math.max(from, to - cuts.longest); at < to; at++) {
      const piece = text.slice(at, to);
      const edge = bounded(text, at - 1) || escapeBefore(text, at);
      if ((edge || piece.length >= INSIDE) && WORD.test(piece) && startsOne(cuts.starts, piece)) {
        tail = HIDDEN;
        to = at;
        break;
      }
    }
  }
  if (lead) {
    // The longest piece after the cut that ends a form: bounded, or long enough inside a word.
    for (let at = Math.min(to, from + cuts.longest); at > from; at--) {
      const piece = text.slice(from, at);
      const edge = bounded(text, at) || escapeBefore(text, at);
      if (
        (edge || piece.length >= INSIDE) &&
        WORD.test(piece) &&
        startsOne(cuts.ends, backwards(piece))
      ) {
        head = HIDDEN;
        from = at;
        break;
      }
    }
  }
  const middle = hideQuoted(text.slice(from, to), forms);
  return text.slice(0, first) + head + middle + tail + text.slice(last);
}

/** `text` with every string literal whose content is a whole form hidden (any line of the error). */
export function hideQuoted(text: string, forms: Forms): string {
  if (forms.short.size === 0 || !/["'`]/.test(text)) return text;
  return text.replace(QUOTED, (literal, quote: string, content: string) =>
    forms.short.has(content) ? `${quote}${HIDDEN}${quote}` : literal,
  );
}
