/**
 * Places in HCL's native syntax (OpenTofu/Terraform `.tf`, `.tfvars`, Packer, Nomad, Vault `.hcl`),
 * as hclsyntax's scanner reads it: quoted strings (`\` escapes; `${`/`%{` open an interpolation
 * or directive, `$${`/`%%{` are literal), heredocs (`<<EOT`, `<<-EOT`; closed by a line that is
 * the marker once white space is trimmed), comments (`#`, `//` and block comments), and
 * expressions, nested through interpolations. Tokens are opaque: their text is jumped over, so their braces count
 * for nothing. Where the text stops making sense (a line break in a quoted string, `<<` with no
 * marker, an escape over a token's start), the places of the tokens after are not told.
 */
import { isBlank, isLineBreak, type Lexer, type Place, type Span } from "./places.ts";
import { goIndent, goTrim, unicodeText } from "./unicode.ts";

type Frame =
  /** Code; `open`: the brackets open in it; `interp`: a `${…}`/`%{…}` its `}` closes. */
  | { type: "code"; open: string[]; interp: boolean }
  | { type: "string" }
  | {
      type: "heredoc";
      marker: string;
      end: number;
      flush: number[] | undefined;
      lines: number[];
      minima?: { before: number[]; after: number[] };
    };

const HEREDOC = /<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n/y;

/** The offset just past the line holding `at` (past its `\n`), or the text's end. */
function nextLine(text: string, at: number): number {
  const found = text.indexOf("\n", at);
  return found === -1 ? text.length : found + 1;
}

function lineStartOf(text: string, at: number): number {
  return text.lastIndexOf("\n", at - 1) + 1;
}

/** The end of a line's text, before its `\r\n` or `\n`. */
function lineTextEnd(text: string, at: number): number {
  let end = text.indexOf("\n", at);
  if (end === -1) return text.length;
  if (end > at && text.charCodeAt(end - 1) === 0x0d) end--;
  return end;
}

/**
 * A heredoc opened at `start` (its content's first line): the offset of its closing line, and the
 * start of each content line. The closing line is found as the scanner finds it, as the first
 * line whose text is the marker; a line inside an interpolation that is the marker (not seen in
 * real files) would fool it.
 */
function heredocLines(text: string, start: number, marker: string) {
  const lines: number[] = [];
  let at = start;
  while (at < text.length) {
    const end = lineTextEnd(text, at);
    if (goTrim(unicodeText(text.slice(at, end))) === marker) return { end: at, lines };
    lines.push(at);
    at = nextLine(text, at);
  }
  return undefined;
}

/** `<<-`: each content line's indentation as hclsyntax counts it (a blank line: none). */
function indents(text: string, lines: number[]): number[] {
  return lines.map((start) => {
    const line = unicodeText(text.slice(start, lineTextEnd(text, start)));
    const indent = goIndent(line);
    return indent === line.length ? Infinity : indent;
  });
}

/**
 * The least of `values` before each index (`before[i]`: of `values[0..i)`) and from each index on
 * (`after[i]`: of `values[i..]`), so each token of a `<<-` heredoc finds the least indentation of
 * the lines it is not on without going over every line: per token, that was quadratic in a long
 * heredoc (and `Math.min(...all)` threw past ~120,000 lines).
 */
function minima(values: readonly number[]): { before: number[]; after: number[] } {
  const before = [Infinity];
  for (const value of values) before.push(Math.min(before.at(-1)!, value));
  const after = new Array<number>(values.length + 1).fill(Infinity);
  for (let i = values.length - 1; i >= 0; i--) after[i] = Math.min(after[i + 1]!, values[i]!);
  return { before, after };
}

/** The index of the first of the sorted `starts` that is `at` or after it (or their count). */
function firstAtOrAfter(starts: readonly number[], at: number): number {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (starts[middle]! < at) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** `=`, `:`, `(`, `[`, `,`, `{` before (or a line's start inside `[…]`/`(…)`), a separator after. */
function standsAlone(text: string, token: Span, open: string[]): boolean {
  let before = token.start - 1;
  while (before >= 0 && isBlank(text.charCodeAt(before))) before--;
  const left = before < 0 ? "\n" : text[before]!;
  const inList = open.at(-1) === "[" || open.at(-1) === "(";
  if (!"=:([,{".includes(left) && !(inList && isLineBreak(left.charCodeAt(0)))) return false;
  let after = token.end;
  while (after < text.length && isBlank(text.charCodeAt(after))) after++;
  const right = text.slice(after, after + 2);
  return (
    right === "" ||
    ",)]}#\n\r".includes(right[0]!) ||
    right === "~}" ||
    right === "//" ||
    right === "/*"
  );
}

export const hclPlaces: Lexer = (text, tokens) => {
  const places: (Place | undefined)[] = new Array(tokens.length).fill(undefined);
  const frames: Frame[] = [{ type: "code", open: [], interp: false }];
  let at = 0;
  /** Inside a comment: where it ends, and its kind. */
  let comment: { end: number; place: Place } | undefined;

  /**
   * `$`/`%` in a template: opens code (`${`), skips an escape (`$${`), or is text — also right
   * before a token, whose `{{` is no brace of the file's (the value decides: see the rules).
   */
  const templateSign = (code: number, limit: number): void => {
    const next = text.charCodeAt(at + 1);
    if (at + 1 === limit || (at + 2 === limit && next === code)) at++;
    else if (next === 0x7b) {
      frames.push({ type: "code", open: [], interp: true });
      at += 2;
    } else if (next === code && text.charCodeAt(at + 2) === 0x7b) at += 3;
    else at++;
  };

  /** Moves `at` one step; false when the text stops making sense to this lexer. */
  const step = (limit: number): boolean => {
    if (comment) {
      at = comment.end;
      comment = undefined;
      return true;
    }
    const frame = frames.at(-1)!;
    const code = text.charCodeAt(at);
    if (frame.type === "string") {
      if (code === 0x5c) at += 2;
      else if (code === 0x22) {
        frames.pop();
        at++;
      } else if (code === 0x24 || code === 0x25) templateSign(code, limit);
      else if (isLineBreak(code)) return false;
      else at++;
      return true;
    }
    if (frame.type === "heredoc") {
      if (at >= frame.end) {
        frames.pop();
        at = lineTextEnd(text, at);
      } else if (code === 0x24 || code === 0x25) templateSign(code, limit);
      else at++;
      return true;
    }
    const next = text.charCodeAt(at + 1);
    if (code === 0x23 || (code === 0x2f && next === 0x2f)) {
      const end = text.indexOf("\n", at);
      comment = { end: end === -1 ? text.length : end, place: { kind: "hcl-line-comment" } };
    } else if (code === 0x2f && next === 0x2a) {
      const close = text.indexOf("*/", at + 2);
      comment = {
        end: close === -1 ? text.length : close + 2,
        place: { kind: "hcl-block-comment" },
      };
    } else if (code === 0x22) {
      frames.push({ type: "string" });
      at++;
    } else if (code === 0x3c && next === 0x3c) {
      HEREDOC.lastIndex = at;
      const intro = HEREDOC.exec(text);
      if (!intro) return false;
      const start = at + intro[0].length;
      const body = heredocLines(text, start, intro[2]!);
      if (!body) return false; // never closed
      frames.push({
        type: "heredoc",
        marker: intro[2]!,
        end: body.end,
        lines: body.lines,
        flush: intro[1] ? indents(text, body.lines) : undefined,
      });
      at = start;
    } else if (code === 0x7b || code === 0x5b || code === 0x28) {
      frame.open.push(text[at]!);
      at++;
    } else if (code === 0x7d && frame.open.length === 0 && frame.interp) {
      frames.pop();
      at++;
    } else {
      if (code === 0x7d || code === 0x5d || code === 0x29) frame.open.pop();
      at++;
    }
    return true;
  };

  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k]!;
    let lost = false;
    while (at < token.start) {
      if (comment && comment.end > token.start) break;
      if (!step(token.start)) {
        lost = true;
        break;
      }
    }
    if (lost || at > token.start) break; // the tokens from here keep no place
    places[k] = placeOf(token);
    if (!(comment && comment.end > token.start)) at = token.end;
  }
  return places;

  function placeOf(token: Span): Place | undefined {
    if (comment && comment.end > token.start) return comment.place;
    const frame = frames.at(-1)!;
    if (frame.type === "string") {
      return {
        kind: "hcl-string",
        before: text[token.start - 1] ?? "",
        after: text.slice(token.end, token.end + 2),
      };
    }
    if (frame.type === "heredoc") {
      const first = lineStartOf(text, token.start);
      const last = lineTextEnd(text, token.end);
      let flush: { least: number; others: number } | undefined;
      if (frame.flush) {
        frame.minima ??= minima(frame.flush);
        // The lines the token is on: from the first line starting at `first` to the last
        // starting before `last`.
        const from = firstAtOrAfter(frame.lines, first);
        const to = firstAtOrAfter(frame.lines, last + 1);
        const { before, after } = frame.minima;
        flush = {
          least: before[frame.flush.length]!,
          others: Math.min(before[from]!, after[to]!),
        };
      }
      return {
        kind: "hcl-heredoc",
        marker: frame.marker,
        lead: text.slice(first, token.start),
        rest: text.slice(token.end, last),
        flush,
      };
    }
    return standsAlone(text, token, frame.open) ? { kind: "hcl-bare" } : undefined;
  }
};
