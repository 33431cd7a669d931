/**
 * Tokens moved since an earlier version of the files (`s5 check --base REF`), and places whose
 * token changed backend. A token decrypts to
 * its value wherever it stands, so a token taken from one place to another (the production
 * password into a ConfigMap, into a variable a test prints; two environments' tokens swapped)
 * carries its value there, and a reviewer of opaque tokens sees a changed token, not where it came
 * from. Copies are caught without history (`ciphertextKey`: the same ciphertext twice); a move
 * leaves one of each, so only the earlier version tells it. Places are `s5 edit`'s: lines compared
 * with their tokens masked and the lines they sit under (edit-align.ts), so `password:` under
 * `prod:` and under `dev:` are two places.
 */

import type { BackendName } from "./backend.ts";
import { ciphertextKey } from "./ciphertext-key.ts";
import { alignPlaces, type Places } from "./edit-align.ts";
import type { Location } from "./errors.ts";
import { LONGEST_STRING } from "./location.ts";
import { type FoundToken, type FoundTokens, findTokens } from "./render.ts";
import { bytesAsText } from "./scan.ts";

/** A file as it was at the earlier version. */
export interface EarlierFile {
  /** Its name then (as it is reported). */
  name: string;
  content: Uint8Array;
  /** Its name now (renamed or not), or undefined when it is gone. */
  now: string | undefined;
}

/** A file as it is now, with its tokens (`findTokens`). */
export interface CurrentFile {
  name: string;
  content: Uint8Array;
  found: FoundTokens;
}

/**
 * A token of a current file that stood at another place at the earlier version (`moved`), or
 * that stands where a token of another backend stood (`backend`: who may read the place's value
 * changed, as when a Vault token for CI alone is replaced by a local-key one).
 */
export type PlaceChange =
  | {
      kind: "moved";
      /** Index into the current files. */
      file: number;
      token: FoundToken;
      /** Where its ciphertext stood at the earlier version. */
      from: Location;
    }
  | {
      kind: "backend";
      file: number;
      token: FoundToken;
      /** The earlier token at its place. */
      from: Location;
      /** That token's backend. */
      was: BackendName;
    };

interface Earlier {
  file: EarlierFile;
  found: FoundTokens;
  keys: string[];
}

/** Which of `then`'s tokens stands at the place of each of `now`'s, and their hunks. */
function placesIn(then: Earlier, now: CurrentFile): Places {
  if (then.file.content.length > LONGEST_STRING || now.content.length > LONGEST_STRING) {
    // One hunk of the whole file: no place known, no token of it moved within it.
    return {
      origins: now.found.tokens.map(() => undefined),
      copyHunks: then.found.tokens.map(() => 0),
      editedHunks: now.found.tokens.map(() => 0),
    };
  }
  return alignPlaces(
    bytesAsText(then.file.content),
    then.found.tokens,
    bytesAsText(now.content),
    now.found.tokens,
  );
}

/**
 * The tokens of `current` whose ciphertext stood elsewhere in `earlier` (`moved`): in another
 * file, or at another place of the same file. A token at its own place, a new token, and a token
 * whose place was not found but stood in the same changed stretch of its file (a line rewritten
 * around it) are not moves. And the new tokens at a place where a token of another backend stood
 * (`backend`). Pass only the files that changed: an unchanged file's tokens are where they were.
 */
export function comparePlaces(
  earlier: readonly EarlierFile[],
  current: readonly CurrentFile[],
  goToolBackend?: BackendName,
): PlaceChange[] {
  const byNow = new Map<string, Earlier>();
  const where = new Map<string, { then: Earlier; token: number }>();
  for (const file of earlier) {
    const found = findTokens({ name: file.name, content: file.content }, goToolBackend);
    if (found.tokens.length === 0) continue;
    const then: Earlier = { file, found, keys: found.tokens.map(ciphertextKey) };
    if (file.now !== undefined) byNow.set(file.now, then);
    for (const [token, key] of then.keys.entries()) {
      if (!where.has(key)) where.set(key, { then, token });
    }
  }
  const changes: PlaceChange[] = [];
  if (where.size === 0) return changes;
  const locate = (then: Earlier, token: number) =>
    then.found.lines.locate(then.found.tokens[token]!.start);
  for (const [index, now] of current.entries()) {
    const then = byNow.get(now.name);
    const places = then ? placesIn(then, now) : undefined;
    for (const [i, token] of now.found.tokens.entries()) {
      const key = ciphertextKey(token);
      const origin = places?.origins[i];
      if (then && origin !== undefined && then.keys[origin] === key) continue;
      const before = where.get(key);
      if (!before) {
        // A new token: of the backend of the one its place held?
        const was =
          then && origin !== undefined ? then.found.tokens[origin]!.info.backend : undefined;
        if (was !== undefined && was !== token.info.backend) {
          changes.push({ kind: "backend", file: index, token, from: locate(then!, origin!), was });
        }
        continue;
      }
      // In this file, a token with no place found (its line rewritten, with another count of
      // tokens and other text before them) is no move if it stood in the same changed stretch of
      // lines: an edit around it. From another stretch it moved (two lines rewritten and their
      // tokens swapped: each line is a stretch of its own). Asked of this file even where the
      // token's first earlier place is another file (a copy there too).
      if (then && places && origin === undefined) {
        const stretch = places.copyHunks[then.keys.indexOf(key)];
        if (stretch !== undefined && stretch !== -1 && stretch === places.editedHunks[i]) continue;
      }
      changes.push({ kind: "moved", file: index, token, from: locate(before.then, before.token) });
    }
  }
  return changes;
}
