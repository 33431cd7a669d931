/**
 * Running git for `s5 check --staged` and `--base`, and reading many blobs from its object store
 * with a few git processes whatever their number.
 */
import { spawnSync } from "node:child_process";
import { IoError } from "@s5/core";

/** Runs git; `option` (`--staged`, `--base`) names what needed it in the error a failure gives. */
export function git(
  args: string[],
  cwd: string,
  option: string,
  input?: string,
  maxBuffer = 1 << 30,
): Buffer {
  const result = spawnSync("git", args, { cwd, input, maxBuffer });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOBUFS") {
    throw new IoError("S5_INPUT", `git ${args[0]} answered more than expected`, {
      hint: "check the files by name instead (s5 check FILE…)",
    });
  }
  if (result.error) {
    throw new IoError("S5_INPUT", `${option} needs git, and git could not be run`, {
      cause: result.error,
      hint: "install git, or name the files to check",
    });
  }
  if (result.status !== 0) {
    throw new IoError("S5_INPUT", `git ${args[0]} failed: ${result.stderr.toString().trim()}`, {
      hint: `run s5 check ${option} inside a git work tree`,
    });
  }
  return result.stdout;
}

/**
 * Blobs read by one `git cat-file --batch` at most: blobs are read in groups of this size (a blob
 * larger than it alone), so two 600 MB files do not make one answer over what a process can buffer.
 */
const GROUP_BYTES = 256 * 1024 * 1024;

/**
 * The contents of the blobs `entries` name (objects that are not blobs are left out), in their
 * order: their sizes from one `git cat-file --batch-check`, their contents from `git cat-file
 * --batch` in groups of at most 256 MiB (ids on its input, so any path works, a newline in it too).
 */
export function* readBlobs<T extends { id: string }>(
  entries: readonly T[],
  top: string,
  option: string,
): Generator<{ entry: T; content: Buffer }> {
  if (entries.length === 0) return;
  // Sizes first (`<id> <type> <size>`), to read the blobs in groups of bounded size.
  const sizes = git(
    ["cat-file", "--batch-check"],
    top,
    option,
    `${entries.map((entry) => entry.id).join("\n")}\n`,
  )
    .toString("latin1")
    .split("\n");
  let group: T[] = [];
  let groupBytes = 0;
  const flush = function* () {
    if (group.length === 0) return;
    const ids = group.map((entry) => entry.id).join("\n");
    // Each blob comes with a header line (id, type, size) and a new line after it.
    const batch = git(
      ["cat-file", "--batch"],
      top,
      option,
      `${ids}\n`,
      groupBytes + group.length * 200,
    );
    yield* blobsOf(batch, group);
    group = [];
    groupBytes = 0;
  };
  for (const [i, entry] of entries.entries()) {
    const [, type, size] = (sizes[i] ?? "").split(" ");
    if (type !== "blob") continue;
    if (group.length > 0 && groupBytes + Number(size) > GROUP_BYTES) yield* flush();
    group.push(entry);
    groupBytes += Number(size);
  }
  yield* flush();
}

/** The blobs of one `git cat-file --batch` answer: `<id> blob <size>\n<content>\n` each. */
function* blobsOf<T extends { id: string }>(
  batch: Buffer,
  group: readonly T[],
): Generator<{ entry: T; content: Buffer }> {
  let at = 0;
  for (const entry of group) {
    const end = batch.indexOf(0x0a, at);
    const header = batch.toString("latin1", at, end).split(" ");
    at = end + 1;
    if (header[1] !== "blob") continue;
    const size = Number(header[2]);
    const content = batch.subarray(at, at + size);
    at += size + 1;
    if (header[0] === entry.id) yield { entry, content };
  }
}
