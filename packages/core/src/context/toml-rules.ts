/**
 * What TOML 1.0 places cannot take (values viewed one character per byte, as in `rules.ts`).
 * Control characters are refused where TOML does not allow them raw (all but tab; line breaks
 * only in multi-line strings): a parser stops there, and the file no longer reads.
 */
import type { Place } from "./places.ts";
import type { Around } from "./rules.ts";
import { withoutTrailingBreaks } from "./rules.ts";

/** Not allowed raw in a single-line string or a comment. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Not allowed raw in a multi-line string (LF and CR LF are its line breaks). */
const ML_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)/;

const INTEGER =
  /[+-]?(?:0|[1-9](?:_?[0-9])*)|0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|0o[0-7](?:_?[0-7])*|0b[01](?:_?[01])*/;
const DIGITS = /[0-9](?:_?[0-9])*/;
const FLOAT = new RegExp(
  `[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\\.${DIGITS.source}(?:[eE][+-]?${DIGITS.source})?|[eE][+-]?${DIGITS.source})|[+-]?(?:inf|nan)`,
);
const TIME = /[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?/;
const DATE = /[0-9]{4}-[0-9]{2}-[0-9]{2}/;
const DATE_TIME = new RegExp(
  `${DATE.source}(?:[Tt ]${TIME.source}(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?)?|${TIME.source}`,
);
const BASIC =
  /"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\(?:[btnfr"\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}))*"/;
const LITERAL = /'[^'\x00-\x08\x0a-\x1f\x7f]*'/;
const SCALAR = new RegExp(
  `^[ \\t]*(?:true|false|${FLOAT.source}|${INTEGER.source}|${DATE_TIME.source}|${BASIC.source}|${LITERAL.source})[ \\t]*$`,
);

/** An array TOML reads as JSON does: numbers, strings, booleans and arrays of them. */
function isTomlArray(json: unknown): boolean {
  if (!Array.isArray(json)) return false;
  return json.every(
    (item) =>
      typeof item === "number" ||
      typeof item === "string" ||
      typeof item === "boolean" ||
      isTomlArray(item),
  );
}

/**
 * Whether `value` is exactly one TOML value: a number, boolean, date or time, string, or an array
 * written as JSON writes one. An inline table (`{ a = 1 }`) is not recognised: refused.
 */
function isTomlValue(value: string): boolean {
  if (SCALAR.test(value)) return true;
  if (!value.includes("[")) return false;
  try {
    return isTomlArray(JSON.parse(Buffer.from(value, "latin1").toString("utf8")));
  } catch {
    return false;
  }
}

/** Whether quotes in the value, with those the file has next to it, would close the string. */
function closesMultiline(place: Extract<Place, { kind: "toml-multiline" }>, value: string) {
  const { quote } = place;
  const text = quote.repeat(place.quotesBefore) + value + quote.repeat(place.quotesAfter);
  for (const match of text.matchAll(quote === '"' ? /"{3,}/g : /'{3,}/g)) {
    const closing = place.quotesAfter >= 3 && match.index + match[0].length === text.length;
    // The closing delimiter may follow up to two quotes of text.
    if (!closing || match[0].length > 5) return true;
  }
  return false;
}

export function breaksToml(place: Place, value: string, around: Around): boolean {
  switch (place.kind) {
    case "toml-basic":
      return /["\\]/.test(value) || CONTROL.test(value);
    case "toml-literal":
      return value.includes("'") || CONTROL.test(value);
    case "toml-multiline":
      return (
        (place.quote === '"' && value.includes("\\")) ||
        ML_CONTROL.test(value + place.after) ||
        // A line break right after the opening delimiter is dropped: the value would change.
        (place.atOpen && /^\r?\n/.test(value)) ||
        closesMultiline(place, value)
      );
    case "toml-comment": {
      const kept = /[\n\r]/.test(value) ? withoutTrailingBreaks(value, around.restBlank) : value;
      return kept === undefined || CONTROL.test(kept);
    }
    case "toml-bare": {
      // `port = 8080\n` (a secret file's last newline): the rest of the line moves down unchanged.
      const kept = /[\n\r]/.test(value) ? withoutTrailingBreaks(value, around.restComment) : value;
      return !isTomlValue(kept ?? value);
    }
    default:
      return false;
  }
}
