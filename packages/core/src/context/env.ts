/**
 * Places in a `.env` file as dotenv reads one (its default parser, 16 to 18): `NAME=value`, with
 * `export ` before it or `NAME: value`; a value in '…', "…" or `…` may span lines and is closed by
 * the first quote no backslash escapes when only white space or a comment follows it on its line;
 * an unquoted value ends at `#` or the end of the line; `#` at a line's start is a comment. Where
 * dotenv would fall back to reading a line another way (a quote not closed, text after a closing
 * quote, a line that is no assignment), the token's place is not told.
 */
import {
  HASH,
  isBlank,
  isLineBreak,
  type Lexer,
  lineEnd,
  type Place,
  type Span,
} from "./places.ts";

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
    let after = found + 1;
    while (after < text.length && isBlank(text.charCodeAt(after))) after++;
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
    while (at < text.length && (isBlank(text.charCodeAt(at)) || isLineBreak(text.charCodeAt(at))))
      at++;
    if (at >= text.length) break;
    const end = lineEnd(text, at);
    if (text.charCodeAt(at) === HASH) {
      assign(end, () => ({ kind: "env-comment" }));
      at = end;
      continue;
    }
    let name = at;
    if (text.startsWith("export", at) && isBlank(text.charCodeAt(at + 6))) {
      name = at + 6;
      while (isBlank(text.charCodeAt(name))) name++;
    }
    let after = name;
    while (after < end && isNameChar(text.charCodeAt(after))) after++;
    const nextToken = tokens[k]?.start ?? Infinity;
    let value = -1;
    if (after > name && nextToken >= after) {
      let sign = after;
      while (isBlank(text.charCodeAt(sign))) sign++;
      if (text.charCodeAt(sign) === 0x3d) value = sign + 1;
      else if (
        sign === after &&
        text.charCodeAt(sign) === 0x3a &&
        isBlank(text.charCodeAt(sign + 1))
      )
        value = sign + 2;
    }
    if (value === -1 || nextToken < value) {
      // Not an assignment dotenv reads, or a token in its name: not told.
      assign(end, () => undefined);
      at = end;
      continue;
    }
    while (value < end && isBlank(text.charCodeAt(value))) value++;
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
