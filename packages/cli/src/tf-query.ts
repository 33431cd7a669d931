/**
 * The query of `s5 tf-external`: what Terraform's and OpenTofu's `external` provider writes on the
 * program's stdin (Go's `json.Marshal` of a `map[string]string`: UTF-8, one flat object of strings,
 * each key once). Anything else is refused with its place, so no value is changed on the way
 * (U+FFFD for a bad byte, a lone surrogate Go would turn into U+FFFD) and no token is dropped (a
 * duplicate key silently discards the first value). Messages never show a value or a byte of it.
 */
import { constants, isUtf8 } from "node:buffer";
import { IoError, type Location } from "@s5/core";
import { findDuplicateKey, LineIndex, showable } from "@s5/core/internal";

const hint = 'the query is one JSON object of strings, e.g. {"password": "{{ s5:… }}"}';
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
// With the `u` flag a surrogate pair is one code point; only a lone half is in Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/** Line and column (1-based, counted in bytes) of `offset` in `bytes`. */
function byteLocation(bytes: Uint8Array, offset: number): Location {
  const before = bytes.subarray(0, offset);
  const newline = before.lastIndexOf(0x0a);
  let line = 1;
  for (const byte of before) if (byte === 0x0a) line++;
  return { file: "stdin", line, column: offset - newline };
}

/**
 * Where UTF-8 decoding breaks: the shortest prefix a streaming decoder refuses (it accepts an
 * unfinished character at the end) ends there. Only runs once the input is known to be bad.
 */
function firstInvalidByte(bytes: Uint8Array): number {
  const accepts = (length: number) => {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  if (accepts(bytes.length)) {
    // Only the last character is unfinished: point at its first byte.
    let at = bytes.length - 1;
    while (at > 0 && bytes.length - at < 4 && (bytes[at]! & 0xc0) === 0x80) at--;
    return at;
  }
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    if (accepts(middle)) good = middle;
    else bad = middle;
  }
  return bad - 1;
}

function decode(input: Buffer): string {
  // Past this size no string can hold it; JSON.parse would report it as invalid JSON.
  if (input.length > constants.MAX_STRING_LENGTH) {
    throw new IoError("S5_INPUT", `stdin is too large for a query (${input.length} bytes)`, {
      hint: "pass large values as files, e.g. with Terraform's file() in the resource itself",
    });
  }
  if (!isUtf8(input)) {
    throw new IoError("S5_INPUT", "the query is not UTF-8 text here (its bytes are not shown)", {
      location: byteLocation(input, firstInvalidByte(input)),
      hint: "Terraform and OpenTofu send UTF-8; check what feeds this program's stdin",
    });
  }
  if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) {
    throw new IoError(
      "S5_INPUT",
      "the query starts with a byte-order mark, which JSON does not allow",
      {
        location: { file: "stdin", line: 1, column: 1 },
        hint,
      },
    );
  }
  return utf8.decode(input);
}

/** A key as JSON writes it, bidirectional and invisible characters escaped too. */
export function shown(key: string): string {
  return showable(JSON.stringify(key).slice(1, -1));
}

function kind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

/** The query object, checked: a JSON object whose values are all strings, each key once. */
export function readQuery(input: Buffer): Record<string, string> {
  const text = decode(input);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse quotes the input in its message; it may hold a value, so it is not kept.
    throw new IoError("S5_INPUT", "stdin is not valid JSON", { hint });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new IoError("S5_INPUT", `the query must be a JSON object, not ${kind(value)}`, { hint });
  }
  const entries = Object.entries(value);
  for (const [key, item] of entries) {
    if (typeof item !== "string") {
      throw new IoError(
        "S5_INPUT",
        `query value \`${shown(key)}\` must be a string, not ${kind(item)}`,
        {
          hint: "the external data source takes a flat map of strings: use jsonencode() for others",
        },
      );
    }
    // Go decodes a lone `\ud800` as U+FFFD: the value would change without a word.
    if (LONE_SURROGATE.test(key) || LONE_SURROGATE.test(item)) {
      const what = LONE_SURROGATE.test(key) ? "key" : "value";
      throw new IoError(
        "S5_INPUT",
        `query ${what} \`${shown(key)}\` holds a lone surrogate (\`\\ud800\`…), which is not text`,
        { hint: "Terraform and OpenTofu never send one; check what feeds this program's stdin" },
      );
    }
  }
  // JSON.parse keeps the last of two equal keys, silently: the first may be the token.
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    throw new IoError("S5_INPUT", `query key \`${shown(duplicate.key)}\` is given twice`, {
      location: new LineIndex("stdin", text).locate(duplicate.offset),
      hint: "give each key once: JSON keeps only the last value, and s5 will not guess",
    });
  }
  return value as Record<string, string>;
}
