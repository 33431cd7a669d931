import type { Location } from "./errors.ts";
import { bytesAsText } from "./scan.ts";

/** Half of V8's longest string (2^29 - 24 characters in Node 24), a margin for other engines. */
export const LONGEST_STRING = 2 ** 28;

/**
 * Turns offsets into 1-based line and column numbers, built lazily and only when a location is
 * needed (errors, `s5 ls`). Columns count Unicode code points of the line, as editors do; a byte
 * source is UTF-8, whose code points are its bytes that do not continue a character.
 *
 * Linear for offsets asked in order, however long the line: the column of the previous offset on
 * the same line is the starting point of the next (a 2 MB one-line JSON file with 16k tokens
 * would otherwise count 16k times from the start of the line).
 */
export class LineIndex {
  readonly file: string;
  /**
   * The text, or bytes viewed as latin1 (offsets stay byte offsets). Bytes past
   * {@link LONGEST_STRING} are kept as a Buffer and searched as such: V8 cannot hold them as one
   * string (`s5 check` of a 600 MB file named by the pre-commit framework stopped with an
   * internal error).
   */
  readonly #text: string | Buffer;
  readonly #bytes: boolean;
  #starts: number[] | undefined;
  /** The last offset located, its line (0-based) and column. */
  #last = { offset: -1, line: -1, column: 1 };

  constructor(file: string, source: string | Uint8Array) {
    this.file = file;
    this.#bytes = typeof source !== "string";
    this.#text =
      typeof source === "string"
        ? source
        : source.length > LONGEST_STRING
          ? Buffer.from(source.buffer, source.byteOffset, source.byteLength)
          : bytesAsText(source);
  }

  locate(offset: number): Location {
    const starts = this.#lineStarts();
    const last = this.#last;
    let line: number;
    let from: number;
    let column: number;
    if (last.line >= 0 && offset >= last.offset && offset < (starts[last.line + 1] ?? Infinity)) {
      line = last.line;
      from = last.offset;
      column = last.column;
    } else {
      line = lineOf(starts, offset);
      from = starts[line]!;
      column = 1;
    }
    column += this.#codePoints(from, offset);
    this.#last = { offset, line, column };
    return { file: this.file, line: line + 1, column };
  }

  /**
   * Lines end at `\n`, `\r\n` and a `\r` alone: a file with classic Mac line ends is read so by
   * YAML, dotenv, VS Code and vim, and was told as one long line (a refusal on its second line
   * said line 1). A byte-order mark opens the first line and is no column, as in an editor.
   */
  #lineStarts(): number[] {
    if (this.#starts) return this.#starts;
    const text = this.#text;
    const starts = [this.#bomLength()];
    let at = text.indexOf("\n");
    while (at !== -1) {
      starts.push(at + 1);
      at = text.indexOf("\n", at + 1);
    }
    let cr = text.indexOf("\r");
    if (cr !== -1) {
      // Merged in order with the `\n` ones: most files have none, and pay one search.
      const merged = [starts[0]!];
      let next = 1;
      while (cr !== -1) {
        if (this.#codeAt(cr + 1) !== 0x0a) {
          while (next < starts.length && starts[next]! <= cr) merged.push(starts[next++]!);
          merged.push(cr + 1);
        }
        cr = text.indexOf("\r", cr + 1);
      }
      while (next < starts.length) merged.push(starts[next++]!);
      this.#starts = merged;
      return merged;
    }
    this.#starts = starts;
    return starts;
  }

  #codeAt(at: number): number | undefined {
    const text = this.#text;
    return typeof text === "string" ? text.charCodeAt(at) : text[at];
  }

  /** The first line's byte-order mark: U+FEFF, or its 3 UTF-8 bytes in a byte source. */
  #bomLength(): number {
    if (this.#codeAt(0) === 0xfeff) return 1;
    const bytes = this.#codeAt(0) === 0xef && this.#codeAt(1) === 0xbb && this.#codeAt(2) === 0xbf;
    return this.#bytes && bytes ? 3 : 0;
  }

  /** Code points in `[from, to)`: UTF-8 lead bytes, or UTF-16 units that are not low surrogates. */
  #codePoints(from: number, to: number): number {
    const text = this.#text;
    let count = 0;
    if (typeof text !== "string") {
      for (let i = from; i < to; i++) if ((text[i]! & 0xc0) !== 0x80) count++;
    } else if (this.#bytes) {
      for (let i = from; i < to; i++) if ((text.charCodeAt(i) & 0xc0) !== 0x80) count++;
    } else {
      for (let i = from; i < to; i++) {
        const code = text.charCodeAt(i);
        if (code < 0xdc00 || code > 0xdfff) count++;
      }
    }
    return count;
  }
}

/** The 0-based line holding `offset` (line starts begin with 0). */
function lineOf(starts: readonly number[], offset: number): number {
  return Math.max(0, firstAfter(starts, offset) - 1);
}

export /** The index of the first of the sorted `values` greater than `at` (or their count). */
function firstAfter(values: readonly number[], at: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! <= at) low = middle + 1;
    else high = middle;
  }
  return low;
}
