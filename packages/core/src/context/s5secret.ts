/**
 * The tokens an s5 controller decrypts one by one: the values of `spec.data` and `spec.stringData`
 * of an `S5Secret` (`apiVersion: s5.dev/v1alpha1`). The controller reads each such value as a
 * string and decrypts it into the Secret's data; nothing splices it into YAML, so its place in
 * the file is not what decides whether it lands whole.
 *
 * Told only for documents written in the one shape `s5 k8s wrap` writes, read line by line: a
 * block map at column 0 whose `apiVersion` and `kind` are those words, unquoted; every other line
 * a comment, or a `key:` opening a deeper map, or a `key: value` whose value is a one-line quoted
 * string (or a plain word without tokens); a token counts when it stands inside such a quoted
 * string under `spec.data` or `spec.stringData`. Anything else in the document — flow style, a
 * block scalar, a sequence, an anchor, a tag, a duplicate key, a quoted `kind`, a string over
 * several lines, a tab in an indentation, a line break YAML 1.1 counts (NEL, LS, PS), a `...` —
 * and none of its tokens count: `check` judges them as any YAML place, and `render` refuses every
 * token of a document that names the kind and the group in any shape (`s5SecretDocuments`).
 * Documents are cut at the lines kubectl cuts at (`---`, alone or with a comment), and where a
 * byte-order mark starts a line past the first, before one or not (files joined: see
 * `joinMarks`); documents joined without `---` are one S5Secret when their keys together name
 * one, as kubectl reads them.
 */
import { isPlaceholder } from "../secrets.ts";
import type { Span } from "./places.ts";

const API_VERSION = "s5.dev/v1alpha1";
const KIND = "S5Secret";
/** The API group, as `apiVersion` starts. */
const GROUP = "s5.dev/";

/** A key as `wrap` and people write them: a Secret's data keys (`tls.key`, `.dockerconfigjson`), labels. */
const KEY = /^( *)([A-Za-z0-9._/-]+):(?=[ \t]|$)/;
/** What a plain value cannot begin with (YAML's indicators) or hold (`: `, a tab, a template). */
const PLAIN_BAD_START = /^[-?:,[\]{}#&*!|>'"%@`\\]/;
const PLAIN_BAD = /:(?:[ \t]|$)|\t|\{\{/;
/** Line breaks YAML 1.1 readers (go-yaml, which kubectl uses) count besides LF and CR. */
const OTHER_BREAKS = /\u0085|\u2028|\u2029|\xe2\x80[\xa8\xa9]/;
/** A document marker line as kubectl's reader splits on it: `---`, then nothing or a comment. */
const MARKER = /^---[ \t]*(?:#.*)?$/;
const END_MARKER = /^\.\.\.(?:[ \t]|$)/;
const REST_OK = /^(?:[ \t]*|[ \t]+#.*)$/;

interface Line {
  start: number;
  end: number;
}

/** The lines of `text` (LF, CR LF and CR end one, as in YAML). */
function linesOf(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (let at = 0; at <= text.length; at++) {
    const code = text.charCodeAt(at);
    if (at < text.length && code !== 0x0a && code !== 0x0d) continue;
    lines.push({ start, end: at });
    if (code === 0x0d && text.charCodeAt(at + 1) === 0x0a) at++;
    start = at + 1;
  }
  return lines;
}

/**
 * The end of a quoted scalar opening at `open` in `line` (after its closing quote), skipping
 * tokens, which are opaque text; -1 when it does not close on the line. `inside` hears of every
 * token it holds.
 */
function quotedEnd(
  line: string,
  offset: number,
  open: number,
  tokens: readonly Span[],
  inside: (k: number) => void,
  from: number,
): number {
  const quote = line[open];
  let k = from;
  for (let at = open + 1; at < line.length; at++) {
    while (k < tokens.length && tokens[k]!.start < offset + at) k++;
    if (k < tokens.length && tokens[k]!.start === offset + at) {
      inside(k);
      at = tokens[k]!.end - offset - 1;
      continue;
    }
    const char = line[at];
    if (quote === '"' && char === "\\") {
      at++;
      continue;
    }
    if (char !== quote) continue;
    if (quote === "'" && line[at + 1] === "'") {
      at++;
      continue;
    }
    return at + 1;
  }
  return -1;
}

/** One value of an S5Secret's `spec.data` or `spec.stringData`, as a one-line quoted string. */
interface ValueSpan {
  field: "data" | "stringData";
  key: string;
  /** The offsets of its opening quote and of its closing quote. */
  open: number;
  close: number;
  /** The indexes of the tokens it holds. */
  tokens: number[];
}

/** One document read in the shape: its values under `spec.data`/`spec.stringData`, its top keys. */
interface Shaped {
  found: ValueSpan[];
  /** Where its `spec.data`/`spec.stringData` values that hold no token start (not empty ones). */
  clear: number[];
  /** The root map's keys, with their plain values ("" for a quoted one). */
  top: Map<string, string>;
}

/**
 * A value that is no secret of its own: empty, a null, a placeholder, or a template or reference
 * whose value is elsewhere (a Helm chart's `"{{ .Values.password }}"`, `${DB_PASSWORD}`).
 */
function isReference(value: string): boolean {
  return isPlaceholder(value) || value.includes("{{") || value.includes("${");
}

/** Whether root keys name an S5Secret (`apiVersion` and `kind` as `wrap` writes them). */
function isS5Secret(top: ReadonlyMap<string, string>): boolean {
  return top.get("apiVersion") === API_VERSION && top.get("kind") === KIND;
}

/** The values of one document (`lines`) under `spec.data`/`spec.stringData`; undefined if not this shape. */
function documentValues(
  text: string,
  lines: readonly Line[],
  tokens: readonly Span[],
): Shaped | undefined {
  const first = lines[0];
  const last = lines.at(-1);
  if (!first || !last) return;
  // A token over a line break: the document is not read line by line here.
  let k = 0;
  while (k < tokens.length && tokens[k]!.end <= first.start) k++;
  for (let j = k; j < tokens.length && tokens[j]!.start < last.end; j++) {
    if (/[\n\r]/.test(text.slice(tokens[j]!.start, tokens[j]!.end))) return;
  }
  if (OTHER_BREAKS.test(text.slice(first.start, last.end))) return;
  /** Open maps: the indentation of their keys (the root's: 0), their path and keys seen. */
  const maps: { indent: number; path: string; keys: Set<string> }[] = [
    { indent: 0, path: "", keys: new Set() },
  ];
  /** A `key:` opened a map on the line before, whose keys are not seen yet. */
  let opened: string | undefined;
  const top = new Map<string, string>();
  const found: ValueSpan[] = [];
  const clear: number[] = [];
  for (const { start, end } of lines) {
    const line = text.slice(start, end);
    if (/^[ \t]*(?:#.*)?$/.test(line)) continue; // blank, or a comment
    const key = KEY.exec(line);
    if (!key) return;
    const indent = key[1]!.length;
    const name = key[2]!;
    if (opened !== undefined && indent > maps.at(-1)!.indent) {
      const parent = maps.at(-1)!;
      maps.push({ indent, path: `${parent.path}${opened}.`, keys: new Set() });
    } else {
      while (maps.length > 1 && maps.at(-1)!.indent > indent) maps.pop();
    }
    opened = undefined;
    const map = maps.at(-1)!;
    // Deeper than its map's keys (a continuation line) or between two levels: not this shape.
    if (map.indent !== indent || map.keys.has(name)) return;
    map.keys.add(name);
    let at = key[0].length;
    while (line[at] === " " || line[at] === "\t") at++;
    const rest = line.slice(at);
    // `key:`, alone or with a comment (the KEY pattern saw white space after the colon).
    if (rest === "" || rest[0] === "#") {
      opened = name;
      continue;
    }
    while (k < tokens.length && tokens[k]!.start < start + at) {
      // A token in a key: not this shape.
      if (tokens[k]!.start >= start) return;
      k++;
    }
    const field =
      map.path === "spec.data." ? "data" : map.path === "spec.stringData." ? "stringData" : "";
    if (rest[0] === '"' || rest[0] === "'") {
      const inside: number[] = [];
      const close = quotedEnd(line, start, at, tokens, (t) => inside.push(t), k);
      if (close === -1 || !REST_OK.test(line.slice(close))) return;
      if (field !== "" && inside.length > 0) {
        found.push({
          field,
          key: name,
          open: start + at,
          close: start + close - 1,
          tokens: inside,
        });
      } else if (field !== "" && !isReference(line.slice(at, close))) clear.push(start + at);
      if (maps.length === 1) top.set(name, "");
    } else {
      const plain = rest.replace(/[ \t]+#.*$/, "").trimEnd();
      if (PLAIN_BAD_START.test(plain) || PLAIN_BAD.test(plain)) return;
      if (maps.length === 1) top.set(name, plain);
      if (field !== "" && !isReference(plain)) clear.push(start + at);
    }
    // Tokens after the value on this line stand in its comment.
    while (k < tokens.length && tokens[k]!.start < end) k++;
  }
  return { found, top, clear };
}

/**
 * A document's first line without a byte-order mark (a Windows editor's; U+FEFF, or its UTF-8
 * bytes in a byte source): kubectl's YAML reader skips one at the start of each document, so the
 * controller decrypts that S5Secret as any other.
 */
function afterMark(text: string, line: Line): Line {
  const mark = text.startsWith("\ufeff", line.start)
    ? 1
    : text.startsWith("\xef\xbb\xbf", line.start)
      ? 3
      : 0;
  return { start: Math.min(line.start + mark, line.end), end: line.end };
}

/** Whether `line`, past the file's first, begins with a byte-order mark. */
function markedLine(text: string, line: Line): boolean {
  return line.start > 0 && afterMark(text, line).start !== line.start;
}

/** A line past the first that begins with a byte-order mark (see {@link joinMarks}). */
export interface JoinMark {
  /** The line's offset. */
  at: number;
  /** `---` follows the mark. */
  marker: boolean;
}

/**
 * The lines past the first that begin with a byte-order mark: files a Windows editor saved,
 * joined. Before `---` (`marker`), YAML 1.2 allows it, but no reader s5 knows does — kubectl's
 * (go-yaml) skips it and then reads `---` as text, so the whole file fails (`could not find
 * expected ':'`), as it does in go-yaml v3, the `yaml` package and PyYAML. Without `---`, kubectl's
 * reader (apimachinery v0.35.2) and PyYAML take both files as one object, the keys after the mark
 * replacing those before (and one key named with the mark); go-yaml v3 and the `yaml` package
 * refuse the duplicate keys. `s5 check` says where; the documents are cut there all the same, so
 * that `render` refuses an S5Secret's values whichever way the file is read. A mark after
 * indentation is text of a block scalar, not a join.
 */
export function joinMarks(text: string): JoinMark[] {
  const found: JoinMark[] = [];
  if (text.indexOf("\ufeff", 1) === -1 && text.indexOf("\xef\xbb\xbf", 1) === -1) return found;
  for (const line of linesOf(text)) {
    if (!markedLine(text, line)) continue;
    const from = afterMark(text, line).start;
    const marker = /^---(?:[ \t]|$)/.test(text.slice(from, Math.min(line.end, from + 4)));
    found.push({ at: line.start, marker });
  }
  return found;
}

/** The values an s5 controller decrypts one by one, in every document told (see above). */
function valueSpans(text: string, tokens: readonly Span[]): ValueSpan[] {
  return readS5Secrets(text, tokens).values;
}

/**
 * Where the values of the S5Secrets told (see above) that hold no token start: an S5Secret's data
 * is a Secret's, and `s5 k8s wrap` warns of each such value that it is plaintext in the file;
 * `s5 check` reports them too, so that the hook does not commit them.
 */
export function clearS5SecretValues(text: string, tokens: readonly Span[]): number[] {
  return readS5Secrets(text, tokens).clear;
}

/** {@link valueSpans}, and the values without a token of the same documents. */
function readS5Secrets(
  text: string,
  tokens: readonly Span[],
): { values: ValueSpan[]; clear: number[] } {
  const values: ValueSpan[] = [];
  const clear: number[] = [];
  if (!text.includes(KIND)) return { values, clear };
  let document: Line[] = [];
  let spoilt = false;
  // Documents cut by a mark without `---` (files joined): kubectl reads them as one object, the
  // keys of the later ones replacing the earlier's, so an S5Secret's `apiVersion` and `kind` in
  // one stand for all of them (the second file's `spec:` after the first's head). Each is
  // read in the shape on its own; told when any one, or their keys together, name an S5Secret.
  let joined: Shaped[] = [];
  const end = (join = false) => {
    const shaped = spoilt ? undefined : documentValues(text, document, tokens);
    if (shaped) joined.push(shaped);
    document = [];
    spoilt = false;
    if (join) return;
    const merged = new Map(joined.flatMap((part) => [...part.top]));
    if (isS5Secret(merged) || joined.some((part) => isS5Secret(part.top))) {
      for (const part of joined) {
        values.push(...part.found);
        clear.push(...part.clear);
      }
    }
    joined = [];
  };
  for (const line of linesOf(text)) {
    // A mark before `---` cuts too (see `joinMarks`): told either way, a value is refused.
    const shown = text.slice(afterMark(text, line).start, line.end);
    if (MARKER.test(shown)) end();
    else if (shown.startsWith("---") && /^---(?:[ \t]|$)/.test(shown)) {
      // Content on the marker's line (`--- {…}`, `--- !tag`): the next document is not this shape.
      end();
      spoilt = true;
    } else {
      // A mark that starts a line without `---`: files joined (see `joinMarks`); cut there too,
      // after a marker with content as well: the mark starts yet another document.
      if (markedLine(text, line)) end(true);
      // `...` ends a document where kubectl does not cut: what follows it is read by neither alike.
      if (END_MARKER.test(shown)) spoilt = true;
      document.push(document.length === 0 ? afterMark(text, line) : line);
    }
  }
  end();
  return { values, clear };
}

/**
 * For each token, whether an s5 controller decrypts it as one value of an S5Secret (see above);
 * undefined when none is.
 */
export function controllerValues(text: string, tokens: readonly Span[]): boolean[] | undefined {
  const values = valueSpans(text, tokens);
  if (values.length === 0) return undefined;
  const flags: boolean[] = new Array(tokens.length).fill(false);
  for (const value of values) for (const j of value.tokens) flags[j] = true;
  return flags;
}

/**
 * What a Secret's `data` holds: base64, padded, nothing else (no line breaks, no spaces). The s5
 * controller refuses an S5Secret whose `spec.data` value is not this once decrypted
 * (S5_K8S_DATA_BASE64), and `s5 check` says so first, by the same rule.
 */
export function isSecretData(value: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value);
}

/** A `spec.data` value: its key, and its text as pieces — literal text, or a token's index. */
export interface DataValue {
  key: string;
  /** The first token's index (where a problem is reported). */
  first: number;
  /** Undefined when its literal text is not read here (a double-quoted string with an escape). */
  pieces: (string | number)[] | undefined;
}

/**
 * The `spec.data` values an s5 controller decrypts, with the text around their tokens as YAML
 * reads it: in a single-quoted string `''` is one quote; a double-quoted one with a `\` escape is
 * not decoded here (an escape may stand for a base64 character), so its value is not judged.
 */
export function controllerDataValues(text: string, tokens: readonly Span[]): DataValue[] {
  return valueSpans(text, tokens)
    .filter((value) => value.field === "data")
    .map((value) => {
      const quote = text[value.open];
      const pieces: (string | number)[] = [];
      let at = value.open + 1;
      let readable = true;
      const literal = (end: number) => {
        const part = text.slice(at, end);
        if (quote === '"' && part.includes("\\")) readable = false;
        if (part !== "") pieces.push(quote === "'" ? part.replaceAll("''", "'") : part);
      };
      for (const j of value.tokens) {
        literal(tokens[j]!.start);
        pieces.push(j);
        at = tokens[j]!.end;
      }
      literal(value.close);
      return { key: value.key, first: value.tokens[0]!, pieces: readable ? pieces : undefined };
    });
}

/** A YAML document: `from` is where the line that opened it starts (0 for the first). */
interface Document {
  from: number;
  start: number;
  end: number;
}

/** The YAML documents of `text`, cut where kubectl cuts and at a join's mark. */
function documentsOf(text: string): Document[] {
  const documents: Document[] = [];
  let open = { from: 0, start: 0 };
  for (const line of linesOf(text)) {
    const from = afterMark(text, line).start;
    const marker = /^---(?:[ \t]|$)/.test(text.slice(from, Math.min(line.end, from + 4)));
    // A mark that starts a line without `---` begins the next document on that line.
    if (!marker && !markedLine(text, line)) continue;
    documents.push({ ...open, end: line.start });
    open = { from: line.start, start: marker ? line.end : line.start };
  }
  documents.push({ ...open, end: text.length });
  return documents;
}

/** The index in `documents` of the document holding offset `at`. */
function documentIndex(documents: readonly Document[], at: number): number {
  let index = 0;
  while (index + 1 < documents.length && documents[index + 1]!.from <= at) index++;
  return index;
}

/**
 * Whether the document holding offset `at` names an S5Secret anywhere (in a comment too): then a
 * refusal's hint must not say `| yaml`, which the controller would keep in the Secret's value.
 */
export function mentionsS5Secret(text: string, at: number): boolean {
  if (!text.includes(KIND)) return false;
  const documents = documentsOf(text);
  const { start, end } = documents[documentIndex(documents, at)]!;
  return text.slice(start, end).includes(KIND);
}

/**
 * For an offset, whether its YAML document (the whole text for JSON) names both the kind and the
 * API group of an S5Secret, in whatever shape: flow style, JSON, an item of a `List`, a comment.
 * Its tokens are an S5Secret's values, or near enough to one that rendering them could put a
 * plaintext into an object Kubernetes does not guard as a Secret; the block shape `s5 k8s wrap`
 * writes is told exactly (`controllerValues`), this is the rest. The documents are cut once.
 */
export function s5SecretDocuments(text: string, json: boolean): (at: number) => boolean {
  if (!text.includes(KIND) || !text.includes(GROUP)) return () => false;
  if (json) return () => true;
  const documents = documentsOf(text);
  const named = documents.map(({ start, end }) => {
    const document = text.slice(start, end);
    return document.includes(KIND) && document.includes(GROUP);
  });
  return (at) => named[documentIndex(documents, at)]!;
}
