/**
 * Tokens that stand at two places or more, for `s5 check`. Every seal draws a fresh nonce (an
 * ephemeral key for local keys, a random nonce for AES and Vault transit), so the same ciphertext
 * twice is always one token copied: one secret now reaches a second place. A reviewer who may
 * only encrypt sees two opaque tokens and cannot tell a copy of the production password (moved
 * into a ConfigMap, a client module, a variable a test prints) from a new value; this says so.
 */
import { ciphertextKey, type FoundToken, type FoundTokens, formatLocation } from "@s5/core";
import type { Problem } from "./sarif.ts";

/** A file's tokens and bytes (check.ts's `Checked`). */
interface Source {
  found: FoundTokens;
  content: Buffer;
}

/**
 * True when the line around `offset` says `s5:ignore` (a copy meant to be there). Read byte by
 * byte to the line's ends, once per line (`seen`): a minified line of many MB with many copies
 * on it is read once, not once per copy.
 */
export function ignoredLine(
  content: Buffer,
  offset: number,
  line: number,
  seen: Map<number, boolean>,
) {
  const known = seen.get(line);
  if (known !== undefined) return known;
  let start = offset;
  while (start > 0 && content[start - 1] !== 0x0a && content[start - 1] !== 0x0d) start--;
  let end = offset;
  while (end < content.length && content[end] !== 0x0a && content[end] !== 0x0d) end++;
  const ignored = content.subarray(start, end).includes("s5:ignore");
  seen.set(line, ignored);
  return ignored;
}

/**
 * One warning per place of a ciphertext found at two places or more (each place, so that the
 * copy's own line carries one, wherever the walk met it first), naming another place. A line
 * that says `s5:ignore` is not reported (both lines of a meant copy say it). A warning, not a
 * failure: one value meant for two places is often copied as its token, and a JSON file has no
 * comment to say so. Places are located only for copies: a file's line index is a copy of its
 * text, which a check without problems never builds.
 */
export function findCopies(sources: readonly Source[]): Problem[] {
  const places = new Map<string, { source: Source; token: FoundToken }[]>();
  for (const source of sources) {
    for (const token of source.found.tokens) {
      const key = ciphertextKey(token);
      const list = places.get(key);
      if (list) list.push({ source, token });
      else places.set(key, [{ source, token }]);
    }
  }
  const lines = new Map<Source, Map<number, boolean>>();
  const problems: Problem[] = [];
  for (const list of places.values()) {
    if (list.length < 2) continue;
    const located = list.map(({ source, token }) => {
      const location = source.found.lines.locate(token.start);
      let seen = lines.get(source);
      if (!seen) {
        seen = new Map();
        lines.set(source, seen);
      }
      return {
        location,
        ignored: ignoredLine(source.content, token.start, location.line, seen),
      };
    });
    // The place named is the first in the report's order, not the walk's.
    located.sort(
      ({ location: a }, { location: b }) =>
        a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
    );
    for (const [i, { location, ignored }] of located.entries()) {
      if (ignored) continue;
      const other = located[i === 0 ? 1 : 0]!.location;
      const more = located.length > 2 ? ` (and at ${located.length - 2} more place(s))` : "";
      problems.push({
        location,
        message: `the same token as at ${formatLocation(other)}${more}: a copy (a fresh seal never repeats a ciphertext), so one secret stands in both places; if that is meant, mark each of their lines s5:ignore`,
        code: "S5_CHECK_COPY",
        warning: true,
      });
    }
  }
  return problems;
}
