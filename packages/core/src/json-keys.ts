/**
 * The string literals of a JSON text, with their places and paths, read without parsing the text
 * into values (so nothing else of it is read or rewritten: `123456789012345678901` stays as it is).
 * Used to find a key given twice in one object — `JSON.parse` keeps the last of two equal keys, so
 * a second `"publicKey"` far along a line would decide while a review reads the first — and to
 * decrypt the tokens of a JSON text string by string (Pulumi's structured config). The text has
 * already passed `JSON.parse`: this walk only follows strings and nesting, not the grammar.
 */

/** A string literal: offsets of its quotes, its path, whether it is a key and of which object. */
export interface JsonString {
  /** Offset of the opening quote (UTF-16 units). */
  start: number;
  /** Offset just past the closing quote. */
  end: number;
  /** Where its value is: `db.hosts[1]`; for a key, the member it names: `db.password`. */
  path: string;
  /** For a key: the object's path (`""` at the top level). */
  parent: string;
  /** For a key: which object it belongs to (its position among the text's objects). */
  object: number | undefined;
  key: boolean;
}

interface Level {
  object: number | undefined; // undefined in an array
  path: string;
  index: number; // the element being read, in an array
  key: string | undefined; // the member being read, in an object
  expectKey: boolean;
}

function childPath(level: Level): string {
  if (level.object === undefined) return `${level.path}[${level.index}]`;
  const key = level.key ?? "";
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  return level.path === "" ? name : `${level.path}.${name}`;
}

/** Every string literal of a valid JSON text, in order. */
export function jsonStrings(text: string): JsonString[] {
  const strings: JsonString[] = [];
  const stack: Level[] = [];
  let objects = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      // `i < length`: a caller that did not parse the text first must not loop forever.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c) i++;
      }
      const level = stack.at(-1);
      const key = level !== undefined && level.object !== undefined && level.expectKey;
      if (key) {
        level.key = JSON.parse(text.slice(start, i + 1)) as string;
        level.expectKey = false;
      }
      strings.push({
        start,
        end: i + 1,
        path: level ? childPath(level) : "",
        parent: level?.path ?? "",
        object: key ? level.object : undefined,
        key,
      });
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack.at(-1);
      const object = c === 0x7b ? objects++ : undefined;
      const path = parent ? childPath(parent) : "";
      stack.push({ object, path, index: 0, key: undefined, expectKey: object !== undefined });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const level = stack.at(-1);
      if (level?.object === undefined) {
        if (level) level.index++;
      } else level.expectKey = true;
    }
  }
  return strings;
}

/** A key seen twice in one object: its decoded name, the object's path and where it repeats. */
export interface DuplicateKey {
  key: string;
  /** `local.keys[0]`, or `""` at the top level. */
  path: string;
  /** UTF-16 offset of the second occurrence's opening quote. */
  offset: number;
}

/** The first duplicate key in a valid JSON text, or undefined. */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const seen = new Map<number, Set<string>>();
  for (const string of jsonStrings(text)) {
    if (!string.key || string.object === undefined) continue;
    const key = JSON.parse(text.slice(string.start, string.end)) as string;
    const keys = seen.get(string.object) ?? new Set<string>();
    if (keys.has(key)) return { key, path: string.parent, offset: string.start };
    keys.add(key);
    seen.set(string.object, keys);
  }
  return undefined;
}

/** A member of a JSON object as written: its key's text (quotes included) and its value's. */
export interface JsonMember {
  key: string;
  keyText: string;
  valueText: string;
}

/**
 * The members of a valid JSON text's top-level object, each value's text exactly as written (so a
 * caller that rewrites some members keeps the others byte for byte, numbers past 2^53 included).
 */
export function topLevelMembers(text: string): JsonMember[] {
  const keys = jsonStrings(text).filter((string) => string.key && string.object === 0);
  const end = text.lastIndexOf("}");
  return keys.map((string, i) => {
    const colon = text.indexOf(":", string.end);
    let value = text.slice(colon + 1, keys[i + 1]?.start ?? end).trimEnd();
    // Up to the next key, the separating comma is the last character (a value never ends with one).
    if (keys[i + 1] !== undefined) value = value.slice(0, -1);
    const keyText = text.slice(string.start, string.end);
    return { key: JSON.parse(keyText) as string, keyText, valueText: value.trim() };
  });
}
