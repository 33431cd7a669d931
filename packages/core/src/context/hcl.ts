/**
 * Places in HCL's native syntax (OpenTofu/Terraform `.tf`, `.tfvars`, Packer, Nomad, Vault `.hcl`),
 * as hclsyntax's scanner reads it: quoted strings (`\` escapes; `${`/`%{` open an interpolation
 * or directive, `$${`/`%%{` are literal), heredocs (`<<EOT`, `<<-EOT`; closed by a line that is
 * the marker once white space is trimmed), comments (`#`, `//` and block comments), and
 * expressions, nested through interpolations. Tokens are opaque: their text is jumped over, so their braces count
 * for nothing. Where the text stops making sense (a line break in a quoted string, `<<` with no
 * marker, an escape over a token's start), the places of the tokens after are not told.
 */

import { HclLines, lineTextEnd } from "./hcl-lines.ts";
import { isBlank, isLineBreak, type Lexer, type Place, type Span } from "./places.ts";

type Frame =
  /** Code; `open`: the brackets open in it; `interp`: a `${…}`/`%{…}` its `}` closes. */
  | { type: "code"; open: string[]; interp: boolean }
  | { type: "string" }
  /** Its content lines are `[first, close)`, its closing line starts at `end`; `flush`: `<<-`. */
  | { type: "heredoc"; marker: string; end: number; first: number; close: number; flush: boolean };

const HEREDOC = /<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n/y;

/**
 * How much of the file's text the heredoc rules may be handed, in times the file's length (plus
 * 16 MB, tens of milliseconds): each token is judged with the text of its whole line, so a long
 * line holding thousands of tokens was read once per token (10,000 tokens on a 0.5 MB line: 35 s,
 * four times that at twice the size). Past it, a token in a heredoc is refused as not judged,
 * never let through; real files are far below (a few tokens on a line of a few kilobytes).
 */
const HEREDOC_READS = 4;

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
  /** The file's lines, read when the first heredoc opens. */
  let lines: HclLines | undefined;
  /** What the heredoc rules may still be handed (see HEREDOC_READS). */
  let budget = HEREDOC_READS * text.length + 2 ** 24;
  /** The last token's lines in a heredoc (a long line with many tokens is looked for once). */
  let span = { from: -1, to: -1, first: 0, last: 0 };
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
      lines ??= new HclLines(text);
      const first = lines.lineOf(start);
      const close = lines.closing(intro[2]!, first);
      if (close === undefined) return false; // never closed
      frames.push({
        type: "heredoc",
        marker: intro[2]!,
        end: lines.start(close),
        first,
        close,
        flush: intro[1] === "-",
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
      if (!(token.start >= span.from && token.end <= span.to)) {
        const first = lines!.lineOf(token.start);
        const last = lines!.lineOf(token.end);
        span = {
          from: lines!.start(first),
          to: lineTextEnd(text, lines!.start(last)),
          first,
          last,
        };
      }
      budget -= span.to - span.from;
      if (budget < 0) return { kind: "hcl-unjudged" };
      let flush: { least: number; others: number } | undefined;
      if (frame.flush) {
        flush = {
          least: lines!.leastIndent(frame.first, frame.close),
          others: Math.min(
            lines!.leastIndent(frame.first, span.first),
            lines!.leastIndent(span.last + 1, frame.close),
          ),
        };
      }
      return {
        kind: "hcl-heredoc",
        marker: frame.marker,
        lead: text.slice(span.from, token.start),
        rest: text.slice(token.end, span.to),
        flush,
      };
    }
    return standsAlone(text, token, frame.open) ? { kind: "hcl-bare" } : undefined;
  }
};
