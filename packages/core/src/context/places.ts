/**
 * Where a token stands in a document of a known kind, as the lexers of this directory find it.
 * Each kind of place says what a plaintext spliced there cannot hold (see `rules.ts`).
 */

/** The file kinds whose places s5 can tell from their text. */
export const DOCUMENT_KINDS = ["json", "yaml", "env"] as const;

/** A file kind whose places s5 can tell: from its name (see `documentKind`), or given. */
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export type Place =
  /** A YAML plain (unquoted) scalar; `atStart`: the token begins it; `flow`: inside `[…]`/`{…}`. */
  | { kind: "yaml-plain"; atStart: boolean; flow: boolean; column0: boolean }
  | { kind: "yaml-single" }
  | { kind: "yaml-double" }
  /** A content line of a block scalar (`|`, `>`) whose lines are indented by `indent` spaces. */
  | { kind: "yaml-block"; indent: number }
  | { kind: "yaml-comment" }
  | { kind: "json-string" }
  /** Outside a string, alone between separators (`"port": {{ s5:… }},`). */
  | { kind: "json-bare" }
  | { kind: "json-line-comment" }
  | { kind: "json-block-comment" }
  /** An unquoted `.env` value; `atStart`: only white space before the token in the value. */
  | { kind: "env-unquoted"; atStart: boolean }
  /** A quoted `.env` value; `beforeClose`: the token ends right at the closing quote. */
  | { kind: "env-quoted"; quote: "'" | '"' | "`"; beforeClose: boolean }
  | { kind: "env-comment" };

/** A token's span in the text (byte offsets for a byte source viewed as latin1). */
export interface Span {
  start: number;
  end: number;
}

/**
 * Finds the place of every token, in one pass over the text. `undefined` where the place cannot be
 * told for sure (text the lexer cannot follow): such a token is not judged.
 */
export type Lexer = (text: string, tokens: readonly Span[]) => (Place | undefined)[];

export const isLineBreak = (code: number): boolean => code === 0x0a || code === 0x0d;
export const isBlank = (code: number): boolean => code === 0x20 || code === 0x09;

export const HASH = 0x23;

/** The offset of the line break (or the text's end) that ends the line holding `from`. */
export function lineEnd(text: string, from: number): number {
  let at = from;
  while (at < text.length && !isLineBreak(text.charCodeAt(at))) at++;
  return at;
}
