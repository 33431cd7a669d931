/**
 * The earlier versions `s5 check` holds what it checks against: HEAD's for `--staged` (what the
 * commit replaces) and for files of a git work tree (what they would replace), and REF's for
 * `--base REF` (where the branch left it). A file that held tokens
 * there is a file of secrets, whatever it holds now: `s5 render -i` and `git add` stage a file of
 * values in clear and no token, which the plaintext heuristics — run on files with tokens only —
 * never looked at. Core says which values stand in clear where a token stood (`findUnsealed`).
 */
import { readFileSync } from "node:fs";
import { basename, relative } from "node:path";
import type { BackendName, FoundTokens } from "@s5/core";
import { formatLocation, mayContainToken } from "@s5/core";
import { findUnsealed, showable } from "@s5/core/internal";
import { shellQuote } from "./completion/model.ts";
import { ignoredLine } from "./copies.ts";
import { type BaseFiles, baseFiles, headFiles, sealedSources } from "./git-base.ts";
import { workTreeTop } from "./git-work-tree.ts";
import { namedPlace, placer } from "./place.ts";
import { readRegular } from "./regular-file.ts";
import type { Problem } from "./sarif.ts";

/** What was compared with, and what it held. */
export interface History {
  /** `--base`'s files, for the moves and config changes (moves.ts). */
  base: BaseFiles | undefined;
  /** Every comparison: HEAD's (`--staged`), REF's (`--base`). */
  comparisons: BaseFiles[];
  /** Absolute paths of the files that held a token (or something like one) in a comparison. */
  sealedBefore: Set<string>;
  /**
   * Every file changed since a comparison: those, the files new since it (a copy rendered, or a
   * file of tokens renamed and rendered in one change, which git pairs with no earlier file), and
   * those that held no token then (overwritten by a rendered copy of another file?).
   */
  compared: Set<string>;
  /** The base names of `compared`'s files: most files checked are none of them. */
  names: Set<string>;
  /** A checked file's absolute path as git names it (place.ts). */
  placeOf: (file: string) => string;
}

/** Bytes read as one character each: enough to look for a token's opening. */
const holdsToken = (content: Uint8Array) =>
  mayContainToken(
    Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("latin1"),
  );

/**
 * HEAD's versions of the files changed in the work tree, when the current directory is in one
 * and git answers: files named by the pre-commit framework (`s5 check -- FILE…`, the work tree
 * with unstaged changes stashed: what the commit holds) are held to what they replace. Outside a
 * work tree no git is run (git may not be installed where s5 checks files); where git fails, the
 * files are judged alone, as before; before the first commit, each is new.
 */
async function workTreeHistory(paths: readonly string[]): Promise<BaseFiles | undefined> {
  if (workTreeTop(process.cwd()) === undefined) return undefined;
  try {
    return await headFiles((paths.length > 0 ? paths : ["."]).map(namedPlace));
  } catch {
    return undefined;
  }
}

/**
 * Reads the earlier versions a check compares with: HEAD's for `--staged` (the index: `stagedHead`,
 * read with the staged files), REF's for `--base REF`, and without either HEAD's for the work tree
 * (in a git work tree), of the files and directories named (`paths`: the current directory when
 * none is).
 */
export async function readHistory(
  staged: boolean,
  ref: string | undefined,
  paths: readonly string[] = [],
  stagedHead?: BaseFiles,
): Promise<History> {
  const comparisons: BaseFiles[] = [];
  // With --staged, read with the staged files (`readStaged`; before the first commit, against
  // nothing: every staged file new).
  const head = staged ? stagedHead : ref === undefined ? await workTreeHistory(paths) : undefined;
  if (head) comparisons.push(head);
  const base = ref === undefined ? undefined : await baseFiles(ref, staged);
  if (base) comparisons.push(base);
  const sealedBefore = new Set<string>();
  const compared = new Set<string>();
  for (const { earlier, changed } of comparisons) {
    for (const file of earlier) {
      if (file.now !== undefined && holdsToken(file.content)) sealedBefore.add(file.now);
    }
    // A new file: renamed from a file gone since, or a copy of one still there; a file that held
    // no token: overwritten by a copy? Core tells (findRendered), searching for copies only
    // where a changed line may hold a secret.
    for (const path of changed) compared.add(path);
  }
  for (const path of sealedBefore) compared.add(path);
  const names = new Set([...compared].map((path) => basename(path)));
  // With --staged the files are git's own names: no link.
  const placeOf = placer(staged ? [] : paths);
  return { base, comparisons, sealedBefore, compared, names, placeOf };
}

/**
 * Whether a file checked (named as check names it) held tokens in a comparison, and whether it is
 * held to one. Its path is resolved only when a file of its name is among them: `resolve` costs
 * about a microsecond, and two per file made a check of 20,000 files ~40 ms slower in or out of a
 * git work tree.
 */
export function heldTo(history: History, file: string): { wasSealed: boolean; compared: boolean } {
  if (!history.names.has(basename(file))) return { wasSealed: false, compared: false };
  const path = history.placeOf(file);
  return { wasSealed: history.sealedBefore.has(path), compared: history.compared.has(path) };
}

/** The largest work-tree file read to tell whether a staged file is one of secrets. */
const WORK_TREE_LIMIT = 64 * 1024 * 1024;

/**
 * Whether the work tree's copy of a staged file holds a token: the index holds its values in
 * clear and the work tree its tokens (rendered, staged, sealed again and not staged) — a file of
 * secrets whose commit would hold them in clear. Only its content is judged, the index's.
 */
export function sealedInWorkTree(file: string): boolean {
  // A regular file of a bounded size only: a FIFO put in the file's place blocked the read, and
  // the hook with it, for ever; a larger file was read whole before it was measured. Gone or
  // unreadable: the index's content is judged alone.
  return (
    readRegular(
      file,
      (stat) => stat.size <= WORK_TREE_LIMIT,
      (fd) => holdsToken(readFileSync(fd)),
    ) ?? false
  );
}

/** A checked file (check.ts's `Checked`). */
interface Source {
  file: string;
  found: FoundTokens;
  content: Buffer;
}

/**
 * A path as the restore command names it, to be pasted into a shell: plain when it is a word of
 * only ordinary characters, else single-quoted and a literal pathspec — `*.yml` pasted as it was
 * named every YAML file (the shell's glob, then git's) and `:(top)x.yml` another file, whose other
 * changes the command dropped.
 */
function restoredPath(path: string): string {
  return /^[\w./@%+=,-]+$/.test(path) ? path : shellQuote(`:(literal)${path}`);
}

/**
 * What keeps a copy out of the commit: a new file out of the index; where it replaced a link, the
 * link staged again; where it overwrote a tracked file, that file's version at HEAD put back
 * (`git rm --cached` would take the link, or the tracked file, out of the commit with it).
 */
function keepOut(file: string, was: "new" | "link" | "tracked"): string {
  const path = showable(restoredPath(file));
  if (was === "link") {
    return `\`git restore --staged -- ${path}\` keeps the link it replaced in the commit (the file stays in the work tree)`;
  }
  return was === "tracked"
    ? `\`git restore --source=HEAD --staged --worktree -- ${path}\` puts HEAD's version of it back (and drops the file's other changes)`
    : `\`git rm --cached -- ${path}\` keeps it out of the commit`;
}

/**
 * One problem (S5_CHECK_RENDERED) per value in clear where a token stood at a comparison's
 * version: on the line it stands on now, naming where the token stood. Never the value.
 */
export function findRendered(
  sources: readonly Source[],
  history: History,
  goToolBackend: BackendName | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const reported = new Set<string>();
  const seen = new Map<string, Map<number, boolean>>();
  for (const { earlier, changed, label, note, wereLinks } of history.comparisons) {
    const current = sources
      .filter(({ file }) => changed.has(history.placeOf(file)))
      .map((source) => ({ ...source, name: history.placeOf(source.file) }));
    // New files, and files that held no token, may be copies of files of tokens: those of this
    // change as they are now (first: a file rendered in this change is likeliest rendered from
    // one), and those that did not change, read (git grep) only when core holds a file to them. A
    // value sealed and its file rendered in one commit, or a project's file of tokens added with
    // its render, passed the hook when only unchanged files were looked at.
    const paired = new Set(earlier.map((file) => file.now));
    const ofChange = current
      .filter(({ found }) => found.tokens.length > 0)
      .map(({ name, content }) => ({
        name: relative(process.cwd(), name) || name,
        content,
        now: name,
      }));
    const inChange = new Set(ofChange.map(({ name }) => name));
    const unsealed = findUnsealed(earlier, current, goToolBackend, () => [
      ...ofChange,
      ...sealedSources(changed),
    ]);
    for (const { file, offset, from, copy } of unsealed) {
      const source = current[file]!;
      const location = source.found.lines.locate(offset);
      const key = `${source.file}:${location.line}:${location.column}`;
      if (reported.has(key)) continue;
      reported.add(key);
      let lines = seen.get(source.file);
      if (!lines) {
        lines = new Map();
        seen.set(source.file, lines);
      }
      if (ignoredLine(source.content, offset, location.line, lines)) continue;
      const was = wereLinks.has(source.name) ? "link" : paired.has(source.name) ? "tracked" : "new";
      problems.push({
        location,
        message: copy
          ? `a value in clear where ${formatLocation(from)} holds a token ${inChange.has(from.file) ? "in this change" : `at ${label}`}: this ${was === "tracked" ? "file (it held no token) is now" : "new file is"} a copy of ${showable(from.file)} with its values in clear (s5 render … > FILE?): ${
              label === "HEAD"
                ? keepOut(source.file, was)
                : was === "tracked"
                  ? `put back its version at ${label} and take the copy out of this branch's commits`
                  : "take it out of this branch's commits"
            }, and write such a file outside the work tree or git-ignore it; if the value is meant to be public, mark the line s5:ignore`
          : `a value in clear where a token stood at ${formatLocation(from)} at ${label} (a file rendered in place, s5 render -i?): ${
              label === "HEAD"
                ? `\`git restore --source=HEAD --staged --worktree -- ${showable(restoredPath(from.file))}\` puts HEAD's tokens back (and drops the file's other changes)`
                : "take the token back from there"
            }, or seal the value again ({{ s5:seal … }}, then s5 seal -i); if the value is meant to be public, mark the line s5:ignore`,
        code: "S5_CHECK_RENDERED",
        // Compared with REF itself (no fork point here, said in a note): the change may be REF's
        // own since, reversed — a token it added reads as one this branch took out.
        ...(note ? { warning: true } : {}),
      });
    }
  }
  return problems;
}
