/**
 * Places in YAML, found by following the document from its start as far as a place needs: block
 * scalars (`|`, `>`) by their lines' indentation, quoted scalars, flow collections (`[…]`, `{…}`),
 * comments, and where a node may begin (after `- `, `? `, `: `, at a line's start, after `[`, `{`,
 * `,`). Tokens are opaque scalar text. Not a YAML parser: where the text stops making sense to it
 * (a `]` with no `[`, a block scalar header followed by text, an escape over a token's start), the
 * places of the tokens after are not told. A template's `{{ … }}` (Helm's) that is no token is
 * read as text of a plain scalar.
 */
import { HASH, isBlank, isLineBreak, type Lexer, lineEnd, type Place } from "./places.ts";

/** Inside a plain scalar, the characters that may end it or begin something: all others are text. */
const PLAIN_STOP = new Uint8Array(128);
for (const char of ":#{}[],\n\r") PLAIN_STOP[char.charCodeAt(0)] = 1;

const isFlowIndicator = (code: number) =>
  code === 0x2c || code === 0x5b || code === 0x5d || code === 0x7b || code === 0x7d;

/** White space, a line break or the end of the text. */
const blankOrEnd = (code: number) => Number.isNaN(code) || isBlank(code) || isLineBreak(code);

/** The end of a block scalar header (`|`, `>`, `|2-`, `>+ # note`) at `at`, or -1 if more follows. */
function headerEnd(text: string, at: number): number {
  let end = at + 1;
  while (/[1-9+-]/.test(text[end] ?? "")) end++;
  while (isBlank(text.charCodeAt(end))) end++;
  if (text.charCodeAt(end) === HASH && isBlank(text.charCodeAt(end - 1))) {
    while (end < text.length && !isLineBreak(text.charCodeAt(end))) end++;
  }
  return end >= text.length || isLineBreak(text.charCodeAt(end)) ? end : -1;
}

export const yamlPlaces: Lexer = (text, tokens) => {
  const places: (Place | undefined)[] = new Array(tokens.length).fill(undefined);
  let k = 0;
  let at = 0;
  let lineStart = 0;
  let indent = 0;
  /** Open flow collections. */
  let flow = 0;
  /** The open quote of a quoted scalar, or "". */
  let quote = "";
  /** A node may begin here. */
  let nodeStart = true;
  /** The previous character was white space (a `#` after it starts a comment). */
  let afterBlank = true;
  /** Inside a block scalar: the header line's indentation, and its content's once known. */
  let block: { parent: number; content: number | undefined } | undefined;

  /** Moves to the start of the next line and reads what starts it. Returns false at the end. */
  const nextLine = (): void => {
    if (text.charCodeAt(at) === 0x0d && text.charCodeAt(at + 1) === 0x0a) at += 2;
    else at++;
    lineStart = at;
    afterBlank = true;
    if (quote === "" && flow === 0) nodeStart = true;
  };

  while (k < tokens.length) {
    const token = tokens[k]!;
    if (at > token.start) break; // lost: the tokens from here keep no place
    if (at === lineStart && quote === "") {
      indent = 0;
      while (text.charCodeAt(lineStart + indent) === 0x20) indent++;
      let first = lineStart + indent;
      while (isBlank(text.charCodeAt(first))) first++;
      const empty = first >= text.length || isLineBreak(text.charCodeAt(first));
      if (block && !empty) {
        block.content ??= indent > block.parent ? indent : undefined;
        if (block.content === undefined || indent < block.content) block = undefined;
      }
      if (block) {
        const end = lineEnd(text, at);
        while (k < tokens.length && tokens[k]!.start < end) {
          places[k] = { kind: "yaml-block", indent: block.content ?? indent };
          at = tokens[k]!.end;
          k++;
        }
        at = Math.max(at, end);
        if (at < text.length) nextLine();
        else break;
        continue;
      }
      if (
        flow === 0 &&
        indent === 0 &&
        /^(?:---|\.\.\.)(?:[ \t\r\n]|$)/.test(text.slice(at, at + 4))
      ) {
        at += 3;
        nodeStart = true;
        continue;
      }
      if (flow === 0 && indent === 0 && text.charCodeAt(at) === 0x25) {
        at = lineEnd(text, at); // a directive (%YAML, %TAG)
        continue;
      }
    }
    if (at === token.start) {
      places[k] = placeOf();
      at = token.end;
      k++;
      if (quote === "") nodeStart = false;
      afterBlank = false;
      continue;
    }
    if (at >= text.length) break;
    const code = text.charCodeAt(at);
    if (isLineBreak(code)) {
      nextLine();
      continue;
    }
    if (quote === "" && !nodeStart && !PLAIN_STOP[code]) {
      // Inside a plain scalar: run to the next character that may matter (most of a file).
      const stop = Math.min(token.start, text.length);
      let c = code;
      do {
        afterBlank = isBlank(c);
        at++;
        c = text.charCodeAt(at);
      } while (at < stop && !PLAIN_STOP[c]);
      continue;
    }
    if (quote === "'") {
      if (code === 0x27) {
        if (text.charCodeAt(at + 1) === 0x27) at++;
        else quote = "";
      }
      at++;
      continue;
    }
    if (quote === '"') {
      if (code === 0x5c) at++;
      else if (code === 0x22) quote = "";
      at++;
      continue;
    }
    if (isBlank(code)) {
      afterBlank = true;
      at++;
      continue;
    }
    if (code === HASH && afterBlank) {
      const end = lineEnd(text, at);
      while (k < tokens.length && tokens[k]!.start < end) {
        places[k] = { kind: "yaml-comment" };
        k++;
      }
      at = end;
      continue;
    }
    afterBlank = false;
    const next = text.charCodeAt(at + 1);
    if (code === 0x7b && next === 0x7b) {
      // A template's action (Helm: `{{ .Values.x }}`, `{{- if … }}`) is text to this lexer.
      const close = text.indexOf("}}", at + 2);
      if (close === -1 || close + 2 > token.start) break;
      at = close + 2;
      nodeStart = false;
      continue;
    }
    if (nodeStart) {
      if (
        (code === 0x2d && flow === 0 && blankOrEnd(next)) ||
        ((code === 0x3f || code === 0x3a) &&
          (blankOrEnd(next) || (flow > 0 && isFlowIndicator(next))))
      ) {
        at++; // `- `, `? `, `: `: a node begins after it
        continue;
      }
      if (code === 0x27 || code === 0x22) {
        quote = text[at]!;
        nodeStart = false;
        at++;
        continue;
      }
      if (code === 0x5b || code === 0x7b) {
        flow++;
        at++;
        continue;
      }
      if (flow === 0 && (code === 0x7c || code === 0x3e)) {
        const end = headerEnd(text, at);
        if (end === -1) break;
        block = { parent: indent, content: undefined };
        const explicit = /[1-9]/.exec(text.slice(at + 1, at + 3));
        if (explicit) block.content = indent + Number(explicit[0]);
        at = end;
        continue;
      }
      if (code === 0x26 || code === 0x21) {
        // An anchor or a tag: the node follows it.
        while (
          at < text.length &&
          !blankOrEnd(text.charCodeAt(at)) &&
          !(flow > 0 && isFlowIndicator(text.charCodeAt(at)))
        )
          at++;
        continue;
      }
    }
    if (flow > 0 && (code === 0x5d || code === 0x7d)) {
      flow--;
      nodeStart = false;
      at++;
      continue;
    }
    if (flow > 0 && code === 0x2c) {
      nodeStart = true;
      at++;
      continue;
    }
    if (code === 0x3a && (blankOrEnd(next) || (flow > 0 && isFlowIndicator(next)))) {
      nodeStart = true;
      at++;
      continue;
    }
    // A `]` or `}` where a node begins, with no collection open: not YAML the lexer follows.
    if (nodeStart && flow === 0 && (code === 0x5d || code === 0x7d)) break;
    nodeStart = false;
    at++;
  }
  return places;

  function placeOf(): Place {
    if (quote === "'") return { kind: "yaml-single" };
    if (quote === '"') return { kind: "yaml-double" };
    return { kind: "yaml-plain", atStart: nodeStart, flow: flow > 0, column0: at === lineStart };
  }
};
