import type { Location } from "./errors.ts";
import { bytesAsText } from "./scan.ts";

/**
 * Turns offsets into 1-based line and column numbers, built lazily and only when a location is
 * needed (errors, `s5 ls`). Columns count Unicode code points of the line, as editors do; for byte
 * sources the line is read as UTF-8 first.
 */
export class LineIndex {
  readonly file: string;
  readonly #text: string;
  readonly #bytes: Uint8Array | undefined;
  #starts: number[] | undefined;

  constructor(file: string, source: string | Uint8Array) {
    this.file = file;
    if (typeof source === "string") {
      this.#text = source;
    } else {
      this.#text = bytesAsText(source);
      this.#bytes = source;
    }
  }

  locate(offset: number): Location {
    const starts = this.#lineStarts();
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    const lineStart = starts[low]!;
    return { file: this.file, line: low + 1, column: this.#columnOf(lineStart, offset) };
  }

  #lineStarts(): number[] {
    if (this.#starts) return this.#starts;
    const starts = [0];
    let at = this.#text.indexOf("\n");
    while (at !== -1) {
      starts.push(at + 1);
      at = this.#text.indexOf("\n", at + 1);
    }
    this.#starts = starts;
    return starts;
  }

  #columnOf(lineStart: number, offset: number): number {
    const prefix = this.#bytes
      ? Buffer.from(this.#bytes.subarray(lineStart, offset)).toString("utf8")
      : this.#text.slice(lineStart, offset);
    let count = 0;
    for (const _ of prefix) count++;
    return count + 1;
  }
}
