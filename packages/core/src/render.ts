/**
 * The one path from text with tokens to text with values, shared by the CLI and every adapter:
 * scan every source, de-duplicate the bodies, decrypt them in one batch per backend, apply the
 * filters, and only when every token succeeded, splice the values in. Nothing else changes.
 */
import type { Backend, BackendName, ItemResult, TokenInfo } from "./backend.ts";
import type { Backends } from "./backends.ts";
import {
  IoError,
  type S5Error,
  TokenError,
  type TokenFailure,
  TokenFailures,
  toS5Error,
} from "./errors.ts";
import { applyFilters, isFilterName } from "./filters.ts";
import { LineIndex } from "./location.ts";
import { type Spliced, scan, spliceBytes, spliceText, type TokenMatch } from "./scan.ts";
import { describeBody } from "./token.ts";

/** A named input: a file's bytes, or text from a bundler or the environment. */
export interface Source<T extends string | Uint8Array = string | Uint8Array> {
  /** File name (or variable name) used in error locations. */
  name: string;
  content: T;
}

/** A token found in a source, with what its body says about itself. */
export interface FoundToken extends TokenMatch {
  info: TokenInfo;
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
export function findTokens(source: Source, legacyBackend?: BackendName): FoundTokens {
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
    const utf16 = utf16Failure(source);
    if (utf16) failures.push(utf16);
  }
  const tokens: FoundToken[] = [];
  const infos = new Map<string, TokenInfo>();
  for (const match of matches) {
    try {
      const unknown = match.filters.find((name) => !isFilterName(name));
      if (unknown !== undefined) {
        throw new TokenError("S5_TOKEN_FILTER", `unknown filter \`${unknown}\``, {
          hint: "filters are: raw, json, yaml, base64, shell",
        });
      }
      // The match is ours alone: adding to it spares a copy per token (100k in a large file).
      const token = match as FoundToken;
      const info = describeBody(match.body, legacyBackend);
      // Tokens of one key share one description object.
      const infoKey = `${info.backend}:${info.key ?? ""}:${info.version ?? ""}:${info.legacy}`;
      token.info = infos.get(infoKey) ?? info;
      if (token.info === info) infos.set(infoKey, info);
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
 * scan cannot see: it would pass through unrendered with success. Found, it is an error.
 */
function utf16Failure(source: Source): TokenFailure | undefined {
  const content = source.content as Uint8Array;
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  // The byte-order mark decides; without one, the first `{{` at an even offset does.
  const le = bytes.indexOf("{\u0000{\u0000", 0, "latin1");
  const be = bytes.indexOf("\u0000{\u0000{", 0, "latin1");
  const littleEndian =
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (!(bytes[0] === 0xfe && bytes[1] === 0xff) && le !== -1 && le % 2 === 0);
  const bigEndian = !littleEndian && be !== -1 && be % 2 === 0;
  if (!littleEndian && !bigEndian) return undefined;
  let text: string;
  if (littleEndian) text = bytes.toString("utf16le");
  else {
    const swapped = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
    text = swapped.swap16().toString("utf16le");
  }
  const found = scan(text);
  const first = found.tokens[0]?.start ?? found.malformed[0]?.start;
  if (first === undefined) return undefined;
  const location = new LineIndex(source.name, text.replace(/^\ufeff/, "")).locate(
    Math.max(0, first - (text.startsWith("\ufeff") ? 1 : 0)),
  );
  return {
    location,
    error: new IoError(
      "S5_INPUT_UTF16",
      "this file is UTF-16 (as PowerShell's `>` writes); s5 reads UTF-8",
      {
        hint: "convert it first: `iconv -f UTF-16 -t UTF-8 FILE`, or in PowerShell `Set-Content -Encoding utf8`",
      },
    ),
  };
}

const SEAL_MARKER = /^\{\{[ \t\r\n\f]*s5:seal[ \t\r\n\f]/;

function isSealMarker(content: string | Uint8Array, start: number): boolean {
  const head = content.slice(start, start + 64);
  return SEAL_MARKER.test(typeof head === "string" ? head : Buffer.from(head).toString("latin1"));
}

/** The distinct token bodies of each backend, across every source. */
export function distinctBodies(found: readonly FoundTokens[]): Map<BackendName, string[]> {
  const bodies = new Map<BackendName, Set<string>>();
  for (const { tokens } of found) {
    for (const token of tokens) {
      const set = bodies.get(token.info.backend) ?? new Set<string>();
      bodies.set(token.info.backend, set);
      set.add(token.body);
    }
  }
  return new Map([...bodies].map(([name, set]) => [name, [...set]]));
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
  for (const [i, body] of bodies.entries()) {
    map.set(body, failure ?? (outcome as readonly ItemResult<Uint8Array>[])[i]!);
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
  keepFailed = false,
): (Uint8Array | undefined)[][] {
  const failures: TokenFailure[] = found.flatMap((item) => item.failures);
  const values = found.map((item) =>
    item.tokens.map((token) => {
      const result = decrypted.get(token.info.backend)?.get(token.body);
      let error: S5Error | undefined;
      if (result?.ok) {
        try {
          return applyFilters(token.filters, result.value);
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
      return undefined;
    }),
  );
  if (failures.length > 0 && !keepFailed) throw new TokenFailures(failures);
  return values;
}

/** The value of each token of each source (filters applied), or throws {@link TokenFailures}. */
export async function resolveTokens(
  found: readonly FoundTokens[],
  backends: Backends,
  options?: { keepFailed?: false },
): Promise<Uint8Array[][]>;
/** With `keepFailed`, a token that fails is `undefined` instead of an error. */
export async function resolveTokens(
  found: readonly FoundTokens[],
  backends: Backends,
  options: { keepFailed: boolean },
): Promise<(Uint8Array | undefined)[][]>;
export async function resolveTokens(
  found: readonly FoundTokens[],
  backends: Backends,
  options: { keepFailed?: boolean } = {},
): Promise<(Uint8Array | undefined)[][]> {
  // Each distinct body once, one batch per backend, backends in parallel.
  const decrypted: Decrypted = new Map();
  await Promise.all(
    [...distinctBodies(found)].map(async ([name, bodies]) => {
      let outcome: ItemResult<Uint8Array>[] | S5Error;
      try {
        const backend: Backend = await backends.get(name);
        outcome = await backend.decrypt(bodies);
      } catch (error) {
        outcome = toS5Error(error);
      }
      recordResults(decrypted, name, bodies, outcome);
    }),
  );
  return assembleValues(found, decrypted, options.keepFailed);
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
}

export async function renderSources<T extends string | Uint8Array>(
  sources: readonly Source<T>[],
  backends: Backends,
  options: RenderOptions = {},
): Promise<(T extends string ? string : Spliced)[]> {
  const found = sources.map((source) => findTokens(source, backends.legacyBackend));
  const values = await resolveTokens(found, backends, { keepFailed: options.keepFailed === true });
  const decoder = new TextDecoder();
  return sources.map((source, i) => {
    const tokens = found[i]!.tokens;
    const tokenValues = values[i]!.map((value, j) => {
      if (value) return value;
      const token = tokens[j]!;
      const original = source.content.slice(token.start, token.end);
      return typeof original === "string" ? Buffer.from(original, "latin1") : original;
    });
    if (typeof source.content === "string") {
      return spliceText(
        source.content,
        tokens,
        tokenValues.map((value) => decoder.decode(value)),
      );
    }
    return spliceBytes(source.content, tokens, tokenValues);
  }) as (T extends string ? string : Spliced)[];
}
