/**
 * Running git for `s5 check --staged` and `--base`, and reading many blobs from its object store
 * with a few git processes whatever their number.
 */
import { spawn, spawnSync } from "node:child_process";
import { IoError } from "@s5/core";
import { withoutCredentials } from "./child-env.ts";
import { discoveredTop } from "./git-work-tree.ts";

/** Runs git; `option` (`--staged`, `--base`) names what needed it in the error a failure gives. */
export function git(
  args: string[],
  cwd: string,
  option: string,
  input?: string,
  maxBuffer = 1 << 30,
): Buffer {
  const answer = gitUpTo(args, cwd, option, input, maxBuffer);
  if (answer === undefined) throw tooMuch(args);
  return answer;
}

/**
 * `git` without blocking: a check starts `git diff HEAD` (~30 ms of a 20,000-file tree, every file
 * stat'ed) and walks the tree while git runs. The same answer and the same errors as `git`.
 */
export function gitAsync(args: string[], cwd: string, option: string): Promise<Buffer> {
  return new Promise((done, fail) => {
    const child = spawn("git", args, { cwd, env: gitEnv(), stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > 1 << 30) child.kill();
      else out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (cause) => fail(notRun(option, cause)));
    child.on("close", (status) => {
      if (bytes > 1 << 30) fail(tooMuch(args));
      else if (status !== 0) fail(failed(args, Buffer.concat(err), option));
      else done(Buffer.concat(out));
    });
  });
}

/**
 * The environment git runs in: s5's own, less its credentials (child-env.ts) and less
 * `GIT_LITERAL_PATHSPECS` where something set it (a GUI's or a script's git, whose hook s5 runs
 * in). That variable turns off all pathspec magic, so s5's `:(literal)` and `:(glob)` pathspecs
 * named no file: the narrow `git diff` of the files named answered nothing, and a file renamed and
 * rendered, or a rendered copy, passed `s5 check -- FILE`; `--staged` saw no config added with
 * `git add -N`.
 */
export function gitEnv(): NodeJS.ProcessEnv {
  const { GIT_LITERAL_PATHSPECS: _, ...env } = withoutCredentials(process.env);
  return env;
}

/** `git`, but undefined where git's answer would pass `maxBuffer` bytes (git is stopped there). */
function gitUpTo(
  args: string[],
  cwd: string,
  option: string,
  input: string | undefined,
  maxBuffer: number,
): Buffer | undefined {
  const result = spawnSync("git", args, { cwd, env: gitEnv(), input, maxBuffer });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOBUFS") return undefined;
  if (result.error) throw notRun(option, result.error);
  if (result.status !== 0) throw failed(args, result.stderr, option);
  return result.stdout;
}

/** The git command `args` run (`diff` of `-c core.preloadIndex=false diff …`). */
const commandOf = (args: readonly string[]) => (args[0] === "-c" ? args[2] : args[0]);

const notRun = (option: string, cause: Error) =>
  new IoError("S5_INPUT", `${option} needs git, and git could not be run`, {
    cause,
    hint: "install git, or name the files to check",
  });

const tooMuch = (args: readonly string[]) =>
  new IoError("S5_INPUT", `git ${commandOf(args)} answered more than expected`, {
    hint: "check the files by name instead (s5 check FILE…)",
  });

const failed = (args: readonly string[], stderr: Buffer, option: string) =>
  new IoError("S5_INPUT", `git ${commandOf(args)} failed: ${stderr.toString().trim()}`, {
    hint: `run s5 check ${option} inside a git work tree`,
  });

let knownTop: string | undefined;

/**
 * The work tree's top, found once per run: the staged files, HEAD's versions, the copy search
 * and the configs each needed it, and a check with `--staged` started `git rev-parse
 * --show-toplevel` three times (~4 ms each here, more on a loaded machine). Found without git
 * where git would find it as s5 does (`discoveredTop`), else asked of git.
 */
export function gitTop(option: string): string {
  knownTop ??=
    discoveredTop(process.cwd()) ??
    // Only the line's end: a directory's name may end in a space (trim() named another).
    git(["rev-parse", "--show-toplevel"], process.cwd(), option).toString().replace(/\n$/, "");
  return knownTop;
}

/**
 * Blobs read by one `git cat-file --batch` at most: blobs are read in groups of this size (a blob
 * larger than it alone), so two 600 MB files do not make one answer over what a process can buffer.
 */
const GROUP_BYTES = 256 * 1024 * 1024;

/**
 * The contents of the blobs `entries` name (objects that are not blobs are left out), in their
 * order. First one `git cat-file --batch` for all, its answer capped at 256 MiB: what a check
 * meets (a few config files) fits, and the sizes were a second git process each time (~3 ms).
 * Over the cap git is stopped and the blobs are read as before: their sizes from one `git
 * cat-file --batch-check`, their contents in groups of at most 256 MiB. Ids go on git's input, so
 * any path works, a newline in it too.
 */
export function* readBlobs<T extends { id: string }>(
  entries: readonly T[],
  top: string,
  option: string,
): Generator<{ entry: T; content: Buffer }> {
  const whole = blobsInOne(entries, top, option);
  if (whole) {
    yield* whole;
    return;
  }
  // Sizes first (`<id> <type> <size>`), to read the blobs in groups of bounded size.
  const sizes = git(["cat-file", "--batch-check"], top, option, idsOf(entries))
    .toString("latin1")
    .split("\n");
  let group: T[] = [];
  let groupBytes = 0;
  const flush = function* () {
    if (group.length === 0) return;
    // Each blob comes with a header line (id, type, size) and a new line after it.
    const batch = git(
      ["cat-file", "--batch"],
      top,
      option,
      idsOf(group),
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

/**
 * The blobs `entries` name from one `git cat-file --batch`, or undefined where its answer would
 * pass 256 MiB (`readBlobs` then reads them in groups).
 */
export function blobsInOne<T extends { id: string }>(
  entries: readonly T[],
  top: string,
  option: string,
): { entry: T; content: Buffer }[] | undefined {
  if (entries.length === 0) return [];
  const whole = gitUpTo(["cat-file", "--batch"], top, option, idsOf(entries), GROUP_BYTES);
  return whole && [...blobsOf(whole, entries)];
}

/** The objects' names, one a line, for `git cat-file`'s input. */
const idsOf = (entries: readonly { id: string }[]) =>
  `${entries.map((entry) => entry.id).join("\n")}\n`;

/** One object of a `git cat-file --batch` answer. */
export interface BatchObject {
  id: string;
  type: string;
  content: Buffer;
}

/**
 * The objects of one `git cat-file --batch` answer, one per name asked (`count`), in order:
 * `<id> <type> <size>\n<content>\n` each, and undefined for `<name> missing\n` (or `ambiguous`),
 * a name git has no object for. Ends where the answer is cut short.
 */
export function* batchObjects(batch: Buffer, count: number): Generator<BatchObject | undefined> {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = batch.indexOf(0x0a, at);
    if (end === -1) return;
    const header = batch.toString("latin1", at, end).split(" ");
    at = end + 1;
    if (header.length !== 3) {
      yield undefined;
      continue;
    }
    const size = Number(header[2]);
    if (!Number.isSafeInteger(size) || at + size > batch.length) return;
    yield { id: header[0]!, type: header[1]!, content: batch.subarray(at, at + size) };
    at += size + 1;
  }
}

/** The blobs of one `git cat-file --batch` answer for `entries` (another object's is passed over). */
function* blobsOf<T extends { id: string }>(
  batch: Buffer,
  entries: readonly T[],
): Generator<{ entry: T; content: Buffer }> {
  let i = 0;
  for (const object of batchObjects(batch, entries.length)) {
    const entry = entries[i++]!;
    if (object?.type === "blob" && object.id === entry.id) yield { entry, content: object.content };
  }
}
