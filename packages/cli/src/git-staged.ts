/**
 * What is staged for the next commit (`s5 check --staged`): the files git's index holds that differ
 * from HEAD, with the content the commit will have — not what the work tree holds, which a
 * pre-commit hook would otherwise check (a secret staged, then removed from the file only, would
 * pass). Read through git itself: the index's blobs live in git's object store.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { IoError, PROJECT_FILE } from "@s5/core";
import { showable } from "@s5/core/internal";
import { git, gitTop, readBlobs } from "./git-blobs.ts";

/** A submodule's entry: a commit, not a blob. */
export const GITLINK = "160000";

/**
 * The staged files (added, copied, modified, renamed, type-changed) as git will commit them, named
 * from the current directory. A submodule (no blob) is left out. A few git processes whatever the
 * number of files: the index's blob ids from `git diff --raw`, their contents from `readBlobs`.
 */
export function* stagedFiles(): Generator<{ file: string; content: Buffer }> {
  const cwd = process.cwd();
  const top = gitTop("--staged");
  const named = (path: string) => relative(cwd, resolve(top, path)) || path;
  // `:old-mode new-mode old-id new-id status\0path\0` per file (renames as an add, by --no-renames).
  const fields = git(
    ["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--diff-filter=ACMRTU"],
    top,
    "--staged",
  )
    .toString()
    .split("\0");
  const staged: { name: string; id: string }[] = [];
  const unmerged: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [, mode, , id, status] = fields[i]!.split(" ");
    if (status === "U") unmerged.push(named(fields[i + 1]!));
    else if (mode !== GITLINK && id) staged.push({ name: fields[i + 1]!, id });
  }
  refuseUndecided(unmerged, intentToAddConfigs(top).map(named));
  for (const { entry, content } of readBlobs(staged, top, "--staged")) {
    yield { file: named(entry.name), content };
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
