/**
 * Texts with tokens → texts with values. Requests made in the same turn of the event loop go to the
 * decryptor as one batch (one Vault round trip for a whole stack), and a failure is reported only
 * to the values it concerns.
 */
import * as pulumi from "@pulumi/pulumi";
import { mayContainToken, S5Error, type Source, toS5Error } from "@s5/core";
import {
  applyFilter,
  type JsonString,
  jsonStrings,
  scan,
  spliceText,
  stackFrames,
} from "@s5/core/internal";
import type { Decryptor } from "./decryptor.ts";

/** Whether a text holds something s5 would treat as a token (malformed ones included). */
export function hasTokens(text: string): boolean {
  if (!mayContainToken(text)) return false;
  const { tokens, malformed } = scan(text);
  return tokens.length + malformed.length > 0;
}

interface Pending {
  source: Source<string>;
  resolve: (text: string) => void;
  reject: (error: unknown) => void;
}

const queues = new WeakMap<Decryptor, Pending[]>();

/** One round for the whole batch; each value gets its own outcome from it. */
async function flush(decryptor: Decryptor, batch: Pending[]): Promise<void> {
  try {
    const outcomes = await decryptor(batch.map((item) => item.source));
    for (const [i, item] of batch.entries()) {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    }
  } catch (error) {
    for (const item of batch) item.reject(error);
  }
}

/**
 * The error Pulumi shows: `[s5] …` with locations and hints, never a value; no stack trace. It has
 * no `cause`: Node prints causes (console.log, util.inspect, Pulumi's report of an error a program
 * wrapped, its trace events), and an unexpected error's message may quote a value. S5_DEBUG adds
 * that error's stack frames, without its message, as the CLI does.
 */
export function toPulumiError(error: unknown): Error {
  // toS5Error never copies the message of an unknown error: it may hold data.
  const debug =
    process.env.S5_DEBUG && !(error instanceof S5Error) ? `\n${stackFrames(error)}` : "";
  const wrapped = new pulumi.RunError(`[s5] ${toS5Error(error).describe()}${debug}`);
  // Pulumi prints only the message of a RunError it catches in the program, but `err.stack` of
  // one that reaches it later (a stack transform's input, after the program ran): frames of s5
  // and Pulumi's internals that say nothing to the user. Without a stack, the message is shown.
  wrapped.stack = undefined;
  return wrapped;
}

/** Decrypts every token in `text`; `name` is where errors say the token was. */
export function renderText(text: string, name: string, decryptor: Decryptor): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let queue = queues.get(decryptor);
    if (!queue) {
      const fresh: Pending[] = [];
      queue = fresh;
      queues.set(decryptor, fresh);
      setImmediate(() => {
        queues.delete(decryptor);
        void flush(decryptor, fresh);
      });
    }
    queue.push({ source: { name, content: text }, resolve, reject });
  }).catch((error: unknown) => {
    throw toPulumiError(error);
  });
}

/** An object literal (or `Object.create(null)`): the only objects s5 looks into. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Walks plain objects and arrays; calls `leaf` for every string with tokens and returns a copy
 * with what it returned in their place, or `undefined` when there was none (nothing copied).
 */
export function mapTokenStrings<T>(
  value: unknown,
  path: string,
  leaf: (text: string, path: string) => T,
  /** Handles other values (Outputs, Promises): `{ value }` replaces it, `undefined` walks on. */
  special?: (value: unknown, path: string) => { value: unknown } | undefined,
): unknown {
  if (typeof value === "string") return hasTokens(value) ? leaf(value, path) : undefined;
  const handled = special?.(value, path);
  if (handled) return handled.value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (const [i, item] of value.entries()) {
      const next = mapTokenStrings(item, `${path}[${i}]`, leaf, special);
      if (next !== undefined) {
        copy ??= [...value];
        copy[i] = next;
      }
    }
    return copy;
  }
  if (isPlainObject(value)) {
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const next = mapTokenStrings(item, path ? `${path}.${key}` : key, leaf, special);
      if (next !== undefined) {
        copy ??= { ...value };
        copy[key] = next;
      }
    }
    return copy;
  }
  return undefined;
}

/**
 * Decrypts every token in the strings of a JSON-like value (one batch); `undefined` when it held
 * none.
 */
export async function renderDeep<T>(
  value: T,
  name: string,
  decryptor: Decryptor,
): Promise<T | undefined> {
  const pending: Promise<string>[] = [];
  mapTokenStrings(value, "", (text, path) => {
    pending.push(renderText(text, path ? `${name}.${path}` : name, decryptor));
    return text;
  });
  if (pending.length === 0) return undefined;
  const plain = await Promise.all(pending);
  let i = 0;
  // The same walk in the same order: the i-th string with tokens gets the i-th value.
  return mapTokenStrings(value, "", () => plain[i++]!) as T;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The inside of a JSON string literal for `value`: core's `json` filter. */
function jsonInside(value: string): string {
  return decoder.decode(applyFilter("json", encoder.encode(value)));
}

/**
 * Decrypts the tokens of a text that is valid JSON and keeps every other character as it was
 * (numbers such as `123456789012345678901`, `1e400` or `1.10`, white space, key order, duplicate
 * keys). A token inside a string value becomes its plaintext (after the token's own filters)
 * escaped for that string, so a quote, a backslash or a newline cannot break the text. Tokens in
 * keys are left as they are: a key names a setting, and `getObject` (which decrypts strings, not
 * keys) returns the same object. A token outside any string literal cannot occur in valid JSON;
 * it would get its plaintext as it is, as in any other text. The caller checks that the result is
 * still JSON. Each token is decrypted as a source of its own named by its path
 * (`config app:db.password`), as `getObject` names it; all go to the decryptor in one batch.
 */
export async function renderJsonText(
  text: string,
  name: string,
  decryptor: Decryptor,
): Promise<string> {
  const { tokens, malformed } = scan(text);
  const strings = jsonStrings(text);
  const at = (path: string) => (path.startsWith("[") ? `${name}${path}` : `${name}.${path}`);
  let next = 0;
  /** The string literal holding `offset`, if any (offsets asked in increasing order). */
  const literalAt = (offset: number): JsonString | undefined => {
    while (next < strings.length && strings[next]!.end <= offset) next++;
    const literal = strings[next];
    return literal !== undefined && literal.start < offset ? literal : undefined;
  };
  const places = [
    ...tokens.map((token) => ({ token, start: token.start })),
    ...malformed.map((match) => ({ token: undefined, start: match.start })),
  ].sort((a, b) => a.start - b.start);

  const matches: { start: number; end: number }[] = [];
  const values: Promise<string>[] = [];
  let malformedValues = 0;
  for (const { token, start } of places) {
    const literal = literalAt(start);
    if (literal?.key) continue;
    const source = literal ? at(literal.path) : name;
    if (token === undefined) {
      // A malformed token: rendering the rest of its string fails, with s5's own message.
      const rest = text.slice(start, literal ? literal.end - 1 : text.length);
      values.push(renderText(rest, source, decryptor));
      malformedValues++;
      continue;
    }
    const plain = renderText(text.slice(token.start, token.end), source, decryptor);
    matches.push(token);
    values.push(literal ? plain.then(jsonInside) : plain);
  }
  // In source order: the first failure in the text is the one reported.
  const rendered = await Promise.all(values);
  if (malformedValues > 0) {
    // Unreachable (a malformed token never renders), but never leave one in the output.
    throw toPulumiError(new Error("a malformed token rendered"));
  }
  return spliceText(text, matches, rendered);
}
