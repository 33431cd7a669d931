/**
 * A validator for exactly the subset of JSON Schema that `s5.schema.json` uses, so the schema
 * shipped for editors is also the one s5 checks `.s5.json` against: the two cannot drift.
 * A keyword outside this subset is refused ({@link unsupportedKeywords}), not silently ignored.
 *
 * Problems name JSON paths and keys, never values: a value may be a secret pasted in the wrong place.
 */
import { showable } from "../hidden.ts";
import { closest } from "../suggest.ts";

/** The part of JSON Schema the validator understands. */
export interface Schema {
  $schema?: string;
  $id?: string;
  title?: string;
  description?: string;
  type?: "object" | "array" | "string" | "boolean" | "integer" | "number";
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: false;
  enum?: (string | number | boolean | null)[];
  pattern?: string;
  minLength?: number;
  items?: Schema;
  minItems?: number;
}

/** Keywords the validator checks, and annotations it may ignore. */
const KEYWORDS = new Set([
  "$schema",
  "$id",
  "title",
  "description",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "enum",
  "pattern",
  "minLength",
  "items",
  "minItems",
]);

export interface Problem {
  /** JSON path of the offending value (`local.keys[0].publicKey`); "" for the document itself. */
  path: string;
  /** What is wrong, naming keys and paths only. */
  message: string;
  /**
   * A key or a word that is not near one the schema knows (no typo to suggest): a newer s5 may
   * have written it.
   */
  unknown?: true | undefined;
}

/** Keywords of `schema` (at any depth) that {@link validate} does not implement, as paths. */
export function unsupportedKeywords(schema: Schema, at = "#"): string[] {
  const found: string[] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    if (!KEYWORDS.has(keyword)) found.push(`${at}/${keyword}`);
    if (keyword === "additionalProperties" && value !== false) found.push(`${at}/${keyword}`);
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    found.push(...unsupportedKeywords(child, `${at}/properties/${name}`));
  }
  if (schema.items) found.push(...unsupportedKeywords(schema.items, `${at}/items`));
  return found;
}

/**
 * Every problem of `value` against `schema`, in document order (empty when it is valid).
 * `name` says what the value is in messages: `the project config /app/.s5.json`.
 */
export function validate(value: unknown, schema: Schema, name = "the document"): Problem[] {
  const problems: Problem[] = [];
  check(value, schema, "", name, problems);
  return problems;
}

/** `local.keys[0]` + `id` → `local.keys[0].id`. */
function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

const TYPE_NAMES: Record<string, string> = {
  object: "a JSON object",
  array: "a list",
  string: "a string",
  boolean: "true or false",
  integer: "a whole number",
  number: "a number",
};

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** A key is named, unless it looks like a secret typed in the wrong place. */
export function showKey(key: string): string {
  if (key.length > 40 || /secret-key/i.test(key)) return "(not shown: it may be a secret)";
  // A control character in a key could rewrite the terminal's lines: escaped, as JSON writes it;
  // bidirectional and invisible characters too, which JSON leaves.
  return `\`${showable(JSON.stringify(key).slice(1, -1))}\``;
}

function check(
  value: unknown,
  schema: Schema,
  path: string,
  name: string,
  problems: Problem[],
): void {
  // `the project config F` / `` `local.keys[0].id` in the project config F ``
  const subject = path === "" ? name : `\`${path}\` in ${name}`;
  const typeName = schema.type ? TYPE_NAMES[schema.type] : undefined;
  const expected = (path === "" ? typeName : schema.title) ?? typeName ?? "a valid value";
  const fail = () => problems.push({ path, message: `${subject} must be ${expected}` });
  const type = typeOf(value);
  if (
    schema.type !== undefined &&
    type !== schema.type &&
    !(schema.type === "number" && type === "integer")
  ) {
    fail();
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) {
    const words = schema.enum.map(String);
    // A suggestion only when the value is a near typo of a name; the value itself is not shown.
    const near = typeof value === "string" ? closest(value, words) : undefined;
    const list = words.map((word) => `\`${word}\``).join(", ");
    problems.push({
      path,
      message: `${subject} must be one of ${list}${near ? ` (did you mean \`${near}\`?)` : ""}`,
      ...(near || typeof value !== "string" ? {} : { unknown: true }),
    });
    return;
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) return void fail();
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) fail();
    return;
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      problems.push({
        path,
        message: `${subject} must have at least ${schema.minItems} ${schema.minItems === 1 ? "entry" : "entries"}`,
      });
    }
    if (schema.items) {
      for (const [index, item] of value.entries()) {
        check(item, schema.items, join(path, index), name, problems);
      }
    }
    return;
  }
  if (type === "object") {
    const object = value as Record<string, unknown>;
    const properties = schema.properties ?? {};
    const known = Object.keys(properties);
    for (const name of schema.required ?? []) {
      if (!Object.hasOwn(object, name)) {
        problems.push({
          path: join(path, name),
          message: `${subject} is missing \`${name}\` (${properties[name]?.title ?? "required"})`,
        });
      }
    }
    for (const [key, child] of Object.entries(object)) {
      const property = Object.hasOwn(properties, key) ? properties[key] : undefined;
      if (property) {
        check(child, property, join(path, key), name, problems);
      } else if (schema.additionalProperties === false) {
        const near = closest(key, known);
        const where = path === "" ? "" : ` at \`${path}\``;
        problems.push({
          path: join(path, key),
          message:
            `unknown key ${showKey(key)} in ${name}${where}` +
            (near ? ` (did you mean \`${near}\`?)` : ` (known keys: ${known.join(", ")})`),
          ...(near ? {} : { unknown: true }),
        });
      }
    }
  }
}
