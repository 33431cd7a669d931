/**
 * The lines of an HCL file, read once for all its heredocs. Each heredoc used to read its body to
 * find its closing line and keep a list of its lines: heredocs nested through interpolations
 * (`<<E0` … `${<<E1` … `${<<E2` …) made that depth × size, and a 5 MB file ran out of a 4 GB heap.
 * Here every line is trimmed once, the lines that could close a heredoc are kept by marker, and the
 * least `<<-` indentation of any run of lines is answered from a tree of minima.
 */
import { firstAfter } from "../location.ts";
import { goIndent, goTrim, unicodeText } from "./unicode.ts";

const MARKER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The end of the line's text starting at `at`, before its `\r\n` or `\n`. */
export function lineTextEnd(text: string, at: number): number {
  let end = text.indexOf("\n", at);
  if (end === -1) return text.length;
  if (end > at && text.charCodeAt(end - 1) === 0x0d) end--;
  return end;
}

export class HclLines {
  readonly #text: string;
  /** The offset each line starts at (after a `\n`). */
  readonly #starts: number[] = [0];
  /** For each text a line trims to that could be a marker, the indexes of those lines in order. */
  readonly #closers = new Map<string, number[]>();
  /** A tree of minima over each line's `<<-` indentation (a blank line: none), built when asked. */
  #tree: Float64Array | undefined;

  constructor(text: string) {
    this.#text = text;
    for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) {
      this.#starts.push(at + 1);
    }
    // A text ending in `\n` has no line after it (as the scanner reads it).
    if (this.#starts.length > 1 && this.#starts.at(-1) === text.length) this.#starts.pop();
    for (let line = 0; line < this.#starts.length; line++) {
      const trimmed = goTrim(unicodeText(this.#lineText(line)));
      if (!MARKER.test(trimmed)) continue;
      const list = this.#closers.get(trimmed);
      if (list) list.push(line);
      else this.#closers.set(trimmed, [line]);
    }
  }

  #lineText(line: number): string {
    const start = this.#starts[line]!;
    return this.#text.slice(start, lineTextEnd(this.#text, start));
  }

  /** The offset line `line` starts at (the text's length past the last). */
  start(line: number): number {
    return this.#starts[line] ?? this.#text.length;
  }

  /** The index of the line holding `offset` (a `\n` belongs to the line it ends). */
  lineOf(offset: number): number {
    return firstAfter(this.#starts, offset) - 1;
  }

  /** The first line from `from` on whose text is `marker` once trimmed, as the scanner ends one. */
  closing(marker: string, from: number): number | undefined {
    const list = this.#closers.get(marker);
    if (!list) return undefined;
    return list[firstAfter(list, from - 1)];
  }

  /** The least indentation of lines `[from, to)`, blank lines not counted (Infinity: none). */
  leastIndent(from: number, to: number): number {
    const count = this.#starts.length;
    this.#tree ??= this.#buildTree();
    const tree = this.#tree;
    let least = Infinity;
    for (let low = from + count, high = to + count; low < high; low >>= 1, high >>= 1) {
      if (low & 1) least = Math.min(least, tree[low++]!);
      if (high & 1) least = Math.min(least, tree[--high]!);
    }
    return least;
  }

  #buildTree(): Float64Array {
    const count = this.#starts.length;
    const tree = new Float64Array(2 * count).fill(Infinity);
    for (let line = 0; line < count; line++) {
      const text = unicodeText(this.#lineText(line));
      const indent = goIndent(text);
      tree[count + line] = indent === text.length ? Infinity : indent;
    }
    for (let node = count - 1; node > 0; node--) {
      tree[node] = Math.min(tree[2 * node]!, tree[2 * node + 1]!);
    }
    return tree;
  }
}
