/**
 * The token grammar, and the only scanner of it.
 *
 *   token   = "{{" ws* ( "s5:" body / "vault:v" DIGIT body ) ws* ( "|" ws* filter ws* )* "}}"
 *   body    = 1*( ALPHA / DIGIT / "+" / "/" / "=" / "_" / "-" / "." / ":" )
 *   filter  = 1*( lower-ALPHA / DIGIT / "_" / "-" )
 *   ws      = SP / HTAB / LF / CR / FF          (RE2's \s, as in the Go tool)
 *
 * The Go tool wrote `{{ s5:B64 }}` and `{{s5:B64}}` (and, in 0.1.0, `{{ vault:v1:B64 }}`, read as the
 * body `vault:v1:B64`); all are tokens here. New tokens carry their
 * backend in the body (`vault:v2:…`, `local:KID:…`, `aes:…`). Text that starts with `{{ s5:` but
 * does not finish as a token is reported as malformed instead of being passed through silently;
 * anything else (`{{ s5 }}`, Helm's `{{ .Values.x }}`) is not a token and is left alone.
 *
 * Linear time: no body, filter or white-space character can be `{`, so every failed attempt stops
 * before the next `{{` and each character is looked at a bounded number of times.
 */

/**
 * A quick test for text that may hold a token (or a malformed one): `{{`, white space (Unicode
 * spaces too, which the scanner reports), then `s5:` or the Go tool's 0.1.0 form `vault:vN`.
 * Never misses a token; may say yes for text that holds none. For bundlers' code filters.
 */
export const TOKEN_HINT = /\{\{[\s\u200b]*(?:s5:|vault:v[1-9])/;

/** {@link TOKEN_HINT} as a function: the cheap first test before a {@link scan}. */
export function mayContainToken(text: string): boolean {
  return text.includes("{{") && TOKEN_HINT.test(text);
}

/** A token found in a source, by offsets into that source. */
export interface TokenMatch {
  /** Offset of the first `{`. For a byte source, a byte offset; for a string, UTF-16 units. */
  start: number;
  /** Offset just past the last `}`. */
  end: number;
  /** What follows `s5:` up to the white space or `|`: `vault:v1:…`, `local:…`, or a Go-tool payload. */
  body: string;
  /** Offset of the body's first character (a rewrite replaces `bodyStart…bodyEnd` only). */
  bodyStart: number;
  /** Offset just past the body. */
  bodyEnd: number;
  /** Filter names in the order written (`{{ s5:… | base64 }}` → `["base64"]`). */
  filters: string[];
  /**
   * Empty here; a caller may store what it learns about the token (render: the parsed body). It
   * is part of the object from the start, so filling it in adds no out-of-object property store
   * to each token (~4 MB for 100k tokens).
   */
  info?: unknown;
}

/** Text that starts like a token (`{{ s5:`) but is not a complete one. */
export interface MalformedMatch {
  start: number;
  /** Offset where reading stopped. */
  end: number;
  reason: string;
}

export interface ScanResult {
  tokens: TokenMatch[];
  /** The first {@link MAX_MALFORMED} malformed tokens (a report needs no more). */
  malformed: MalformedMatch[];
  /** How many malformed tokens there are in all. */
  malformedCount: number;
}

/**
 * Malformed tokens kept with their place. A file of nothing but `{{ s5:` has millions; one is
 * enough to fail, and a person reads the first few.
 */
export const MAX_MALFORMED = 1000;

/** Counters for tests: how many characters the scanner looked at. */
export interface ScanStats {
  steps: number;
}

const OPEN = "{{";
/** Shared by every token without filters (most of them): one array instead of one per token. */
const NO_FILTERS: string[] = Object.freeze([]) as unknown as string[];
const PREFIX = "s5:";
const VAULT_PREFIX = "vault:v";

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0c;
}

/**
 * White space that is not white space to the grammar: a token written with one (a non-breaking
 * space pasted from a web page or a chat) must be reported, not passed through as text. Every
 * character of Unicode's White_Space property the grammar does not take (VT, NEL, U+00A0, U+1680,
 * U+2000–U+200A, the line and paragraph separators U+2028/U+2029, U+202F, U+205F, U+3000) and the
 * invisible ones that pass for nothing (U+180E, U+200B–U+200D, U+2060, U+FEFF). In a byte source
 * these arrive as their UTF-8 bytes, read one per character (the class's VT and the two-byte
 * forms' second bytes cannot follow `{{` as UTF-8 bytes of another character).
 */
/** Those characters as one class of a regular expression (the markers' edge check uses it too). */
export const UNICODE_SPACE_CLASS =
  "[\\u000b\\u0085\\u00a0\\u1680\\u180e\\u2000-\\u200d\\u2028\\u2029\\u202f\\u205f\\u2060\\u3000\\ufeff]";
const UNICODE_SPACE = [
  UNICODE_SPACE_CLASS,
  "\\u00c2[\\u0085\\u00a0]",
  "\\u00e1\\u009a\\u0080",
  "\\u00e1\\u00a0\\u008e",
  "\\u00e2\\u0080[\\u0080-\\u008d\\u00a8\\u00a9\\u00af]",
  "\\u00e2\\u0081[\\u009f\\u00a0]",
  "\\u00e3\\u0080\\u0080",
  "\\u00ef\\u00bb\\u00bf",
].join("|");
const UNICODE_SPACES = new RegExp(`^(?:${UNICODE_SPACE})`);

/**
 * What a string source is searched for, in one pass of the engine's compiled matcher: a complete
 * token without filters, the usual case (`{{`, spaces, `s5:` or the Go tool's `vault:vN`, kept in
 * the body, the body, spaces, `}}`; groups 1–3: the spaces, `s5:` or nothing, the body), or else
 * where the character loop below must look further (`{{`, the grammar's white space or the Unicode
 * spaces it reports, then `s5:`, `S5:` or `vault:vN`; no body). The second alternative reads what
 * the first could not: filters, a Unicode space, a malformed token. Both share the first spaces,
 * taken whole (a look-ahead and a back-reference: an atomic group), so a flood of `{{ s5:` reads
 * them once and `{{` before a million spaces does not try each split of them (quadratic).
 */
const TOKEN_OR_CANDIDATE = new RegExp(
  "\\{\\{(?=([ \\t\\n\\r\\f]*))\\1(?:(s5:(?=[A-Za-z0-9:+/=_.-])|(?=vault:v[1-9]))([A-Za-z0-9:+/=_.-]+)[ \\t\\n\\r\\f]*\\}\\}" +
    `|(?:[ \\t\\n\\r\\f]|${UNICODE_SPACE})*(?:[sS]5:|vault:v[1-9]))`,
  "g",
);

/** Length of the Unicode space (in source units) at `at`, or 0. */
function unicodeSpaceAt(text: Text, at: number): number {
  const code = codeAt(text, at);
  if (!(code >= 0x80 || code === 0x0b)) return 0;
  return UNICODE_SPACES.exec(sliceOf(text, at, at + 3))?.[0].length ?? 0;
}

/** The characters of a token body (letters, digits and `:+/=_.-`): a sticky regular expression. */
const BODY = /[A-Za-z0-9:+/=_.-]*/y;

/**
 * The end of the token body starting at `at`. On a string, a regular expression: a new process
 * runs this loop cold, and the engine's compiled matcher walks a 1000-token file in a fraction of
 * the time the interpreted loop takes (measured: ~5 ms → well under 1 ms).
 */
function bodyEnd(text: Text, at: number, length: number): number {
  if (typeof text === "string") {
    if (at >= length) return at;
    BODY.lastIndex = at;
    BODY.test(text);
    return BODY.lastIndex;
  }
  // Bytes: the same expression over latin1 windows, so the file is never copied whole and no
  // per-byte loop runs cold. No window for an empty body (a flood of `{{ s5:` has millions).
  if (at >= length || !isBodyByte(text[at]!)) return at;
  for (let size = FIRST_WINDOW; ; size = LATER_WINDOW) {
    const end = Math.min(at + size, length);
    const window = text.toString("latin1", at, end);
    BODY.lastIndex = 0;
    BODY.test(window);
    at += BODY.lastIndex;
    if (BODY.lastIndex < window.length || at >= length) return at;
  }
}

/** A Vault token's body is ~100 bytes, a local-key one ~150: most take one window. */
const FIRST_WINDOW = 256;
const LATER_WINDOW = 8192;

function isBodyByte(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x3a) || // 0-9 and ":"
    code === 0x2b || // +
    code === 0x2f || // /
    code === 0x3d || // =
    code === 0x5f || // _
    code === 0x2d || // -
    code === 0x2e // .
  );
}

function isFilterChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x5f ||
    code === 0x2d
  );
}

/** Views bytes as a string with one character per byte, so offsets are byte offsets. */
export function bytesAsText(source: Uint8Array): string {
  return Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString("latin1");
}

/**
 * A source as the scanner reads it. Bytes are read in place, one character per byte (as
 * {@link bytesAsText} would show them), so a large file is never copied into a string.
 */
type Text = string | Buffer;

function codeAt(text: Text, at: number): number {
  return typeof text === "string" ? text.charCodeAt(at) : (text[at] ?? Number.NaN);
}

function sliceOf(text: Text, start: number, end: number): string {
  return typeof text === "string" ? text.slice(start, end) : text.toString("latin1", start, end);
}

function startsWithAt(text: Text, prefix: string, at: number): boolean {
  for (let i = 0; i < prefix.length; i++) {
    if (codeAt(text, at + i) !== prefix.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The next `{{` from `from`. The few characters right after the previous match are looked at
 * here first: a native `indexOf` call costs ~0.25 µs, which dominates when matches are dense (a
 * flood of 3 million malformed `{{ s5:` took 0.8 s in calls alone); sparse text still gets the
 * fast native search.
 */
function findOpen(text: Text, from: number, length: number): number {
  const window = Math.min(from + 16, length - 1);
  for (let i = from; i < window; i++) {
    if (codeAt(text, i) === 0x7b && codeAt(text, i + 1) === 0x7b) return i;
  }
  return text.indexOf(OPEN, Math.max(from, window));
}

/** The Go tool's very first form, `{{ vault:v1:… }}` (0.1.0): Vault's ciphertext, no `s5:`. */
function isGoToolVaultToken(text: Text, at: number): boolean {
  const digit = codeAt(text, at + VAULT_PREFIX.length);
  return startsWithAt(text, VAULT_PREFIX, at) && digit >= 0x31 && digit <= 0x39;
}

/**
 * Finds every token and every malformed token in `source`. Never throws.
 *
 * @example
 * scan("password: {{ s5:vault:v1:abc= }}").tokens[0]?.body // "vault:v1:abc="
 */
export function scan(source: string | Uint8Array, stats?: ScanStats): ScanResult {
  if (typeof source === "string") return scanText(source, undefined, stats);
  const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  // Every token and every malformed one starts with `{{`: without one (most files of a tree that
  // `s5 ls` or `s5 check` reads), one native search answers, without a copy or a scan.
  if (bytes.indexOf(OPEN) === -1) return { tokens: [], malformed: [], malformedCount: 0 };
  // Up to a few MB, a byte source is read as a latin1 string (one character per byte, so the
  // offsets stay byte offsets), which the compiled matchers can search; past that, in place, so a
  // large file is never copied.
  return bytes.length <= AS_STRING_LIMIT
    ? scanText(bytes.toString("latin1"), bytes, stats)
    : scanText(bytes, bytes, stats);
}

/** Byte sources up to this size are scanned as latin1 strings. */
const AS_STRING_LIMIT = 4 * 1024 * 1024;

/**
 * {@link scan} of a byte source read in place, whatever its size (the way of large files): for
 * tests that compare it with the string way.
 */
export function scanInPlace(source: Uint8Array, stats?: ScanStats): ScanResult {
  const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  return scanText(bytes, bytes, stats);
}

/** `bytes`: the source's bytes when `text` shows them (as latin1, or themselves), for messages. */
function scanText(text: Text, bytes: Buffer | undefined, stats?: ScanStats): ScanResult {
  const tokens: TokenMatch[] = [];
  const malformed: MalformedMatch[] = [];
  // Repeated tokens share one body string: the copy dies young instead of living as long as the
  // token list (a 50 MB file with 100k tokens of 500 values keeps 500 strings, not 100k).
  const seen = new Map<string, string>();
  const intern = (body: string) => {
    const known = seen.get(body);
    if (known !== undefined) return known;
    if (seen.size < 4096) seen.set(body, body);
    return body;
  };
  const length = text.length;
  let steps = 0;

  let malformedCount = 0;
  const fail = (entry: MalformedMatch) => {
    if (malformedCount++ < MAX_MALFORMED) malformed.push(entry);
  };

  /** Reads what starts at `start` (a `{{`) with the character loop; returns where to go on. */
  const readAt = (start: number): number => {
    let at = start + 2;
    let unicodeSpace = false;
    for (;;) {
      if (at < length && isSpace(codeAt(text, at))) at++;
      else {
        const wide = unicodeSpaceAt(text, at);
        if (wide === 0) break;
        unicodeSpace = true;
        at += wide;
      }
    }
    steps += at - start;
    if (startsWithAt(text, PREFIX, at)) {
      at += PREFIX.length;
    } else if (startsWithAt(text, "S5:", at)) {
      // `{{ S5:seal …` or a token typed in capitals: never text to pass through.
      fail({ start, end: at + 3, reason: "`S5:` is written `s5:`, in lower case" });
      return at + 3;
    } else if (!isGoToolVaultToken(text, at)) {
      return start + 1;
    }
    if (unicodeSpace) {
      fail({ start, end: at, reason: `${NOT_A_SPACE} between \`{{\` and the token` });
      return at;
    }

    const bodyStart = at;
    at = bodyEnd(text, at, length);
    const body = intern(sliceOf(text, bodyStart, at));
    const afterBody = at;
    while (at < length && isSpace(codeAt(text, at))) at++;

    const filters: string[] = [];
    let reason: string | undefined;
    while (reason === undefined && codeAt(text, at) === 0x7c /* | */) {
      at++;
      while (at < length && isSpace(codeAt(text, at))) at++;
      const nameStart = at;
      while (at < length && isFilterChar(codeAt(text, at))) at++;
      if (at === nameStart) reason = "a filter name must follow `|`";
      else filters.push(sliceOf(text, nameStart, at));
      while (at < length && isSpace(codeAt(text, at))) at++;
    }
    steps += at - bodyStart;

    if (reason === undefined) {
      if (startsWithAt(text, "}}", at)) {
        if (body.length === 0) reason = "the token is empty";
        else {
          tokens.push({
            start,
            end: at + 2,
            body,
            bodyStart,
            bodyEnd: afterBody,
            filters: filters.length > 0 ? filters : NO_FILTERS,
            info: undefined,
          });
          return at + 2;
        }
      } else if (at >= length) {
        reason = "the token is not closed with `}}`";
      } else if (unicodeSpaceAt(text, at) > 0) {
        reason = `${NOT_A_SPACE} in the token`;
      } else if (at === afterBody && body.length > 0) {
        reason = CIPHERTEXT.test(body)
          ? `unexpected character ${describeChar(bytes ?? text, at)} in the token`
          : UNNAMED_CHARACTER;
      } else {
        reason = "the token is not closed with `}}`";
      }
    }
    fail({ start, end: at, reason });
    return at > start + 2 ? at : start + 1;
  };

  if (typeof text === "string") {
    // The engine walks the matches (`matchAll`, read by `Array.from`) and calls back once per
    // token: no loop of ours turns once per token. A 1000-token render ran such a loop long enough
    // for V8 to compile it on the stack, with Maglev and then TurboFan: ~6 MiB of peak memory for
    // a compile that a short process never uses. A callback is tiered by its calls instead, and
    // TurboFan takes a few thousand. The matches need no feedback from here: what the character
    // loop reads from a candidate holds no `{`, so the next match starts where it would look next.
    // biome-ignore lint/suspicious/useIterableCallbackReturn: only the calls are wanted; the array of undefined is dropped
    Array.from(text.matchAll(TOKEN_OR_CANDIDATE), (match) => {
      const start = match.index;
      const body = match[3];
      if (body === undefined) readAt(start);
      else {
        const bodyStart = start + 2 + match[1]!.length + match[2]!.length;
        steps += match[0].length;
        // `intern`, written out: a function called once per token is one more that V8 compiles.
        let shared = seen.get(body);
        if (shared === undefined) {
          shared = body;
          if (seen.size < 4096) seen.set(body, body);
        }
        tokens.push({
          start,
          end: start + match[0].length,
          body: shared,
          bodyStart,
          bodyEnd: bodyStart + body.length,
          filters: NO_FILTERS,
          info: undefined,
        });
      }
    });
  } else {
    for (let from = 0; ; ) {
      const start = findOpen(text, from, length);
      if (start === -1) break;
      from = readAt(start);
    }
  }

  if (stats) stats.steps += steps;
  return { tokens, malformed, malformedCount };
}

const NOT_A_SPACE =
  "a Unicode space (such as a non-breaking space) is not white space to s5; use a plain space";

/**
 * A body that has begun as a backend's ciphertext: a character that stops it there is a copying
 * slip, and naming it helps find it. Any other body may be a plaintext written after `s5:`
 * (`{{ s5:hunter2! }}`, "seal " left out): its character is not named, as `seal` does not.
 */
const CIPHERTEXT = /^(?:vault:v[0-9]+:|local:[A-Za-z0-9_-]+:|aes:)/;
const UNNAMED_CHARACTER =
  "unexpected character in the token (not shown: what follows `s5:` may be a plaintext)";

/** The character at `at`, for a message: itself when printable ASCII, else its code point. */
function describeChar(text: Text, at: number): string {
  const code = codeAt(text, at);
  if (code >= 0x21 && code <= 0x7e) return `\`${String.fromCharCode(code)}\``;
  // A byte source holds UTF-8: name the character, not its first byte.
  const point =
    typeof text === "string"
      ? text.codePointAt(at)
      : text
          .subarray(at, at + 4)
          .toString("utf8")
          .codePointAt(0);
  return `U+${(point ?? code).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Replaces each match by its value and keeps every other character exactly as it was.
 * `values[i]` replaces `matches[i]`; matches must be in source order and must not overlap.
 */
export function spliceText(
  source: string,
  matches: readonly { start: number; end: number }[],
  values: readonly string[],
): string {
  let out = "";
  let last = 0;
  for (let i = 0; i < matches.length; i++) {
    const match = matches[i]!;
    out += source.slice(last, match.start) + values[i];
    last = match.end;
  }
  return out + source.slice(last);
}

/**
 * The output of a byte splice: the unchanged stretches of the source (views, not copies) and the
 * values, produced in order only while being written, so a 50 MB file with 100k tokens needs no
 * list of 200k pieces and no second copy of itself.
 */
export class Spliced implements Iterable<Uint8Array> {
  readonly #source: Uint8Array;
  readonly #matches: readonly { start: number; end: number }[];
  readonly #values: readonly Uint8Array[];

  constructor(
    source: Uint8Array,
    matches: readonly { start: number; end: number }[],
    values: readonly Uint8Array[],
  ) {
    this.#source = source;
    this.#matches = matches;
    this.#values = values;
  }

  *[Symbol.iterator](): Iterator<Uint8Array> {
    let last = 0;
    for (let i = 0; i < this.#matches.length; i++) {
      const match = this.#matches[i]!;
      if (match.start > last) yield this.#source.subarray(last, match.start);
      const value = this.#values[i]!;
      if (value.byteLength > 0) yield value;
      last = match.end;
    }
    if (last < this.#source.byteLength) yield this.#source.subarray(last);
  }

  /**
   * The output copied into buffers of up to `size` bytes, for a stream: a few large writes, and
   * no view per piece (a piece of the input or a value of `size` or more is passed on as it is).
   * One plain loop over the tokens: iterating the pieces one by one kept a 1000-token render busy
   * enough for V8 to bring in its optimising compiler (~5 MB of peak memory).
   */
  *chunks(size = 64 * 1024): Generator<Uint8Array> {
    const source = Buffer.from(
      this.#source.buffer,
      this.#source.byteOffset,
      this.#source.byteLength,
    );
    const matches = this.#matches;
    const values = this.#values;
    const count = matches.length;
    let out = Buffer.allocUnsafe(size);
    let used = 0;
    let last = 0;
    for (let i = 0; i <= count; i++) {
      // The input before this token (or after the last one)…
      const gapEnd = i < count ? matches[i]!.start : source.byteLength;
      const gap = gapEnd - last;
      if (gap > 0) {
        if (used > 0 && used + gap > size) {
          yield out.subarray(0, used);
          out = Buffer.allocUnsafe(size);
          used = 0;
        }
        if (gap >= size) yield source.subarray(last, gapEnd);
        else used += source.copy(out, used, last, gapEnd);
      }
      if (i === count) break;
      // …then the token's value.
      const value = values[i]!;
      if (value.byteLength > 0) {
        if (used > 0 && used + value.byteLength > size) {
          yield out.subarray(0, used);
          out = Buffer.allocUnsafe(size);
          used = 0;
        }
        if (value.byteLength >= size) yield value;
        else {
          out.set(value, used);
          used += value.byteLength;
        }
      }
      last = matches[i]!.end;
    }
    if (used > 0) yield out.subarray(0, used);
  }

  /** The values spliced in, in order (what a redactor of a program's output looks for). */
  get values(): readonly Uint8Array[] {
    return this.#values;
  }

  /** The whole output in one buffer (a copy: for small outputs and tests). */
  toBuffer(): Buffer {
    return Buffer.concat([...this]);
  }
}

/** Byte version of {@link spliceText}; see {@link Spliced}. */
export function spliceBytes(
  source: Uint8Array,
  matches: readonly { start: number; end: number }[],
  values: readonly Uint8Array[],
): Spliced {
  return new Spliced(source, matches, values);
}
