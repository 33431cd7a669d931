/**
 * Where a token stands in a document of a known kind, as the lexers of this directory find it.
 * Each kind of place says what a plaintext spliced there cannot hold (see `rules.ts`).
 */

/** The file kinds whose places s5 can tell from their text. */
export const DOCUMENT_KINDS = ["json", "yaml", "env", "hcl", "toml"] as const;

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
  /** `template`: a string OpenTofu reads as a template (`.tf.json`), where `${` and `%{` run. */
  | { kind: "json-string"; template?: boolean }
  /** Outside a string, alone between separators (`"port": {{ s5:… }},`). */
  | { kind: "json-bare" }
  | { kind: "json-line-comment" }
  | { kind: "json-block-comment" }
  /** An unquoted `.env` value; `atStart`: only white space before the token in the value. */
  | { kind: "env-unquoted"; atStart: boolean }
  /** A quoted `.env` value; `beforeClose`: the token ends right at the closing quote. */
  | { kind: "env-quoted"; quote: "'" | '"' | "`"; beforeClose: boolean }
  | { kind: "env-comment" }
  /** In an HCL quoted string: the file's character before the token and two after it. */
  | { kind: "hcl-string"; before: string; after: string }
  /**
   * A heredoc's line (`<<EOT`, `<<-EOT`) ending at a line that is `marker`; `lead` and `rest`:
   * the file's text on the token's lines before and after it. `flush` (`<<-`): the least
   * indentation of its lines as the file has them, and of the lines the token is not on.
   */
  | {
      kind: "hcl-heredoc";
      marker: string;
      lead: string;
      rest: string;
      flush: { least: number; others: number } | undefined;
    }
  /** An HCL expression alone between separators (`port = {{ s5:… }}`, `[a, {{ s5:… }}]`). */
  | { kind: "hcl-bare" }
  /**
   * In an HCL heredoc, past what the file's size allows to spend judging it (see `HEREDOC_READS`
   * in `hcl.ts`): refused, never let through unjudged.
   */
  | { kind: "hcl-unjudged" }
  | { kind: "hcl-line-comment" }
  | { kind: "hcl-block-comment" }
  | { kind: "toml-basic" }
  | { kind: "toml-literal" }
  /**
   * In a multi-line string (`quote`: `"` for `"""…"""`, `'` for `'''…'''`): the quotes of its
   * text right before the token and right after it (the closing delimiter among them when 3 or
   * more), whether the token follows the opening delimiter, and the file's character after it.
   */
  | {
      kind: "toml-multiline";
      quote: '"' | "'";
      quotesBefore: number;
      quotesAfter: number;
      atOpen: boolean;
      after: string;
    }
  /** A TOML value alone where a value goes (`port = {{ s5:… }}`, `[1, {{ s5:… }}]`). */
  | { kind: "toml-bare" }
  | { kind: "toml-comment" };

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
