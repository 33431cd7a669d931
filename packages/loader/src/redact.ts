/**
 * Replaces secrets in a stream of output chunks, also when a secret is split across chunks: only
 * the end of a chunk that could be the start of a secret is held back until the next chunk (at
 * most the longest secret's length − 1 bytes), so ordinary output is never delayed.
 */

import { MIN_REDACTED_LENGTH } from "@s5/core/internal";

/** Secrets shorter than this are not replaced: `1` or `on` would mangle every line of output. */
export { MIN_REDACTED_LENGTH };

export interface RedactorOptions {
  /** @default "[REDACTED]" */
  replacement?: string | undefined;
}

/**
 * A secret as a program may print it: itself, and inside a JSON string (a structured logger's
 * `JSON.stringify`: a newline as `\n`, a quote as `\"`), also with every non-ASCII character as
 * `\uXXXX` (Python's `json.dumps`). Other encodings (base64, URL) are not covered.
 */
function escapedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const ascii = json.replace(
    /[^\x00-\x7f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return [...new Set([secret, json, ascii])];
}

export class Redactor {
  readonly #needles: Buffer[];
  readonly #replacement: Buffer;
  #pending: Buffer = Buffer.alloc(0);

  /**
   * @example
   * const redactor = new Redactor(["hunter2"]);
   * process.stdout.write(redactor.push(chunk)); // … then redactor.end() when the stream ends
   */
  constructor(secrets: Iterable<string>, options: RedactorOptions = {}) {
    const unique = new Set(
      [...secrets].filter((secret) => secret.length >= MIN_REDACTED_LENGTH).flatMap(escapedForms),
    );
    this.#needles = [...unique]
      .map((secret) => Buffer.from(secret, "utf8"))
      .sort((a, b) => b.length - a.length);
    this.#replacement = Buffer.from(options.replacement ?? "[REDACTED]", "utf8");
  }

  /** Whether there is anything to redact at all. */
  get active(): boolean {
    return this.#needles.length > 0;
  }

  /** The part of the output that is safe to write now. */
  push(chunk: Uint8Array): Buffer {
    if (!this.active) return Buffer.from(chunk);
    const data =
      this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : Buffer.from(chunk);
    const { out, rest } = this.#scan(data, false);
    this.#pending = rest;
    return out;
  }

  /** Everything still held back, redacted; call once when the stream ends. */
  end(): Buffer {
    const { out } = this.#scan(this.#pending, true);
    this.#pending = Buffer.alloc(0);
    return out;
  }

  /** Could a secret start at `at` and end beyond the data seen so far? */
  #couldContinue(data: Buffer, at: number): boolean {
    const tail = data.subarray(at);
    return this.#needles.some(
      (needle) => needle.length > tail.length && needle.subarray(0, tail.length).equals(tail),
    );
  }

  /** The first place from `from` where a secret may have begun but not yet ended, or -1. */
  #firstPartial(data: Buffer, from: number): number {
    const longest = this.#needles[0]?.length ?? 0;
    for (let at = Math.max(from, data.length - longest + 1); at < data.length; at++) {
      if (this.#couldContinue(data, at)) return at;
    }
    return -1;
  }

  /** Leftmost match first and, at one place, the longest secret — also across chunks. */
  #scan(data: Buffer, final: boolean): { out: Buffer; rest: Buffer } {
    const pieces: Buffer[] = [];
    let from = 0;
    for (;;) {
      let best = -1;
      let length = 0;
      for (const needle of this.#needles) {
        const at = data.indexOf(needle, from);
        if (at !== -1 && (best === -1 || at < best || (at === best && needle.length > length))) {
          best = at;
          length = needle.length;
        }
      }
      const partial = final ? -1 : this.#firstPartial(data, from);
      // A secret that may start at or before the match and end in the next chunk decides later.
      if (partial !== -1 && (best === -1 || partial <= best)) {
        pieces.push(data.subarray(from, partial));
        return { out: Buffer.concat(pieces), rest: Buffer.from(data.subarray(partial)) };
      }
      if (best === -1) break;
      pieces.push(data.subarray(from, best), this.#replacement);
      from = best + length;
    }
    pieces.push(data.subarray(from));
    return { out: Buffer.concat(pieces), rest: Buffer.alloc(0) };
  }
}
