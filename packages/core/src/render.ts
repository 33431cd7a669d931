/**
 * The one path from text with tokens to text with values, shared by the CLI and every adapter:
 * scan every source, de-duplicate the bodies, decrypt them in one batch per backend, apply the
 * filters, and only when every token succeeded, splice the values in. Nothing else changes.
 */
import type { Backend, BackendName, ItemResult, TokenBody } from "./backend.ts";
import type { Backends } from "./backends.ts";
import { checkPlaces, type DocumentKind } from "./context/index.ts";
import {
  IoError,
  type S5Error,
  TokenError,
  type TokenFailure,
  TokenFailures,
  toS5Error,
} from "./errors.ts";
import { applyFilters, isFilterName, unknownFilter } from "./filters.ts";
import { showable } from "./hidden.ts";
import { LineIndex } from "./location.ts";
import { type Spliced, scan, spliceBytes, spliceText, type TokenMatch } from "./scan.ts";
import { parseBody } from "./token.ts";
import { wideText } from "./wide-text.ts";

/** A named input: a file's bytes, or text from a bundler or the environment. */
export interface Source<T extends string | Uint8Array = string | Uint8Array> {
  /** File name (or variable name) used in error locations. */
  name: string;
  content: T;
}

/** A token found in a source, with its body parsed. */
export interface FoundToken extends TokenMatch {
  info: TokenBody;
}

export interface FoundTokens {
  tokens: FoundToken[];
  failures: TokenFailure[];
  lines: LineIndex;
}

/**
 * Finds and describes every token of one source; malformed tokens and unknown filters become
 * failures with their location. Never throws.
 */
export function findTokens(source: Source, goToolBackend?: BackendName): FoundTokens {
  const { tokens: matches, malformed, malformedCount } = scan(source.content);
  // Built on first use: for a byte source it holds a copy of the whole text, which a render
  // without failures never needs (50 MB more peak memory for a 50 MB file).
  let index: LineIndex | undefined;
  const lines = () => {
    index ??= new LineIndex(source.name, source.content);
    return index;
  };
  const failures: TokenFailure[] = malformed.map((match) => ({
    location: lines().locate(match.start),
    error: isSealMarker(source.content, match.start)
      ? new TokenError("S5_TOKEN_UNSEALED", "a value marked for encryption is still plaintext", {
          hint: "run `s5 seal -i FILE` to encrypt marked values",
        })
      : new TokenError("S5_TOKEN_MALFORMED", `malformed token: ${match.reason}`, {
          hint: "fix or remove the token; an s5 token looks like {{ s5:… }}",
        }),
  }));
  if (malformedCount > malformed.length) {
    const more = malformedCount - malformed.length;
    failures.push({
      location: lines().locate(malformed.at(-1)!.start),
      error: new TokenError(
        "S5_TOKEN_MALFORMED",
        `… and ${more} more malformed tokens after this one`,
        { hint: "this does not look like a file of s5 tokens; check the input" },
      ),
      count: more,
    });
  }
  if (matches.length === 0 && malformedCount === 0 && typeof source.content !== "string") {
    const wide = wideFailure(source);
    if (wide) failures.push(wide);
  }
  const tokens: FoundToken[] = [];
  // Repeated tokens share one parsed body.
  const parsed = new Map<string, TokenBody>();
  for (const match of matches) {
    try {
      const unknown = match.filters.find((name) => !isFilterName(name));
      if (unknown !== undefined) {
        throw unknownFilter(unknown);
      }
      // The match is ours alone: adding to it spares a copy per token (100k in a large file).
      const token = match as FoundToken;
      let info = parsed.get(match.body);
      if (!info) {
        info = parseBody(match.body, goToolBackend);
        parsed.set(match.body, info);
      }
      token.info = info;
      tokens.push(token);
    } catch (error) {
      failures.push({ location: lines().locate(match.start), error: toS5Error(error) });
    }
  }
  return {
    tokens,
    failures,
    get lines() {
      return lines();
    },
  };
}

/**
 * A UTF-16 file (PowerShell's `>` writes one) holds its tokens as `{\0{\0s\05\0:\0…`, which a UTF-8
 * scan cannot see: it would pass through unrendered with success. Found, it is an error. So is a
 * UTF-32 one (`-Encoding utf32`: `{\0\0\0{\0\0\0…`).
 */
export function wideFailure(source: Source): TokenFailure | undefined {
  const content = source.content as Uint8Array;
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  // `{` in UTF-16 is a 0 byte and 0x7b: without a 0 byte (most files), no UTF-16 token.
  if (bytes.indexOf(0) === -1) return undefined;
  const wide = wideText(bytes);
  if (wide === undefined) return undefined;
  const { text, width } = wide;
  const found = scan(text);
  const first = found.tokens[0]?.start ?? found.malformed[0]?.start;
  if (first === undefined) return undefined;
  const location = new LineIndex(source.name, text.replace(/^\ufeff/, "")).locate(
    Math.max(0, first - (text.startsWith("\ufeff") ? 1 : 0)),
  );
  const utf = `UTF-${width * 8}`;
  return {
    location,
    error: new IoError(
      width === 2 ? "S5_INPUT_UTF16" : "S5_INPUT_UTF32",
      `this file is ${utf} (as PowerShell's ${width === 2 ? "`>`" : "`-Encoding utf32`"} writes); s5 reads UTF-8`,
      {
        hint: `convert it first: \`iconv -f ${utf} -t UTF-8 FILE\`, or in PowerShell \`Set-Content -Encoding utf8\``,
      },
    ),
  };
}

/**
 * One token given on its own (`s5 decipher TOKEN`): a whole token (`{{ s5:… | base64 }}`), or just
 * its body (`vault:v1:…`, `s5:…`, a Go-tool payload). White space around it is ignored. Throws a
 * {@link TokenError} unless the text is exactly one token.
 */
export function findOneToken(
  input: string,
  name: string,
  goToolBackend?: BackendName,
): FoundTokens {
  const text = input.trim();
  let found = findTokens({ name, content: text }, goToolBackend);
  if (found.tokens.length + found.failures.length === 0) {
    const body = text.startsWith("s5:") ? text.slice(3) : text;
    found = findTokens({ name, content: `{{s5:${body}}}` }, goToolBackend);
  }
  const count = found.tokens.length + found.failures.length;
  if (count !== 1) {
    throw new TokenError(
      "S5_TOKEN_MALFORMED",
      count === 0 ? "no token in the input" : `the input holds ${count} tokens`,
      {
        hint:
          count === 0
            ? "pass a token such as {{ s5:… }}"
            : "use `s5 render` for text with several tokens",
      },
    );
  }
  return found;
}

const SEAL_MARKER = /^\{\{[ \t\r\n\f]*s5:seal[ \t\r\n\f]/;

function isSealMarker(content: string | Uint8Array, start: number): boolean {
  const head = content.slice(start, start + 64);
  return SEAL_MARKER.test(typeof head === "string" ? head : Buffer.from(head).toString("latin1"));
}

/** The distinct token bodies of each backend, across every source: text and parsed body. */
export function distinctBodies(
  found: readonly FoundTokens[],
): Map<BackendName, Map<string, TokenBody>> {
  const bodies = new Map<BackendName, Map<string, TokenBody>>();
  for (const { tokens } of found) {
    for (const token of tokens) {
      let map = bodies.get(token.info.backend);
      if (!map) {
        map = new Map();
        bodies.set(token.info.backend, map);
      }
      map.set(token.body, token.info);
    }
  }
  return bodies;
}

/** Decrypted results by backend and body. */
export type Decrypted = Map<BackendName, Map<string, ItemResult<Uint8Array>>>;

/** Files the results of one backend; a backend that failed as a whole fails each of its bodies. */
export function recordResults(
  decrypted: Decrypted,
  name: BackendName,
  bodies: readonly string[],
  outcome: readonly ItemResult<Uint8Array>[] | S5Error,
): void {
  const map = new Map<string, ItemResult<Uint8Array>>();
  const failure = outcome instanceof Error ? { ok: false as const, error: outcome } : undefined;
  for (let i = 0; i < bodies.length; i++) {
    map.set(bodies[i]!, failure ?? (outcome as readonly ItemResult<Uint8Array>[])[i]!);
  }
  decrypted.set(name, map);
}

/**
 * The value of each token (filters applied) from decrypted results; every failure with its
 * location is collected and thrown as one {@link TokenFailures}, unless `keepFailed`.
 */
export function assembleValues(
  found: readonly FoundTokens[],
  decrypted: Decrypted,
  options: ResolveOptions = {},
): (Uint8Array | undefined)[][] {
  const failures = options.failures ?? [];
  for (const item of found) failures.push(...item.failures);
  // Index loops, and no call for a token without filters: a callback or a function called once
  // per token is compiled by V8 after ~400 calls (peak memory a short process never earns back).
  const values: (Uint8Array | undefined)[][] = [];
  for (let i = 0; i < found.length; i++) {
    const item = found[i]!;
    const itemValues: (Uint8Array | undefined)[] = [];
    for (let j = 0; j < item.tokens.length; j++) {
      const token = item.tokens[j]!;
      const result = decrypted.get(token.info.backend)?.get(token.body);
      let error: S5Error | undefined;
      if (result?.ok) {
        if (options.filters === false || token.filters.length === 0) {
          itemValues.push(result.value);
          continue;
        }
        try {
          itemValues.push(applyFilters(token.filters, result.value));
          continue;
        } catch (filterError) {
          error = toS5Error(filterError);
        }
      } else {
        error = result?.error;
      }
      failures.push({
        location: item.lines.locate(token.start),
        error: error ?? toS5Error(undefined),
      });
      itemValues.push(undefined);
    }
    values.push(itemValues);
  }
  if (failures.length > 0 && !options.keepFailed && !options.failures) {
    throw new TokenFailures(failures);
  }
  return values;
}

/** How {@link resolveTokens} answers. */
export interface ResolveOptions {
  /**
   * A token that fails gives `undefined` instead of failing the whole call.
   * @default false
   */
  keepFailed?: boolean | undefined;
  /**
   * Apply each token's filters (`| base64`…). Without, the plaintexts themselves (an editor shows
   * the value, a bundler escapes it for its own context).
   * @default true
   */
  filters?: boolean | undefined;
  /**
   * Collect every failure here instead of throwing (a failed token is `undefined`), for a caller
   * that checks the values further (an environment variable cannot hold a NUL) and reports all
   * of one run at once with {@link TokenFailures}.
   */
  failures?: TokenFailure[] | undefined;
}

/** The value of each token of each source (filters applied), or throws {@link TokenFailures}. */
export async function resolveTokens(
  found: readonly FoundTokens[],
  backends: Backends,
  options?: ResolveOptions & { keepFailed?: false | undefined; failures?: undefined },
): Promise<Uint8Array[][]>;
/** With `keepFailed` or `failures`, a token that fails is `undefined` instead of an error. */
export async function resolveTokens(
  found: readonly FoundTokens[],
  backends: Backends,
  options: ResolveOptions,
): Promise<(Uint8Array | undefined)[][]>;
export async function resolveTokens(
  found: readonly FoundTokens[],
  backends: Backends,
  options: ResolveOptions = {},
): Promise<(Uint8Array | undefined)[][]> {
  // Each distinct body once, one batch per backend, backends in parallel.
  const decrypted: Decrypted = new Map();
  await Promise.all(
    [...distinctBodies(found)].map(async ([name, bodies]) => {
      let outcome: ItemResult<Uint8Array>[] | S5Error;
      try {
        const backend: Backend = await backends.get(name);
        outcome = await backend.decrypt([...bodies.values()]);
      } catch (error) {
        outcome = toS5Error(error);
      }
      recordResults(decrypted, name, [...bodies.keys()], outcome);
    }),
  );
  return assembleValues(found, decrypted, options);
}

/**
 * Renders many sources at once (one batch per backend across all of them). Byte sources come back
 * as lists of pieces to write in order (no copy of the unchanged parts); strings come back as strings.
 * All or nothing: if any token fails, throws {@link TokenFailures} listing every failure.
 *
 * @example
 * const [out] = await renderSources([{ name: "secret.yml", content: text }], backends);
 */
export interface RenderOptions {
  /**
   * Leave tokens that cannot be decrypted as they are instead of failing (for `git diff` textconv,
   * where a reader without the key should still see a diff).
   * @default false
   */
  keepFailed?: boolean | undefined;
  /**
   * The kind of every source, for the refusal of a token without filters whose plaintext would
   * end the string or scalar it stands in, or add structure (`S5_VALUE_CONTEXT` with its place).
   * `text`: no source is judged (sources that are values, not files). By default each source's
   * name tells its kind (`.json`, `.yaml`/`.yml`, `.env`, `.env.*`, `*.env`), and others are not
   * judged.
   */
  inputType?: DocumentKind | "text" | undefined;
  /**
   * The output is for a person to read, never to apply (git's textconv driver): the values of an
   * S5Secret, which a render otherwise refuses (the s5 controller decrypts them in the cluster;
   * spliced, the plaintext would stand in the S5Secret), are shown, judged by their places as
   * every other value is. Each value's hidden characters (controls, which move a terminal's
   * cursor; bidirectional controls; zero-width characters) are shown escaped, as `\u001b`: a
   * value sealed by someone who may only encrypt cannot erase or reorder lines of the diff a
   * reviewer reads. Line breaks and tabs stay.
   * @default false
   */
  forReading?: boolean | undefined;
}

/** Strict, and a leading byte-order mark is part of the value (the default decoder drops it). */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const BINARY_IN_TEXT = new TokenError(
  "S5_TOKEN_FILTER",
  "this token's plaintext is binary, and it lands in text (a string, an environment variable)",
  { hint: "encrypt it with `| base64` and decode it where it is used" },
);

/**
 * The plaintexts of one source's tokens as text, where they land in a string: a binary one fails
 * with its place instead of arriving as U+FFFD, and a leading byte-order mark is kept. With
 * `failures`, they are collected there instead of thrown; a token that already failed
 * (`undefined`) is "".
 */
export function plaintextsAsText(
  values: readonly (Uint8Array | undefined)[],
  found: FoundTokens,
  failures?: TokenFailure[],
): string[] {
  const failed: TokenFailure[] = failures ?? [];
  const before = failed.length;
  const texts = values.map((value, j) => {
    if (value === undefined) return "";
    try {
      return utf8.decode(value);
    } catch {
      failed.push({
        location: found.lines.locate(found.tokens[j]!.start),
        error: BINARY_IN_TEXT,
      });
      return "";
    }
  });
  if (!failures && failed.length > before) throw new TokenFailures(failed);
  return texts;
}

/**
 * A value as the reader of a diff sees it: each hidden character escaped as `showable` does (not
 * valid UTF-8: its bytes as U+FFFD), line breaks and tabs kept. Printable ASCII is returned as is.
 */
function readable(value: Uint8Array): Uint8Array {
  if (value.every((byte) => (byte >= 0x20 && byte < 0x7f) || byte === 0x09 || byte === 0x0a)) {
    return value;
  }
  const text = new TextDecoder().decode(value);
  const pieces = text.split(/([\t\n])/);
  return Buffer.from(pieces.map((piece, k) => (k % 2 === 1 ? piece : showable(piece))).join(""));
}

export async function renderSources<T extends string | Uint8Array>(
  sources: readonly Source<T>[],
  backends: Backends,
  options: RenderOptions = {},
): Promise<(T extends string ? string : Spliced)[]> {
  const found = sources.map((source) => findTokens(source, backends.goToolBackend));
  const failures: TokenFailure[] = [];
  const values = await resolveTokens(found, backends, { failures });
  for (const [i, source] of sources.entries()) {
    const item = found[i]!;
    checkPlaces(
      source,
      item.tokens,
      values[i]!,
      () => item.lines,
      failures,
      options.inputType,
      options.forReading ? "read" : "render",
    );
  }
  if (failures.length > 0 && options.keepFailed !== true) throw new TokenFailures(failures);
  return sources.map((source, i) => {
    const tokens = found[i]!.tokens;
    const tokenValues = values[i]!.map((value, j) => {
      if (value) return options.forReading ? readable(value) : value;
      const token = tokens[j]!;
      const original = source.content.slice(token.start, token.end);
      return typeof original === "string" ? Buffer.from(original, "latin1") : original;
    });
    if (typeof source.content === "string") {
      return spliceText(source.content, tokens, plaintextsAsText(tokenValues, found[i]!));
    }
    return spliceBytes(source.content, tokens, tokenValues);
  }) as (T extends string ? string : Spliced)[];
}
