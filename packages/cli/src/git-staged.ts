/**
 * What is staged for the next commit (`s5 check --staged`): the files git's index holds that differ
 * from HEAD, with the content the commit will have — not what the work tree holds, which a
 * pre-commit hook would otherwise check (a secret staged, then removed from the file only, would
 * pass). Read through git itself: the index's blobs live in git's object store.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { IoError, PROJECT_FILE } from "@s5/core";
import type { EarlierFile } from "@s5/core/internal";
import { showable } from "@s5/core/internal";
import { type BaseFiles, type Diff, firstCommit, GITLINK, hasHead, readDiff } from "./git-base.ts";
import { blobsInOne, git, gitTop, readBlobs } from "./git-blobs.ts";
import { earlierFile, fileContent, type Unread } from "./lfs.ts";

/** What `s5 check --staged` checks, and what it holds it to. */
export interface Staged {
  /** The staged files as git will commit them, named from the current directory. */
  files: Iterable<{ file: string; content: Buffer }>;
  /** HEAD's versions of the files the index changes; before the first commit, none (every file new). */
  head: BaseFiles;
  /**
   * The staged files git stores through git-lfs whose content was not read — found neither in
   * the LFS store nor in the work tree, or behind git-lfs extensions — (their pointer is what
   * was checked), filled as `files` is read.
   */
  unread: Unread[];
}

/**
 * The staged files (added, copied, modified, renamed, type-changed) as git will commit them, and
 * HEAD's versions of what they change. A submodule (no blob) is left out. One `git diff --cached
 * -M HEAD` tells both (the staged list and the history each started one), and one `git cat-file`
 * reads both sides' blobs where they fit in one answer (else HEAD's, then the staged ones in
 * groups, as `readBlobs` does). An index that decides nothing yet is refused here, first.
 */
export function readStaged(): Staged {
  const cwd = process.cwd();
  const top = gitTop("--staged");
  const named = (path: string) => relative(cwd, resolve(top, path)) || path;
  const { diff, head } = indexDiff(top);
  const staged: { name: string; id: string; now: undefined; staged: true }[] = [];
  const unmerged: string[] = [];
  for (const { path, mode, id, status } of diff.now) {
    if (status === "U") unmerged.push(named(path));
    else if (mode !== GITLINK && id) staged.push({ name: path, id, now: undefined, staged: true });
  }
  refuseUndecided(unmerged, intentToAddConfigs(top).map(named));
  const unread: Unread[] = [];
  // A file stored through git-lfs is checked as its content, not its pointer (lfs.ts).
  const asFile = (name: string, blob: Buffer) => {
    const { content, unread: pointer } = fileContent(blob, top, resolve(top, name));
    if (pointer) unread.push({ file: named(name), extended: pointer.extended });
    return { file: named(name), content };
  };
  const lazily = function* () {
    for (const { entry, content } of readBlobs(staged, top, "--staged")) {
      yield asFile(entry.name, content);
    }
  };
  if (!head) {
    // Before the first commit every staged file is new (`git diff --cached` against nothing).
    return { files: lazily(), head: firstCommit(diff.changed), unread };
  }
  const { toRead: then, unknown, changed, links, wereLinks } = diff;
  const one = blobsInOne([...then, ...staged], top, "--staged");
  const earlier: EarlierFile[] = [...unknown];
  const unfetched = new Map<string, boolean>();
  const files: { file: string; content: Buffer }[] = [];
  for (const { entry, content } of one ?? readBlobs(then, top, "--staged")) {
    if ("staged" in entry) files.push(asFile(entry.name, content));
    else earlier.push(earlierFile(entry, content, top, unfetched));
  }
  return {
    files: one ? files : lazily(),
    head: { earlier, changed, label: "HEAD", links, wereLinks, unfetched },
    unread,
  };
}

/**
 * `git diff --cached -M HEAD`, read, and whether there is a HEAD: before the first commit the
 * index is read against nothing (`git diff --cached` alone), and it replaces nothing. Where HEAD
 * is there and git fails, the failure is the answer.
 */
function indexDiff(top: string): { diff: Diff; head: boolean } {
  const ask = (...against: string[]) =>
    git(["diff", "--cached", "--raw", "-z", "--no-abbrev", "-M", ...against, "--"], top, "--staged")
      .toString()
      .split("\0");
  try {
    return { diff: readDiff(ask("HEAD"), "HEAD", top), head: true };
  } catch (error) {
    if (hasHead(top)) throw error;
    return { diff: readDiff(ask(), "HEAD", top), head: false };
  }
}

/**
 * The project configs in the index with `--intent-to-add` (`git add -N`), from the top: the index
 * holds no content of them and a commit leaves them out. Index against work tree, such an entry is
 * the only one git shows as added.
 */
function intentToAddConfigs(top: string): string[] {
  return git(
    ["diff-files", "--name-only", "-z", "--diff-filter=A", "--", `:(glob)**/${PROJECT_FILE}`],
    top,
    "--staged",
  )
    .toString()
    .split("\0")
    .filter((name) => name !== "");
}

/**
 * A commit whose content the index does not decide yet is not checked: a merge in progress
 * (stages 1–3: git diff --cached shows no content, and a pass would say nothing was staged), or a
 * project config added with -N (its files would be checked with the config on disk, which the
 * commit leaves out).
 */
function refuseUndecided(unmerged: readonly string[], intended: readonly string[]): void {
  const list = (names: readonly string[]) => names.map((name) => showable(name)).join(", ");
  if (unmerged.length > 0) {
    throw new IoError(
      "S5_INPUT",
      `the index holds unmerged files (a merge in progress): ${list(unmerged)}; what the commit will hold of them is not decided`,
      {
        hint: "resolve each conflict and `git add` the file (or `git merge --abort`), then run again",
      },
    );
  }
  const [first] = intended;
  if (first !== undefined) {
    throw new IoError(
      "S5_INPUT",
      `${list(intended)} ${intended.length === 1 ? "is" : "are"} in the index with --intent-to-add (git add -N): no content of ${intended.length === 1 ? "it is" : "them is"} staged and a commit leaves ${intended.length === 1 ? "it" : "them"} out, so the files below would take another project config than the one on disk`,
      {
        hint: `stage it (\`git add ${showable(first)}\`) or take it out of the index (\`git rm --cached ${showable(first)}\`), then run again`,
      },
    );
  }
}

/**
 * Stops when a project config that files staged belong to (`configs`, found on disk) is in the
 * work tree but not in the index, and not ignored: a new sub-project's `.s5.json` never added, or
 * one left out of `git commit PATHS` (its hook sees a temporary index: HEAD and those paths, where
 * an intent-to-add entry is not either). The commit leaves it out, so its files would take another
 * project config than the one they were checked with. A config above the work tree is no file of
 * the commit's, and is read as it is.
 */
export function refuseConfigsOutOfIndex(configs: readonly string[]): void {
  if (configs.length === 0) return;
  const cwd = process.cwd();
  const top = gitTop("--staged");
  const inside = configs
    .map((config) => relative(top, config))
    .filter((name) => name !== "" && !name.startsWith("..") && !isAbsolute(name));
  if (inside.length === 0) return;
  const out = git(
    [
      "ls-files",
      "-z",
      "--others",
      "--exclude-standard",
      "--",
      ...inside.map((n) => `:(literal)${n}`),
    ],
    top,
    "--staged",
  )
    .toString()
    .split("\0")
    .filter((name) => name !== "")
    .map((name) => relative(cwd, resolve(top, name)) || name);
  const [first] = out;
  if (first === undefined) return;
  const list = out.map((name) => showable(name)).join(", ");
  const one = out.length === 1;
  throw new IoError(
    "S5_INPUT",
    `${list} ${one ? "is" : "are"} not in the index (never added, or left out of \`git commit PATHS\`): the commit leaves ${one ? "it" : "them"} out, so the files below would take another project config than the one on disk`,
    {
      hint: `stage it (\`git add ${showable(first)}\`) and commit it with them, then run again`,
    },
  );
}
