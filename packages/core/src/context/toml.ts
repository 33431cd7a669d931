/**
 * Places in TOML 1.0: basic strings `"…"` (`\` escapes), literal strings `'…'`, multi-line
 * `"""…"""` and `'''…'''`, comments `#`, and values alone where a value goes (after `=`, in an
 * array). Keys and table headers are followed but their bare text is not judged. Tokens are
 * opaque. Where the text stops making sense (a string not closed on its line, an escape over a
 * token's start), the places of the tokens after are not told.
 */
import { isBlank, isLineBreak, type Lexer, type Place, type Span } from "./places.ts";

type Str = { quote: '"' | "'"; multiline: boolean; start: number };

const BACKSLASH = 0x5c;

/**
 * How many `quote` characters run from `at` in the direction `step`, counting no further than
 * `most`: the lexer needs to know only whether a run opens or closes a string (a line of a
 * million quotes, counted to its end at each string it opens and closes, took hours).
 */
function run(text: string, at: number, quote: string, step: 1 | -1, most = Infinity): number {
  let count = 0;
  while (count < most && text[at + count * step] === quote) count++;
  return count;
}

/** After a token where a value goes: only white space, then `,`, `]`, `}`, `#` or the line's end. */
function endsValue(text: string, token: Span): boolean {
  let after = token.end;
  while (after < text.length && isBlank(text.charCodeAt(after))) after++;
  return after >= text.length || ",]}#\n\r".includes(text[after]!);
}

export const tomlPlaces: Lexer = (text, tokens) => {
  const places: (Place | undefined)[] = new Array(tokens.length).fill(undefined);
  let at = 0;
  let str: Str | undefined;
  /** Open arrays (`[`) and inline tables (`{`) of the value being read. */
  const open: string[] = [];
  /** A key is read (not a value), as at a line's start, after `{` and after `,` in `{…}`. */
  let inKey = true;
  /** A value may start here: after `=`, `[` or `,` in an array, and white space. */
  let valueStart = false;
  /** Inside a table header (`[a]`, `[[a]]`): its text is a key. */
  let header = false;

  /** Moves `at` one step; false when the text stops making sense to this lexer. */
  const step = (): boolean => {
    const code = text.charCodeAt(at);
    if (str) {
      if (str.multiline) {
        if (str.quote === '"' && code === BACKSLASH) at += 2;
        else if (text[at] === str.quote && run(text, at, str.quote, 1, 3) >= 3) {
          // Up to two quotes before the closing three are text.
          at += run(text, at, str.quote, 1, 5);
          str = undefined;
        } else at++;
        return true;
      }
      if (isLineBreak(code)) return false;
      if (str.quote === '"' && code === BACKSLASH) at += 2;
      else {
        if (text[at] === str.quote) str = undefined;
        at++;
      }
      return true;
    }
    if (code === 0x23) {
      // A comment: its tokens are placed by the caller.
      while (at < text.length && !isLineBreak(text.charCodeAt(at))) at++;
      return true;
    }
    if (isBlank(code)) {
      at++;
      return true;
    }
    if (isLineBreak(code)) {
      if (open.length === 0) {
        inKey = true;
        header = false;
        valueStart = false;
      }
      at++;
      return true;
    }
    if (code === 0x22 || code === 0x27) {
      const quote = text[at] as '"' | "'";
      const multiline = run(text, at, quote, 1, 3) >= 3;
      str = { quote, multiline, start: at };
      at += multiline ? 3 : 1;
      // A newline right after `"""` is not part of the string.
      valueStart = false;
      return true;
    }
    valueStart = false;
    if (inKey) {
      if (code === 0x3d && !header) {
        inKey = false;
        valueStart = true;
      } else if (code === 0x5b && open.length === 0) header = true;
      else if (code === 0x7d && open.at(-1) === "{") {
        open.pop();
        inKey = false;
      }
      at++;
      return true;
    }
    if (code === 0x5b) {
      open.push("[");
      valueStart = true;
    } else if (code === 0x7b) {
      open.push("{");
      inKey = true;
    } else if (code === 0x5d || code === 0x7d) {
      if (open.pop() !== (code === 0x5d ? "[" : "{")) return false;
    } else if (code === 0x2c) {
      if (open.at(-1) === "[") valueStart = true;
      else if (open.at(-1) === "{") inKey = true;
      else return false;
    }
    at++;
    return true;
  };

  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k]!;
    let lost = false;
    let inComment = false;
    while (at < token.start) {
      if (!str && text.charCodeAt(at) === 0x23) {
        const end = lineEndAt(at);
        if (end > token.start) {
          inComment = true;
          break;
        }
      }
      if (!step()) {
        lost = true;
        break;
      }
    }
    if (lost || at > token.start) break; // the tokens from here keep no place
    places[k] = placeOf(token, inComment);
    if (!inComment) {
      at = token.end;
      if (!str) valueStart = false;
    }
  }
  return places;

  function lineEndAt(from: number): number {
    let end = from;
    while (end < text.length && !isLineBreak(text.charCodeAt(end))) end++;
    return end;
  }

  function placeOf(token: Span, inComment: boolean): Place | undefined {
    if (inComment) return { kind: "toml-comment" };
    if (str && !str.multiline) return { kind: str.quote === '"' ? "toml-basic" : "toml-literal" };
    if (str) {
      const atOpen = token.start === str.start + 3;
      return {
        kind: "toml-multiline",
        quote: str.quote,
        // The opening delimiter is not text: count back no further than it.
        quotesBefore: Math.min(
          run(text, token.start - 1, str.quote, -1),
          token.start - str.start - 3,
        ),
        quotesAfter: run(text, token.end, str.quote, 1),
        atOpen,
        after: text[token.end] ?? "",
      };
    }
    return !inKey && valueStart && endsValue(text, token) ? { kind: "toml-bare" } : undefined;
  }
};
