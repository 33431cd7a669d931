/**
 * What is staged for the next commit (`s5 check --staged`): the files git's index holds that differ
 * from HEAD, with the content the commit will have — not what the work tree holds, which a
 * pre-commit hook would otherwise check (a secret staged, then removed from the file only, would
 * pass). Read through git itself: the index's blobs live in git's object store.
 */
import { spawnSync } from "node:child_process";
import { relative, resolve } from "node:path";
import { IoError } from "@s5/core";

function git(args: string[], cwd: string): Buffer {
  const result = spawnSync("git", args, { cwd, maxBuffer: 1 << 30 });
  if (result.error) {
    throw new IoError("S5_INPUT", "--staged needs git, and git could not be run", {
      cause: result.error,
      hint: "install git, or name the files to check",
    });
  }
  if (result.status !== 0) {
    throw new IoError("S5_INPUT", `git ${args[0]} failed: ${result.stderr.toString().trim()}`, {
      hint: "run s5 check --staged inside a git work tree",
    });
  }
  return result.stdout;
}

/**
 * The staged files (added, copied, modified, renamed, type-changed) as git will commit them, named
 * from the current directory. A submodule (no blob) is left out.
 */
export function* stagedFiles(): Generator<{ file: string; content: Buffer }> {
  const cwd = process.cwd();
  const top = git(["rev-parse", "--show-toplevel"], cwd).toString().trim();
  const names = git(["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMRT"], top)
    .toString()
    .split("\0")
    .filter(Boolean);
  for (const name of names) {
    const blob = spawnSync("git", ["cat-file", "blob", `:${name}`], {
      cwd: top,
      maxBuffer: 1 << 30,
    });
    if (blob.status !== 0) continue;
    yield { file: relative(cwd, resolve(top, name)) || name, content: blob.stdout };
  }
}
