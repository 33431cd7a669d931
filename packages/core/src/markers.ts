/**
 * Seal markers: plaintext marked for encryption, which `s5 seal` and `s5 edit` turn into tokens.
 *
 *   marker = "{{" ws* "s5:seal" ws+ value ws* ( "|" ws* filter ws* )* "}}"
 *   value  = JSON-STRING            any value, JSON escapes (\n, \", \\, \u…)
 *          / bare                   text up to `|`, `}}` or the end of the line, trimmed
 *
 * `{{ s5:seal hunter2 }}` and `{{ s5:seal "two\nlines" | base64 }}` are markers. A bare value cannot
 * hold `|`, `}}`, a newline, or start with `"`; the JSON form holds anything. A bare value that
 * seems to hold one (`a|raw` with no space before `|`, or a `}}` later on the line that no `{{`
 * opened) is refused rather than sealed in part.
 */

import { UNICODE_SPACE_CLASS } from "./scan.ts";

export interface MarkerMatch {
  start: number;
  end: number;
  /** The plaintext the marker holds. */
  value: string;
  filters: string[];
}

export interface MarkerScan {
  markers: MarkerMatch[];
  malformed: { start: number; end: number; reason: string }[];
}

const OPEN = /\{\{[ \t\r\n\f]*s5:seal(?=[ \t\r\n\f])/g;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0c;
}

/** The grammar's white space at both ends removed (a Unicode space is not white space). */
function trimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** A Unicode space (or an invisible one) at either end of a value: the scanner's list. */
const EDGE_SPACE = new RegExp(`^${UNICODE_SPACE_CLASS}|${UNICODE_SPACE_CLASS}$`);

/** Half of a UTF-16 pair without its other half: no character, so no UTF-8 to seal. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A character that would go on a value: a letter or a digit of any script. Inside a function, as
 * the `\p{…}` expressions below: V8 reads Unicode's tables when it creates one (~5 million
 * instructions each, counted with callgrind), which a start that never seals need not pay.
 */
const isWordChar = (c: string) => /^[\p{L}\p{N}]$/u.test(c);

function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Reads a JSON string literal starting at `at` (a `"`); returns its end, or -1 at a newline/EOF. */
function jsonStringEnd(text: string, at: number): number {
  let i = at + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code === 0x0a) return -1;
    i += code === 0x5c ? 2 : 1;
  }
  return -1;
}

const TRIM_MARK =
  'a bare value ends with ` -` or ` ~` against `}}`, like a template\'s trim mark (`-}}`): remove the mark, or write the value quoted, {{ s5:seal "…" }}';

/** A bare value that ends with a space, then `-` or `~`, right before the `}}` at `end`. */
function trimMarkAt(text: string, end: number): boolean {
  const last = text.charCodeAt(end - 1);
  return (
    text.startsWith("}}", end) &&
    (last === 0x2d || last === 0x7e) &&
    isSpace(text.charCodeAt(end - 2))
  );
}

/** Why a bare value that holds `|` or `}}` is refused: sealing part of it would leave the rest. */
const CUT =
  'a bare value cannot hold `|` or `}}`, and this one seems to: write the value quoted, {{ s5:seal "…" }}';

/**
 * Whether the line goes on with a `}}` that no `{{` opened (`{{ s5:seal ab}}cd }}`): the value held
 * `}}`. Scans only up to the next `}}`, so many markers on one long line stay linear.
 */
function strayClose(text: string, from: number): boolean {
  const close = text.indexOf("}}", from);
  if (close === -1) return false;
  for (let i = from; i < close; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a) return false;
    if (code === 0x7b && text.charCodeAt(i + 1) === 0x7b) return false;
  }
  return true;
}

/** Finds every seal marker. Linear: a failed marker resumes where reading stopped. Never throws. */
export function scanMarkers(text: string): MarkerScan {
  const markers: MarkerMatch[] = [];
  const malformed: MarkerScan["malformed"] = [];
  OPEN.lastIndex = 0;
  for (let open = OPEN.exec(text); open; open = OPEN.exec(text)) {
    const start = open.index;
    let at = skipSpace(text, OPEN.lastIndex);
    let value: string | undefined;
    let reason: string | undefined;
    let bare = false;
    if (text.charCodeAt(at) === 0x22) {
      const end = jsonStringEnd(text, at);
      if (end < 0) reason = "the quoted value is not closed on its line";
      else {
        try {
          value = JSON.parse(text.slice(at, end)) as string;
          if (LONE_SURROGATE.test(value)) {
            reason = "the quoted value holds a lone surrogate (`\\ud800`…), which is not text";
          }
        } catch {
          reason = "the quoted value is not a valid JSON string";
        }
        at = end;
      }
    } else {
      let end = at;
      while (end < text.length) {
        const code = text.charCodeAt(end);
        if (code === 0x7c || code === 0x0a || (code === 0x7d && text.charCodeAt(end + 1) === 0x7d))
          break;
        end++;
      }
      value = trimSpace(text.slice(at, end));
      if (value === "") reason = "the marker has no value";
      else if (text.charCodeAt(end) === 0x7c && !isSpace(text.charCodeAt(end - 1))) {
        // `a|raw`: a filter needs a space before its `|`, so this `|` is part of the value.
        reason = CUT;
      } else if (EDGE_SPACE.test(value)) {
        // Kept or dropped, either would be a guess about the secret.
        reason =
          'a bare value starts or ends with a Unicode space (such as a non-breaking space): remove it, or write the value quoted, {{ s5:seal "…" }}';
      } else if (
        text.startsWith("}}", end) &&
        !isSpace(text.charCodeAt(end - 1)) &&
        isWordChar(text[end + 2] ?? "")
      ) {
        // `{{ s5:seal abc}}def`: the value seems to go on after `}}`.
        reason = CUT;
      } else if (trimMarkAt(text, end)) {
        // `{{ s5:seal hunter2 -}}`: a template's trim mark out of habit, or the value's last
        // character? Sealing `hunter2 -` would be a guess about the secret.
        reason = TRIM_MARK;
      }
      bare = true;
      at = end;
    }
    const filters: string[] = [];
    at = skipSpace(text, at);
    while (reason === undefined && text.charCodeAt(at) === 0x7c) {
      at = skipSpace(text, at + 1);
      const nameStart = at;
      while (at < text.length && /[a-z0-9_-]/.test(text[at]!)) at++;
      if (at === nameStart) reason = "a filter name must follow `|`";
      filters.push(text.slice(nameStart, at));
      at = skipSpace(text, at);
    }
    if (reason === undefined && !text.startsWith("}}", at))
      reason = "the marker is not closed with `}}`";
    if (reason === undefined && bare && strayClose(text, at + 2)) reason = CUT;
    if (reason === undefined && value !== undefined) {
      markers.push({ start, end: at + 2, value, filters });
      OPEN.lastIndex = at + 2;
    } else {
      malformed.push({ start, end: at, reason: reason ?? "unreadable marker" });
      OPEN.lastIndex = Math.max(at, start + 2);
    }
  }
  return { markers, malformed };
}

/** A bare value is readable as is; anything else is written as a JSON string. */
function needsQuotes(value: string): boolean {
  return (
    value === "" ||
    value !== trimSpace(value) ||
    EDGE_SPACE.test(value) ||
    value.startsWith('"') ||
    /[|\n\r\u0000-\u001f\u007f\u2028\u2029]|\}\}/.test(value)
  );
}

/**
 * Whether a bare marker ending at `end` in `text` would be read back whole: no `}}` later on its
 * line that no `{{` opened, and no letter or digit right after it. Else {@link formatMarker}
 * is asked for the quoted form (`s5 edit` of `[{{ s5:… }}, "}}"]`).
 */
export function bareMarkerFits(text: string, end: number): boolean {
  return !strayClose(text, end) && !isWordChar(text[end] ?? "");
}

/**
 * Writes a marker for a value.
 *
 * @example
 * formatMarker("hunter2") // "{{ s5:seal hunter2 }}"
 * formatMarker("a\nb", ["base64"]) // '{{ s5:seal "a\\nb" | base64 }}'
 */
export function formatMarker(
  value: string,
  filters: readonly string[] = [],
  quoted = false,
): string {
  const shown = quoted || needsQuotes(value) ? JSON.stringify(value) : value;
  return `{{ s5:seal ${shown}${filters.map((name) => ` | ${name}`).join("")} }}`;
}

/**
 * What looks meant as a seal marker and is one character away from it: `{{ s5 seal pw }}`,
 * `{{ s5-seal pw }}`, `{ s5:seal pw }}`, `{ { s5:seal pw } }`, full-width `｛｛ ｓ５：ｓｅａｌ`, and
 * `{{- s5:seal pw }}` or `{{~ s5:seal pw }}`, the trim marks a Helm or Handlebars author types
 * out of habit. Neither a marker nor a token, so neither seal nor render would see it, and the
 * plaintext after it would stay in the file. Found as: a brace (one or two, with any space, then
 * perhaps a `-` or `~`), `s5` (full-width
 * too), up to four characters that are neither letters, digits nor `_`, then `seal` in any case
 * followed by a space or a colon (so `{{ s5_sealed_enabled }}` and `{s5-seal-id}` are not). Linear:
 * the space before the second brace and after it cannot trade characters (a `{` and 120,000
 * spaces took 23 s with two open `\s*` runs). A line that says `s5:ignore` is left out.
 */
const nearMiss = () =>
  /[{\uff5b](?:[\s\u200b-\u200d\u2060]*[{\uff5b])?[-~]?[\s\u200b-\u200d\u2060]{0,8}[sS\uff53\uff33][5\uff15][^\p{L}\p{N}\n_]{0,4}[sS\uff53\uff33][eE\uff45\uff25][aA\uff41\uff21][lL\uff4c\uff2c](?=[\s:\uff1a])/gu;

/** Offsets of the near-miss markers in `text` (see {@link nearMiss}). */
export function nearMissMarkers(text: string): number[] {
  const offsets: number[] = [];
  // Each line is read once for `s5:ignore`, not once per match: a minified line of a few MB with
  // thousands of near misses was read whole for each.
  // Lines end as LineIndex says (a lone CR too), found going forward: linear in the text.
  const breaks = /\r\n?|\n/g;
  let lineEnd = -1;
  let ignored = false;
  for (const { index } of text.matchAll(nearMiss())) {
    if (index > lineEnd) {
      let start = lineEnd === -1 ? 0 : lineEnd;
      breaks.lastIndex = start;
      let end = text.length;
      for (let found = breaks.exec(text); found; found = breaks.exec(text)) {
        if (found.index >= index) {
          end = found.index;
          break;
        }
        start = found.index + found[0].length;
      }
      lineEnd = end;
      ignored = text.slice(start, lineEnd).includes("s5:ignore");
    }
    if (!ignored) offsets.push(index);
  }
  return offsets;
}

// `s5` in either case, or a full-width 5: present wherever a near miss can be.
const S5_WORDS = ["s5", "S5", "\uff15"].map((word) => Buffer.from(word));

/** Whether bytes may hold a near-miss marker: a native search first (`s5 check` of a tree). */
export function mayHoldNearMiss(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return S5_WORDS.some((word) => buffer.includes(word));
}
