/**
 * The lines of a code frame that quote a decrypted module, drawn again from the module's source as
 * s5 received it (tokens, no plaintexts). Every bundler draws its frame in its own layout (Rollup
 * `1: `, Vite `1  |  `, webpack and Babel `> 1 | ` inside the error's `message`, Rspack and
 * esbuild `1 │ `) and may cut a long line (`…`, `...`), so a cut value matches no whole form for
 * the redactor to find. A frame line is recognised by what it shows, not by its number: its text
 * must be a line of the decrypted module that holds a value (whole, or its start, end or middle
 * where the bundler cut it) and show part of the value. That line is replaced by the source line,
 * and the caret under it (its column is the decrypted line's) is dropped. Line numbers are never
 * used: a plugin before s5, or after it, that adds lines (a banner, a directive) made a frame
 * drawn by number quote the wrong line. A frame line that is no line of the decrypted module (a
 * plugin between s5 and the failing one reprinted it) keeps its text, with the pieces of the
 * module's values in it hidden (`frame-pieces.ts`).
 */
import { type Forms, formIndex, hidePieces, hideQuoted } from "./frame-pieces.ts";

/** A line of a decrypted module that holds a value: `[start, end)` covers the values. */
interface ValueLine {
  text: string;
  start: number;
  end: number;
  /** The same line as s5 received it; none when a value spans lines (no line pairs up). */
  original: string | undefined;
}

export interface Source {
  lines: ValueLine[];
  /** The module's plaintexts: pieces of them in lines that are not redrawn (`frame-pieces.ts`). */
  values: readonly string[];
  /** Their forms, made on the first error about the module (a build without one needs none). */
  forms?: Forms;
}

/** The sources of several modules (an error that wraps errors about more than one) as one. */
export function joinSources(sources: readonly Source[]): Source {
  if (sources.length === 1) return sources[0]!;
  return {
    lines: sources.flatMap((source) => source.lines),
    values: sources.flatMap((source) => source.values),
  };
}

const MAX_LINE = 120;
/** `12 | `, `> 12 | `, `12: `, `  12 │ `: a frame line's number and gutter, and its text. */
const FRAME_LINE = /^(.*?(?:^|[\s>])\d+ *(?:[|│]|:) ?)(.*)$/;
/** A line of carets or underlines under a frame line (webpack/Vite `^`, Rspack `─`, esbuild `~`). */
const CARET_LINE = /^[\s|│·╵>]*[\^─~┬]+[\s^─~┬]*$/;
const COLOUR = /\x1b\[[0-9;]*m/g;
/** The line ends `.` does not cross, kept (odd entries of a split). */
const BREAK = /(\r\n?|\u2028|\u2029)/;

const withTabs = (line: string) => line.replace(/\t/g, "  ");

/** The part of `decrypted` that differs from `original` (common start and end left out). */
function valueLine(decrypted: string, original: string): ValueLine {
  let start = 0;
  while (start < decrypted.length && decrypted[start] === original[start]) start++;
  let end = decrypted.length;
  let other = original.length;
  while (end > start && other > 0 && decrypted[end - 1] === original[other - 1]) {
    end--;
    other--;
  }
  return { text: decrypted, start, end, original };
}

/**
 * What ends a line for a JavaScript parser, and so for the frames of Vite, esbuild, webpack and
 * Babel: a lone CR too (a classic-Mac module, or a value holding one written as it is with `| raw`).
 * Split on LF alone, such a module was one line no frame line matched, and a value's lines paired
 * with the source's by count quoted its middle lines.
 */
const LINE_END = /\r\n?|\n|\u2028|\u2029/;

export function sourceOf(original: string, decrypted: string, values: readonly string[]): Source {
  const before = original.split(LINE_END);
  const after = decrypted.split(LINE_END);
  const lines: ValueLine[] = [];
  if (before.length === after.length) {
    for (let i = 0; i < after.length; i++) {
      if (after[i] === before[i]) continue;
      lines.push(valueLine(after[i]!, before[i]!));
      // Rollup draws a tab as two spaces.
      if (after[i]!.includes("\t"))
        lines.push(valueLine(withTabs(after[i]!), withTabs(before[i]!)));
    }
  } else {
    const kept = new Set(before);
    for (const line of after) {
      if (!kept.has(line))
        lines.push({ text: line, start: 0, end: line.length, original: undefined });
    }
  }
  return { lines, values };
}

/** `text` with its ellipses taken off: whether each end was cut. */
function cutEnds(text: string): { piece: string; head: boolean; tail: boolean } {
  let piece = text.trim();
  const head = piece.startsWith("…") || piece.startsWith("...");
  if (head) piece = piece.slice(piece.startsWith("…") ? 1 : 3);
  const tail = piece.endsWith("…") || piece.endsWith("...");
  if (tail) piece = piece.slice(0, piece.length - (piece.endsWith("…") ? 1 : 3));
  return { piece, head, tail };
}

/** The value line a frame line's text shows part of a value of, if any. */
function shownLine(lines: readonly ValueLine[], text: string): ValueLine | undefined {
  const { piece, head, tail } = cutEnds(text);
  if (piece.length === 0) return undefined;
  for (const line of lines) {
    // Where the piece may sit: the whole line (indent aside), its start, its end, or anywhere.
    const indent = line.text.length - line.text.trimStart().length;
    const trimmedEnd = line.text.trimEnd().length;
    for (let at = line.text.indexOf(piece); at !== -1; at = line.text.indexOf(piece, at + 1)) {
      const fits = (head || at === indent) && (tail || at + piece.length === trimmedEnd);
      if (fits && at < line.end && at + piece.length > line.start) return line;
    }
  }
  return undefined;
}

/** One line of the module as a frame shows it (gutter left out): redrawn, or its pieces hidden. */
function redrawText(text: string, source: Source): string {
  const line = shownLine(source.lines, text);
  if (!line) {
    source.forms ??= formIndex(source.values);
    return hidePieces(text, source.forms);
  }
  return /^\s*/.exec(text)![0] + shownOriginal(line);
}

function shownOriginal(line: ValueLine): string {
  const original = line.original?.trimStart();
  return original === undefined
    ? "[s5: value hidden] (a line of the module with decrypted values)"
    : original.length > MAX_LINE
      ? `${original.slice(0, MAX_LINE - 1)}…`
      : original;
}

/**
 * `text` (a frame, an error message holding one) with every frame line that shows a value redrawn,
 * and the module's values hidden in the lines that cannot be (`frame-pieces.ts`).
 */
export function redrawFrame(text: string, source: Source): string {
  if (source.values.length === 0) return text;
  const out: string[] = [];
  let dropCaret = false;
  for (const raw of text.split("\n")) {
    const plain = raw.includes("\x1b") ? raw.replace(COLOUR, "") : raw;
    if (dropCaret && CARET_LINE.test(plain)) {
      dropCaret = false;
      continue;
    }
    dropCaret = false;
    // Rollup ends a frame's lines at LF only: a CRLF module's lines keep their CR, a lone-CR
    // module's line holds the module's other lines. `.` stops at a CR: each piece is its own line.
    const [first, ...more] = plain.split(BREAK);
    if (more.length > 0) {
      const match = FRAME_LINE.exec(first!);
      const pieces = [match ? match[2]! : first!, ...more].map((piece, i) =>
        i % 2 === 1 ? piece : redrawText(piece, source),
      );
      const text = pieces.join("");
      out.push((match ? match[1]! : "") + text);
      dropCaret = match !== null && text !== plain.slice(match[1]!.length);
      continue;
    }
    const match = FRAME_LINE.exec(plain);
    if (!match) {
      source.forms ??= formIndex(source.values);
      const hidden = hideQuoted(plain, source.forms);
      out.push(hidden === plain ? raw : hidden);
      continue;
    }
    const line = shownLine(source.lines, match[2]!);
    if (!line) {
      // A line of the module as a plugin after s5 reprinted it, or of a line without values.
      source.forms ??= formIndex(source.values);
      const hidden = hidePieces(match[2]!, source.forms);
      out.push(hidden === match[2] ? raw : `${match[1]}${hidden}`);
      continue;
    }
    // The frame's own indent (the gutter's spaces, the line's): the original's is trimmed.
    out.push(`${match[1]}${/^\s*/.exec(match[2]!)![0]}${shownOriginal(line)}`);
    dropCaret = true;
  }
  return out.join("\n");
}
