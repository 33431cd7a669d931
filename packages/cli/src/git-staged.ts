/**
 * What is staged for the next commit (`s5 check --staged`): the files git's index holds that differ
 * from HEAD, with the content the commit will have — not what the work tree holds, which a
 * pre-commit hook would otherwise check (a secret staged, then removed from the file only, would
 * pass). Read through git itself: the index's blobs live in git's object store.
 */
import { relative, resolve } from "node:path";
import { git, readBlobs } from "./git-blobs.ts";

/** A submodule's entry: a commit, not a blob. */
export const GITLINK = "160000";

/**
 * The staged files (added, copied, modified, renamed, type-changed) as git will commit them, named
 * from the current directory. A submodule (no blob) is left out. A few git processes whatever the
 * number of files: the index's blob ids from `git diff --raw`, their contents from `readBlobs`.
 */
export function* stagedFiles(): Generator<{ file: string; content: Buffer }> {
  const cwd = process.cwd();
  const top = git(["rev-parse", "--show-toplevel"], cwd, "--staged").toString().trim();
  // `:old-mode new-mode old-id new-id status\0path\0` per file (renames as an add, by --no-renames).
  const fields = git(
    ["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--diff-filter=ACMRT"],
    top,
    "--staged",
  )
    .toString()
    .split("\0");
  const staged: { name: string; id: string }[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [, mode, , id] = fields[i]!.split(" ");
    if (mode !== GITLINK && id) staged.push({ name: fields[i + 1]!, id });
  }
  for (const { entry, content } of readBlobs(staged, top, "--staged")) {
    yield { file: relative(cwd, resolve(top, entry.name)) || entry.name, content };
  }
}
