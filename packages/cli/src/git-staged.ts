/**
 * What is staged for the next commit (`s5 check --staged`): the files git's index holds that differ
 * from HEAD, with the content the commit will have — not what the work tree holds, which a
 * pre-commit hook would otherwise check (a secret staged, then removed from the file only, would
 * pass). Read through git itself: the index's blobs live in git's object store.
 */
import { spawnSync } from "node:child_process";
import { relative, resolve } from "node:path";
import { IoError } from "@s5/core";

function git(args: string[], cwd: string, input?: string, maxBuffer = 1 << 30): Buffer {
  const result = spawnSync("git", args, { cwd, input, maxBuffer });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOBUFS") {
    throw new IoError("S5_INPUT", `git ${args[0]} answered more than expected`, {
      hint: "check the staged files by name instead (s5 check FILE…)",
    });
  }
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
 * Blobs read by one `git cat-file --batch` at most: the staged files of a commit are read in
 * groups of this size (a file larger than it alone), so two 600 MB files do not make one answer
 * over what a process can buffer.
 */
const GROUP_BYTES = 256 * 1024 * 1024;

/** A submodule's entry: a commit, not a blob. */
const GITLINK = "160000";

/**
 * The staged files (added, copied, modified, renamed, type-changed) as git will commit them, named
 * from the current directory. A submodule (no blob) is left out. A few git processes whatever the
 * number of files: the index's blob ids from `git diff --raw`, their sizes from one
 * `git cat-file --batch-check`, their contents from `git cat-file --batch` in groups of at most
 * 256 MiB (ids on its input, so any path works, a newline in it too).
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
  // Sizes first (`<id> <type> <size>`), to read the blobs in groups of bounded size.
  const sizes = git(["cat-file", "--batch-check"], top, `${staged.map((s) => s.id).join("\n")}\n`)
    .toString("latin1")
    .split("\n");
  let group: { name: string; id: string; size: number }[] = [];
  let groupBytes = 0;
  const flush = function* () {
    if (group.length === 0) return;
    const ids = group.map((s) => s.id).join("\n");
    // Each blob comes with a header line (id, type, size) and a new line after it.
    const batch = git(["cat-file", "--batch"], top, `${ids}\n`, groupBytes + group.length * 200);
    yield* blobsOf(batch, group, cwd, top);
    group = [];
    groupBytes = 0;
  };
  for (const [i, entry] of staged.entries()) {
    const [, type, size] = (sizes[i] ?? "").split(" ");
    if (type !== "blob") continue;
    if (group.length > 0 && groupBytes + Number(size) > GROUP_BYTES) yield* flush();
    group.push({ ...entry, size: Number(size) });
    groupBytes += Number(size);
  }
  yield* flush();
}

/** The blobs of one `git cat-file --batch` answer: `<id> blob <size>\n<content>\n` each. */
function* blobsOf(
  batch: Buffer,
  group: readonly { name: string; id: string }[],
  cwd: string,
  top: string,
): Generator<{ file: string; content: Buffer }> {
  let at = 0;
  for (const { name, id } of group) {
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
