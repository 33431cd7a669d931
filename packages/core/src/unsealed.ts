/**
 * Values that stood sealed in an earlier version of a file and stand in clear now: a file rendered
 * in place (`s5 render -i`, which replaces each token by its value and keeps every other byte) and
 * then staged, or a token pasted over by its value. The worst leak a commit can make — the value
 * was secret, so it is one — and one the plaintext heuristics alone can miss (a value that looks
 * like nothing, under a key that sounds like nothing). Found from the text alone (no key): the
 * earlier line with its tokens cut out is a template, and a changed line of the same stretch that
 * fills a token's hole with something that is not a token is that token's value in clear.
 */

import type { BackendName } from "./backend.ts";
import { changedStretches, type LineSpan } from "./edit-align.ts";
import type { Location } from "./errors.ts";
import { LONGEST_STRING } from "./location.ts";
import type { CurrentFile, EarlierFile } from "./moved.ts";
import { type FoundToken, type FoundTokens, findTokens } from "./render.ts";
import { bytesAsText, mayContainToken } from "./scan.ts";
import { assigned, findSuspectSecrets, isPlaceholder, maySuspect, secretName } from "./secrets.ts";

/** A value in clear at a place where a token stood. */
export interface Unsealed {
  /** Index into the current files. */
  file: number;
  /** Byte offset of the value in the current file. */
  offset: number;
  /** Where the token stood in the earlier version. */
  from: Location;
  /**
   * The earlier file is one of `copied` (unchanged since): the current file is a copy of it — a
   * new file, or one whose earlier version held no token (a template overwritten, `s5 render
   * config.s5.yml > config.yml`).
   */
  copy?: true;
}

/**
 * Where each of the earlier line's tokens stood filled in `line`: the line must be the earlier
 * line's text around its tokens, byte for byte, with something in each token's place. Returns the
 * offsets (into the line) and texts of what fills each hole, or undefined when it does not fit.
 */
function fill(
  parts: readonly string[],
  lineText: string,
): { at: number; text: string }[] | undefined {
  const first = parts[0]!;
  // A line's carriage return is its ending, not its text: `git add` under `core.autocrlf` or
  // `text=auto` stages a file rendered in place with LF where HEAD's had CRLF (or the reverse).
  const last = withoutCR(parts.at(-1)!);
  const line = withoutCR(lineText);
  if (!line.startsWith(first) || !line.endsWith(last)) return undefined;
  const stop = line.length - last.length;
  const holes: { at: number; text: string }[] = [];
  let at = first.length;
  for (let k = 1; k < parts.length - 1; k++) {
    // Each hole holds at least one character: the next part is looked for past it.
    const next = line.indexOf(parts[k]!, at + 1);
    if (next === -1 || next > stop) return undefined;
    holes.push({ at, text: line.slice(at, next) });
    at = next + parts[k]!.length;
  }
  if (at > stop) return undefined;
  holes.push({ at, text: line.slice(at, stop) });
  return holes;
}

/** A line's text without the carriage return of a CRLF ending. */
const withoutCR = (text: string) => (text.endsWith("\r") ? text.slice(0, -1) : text);

/** What stands for a character of a token in {@link masked}: found in no line's text around it. */
const MASK = "\u0000";

/**
 * A line of the current text with its tokens' characters masked: the text around a hole is never
 * looked for inside a token (whose `s5:vault:v1:` holds the `:` a URL's line has around values).
 */
function masked(text: string, tokens: readonly FoundToken[], line: LineSpan): string {
  let out = "";
  let at = line.start;
  for (const token of tokensOn(tokens, line)) {
    const end = Math.min(token.end, line.end);
    out += text.slice(at, token.start) + MASK.repeat(end - token.start);
    at = end;
  }
  return out + text.slice(at, line.end);
}

/** The tokens of `tokens` that stand on `line` (they are in order). */
function tokensOn(tokens: readonly FoundToken[], line: LineSpan): FoundToken[] {
  return tokens.filter((token) => token.start >= line.start && token.start < line.end);
}

/** An earlier file's tokens and text, found once however many files are held to it. */
interface Then {
  name: string;
  found: FoundTokens;
  text: string;
}

/**
 * The values of `current` that stand in clear where a token of the file's earlier version stood
 * (`earlier`, matched by their name now; a new file, by each file gone since): on a line changed
 * since, whose text around the value is that of the token's line, byte for byte. A token kept or
 * replaced by another token, a placeholder or a reference put in its place (`none`,
 * `${DB_PASSWORD}`), a line removed, and a line rewritten around its value are not reported: the
 * heuristics judge those. Pass only the files that changed. `copied`: files of tokens (unchanged
 * since, or as this change holds them), which a new file may be a rendered copy of (`s5 render
 * values.yml > prod.yml`): a new file that mostly repeats one, each of its changed lines of tokens
 * filled in and most with a value (not a placeholder), is held to it (`copy`).
 * So is a file whose earlier version held no token (a template, or anything) where its changed
 * lines may hold a secret's value ({@link mayBeRendered}): only its values on lines changed since
 * are reported. `copied` may be a function, called once and only when a file is held to copies
 * (finding them is a search of the whole repository).
 */
export function findUnsealed(
  earlier: readonly EarlierFile[],
  current: readonly CurrentFile[],
  goToolBackend?: BackendName,
  copied: readonly EarlierFile[] | (() => readonly EarlierFile[]) = [],
): Unsealed[] {
  let copies: readonly EarlierFile[] | undefined;
  const copiesOf = () => {
    copies ??= typeof copied === "function" ? copied() : copied;
    return copies;
  };
  const prepared = new Map<EarlierFile, Then | undefined>();
  const prepare = (file: EarlierFile) => {
    if (!prepared.has(file)) {
      const found =
        file.content.length > LONGEST_STRING
          ? undefined
          : findTokens({ name: file.name, content: file.content }, goToolBackend);
      prepared.set(
        file,
        found && found.tokens.length > 0
          ? { name: file.name, found, text: bytesAsText(file.content) }
          : undefined,
      );
    }
    return prepared.get(file);
  };
  const byNow = new Map<string, EarlierFile>();
  for (const file of earlier) if (file.now !== undefined) byNow.set(file.now, file);
  // A file renamed and rendered in one change is too unlike its old self for git to pair them
  // (its long tokens became short values): a new file is held to each file gone since.
  const gone = earlier.filter((file) => file.now === undefined);
  const found: Unsealed[] = [];
  for (const [index, now] of current.entries()) {
    if (now.content.length > LONGEST_STRING) continue;
    const then = byNow.get(now.name);
    const nowText = bytesAsText(now.content);
    let inFile: { offset: number; from: Location }[] = [];
    for (const file of then ? [then] : gone) {
      const earlierFile = prepare(file);
      if (!earlierFile) continue;
      inFile = unsealedIn(earlierFile, now.found, nowText);
      for (const { offset, from } of inFile) found.push({ file: index, offset, from });
      if (inFile.length > 0) break;
    }
    if (inFile.length > 0) continue;
    // A file of tokens then is held to that version alone. One that held none (a template of
    // the same keys, or anything) may have been overwritten by a rendered copy of another (`s5
    // render config.s5.yml > config.yml`): held to copies where its changed lines may hold a
    // secret's value, so that an ordinary edit does not pay for the search.
    let thenText: string | undefined;
    if (then) {
      if (prepare(then) || then.content.length > LONGEST_STRING) continue;
      thenText = bytesAsText(then.content);
      if (!mayBeRendered(thenText, nowText)) continue;
    }
    // A new file may be a copy of a file that is still there, with its values in clear (`s5
    // render values.yml > prod.yml`, or a copy rendered in place): held to each such file that
    // it mostly repeats, so that a new file that merely shares a line or two is not.
    const sources = copiesOf();
    const nowLines = sources.length > 0 ? new Set(nowText.split("\n").map(withoutCR)) : undefined;
    // Values committed in clear at the earlier version are none of this change's (its lines, made
    // into a set only when a copy is found).
    let kept: Set<string> | undefined;
    const keptLines = (text: string) => {
      kept ??= new Set(text.split("\n").map(withoutCR));
      return kept;
    };
    for (const file of sources) {
      const earlierFile = prepare(file);
      if (!earlierFile || file.now === now.name || file.name === now.name) continue;
      const shape = shapeOf(earlierFile);
      if (!mayRepeat(shape, nowLines!, nowText, thenText !== undefined)) continue;
      if (!fillsAHole(shape, nowText)) continue;
      let inCopy = unsealedIn(earlierFile, now.found, nowText, true, thenText !== undefined);
      if (thenText !== undefined && inCopy.length > 0) {
        const lines = keptLines(thenText);
        inCopy = inCopy.filter(({ offset }) => !lines.has(lineAt(nowText, offset)));
      }
      // A render writes every value at once: most of the source's lines of tokens hold a value
      // (in this change, for a tracked file), not one. A plaintext mirror whose sample value was
      // edited (.env.example beside a .env of tokens: `SECRET_KEY=changeme` → `dev-key`), or one
      // added with its .env, mostly placeholders and blanks, is no copy rendered.
      if (
        2 * new Set(inCopy.map(({ from }) => from.line)).size <=
        shapeOf(earlierFile).starts.length
      ) {
        inCopy = [];
      }
      for (const { offset, from } of inCopy) found.push({ file: index, offset, from, copy: true });
      if (inCopy.length > 0) break;
    }
  }
  return found;
}

/** The line of `text` that `offset` stands on, without its CR. */
function lineAt(text: string, offset: number): string {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  const feed = text.indexOf("\n", offset);
  return withoutCR(text.slice(start, feed === -1 ? text.length : feed));
}

/**
 * A value that reads as code, not as one a render wrote: unquoted, with a call in it or on a
 * line that goes on (`token: options.token,`, `auth.helper = find(env);`). A rendered value
 * stands in a config's syntax: quoted in JSON and code, bare in YAML and .env, where a line ends
 * with no comma or semicolon.
 */
function codeLike(line: string, raw: string): boolean {
  if (/^["'`]/.test(raw)) return false;
  return raw.includes("(") || /[,;{([]\s*$/.test(line);
}

/**
 * Whether a file whose earlier version (`thenText`) held no token may now be a rendered copy of
 * a file of tokens: one of its changed lines (not in the earlier version, nor marked s5:ignore)
 * holds what the plaintext heuristics take for a secret, a value under a secret-sounding key
 * however plain (`password: hunter`), or a value where the earlier version had a placeholder
 * after the same text (a template's `password: changeme`, `host: <host>`). Only then is the
 * repository searched for files of tokens it copies: an edit of code or of an ordinary setting
 * (`timeout: 30` to `60`) is none. A value under a bland key put over a value of an unrelated
 * file passes it (and the copy rule).
 */
export function mayBeRendered(thenText: string, nowText: string): boolean {
  if (nowText.slice(0, 8000).includes("\u0000")) return false; // binary, as git tells it
  // The lines around the change, the same in both, are left out before any line is split: a
  // 45 MB data file with one line changed took 5.9 s and 600 MB here, every line in two sets.
  const [thenPart, nowPart] = changedLines(thenText, nowText);
  const thenLines = thenPart.split("\n").map(withoutCR);
  const nowLines = nowPart.split("\n").map(withoutCR);
  const before = new Set(thenLines);
  const added = nowLines.filter(
    (line) => !before.has(line) && line.trim() !== "" && !line.includes("s5:ignore"),
  );
  if (added.length === 0) return false;
  const after = new Set(nowLines);
  // The text before each placeholder the change replaced: a template's holes.
  const holes = new Set<string>();
  for (const line of thenLines) {
    if (after.has(line)) continue;
    const pair = assigned(line);
    if (pair && isPlaceholder(pair.value)) holes.add(pair.before);
  }
  for (const line of added) {
    const pair = assigned(line);
    if (!pair || isPlaceholder(pair.value) || mayContainToken(pair.value)) continue;
    if (
      holes.has(pair.before) ||
      (secretName(pair.key) && !codeLike(line, line.slice(pair.before.length)))
    ) {
      return true;
    }
  }
  const changed = added.join("\n");
  return maySuspect(changed) && findSuspectSecrets(changed).length > 0;
}

/** How many characters `a` and `b` share from their starts (compared a block at a time). */
function sharedStart(a: string, b: string, limit: number): number {
  let at = 0;
  while (at < limit) {
    const end = Math.min(at + 4096, limit);
    if (a.slice(at, end) !== b.slice(at, end)) break;
    at = end;
  }
  while (at < limit && a.charCodeAt(at) === b.charCodeAt(at)) at++;
  return at;
}

/** How many characters `a` and `b` share at their ends, at most `limit`. */
function sharedEnd(a: string, b: string, limit: number): number {
  let back = 0;
  while (back < limit) {
    const step = Math.min(4096, limit - back);
    if (
      a.slice(a.length - back - step, a.length - back) !==
      b.slice(b.length - back - step, b.length - back)
    ) {
      break;
    }
    back += step;
  }
  while (back < limit && a.charCodeAt(a.length - back - 1) === b.charCodeAt(b.length - back - 1)) {
    back++;
  }
  return back;
}

/**
 * The whole lines of `then` and of `now` between the lines both start and end with: what an
 * edit changed, and the lines it cut through.
 */
export function changedLines(then: string, now: string): [string, string] {
  const shortest = Math.min(then.length, now.length);
  const same = sharedStart(then, now, shortest);
  // (lastIndexOf from -1 searches from 0: a file that starts with a line break started at 1.)
  const start = same === 0 ? 0 : then.lastIndexOf("\n", same - 1) + 1;
  const end = then.length - sharedEnd(then, now, shortest - same);
  // To the end of the line the shared end starts in (none where it starts one).
  const lineEnd =
    end === 0 || then.charCodeAt(end - 1) === 0x0a
      ? end
      : then.indexOf("\n", end) === -1
        ? then.length
        : then.indexOf("\n", end);
  const after = then.length - lineEnd;
  return [then.slice(start, lineEnd), now.slice(start, now.length - after)];
}

/**
 * What a copy of a file of tokens with no other line (`.npmrc`'s `//registry.npmjs.org/:_authToken=
 * {{ … }}`) is known by: the text around its tokens, at least this many characters that are not
 * white space. A new file is held to such a file only then (`password: ` alone is in too many
 * files); a tracked file where a changed line may hold a secret (a template's placeholder
 * replaced, `${NPM_TOKEN}`) with any text around — but not none: a file of one bare token would
 * take any line the heuristics flag (a lockfile's `"integrity": "sha512-…"`) for its copy.
 */
const AROUND_TOKENS = 16;

/** What the copy search asks of a file of tokens for each file it may be a copy of, made once. */
interface Shape {
  /** Its lines of text without a token (not blank), without CR. */
  plain: string[];
  /** The text before each of its lines' first token, from the line's start. */
  starts: string[];
  /** Characters other than white space around its tokens (a file of tokens only; else 0). */
  around: number;
}

const shapes = new WeakMap<Then, Shape>();

function shapeOf(then: Then): Shape {
  let shape = shapes.get(then);
  if (shape) return shape;
  const withTokens = new Set<number>();
  const starts: string[] = [];
  let outside = "";
  let from = 0;
  for (const token of then.found.tokens) {
    const { line } = then.found.lines.locate(token.start);
    if (!withTokens.has(line)) {
      starts.push(then.text.slice(then.text.lastIndexOf("\n", token.start - 1) + 1, token.start));
    }
    withTokens.add(line);
    outside += then.text.slice(from, token.start);
    from = token.end;
  }
  const plain = then.text
    .split("\n")
    .filter((line, k) => !withTokens.has(k + 1) && line.trim() !== "")
    .map(withoutCR);
  // Asked only of a file of tokens only, where all text outside its tokens stands on their lines.
  const around =
    plain.length === 0 ? (outside + then.text.slice(from)).replace(/\s+/g, "").length : 0;
  shape = { plain, starts, around };
  shapes.set(then, shape);
  return shape;
}

/**
 * Whether a file of tokens only is known by its lines' text around the tokens: a new file is held
 * to it with {@link AROUND_TOKENS} characters or more, a tracked one with any.
 */
function knownByTokenLines(shape: Shape, tracked: boolean): boolean {
  return shape.around >= (tracked ? 1 : AROUND_TOKENS);
}

/**
 * Whether half the lines of `then` with text and no token stand in `nowLines` somewhere: a copy
 * rendered may, and only then is the line diff worth making (a new file is held to every file of
 * tokens in the repository). A file of tokens only: {@link knownByTokenLines}, each line's start
 * found in `nowText`.
 */
function mayRepeat(
  shape: Shape,
  nowLines: ReadonlySet<string>,
  nowText: string,
  tracked: boolean,
): boolean {
  if (shape.plain.length === 0) {
    return knownByTokenLines(shape, tracked) && shape.starts.every((at) => nowText.includes(at));
  }
  let found = 0;
  for (const line of shape.plain) if (nowLines.has(line)) found++;
  return found >= 1 && 2 * found >= shape.plain.length;
}

/**
 * Whether some line of `nowText` starts as one of the source's lines of tokens does, with
 * something other than a token where its first token stood: a copy rendered has, and without one
 * no hole holds a value (a file of tokens of the same layout, as a monorepo's services have, is no
 * copy: the line diff was made for each pair of them). A line whose token starts it tells nothing.
 */
function fillsAHole(shape: Shape, nowText: string): boolean {
  for (const start of shape.starts) {
    if (start.trim() === "") return true;
    for (let at = nowText.indexOf(start); at !== -1; at = nowText.indexOf(start, at + 1)) {
      if (at > 0 && nowText.charCodeAt(at - 1) !== 0x0a) continue;
      // A token in that place starts right there, as the source's did; anything else may be a
      // value (a token further on, on the next line, is none of this line's).
      if (!nowText.startsWith("{{", at + start.length)) return true;
    }
  }
  return false;
}

/**
 * Whether `now` mostly repeats `then`: at least half the lines of `then` that hold text and no
 * token stand unchanged in it (and one at least), as in a copy rendered. A file of tokens only:
 * {@link knownByTokenLines} (each of its lines filled in is asked by the caller).
 */
function mostlyRepeats(
  then: Then,
  stretches: readonly { copy: readonly LineSpan[] }[],
  tracked: boolean,
): boolean {
  const shape = shapeOf(then);
  if (shape.plain.length === 0) return knownByTokenLines(shape, tracked);
  const blank = (line: LineSpan) => then.text.slice(line.start, line.end).trim() === "";
  let lines = 0;
  for (let start = 0; start <= then.text.length; ) {
    const feed = then.text.indexOf("\n", start);
    const end = feed === -1 ? then.text.length : feed;
    if (!blank({ start, end })) lines++;
    start = end + 1;
  }
  const changed = stretches.reduce(
    (sum, stretch) => sum + stretch.copy.filter((line) => !blank(line)).length,
    0,
  );
  const shared = lines - changed;
  return shared >= 1 && 2 * shared >= lines - shape.starts.length;
}

/**
 * {@link findUnsealed} for one file and one earlier version of it. A `copy` has each of the
 * source's lines of tokens filled in — a new file that merely shares some lines does not; a
 * `tracked` file (it held no token) most of them: a render over a template with a line of tokens
 * then dropped, or one the template never had, passed with its other values in clear. (Half is
 * not enough: a file of other content that gained a `password:` line beside a two-token file's
 * `db:` and `port:` would be one.)
 */
function unsealedIn(
  then: Then,
  nowFound: FoundTokens,
  nowText: string,
  copy = false,
  tracked = false,
): { offset: number; from: Location }[] {
  const found: { offset: number; from: Location }[] = [];
  const tokensThen = then.found.tokens;
  const stretches = changedStretches(then.text, tokensThen, nowText, nowFound.tokens);
  if (copy && !mostlyRepeats(then, stretches, tracked)) return found;
  // A copy rendered has each changed line of tokens filled in: one that does not is no copy.
  let unfilled = 0;
  let withTokens = 0;
  for (const stretch of stretches) {
    const used = new Set<LineSpan>();
    for (const line of stretch.copy) {
      const tokens = tokensOn(tokensThen, line);
      if (tokens.length === 0) continue;
      // The line's text around its tokens: what a render keeps byte for byte.
      const parts: string[] = [];
      let from = line.start;
      for (const token of tokens) {
        parts.push(then.text.slice(from, token.start));
        from = token.end;
      }
      parts.push(then.text.slice(from, line.end));
      unfilled++;
      withTokens++;
      for (const candidate of stretch.edited) {
        if (used.has(candidate)) continue;
        const holes = fill(parts, masked(nowText, nowFound.tokens, candidate));
        if (!holes) continue;
        used.add(candidate);
        unfilled--;
        for (const [k, hole] of holes.entries()) {
          // Emptied, a placeholder or a reference (`${DB_PASSWORD}`), or sealed again (a token, a
          // seal marker): no value in clear.
          if (isPlaceholder(hole.text) || hole.text.includes(MASK) || mayContainToken(hole.text)) {
            continue;
          }
          found.push({
            offset: candidate.start + hole.at,
            from: then.found.lines.locate(tokens[k]!.start),
          });
        }
        break;
      }
    }
  }
  if (!copy || unfilled === 0) return found;
  return tracked && 2 * unfilled < withTokens ? found : [];
}
