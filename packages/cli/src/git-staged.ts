/**
 * What is staged for the next commit (`s5 check --staged`): the files git's index holds that differ
 * from HEAD, with the content the commit will have — not what the work tree holds, which a
 * pre-commit hook would otherwise check (a secret staged, then removed from the file only, would
 * pass). Read through git itself: the index's blobs live in git's object store.
 */
import { spawnSync } from "node:child_process";
import { relative, resolve } from "node:path";
import { IoError } from "@s5/core";

function git(args: string[], cwd: string, input?: string): Buffer {
  const result = spawnSync("git", args, { cwd, input, maxBuffer: 1 << 30 });
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

/** A submodule's entry: a commit, not a blob. */
const GITLINK = "160000";

/**
 * The staged files (added, copied, modified, renamed, type-changed) as git will commit them, named
 * from the current directory. A submodule (no blob) is left out. Two git processes whatever the
 * number of files: the index's blob ids from `git diff --raw`, their contents from one
 * `git cat-file --batch` (ids on its input, so any path works, a newline in it too).
 */
export function* stagedFiles(): Generator<{ file: string; content: Buffer }> {
  const cwd = process.cwd();
  const top = git(["rev-parse", "--show-toplevel"], cwd).toString().trim();
  // `:old-mode new-mode old-id new-id status\0path\0` per file (renames as an add, by --no-renames).
  const fields = git(
    ["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--diff-filter=ACMRT"],
    top,
  )
    .toString()
    .split("\0");
  const staged: { name: string; id: string }[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [, mode, , id] = fields[i]!.split(" ");
    if (mode !== GITLINK && id) staged.push({ name: fields[i + 1]!, id });
  }
  if (staged.length === 0) return;
  const batch = git(["cat-file", "--batch"], top, `${staged.map((s) => s.id).join("\n")}\n`);
  let at = 0;
  for (const { name, id } of staged) {
    // `<id> blob <size>\n<content>\n`, or `<id> missing\n`.
    const end = batch.indexOf(0x0a, at);
    const header = batch.toString("latin1", at, end).split(" ");
    at = end + 1;
    if (header[1] !== "blob") continue;
    const size = Number(header[2]);
    const content = batch.subarray(at, at + size);
    at += size + 1;
    if (header[0] === id) yield { file: relative(cwd, resolve(top, name)) || name, content };
  }
}
