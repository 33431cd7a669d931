/**
 * Places in a `.env` file as dotenv reads one (its default parser, 16 to 18): `NAME=value`, with
 * `export ` before it or `NAME: value`; a value in '…', "…" or `…` may span lines and is closed by
 * the first quote no backslash escapes when only white space or a comment follows it on its line;
 * an unquoted value ends at `#` or the end of the line; `#` at a line's start is a comment. Where
 * dotenv would fall back to reading a line another way (a quote not closed, text after a closing
 * quote, a line that is no assignment), the token's place is not told.
 */
import { HASH, isLineBreak, type Lexer, lineEnd, type Place, type Span } from "./places.ts";

function isNameChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x5f ||
    code === 0x2e ||
    code === 0x2d
  );
}

/**
 * The length of the white space at `at` as dotenv's `\s` reads it, or 0: space, tab, VT, FF, and
 * the Unicode spaces (NBSP, U+1680, U+2000–U+200A, U+202F, U+205F, U+3000, and the byte-order
 * mark a Windows editor writes first), one character in a string or their UTF-8 bytes in a byte
 * source viewed as latin1. Line breaks are not counted. Read as a name's character instead, a
 * byte-order mark hid the first line's assignment, and its value was not judged.
 */
function spaceAt(text: string, at: number): number {
  const code = text.charCodeAt(at);
  if (code === 0x20 || code === 0x09 || code === 0x0b || code === 0x0c) return 1;
  if (code < 0xa0) return 0;
  if (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  )
    return 1;
  const bytes = text.slice(at, at + 3);
  if (bytes.startsWith("\xc2\xa0")) return 2;
  return /^(?:\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xaf]|\xe2\x81\x9f|\xe3\x80\x80|\xef\xbb\xbf)$/.test(
    bytes,
  )
    ? 3
    : 0;
}

/** The offset after the white space (as dotenv's `\s`, but line breaks) from `at`. */
function skipSpace(text: string, at: number): number {
  let next = at;
  for (let length = spaceAt(text, next); length > 0; length = spaceAt(text, next)) next += length;
  return next;
}

/** The offset of the quote that closes a value opened at `open`, as dotenv finds it, or -1. */
function closingQuote(text: string, open: number): number {
  const quote = text[open]!;
  let at = open + 1;
  for (;;) {
    // A token's text holds no quote nor backslash: what is found here is the file's.
    const found = text.indexOf(quote, at);
    if (found === -1) return -1;
    if (text.charCodeAt(found - 1) === 0x5c) {
      at = found + 1;
      continue;
    }
    const after = skipSpace(text, found + 1);
    const code = text.charCodeAt(after);
    return after >= text.length || isLineBreak(code) || code === HASH ? found : -1;
  }
}

export const envPlaces: Lexer = (text, tokens) => {
  const places: (Place | undefined)[] = new Array(tokens.length).fill(undefined);
  let k = 0;
  /** Gives `place` to every token that starts before `end`; returns the next token's index. */
  const assign = (end: number, place: (token: Span) => Place | undefined) => {
    while (k < tokens.length && tokens[k]!.start < end) {
      places[k] = place(tokens[k]!);
      k++;
    }
  };
  let at = 0;
  while (k < tokens.length && at < text.length) {
    // Blank lines and white space at a line's start.
    while (at < text.length) {
      const space = spaceAt(text, at);
      if (space > 0) at += space;
      else if (isLineBreak(text.charCodeAt(at))) at++;
      else break;
    }
    if (at >= text.length) break;
    const end = lineEnd(text, at);
    if (text.charCodeAt(at) === HASH) {
      assign(end, () => ({ kind: "env-comment" }));
      at = end;
      continue;
    }
    let name = at;
    if (text.startsWith("export", at) && spaceAt(text, at + 6) > 0) name = skipSpace(text, at + 6);
    let after = name;
    while (after < end && isNameChar(text.charCodeAt(after))) after++;
    const nextToken = tokens[k]?.start ?? Infinity;
    let value = -1;
    if (after > name && nextToken >= after) {
      const sign = skipSpace(text, after);
      if (text.charCodeAt(sign) === 0x3d) value = sign + 1;
      else if (sign === after && text.charCodeAt(sign) === 0x3a && spaceAt(text, sign + 1) > 0)
        value = sign + 2;
    }
    if (value === -1 || nextToken < value) {
      // Not an assignment dotenv reads, or a token in its name: not told.
      assign(end, () => undefined);
      at = end;
      continue;
    }
    value = Math.min(skipSpace(text, value), end);
    const open = text[value];
    if (open === "'" || open === '"' || open === "`") {
      const close = closingQuote(text, value);
      if (close === -1) {
        assign(end, () => undefined);
        at = end;
        continue;
      }
      assign(close, (token) => ({
        kind: "env-quoted",
        quote: open,
        beforeClose: token.end === close,
      }));
      const rest = lineEnd(text, close);
      assign(rest, () => ({ kind: "env-comment" }));
      at = rest;
      continue;
    }
    let hash = value;
    for (; hash < end; hash++) {
      if (k < tokens.length && tokens[k]!.start === hash) {
        const token = tokens[k]!;
        places[k] = { kind: "env-unquoted", atStart: hash === value };
        k++;
        hash = token.end - 1;
        continue;
      }
      if (text.charCodeAt(hash) === HASH) break;
    }
    assign(lineEnd(text, hash), () => ({ kind: "env-comment" }));
    at = lineEnd(text, hash);
  }
  return places;
};
