/**
 * Places in JSON (and JSON with comments, as `tsconfig.json` and VS Code's settings are): inside a
 * string, bare between separators, or in a comment. Tokens are opaque: their text holds no quote,
 * backslash or slash that could change the state.
 */
import { isBlank, isLineBreak, type Lexer, type Place } from "./places.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const STAR = 0x2a;

const isSpace = (code: number) => isBlank(code) || isLineBreak(code);

/** `[`, `:` or `,` before, `]`, `}` or `,` after (white space between): the token is a whole value. */
function standsAlone(text: string, start: number, end: number): boolean {
  let before = start - 1;
  while (before >= 0 && isSpace(text.charCodeAt(before))) before--;
  let after = end;
  while (after < text.length && isSpace(text.charCodeAt(after))) after++;
  const left = before < 0 ? -1 : text.charCodeAt(before);
  const right = after >= text.length ? -1 : text.charCodeAt(after);
  return (
    (left === -1 || left === 0x5b || left === 0x3a || left === 0x2c) &&
    (right === -1 || right === 0x5d || right === 0x7d || right === 0x2c)
  );
}

export const jsonPlaces: Lexer = (text, tokens) => {
  const places: (Place | undefined)[] = [];
  let at = 0;
  let inString = false;
  /** Where the comment the lexer is in ends, and its kind. */
  let commentEnd = -1;
  let comment: Place | undefined;
  let lost = false;
  for (const token of tokens) {
    while (!lost && at < token.start) {
      if (comment) {
        if (commentEnd > token.start) break;
        at = commentEnd;
        comment = undefined;
        continue;
      }
      const code = text.charCodeAt(at);
      if (inString) {
        if (code === BACKSLASH) at += 2;
        else {
          if (code === QUOTE) inString = false;
          at++;
        }
        continue;
      }
      if (code === SLASH && text.charCodeAt(at + 1) === SLASH) {
        commentEnd = at + 2;
        while (commentEnd < text.length && !isLineBreak(text.charCodeAt(commentEnd))) commentEnd++;
        comment = { kind: "json-line-comment" };
        continue;
      }
      if (code === SLASH && text.charCodeAt(at + 1) === STAR) {
        const close = text.indexOf("*/", at + 2);
        commentEnd = close === -1 ? text.length : close + 2;
        comment = { kind: "json-block-comment" };
        continue;
      }
      if (code === QUOTE) inString = true;
      at++;
    }
    // An escape that jumped over the token's start (`"\{{ s5:… }}"`): the state is unsure.
    if (at > token.start) lost = true;
    if (lost) places.push(undefined);
    else if (comment && commentEnd > token.start) places.push(comment);
    else if (inString) places.push({ kind: "json-string" });
    else if (standsAlone(text, token.start, token.end)) places.push({ kind: "json-bare" });
    else places.push(undefined);
    if (!lost && at <= token.start) at = token.end;
  }
  return places;
};
