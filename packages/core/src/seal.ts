/**
 * Turning seal markers into tokens (`s5 seal`), and tokens into markers and back (`s5 edit`), so
 * that a value whose plaintext did not change keeps its token byte for byte.
 */
import type { BackendName, SealDestination, TokenBody } from "./backend.ts";
import type { Backends } from "./backends.ts";
import { isBlank } from "./cipher.ts";
import { alignMarkers } from "./edit-align.ts";
import {
  ExitCode,
  type Location,
  S5Error,
  TokenError,
  type TokenFailure,
  TokenFailures,
  toS5Error,
} from "./errors.ts";
import { filterNames, isFilterName } from "./filters.ts";
import { LineIndex } from "./location.ts";
import {
  bareMarkerFits,
  formatMarker,
  type MarkerMatch,
  nearMissMarkers,
  scanMarkers,
} from "./markers.ts";
import { findTokens, resolveTokens, wideFailure } from "./render.ts";
import { scan, spliceText } from "./scan.ts";
import { closest } from "./suggest.ts";
import { checkGoToolForm, formatToken, parseBody } from "./token.ts";
import { upgradeHint } from "./version.ts";

/** `{{ s5:SEAL ` or `{{s5:Seal `: a seal marker but for the case of `seal`. */
const SEAL_IN_CAPITALS = /^\{\{[ \t]*s5:(?!seal)[sS][eE][aA][lL][ \t]/;

const reuseKey = (value: string, filters: readonly string[]) => JSON.stringify([value, ...filters]);

export interface SealOptions {
  backends: Backends;
  /** Backend for new values (markers that stand for no token of {@link SealOptions.from}). */
  backend: BackendName;
  /** File name for error locations. */
  name: string;
  /**
   * The copy an editor was given ({@link openForEdit}): a value that did not change keeps its token
   * byte for byte, and a changed one is sealed with the backend of the token at its place.
   */
  from?: EditCopy | undefined;
  /** Seal a new value that is empty or only white space (refused otherwise). */
  allowEmpty?: boolean | undefined;
  /**
   * New tokens in the Go tool's form (`legacyTokens`, `S5_LEGACY_TOKENS`, `--legacy`): a marker
   * with a filter, or the local backend, is refused with its place, as `s5 cipher --legacy` is.
   * `"where-possible"`: in the Go tool's form where it has one (AES, Vault at key version 1, no
   * filter), else in s5's, counted in {@link SealResult.notGoTool} — for a file the Go tool may
   * still render (every token in its form), where a token it cannot match would be left in place.
   */
  goTool?: boolean | "where-possible" | undefined;
}

export interface SealResult {
  text: string;
  /** Markers that became new tokens. */
  sealed: number;
  /** Markers whose original token was kept. */
  kept: number;
  /**
   * Where the new tokens went, one entry per backend used, with how many: a changed value takes its
   * place's backend, so a place whose token was swapped for another backend's (a pull request)
   * sends the new value there — said, so that it is seen. Empty when nothing was sealed.
   */
  destinations: { to: SealDestination; count: number }[];
  /** With `goTool: "where-possible"`: new tokens in s5's form, which the Go tool cannot read. */
  notGoTool?: number | undefined;
  /**
   * With {@link SealOptions.from}: new values (at no token's place) sealed with the default backend
   * while a token of another backend lost its value in the same edit — a value whose line was
   * rewritten beside a new one, or moved and changed, which may have been meant to replace it.
   */
  unplaced?: { location: Location; removed: BackendName }[] | undefined;
}

/** Whether the Go tool has a form for this body with these filters (see `checkGoToolForm`). */
function goToolFits(body: TokenBody, filters: readonly string[]): boolean {
  if (filters.length > 0) return false;
  return (
    body.backend === "aes" ||
    (body.backend === "vault" && body.ciphertext.startsWith(GO_TOOL_VAULT_VERSION))
  );
}
const GO_TOOL_VAULT_VERSION = "vault:v1:";

/** Replaces every seal marker with a token, encrypting all new values in one call per backend. */
export async function sealText(text: string, options: SealOptions): Promise<SealResult> {
  const { markers, malformed } = scanMarkers(text);
  const lines = new LineIndex(options.name, text);
  const failures: TokenFailure[] = malformed.map((bad) => ({
    location: lines.locate(bad.start),
    error: new TokenError("S5_TOKEN_MALFORMED", `malformed seal marker: ${bad.reason}`, {
      hint: 'write {{ s5:seal VALUE }} or {{ s5:seal "JSON string" }}',
    }),
  }));
  for (const marker of markers) {
    const unknown = marker.filters.find((name) => !isFilterName(name));
    if (unknown !== undefined) {
      failures.push({ location: lines.locate(marker.start), error: unknownMarkerFilter(unknown) });
    }
  }
  failures.push(...leftovers(text, [...markers, ...malformed], lines));
  if (failures.length > 0) throw new TokenFailures(failures);

  const { replacements, backendOf, origins } = keepOrPlace(text, markers, options);
  const fresh = markers.filter((_, i) => replacements[i] === undefined);
  const unplaced = unplacedValues(markers, origins, replacements, lines, options);
  if (!options.allowEmpty) {
    const blank = fresh.filter((marker) => isBlank(Buffer.from(marker.value)));
    if (blank.length > 0) {
      throw new TokenFailures(
        blank.map((marker) => ({
          location: lines.locate(marker.start),
          error: new S5Error(
            "S5_VALUE_EMPTY",
            ExitCode.usage,
            "the value to seal is empty or only white space",
            { hint: "fill it in, or pass --allow-empty to seal it anyway" },
          ),
        })),
      );
    }
  }
  if (options.goTool === true) {
    const refused: TokenFailure[] = [];
    for (const [i, marker] of markers.entries()) {
      if (replacements[i] !== undefined) continue;
      try {
        checkGoToolForm(backendOf[i]!, marker.filters);
      } catch (error) {
        refused.push({ location: lines.locate(marker.start), error: toS5Error(error) });
      }
    }
    if (refused.length > 0) throw new TokenFailures(refused);
  }
  let notGoTool = 0;
  // One backend call per backend: the default's for new values, each changed value's token's.
  const byBackend = new Map<BackendName, number[]>();
  for (const [i, name] of backendOf.entries()) {
    if (replacements[i] !== undefined) continue;
    byBackend.set(name, [...(byBackend.get(name) ?? []), i]);
  }
  const destinations: SealResult["destinations"] = [];
  for (const [name, indexes] of byBackend) {
    const { bodies, to } = await encryptAt(name, indexes, markers, lines, options);
    destinations.push({ to, count: indexes.length });
    for (const [k, i] of indexes.entries()) {
      const marker = markers[i]!;
      const body = bodies[k]!;
      const goTool =
        options.goTool === true ||
        (options.goTool === "where-possible" && goToolFits(body, marker.filters));
      if (options.goTool === "where-possible" && !goTool) notGoTool++;
      replacements[i] = formatToken(body, { filters: marker.filters, goTool });
    }
  }
  return {
    ...(unplaced.length > 0 ? { unplaced } : {}),
    text: spliceText(text, markers, replacements as string[]),
    sealed: fresh.length,
    kept: markers.length - fresh.length,
    destinations,
    ...(options.goTool === "where-possible" ? { notGoTool } : {}),
  };
}

/**
 * Per marker: the token text it keeps (undefined: it is sealed), and the backend it is sealed
 * with. Without an edit copy, every marker is a new value for `options.backend`. With one, a marker
 * at a token's place (edit-align.ts) whose value and filters did not change keeps that token; a
 * changed one is sealed with that token's backend (its readers stay who they were) unless its
 * value is found in a token of the copy that no place kept (a value moved, or written twice): it
 * keeps that token, one of its place's backend first; the rest are new values.
 */
function keepOrPlace(
  text: string,
  markers: readonly MarkerMatch[],
  options: SealOptions,
): {
  replacements: (string | undefined)[];
  backendOf: BackendName[];
  origins: (number | undefined)[];
} {
  const replacements: (string | undefined)[] = markers.map(() => undefined);
  const backendOf: BackendName[] = markers.map(() => options.backend);
  const from = options.from;
  if (!from) return { replacements, backendOf, origins: [] };
  const origins = alignMarkers(from.text, from.tokens, text, markers);
  const used = new Set<number>();
  /** Markers that kept a token other than their place's, and that token. */
  const moved = new Map<number, number>();
  for (const [i, marker] of markers.entries()) {
    const origin = origins[i];
    if (origin === undefined) continue;
    const token = from.tokens[origin]!;
    backendOf[i] = token.backend;
    if (reuseKey(marker.value, marker.filters) === reuseKey(token.value, token.filters)) {
      replacements[i] = token.text;
      used.add(origin);
    }
  }
  // A value the copy held in a token that no place kept is that token moved (a line moved or
  // deleted above, blocks reordered: the alignment then gives the place another token's). It keeps
  // its token, of whatever backend: that token's readers could read this value already, where
  // sealing it with the place's backend could give it to others (an AES-only value made local).
  for (const [i, marker] of markers.entries()) {
    if (replacements[i] !== undefined) continue;
    const key = reuseKey(marker.value, marker.filters);
    const free = (token: EditToken, k: number) =>
      !used.has(k) && reuseKey(token.value, token.filters) === key;
    let other = from.tokens.findIndex(
      (token, k) => free(token, k) && token.backend === backendOf[i],
    );
    if (other === -1) other = from.tokens.findIndex(free);
    if (other === -1) continue;
    replacements[i] = from.tokens[other]!.text;
    used.add(other);
    if (other !== origins[i]) moved.set(i, other);
  }
  // A place whose token's value went to another line was no place of that token (two values
  // swapped on a line, or in blocks of one shape): a changed value there is a new value, and the
  // note below names it, rather than taking the backend of a token it never was.
  const movedTokens = new Set(moved.values());
  for (const i of markers.keys()) {
    const origin = origins[i];
    if (origin === undefined) continue;
    if (moved.has(i) || (replacements[i] === undefined && movedTokens.has(origin))) {
      origins[i] = undefined;
      if (replacements[i] === undefined) backendOf[i] = options.backend;
    }
  }
  return { replacements, backendOf, origins };
}

/** See {@link SealResult.unplaced}. */
function unplacedValues(
  markers: readonly MarkerMatch[],
  origins: readonly (number | undefined)[],
  replacements: readonly (string | undefined)[],
  lines: LineIndex,
  options: SealOptions,
): NonNullable<SealResult["unplaced"]> {
  const tokens = options.from?.tokens ?? [];
  const placed = new Set(origins.filter((origin) => origin !== undefined));
  const kept = new Set(replacements);
  const removed = tokens.find(
    (token, k) => !placed.has(k) && !kept.has(token.text) && token.backend !== options.backend,
  );
  if (!removed) return [];
  return markers
    .filter((_, i) => replacements[i] === undefined && origins[i] === undefined)
    .map((marker) => ({ location: lines.locate(marker.start), removed: removed.backend }));
}

/**
 * Encrypts the values of `indexes` with backend `name`, and says where they went. When that is
 * not the backend for new values (a changed value sealed with its token's), a failure says so and
 * where: encrypting with another backend instead would change who can read the value.
 */
async function encryptAt(
  name: BackendName,
  indexes: readonly number[],
  markers: readonly MarkerMatch[],
  lines: LineIndex,
  options: SealOptions,
): Promise<{ bodies: TokenBody[]; to: SealDestination }> {
  const plaintexts = indexes.map((i) => Buffer.from(markers[i]!.value));
  try {
    const backend = await options.backends.get(name);
    const bodies = await backend.encrypt(plaintexts);
    return { bodies, to: backend.destination?.() ?? { backend: name } };
  } catch (error) {
    if (name === options.backend) throw error;
    const failure = toS5Error(error);
    const first = lines.locate(markers[indexes[0]!]!.start);
    const more = indexes.length > 1 ? ` (and ${indexes.length - 1} more)` : "";
    throw new S5Error(
      failure.code,
      failure.exitCode,
      `${failure.message}; ${first.file}:${first.line}:${first.column}${more}: a changed value is encrypted again with its token's backend (${BACKEND_NAMES[name]}), never another, so that the same readers can read it`,
      { cause: failure, hint: failure.hint },
    );
  }
}

const BACKEND_NAMES: Record<BackendName, string> = {
  vault: "Vault, the same transit key",
  local: "local keys, the project's current key",
  aes: "AES, the same key",
};

/**
 * A seal marker's filter this s5 does not have. Unlike a token's, it is not shown: in a marker,
 * what follows ` | ` may be the rest of the value (`{{ s5:seal correct horse | battery }}`). A near
 * typo gets its suggestion.
 */
function unknownMarkerFilter(name: string): TokenError {
  const near = closest(name, filterNames);
  const names = `filters are: ${filterNames.join(", ")}`;
  return new TokenError(
    "S5_TOKEN_FILTER",
    "unknown filter (not shown: in a seal marker, what follows ` | ` may be part of the value)",
    {
      hint: near
        ? `did you mean \`${near}\`? ${names}`
        : `${names}; a value that holds \` | \` is written as a JSON string: {{ s5:seal "…" }}`,
    },
  );
}

/**
 * Undefined when `body` is a token's body this s5 reads (without naming the Go tool's backend:
 * either shape reads), else the code of why not.
 */
function unreadBody(body: string): string | undefined {
  try {
    parseBody(body);
    return undefined;
  } catch (error) {
    return (error as TokenError).code ?? "S5_TOKEN_MALFORMED";
  }
}

/**
 * What is left of a text once its markers are taken out must hold nothing that begins like a
 * token or a marker and is neither (`{{ s5:SEAL pw }}`, `{{\u00a0s5:seal pw }}`, `{{ S5:seal pw }}`,
 * a UTF-16 file read as UTF-8): sealing around it would leave that plaintext in the file. The
 * reasons name no character: here the text after `{{ s5:` may be the plaintext.
 */
function leftovers(
  text: string,
  spans: readonly { start: number; end: number }[],
  lines: LineIndex,
): TokenFailure[] {
  const pieces: string[] = [];
  let from = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    // Blanked with a letter, not a space: `{{` before a marker and `s5:` after it must not read as
    // one token across it. New lines stay, so places stay.
    pieces.push(
      text.slice(from, span.start),
      text.slice(span.start, span.end).replace(/[^\n]/g, "x"),
    );
    from = span.end;
  }
  pieces.push(text.slice(from));
  const rest = pieces.join("");
  const found = scan(rest);
  const failures: TokenFailure[] = found.malformed.map((bad) => ({
    location: lines.locate(bad.start),
    error: new TokenError(
      "S5_TOKEN_MALFORMED",
      `neither a seal marker nor a token: ${
        // `{{ s5:SEAL pw }}`: the scanner reads a token `SEAL` followed by text, "not closed".
        SEAL_IN_CAPITALS.test(rest.slice(bad.start, bad.end))
          ? "a seal marker is written `s5:seal`, in lower case"
          : bad.reason.startsWith("unexpected character")
            ? "an unexpected character in it"
            : bad.reason
      }`,
      { hint: "write {{ s5:seal VALUE }}: `s5:seal` in lower case, plain spaces around the value" },
    ),
  }));
  // Well formed as a token, but not one: `{{s5:sealhunter2}}` (no space), `{{ s5:seal:pw }}`,
  // `{{ s5:hunter2 }}`. Left as it is, the plaintext would stay in the file until a render fails.
  for (const token of found.tokens) {
    const seal = /^seal/i.test(token.body);
    const why = seal ? "S5_TOKEN_MALFORMED" : unreadBody(token.body);
    if (why === undefined) continue;
    // `{{ s5:kms:… }}`: a backend word this s5 does not know, maybe a newer s5's token. Its word
    // is not shown (here it may be a plaintext), and it is left to no one: sealing around it
    // would keep a token no older s5 reads, or a plaintext.
    const newer = why === "S5_TOKEN_SCHEME";
    failures.push({
      location: lines.locate(token.start),
      error: new TokenError(
        newer ? "S5_TOKEN_SCHEME" : "S5_TOKEN_MALFORMED",
        seal
          ? "neither a seal marker nor a token: `s5:seal` with no plain space after it"
          : newer
            ? "neither a seal marker nor a token this s5 reads: its backend word is not one of this s5's"
            : "neither a seal marker nor a token: its body is not one s5 can read",
        {
          hint: newer
            ? `a token a newer s5 wrote needs it: ${upgradeHint()}; a value to encrypt is written {{ s5:seal VALUE }}`
            : "write {{ s5:seal VALUE }}: `s5:seal`, a space, then the value",
        },
      ),
    });
  }
  // One character away from a marker (`{{ s5 seal pw }}`): neither seal nor render would see it.
  const reported = new Set(
    failures.map((failure) => failure.location.line * 1e9 + failure.location.column),
  );
  for (const offset of nearMissMarkers(rest)) {
    const location = lines.locate(offset);
    if (reported.has(location.line * 1e9 + location.column)) continue;
    failures.push({
      location,
      error: new TokenError(
        "S5_TOKEN_MALFORMED",
        "neither a seal marker nor a token, but written like one: it would stay in clear",
        {
          hint: "write {{ s5:seal VALUE }}: two braces, `s5:seal` with a colon, a space, the value",
        },
      ),
    });
  }
  const utf16 = rest.includes("\u0000")
    ? wideFailure({ name: lines.file, content: Buffer.from(rest) })
    : undefined;
  if (utf16) failures.push(utf16);
  return failures;
}

/** A token of a file opened for editing, shown in the copy as a marker. */
export interface EditToken {
  /** The marker's place in the copy. */
  start: number;
  end: number;
  /** The token's text in the file, kept when its value does not change. */
  text: string;
  value: string;
  filters: readonly string[];
  /** The backend a changed value is sealed with. */
  backend: BackendName;
}

export interface EditCopy {
  /** The text with every token shown as a seal marker holding its plaintext. */
  text: string;
  /** The tokens the copy's markers stand for, in order. */
  tokens: EditToken[];
}

/** Decrypts every token of a text (one batch) into seal markers, for an editor. */
export async function openForEdit(
  text: string,
  name: string,
  backends: Backends,
): Promise<EditCopy> {
  const found = findTokens({ name, content: text }, backends.goToolBackend);
  // The plaintexts themselves: an editor shows the value, its filters stay in the marker.
  const [values = []] = await resolveTokens([found], backends, { filters: false });
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const tokens: EditToken[] = [];
  let shift = 0;
  const markers = found.tokens.map((token, i) => {
    let value: string;
    try {
      value = decoder.decode(values[i]);
    } catch {
      throw new TokenError(
        "S5_TOKEN_FILTER",
        "this token holds binary data, which an editor cannot show",
        {
          location: found.lines.locate(token.start),
          hint: "edit that value with `s5 decipher` / `s5 cipher` instead",
        },
      );
    }
    const marker = formatMarker(value, token.filters, !bareMarkerFits(text, token.end));
    const start = token.start + shift;
    shift += marker.length - (token.end - token.start);
    tokens.push({
      start,
      end: start + marker.length,
      text: text.slice(token.start, token.end),
      value,
      filters: token.filters,
      backend: token.info.backend,
    });
    return marker;
  });
  return { text: spliceText(text, found.tokens, markers), tokens };
}

/**
 * Whether every token of a text is in the Go tool's form (at least one): a file the Go tool may
 * still render, where new tokens keep that form where they can (`goTool: "where-possible"`).
 */
export function inGoToolForm(text: string, goToolBackend?: BackendName): boolean {
  let found: ReturnType<typeof findTokens>;
  try {
    found = findTokens({ name: "", content: text }, goToolBackend);
  } catch {
    return false;
  }
  return found.tokens.length > 0 && found.tokens.every((token) => token.info.goTool);
}
