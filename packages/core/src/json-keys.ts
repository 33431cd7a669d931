/**
 * Duplicate keys in a JSON text. `JSON.parse` keeps the last of two equal keys in an object, so a
 * second `"publicKey"` or `"backend"` far along a line would decide while a review reads the
 * first. The text has already passed `JSON.parse`: this walk only needs to follow strings and
 * nesting, not to check the grammar.
 */

/** A key seen twice in one object: its decoded name, the object's path and where it repeats. */
export interface DuplicateKey {
  key: string;
  /** `local.keys[0]`, or `""` at the top level. */
  path: string;
  /** UTF-16 offset of the second occurrence's opening quote. */
  offset: number;
}

interface Level {
  keys: Set<string> | undefined; // undefined in an array
  path: string;
  index: number; // the element being read, in an array
  key: string | undefined; // the member being read, in an object
}

function childPath(level: Level): string {
  if (level.keys === undefined) return `${level.path}[${level.index}]`;
  const key = level.key ?? "";
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  return level.path === "" ? name : `${level.path}.${name}`;
}

/** The first duplicate key in a valid JSON text, or undefined. */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const stack: Level[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      const level = stack.at(-1);
      if (expectKey && level?.keys !== undefined) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (level.keys.has(key)) return { key, path: level.path, offset: start };
        level.keys.add(key);
        level.key = key;
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack.at(-1);
      const path = parent ? childPath(parent) : "";
      const object = c === 0x7b;
      stack.push({ keys: object ? new Set() : undefined, path, index: 0, key: undefined });
      expectKey = object;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const level = stack.at(-1);
      if (level?.keys === undefined) {
        if (level) level.index++;
      } else expectKey = true;
    }
  }
  return undefined;
}
