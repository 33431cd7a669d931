/**
 * Writing outputs, all or nothing. Regular files are replaced through a temporary file in the same
 * directory (created 0600, removed on any error and on SIGINT/SIGTERM/SIGHUP) and a rename; FIFOs,
 * character devices and `/dev/stdout` are written as streams, never renamed over. Several files are
 * prepared first and renamed only when every one is ready.
 */
import { accessSync, constants, realpathSync, type Stats, statSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { IoError } from "@s5/core";
import { writeStdout } from "./stdout.ts";
import { cleanupOnSignal, forgetTemp, removeTemp } from "./temp.ts";

// fs/promises on first use: loading it (with readline and the rest it requires) costs ~2 ms, and
// a render to stdout never needs it.
const open: typeof import("node:fs/promises").open = (...args) =>
  process.getBuiltinModule("node:fs/promises").open(...args);
const rename: typeof import("node:fs/promises").rename = (...args) =>
  process.getBuiltinModule("node:fs/promises").rename(...args);

export interface WriteOptions {
  /**
   * The content is plaintext: the file is never readable by group or others (an existing file
   * keeps only its owner bits, a new one is 0600).
   */
  secret: boolean;
  /** Mode of a new file that is not secret. @default 0o644 */
  newMode?: number | undefined;
  /** The outputs replace their own inputs (`-i`): each must be a regular file. */
  inPlace?: boolean | undefined;
  /** Replace a read-only file (`--force`). @default false */
  force?: boolean | undefined;
}

export interface Output {
  /** The path as given, for messages. */
  path: string;
  pieces: Iterable<Uint8Array>;
}

type Plan =
  | { kind: "stdout"; output: Output }
  | { kind: "stream"; output: Output }
  | {
      kind: "replace";
      output: Output;
      /** The file a symbolic link points to, or the path itself. */
      real: string;
      mode: number;
      owner: { uid: number; gid: number } | undefined;
      /** The mode the file had, when writing takes group/other bits away. */
      narrowed: number | undefined;
    };

const STDOUT_PATH = /^\/(?:dev\/stdout|dev\/fd\/1|proc\/self\/fd\/1)$/;

/** A random name part; node:crypto (38 modules) is loaded only by a command that writes a file. */
const randomSuffix = () => process.getBuiltinModule("node:crypto").randomBytes(6).toString("hex");

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? "error";
}

function writable(path: string, mode: number): boolean {
  // As root, access() says yes to everything: a file nobody may write is read-only all the same.
  if ((mode & 0o222) === 0) return false;
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function planOutput(output: Output, options: WriteOptions): Plan {
  const { path } = output;
  if (!options.inPlace && STDOUT_PATH.test(path)) return { kind: "stdout", output };
  let real = path;
  let stat: Stats | undefined;
  try {
    real = realpathSync(path);
    stat = statSync(real);
  } catch (cause) {
    if (codeOf(cause) !== "ENOENT") {
      throw new IoError("S5_OUTPUT", `cannot write ${path} (${codeOf(cause)})`, { cause });
    }
  }
  if (stat && !stat.isFile()) {
    const what = stat.isDirectory()
      ? "a directory"
      : stat.isFIFO()
        ? "a FIFO"
        : stat.isCharacterDevice()
          ? "a character device"
          : "not a regular file";
    if (!options.inPlace && (stat.isFIFO() || stat.isCharacterDevice())) {
      return { kind: "stream", output };
    }
    throw new IoError("S5_OUTPUT", `cannot write ${path}: it is ${what}`, {
      hint: options.inPlace
        ? "-i replaces regular files; use -o for a FIFO or a device"
        : "write to a regular file, a FIFO, a character device or stdout",
    });
  }
  if (!stat) {
    return {
      kind: "replace",
      output,
      real: path,
      mode: options.secret ? 0o600 : (options.newMode ?? 0o644),
      owner: undefined,
      narrowed: undefined,
    };
  }
  const current = stat.mode & 0o7777;
  if (!options.force && !writable(real, current)) {
    throw new IoError("S5_OUTPUT_READONLY", `${path} is read-only (mode ${octal(current)})`, {
      hint: `make it writable (chmod u+w ${path}) or pass --force to replace it anyway`,
    });
  }
  // setuid/setgid/sticky bits never survive a rewrite by s5; plaintext keeps only owner bits.
  const mode = options.secret ? current & 0o700 : current & 0o777;
  return {
    kind: "replace",
    output,
    real,
    mode,
    owner: { uid: stat.uid, gid: stat.gid },
    narrowed: options.secret && (current & 0o077) !== 0 ? current : undefined,
  };
}

/** Throws the error {@link writeOutputs} would throw for these paths before writing anything. */
export function checkOutputs(paths: readonly string[], options: WriteOptions): void {
  for (const path of paths) planOutput({ path, pieces: [] }, options);
}

/** writev takes at most IOV_MAX (1024) buffers and may write less than asked. */
async function writeAll(handle: FileHandle, pieces: Iterable<Uint8Array>): Promise<void> {
  let batch: Uint8Array[] = [];
  const flush = async () => {
    while (batch.length > 0) {
      let { bytesWritten: written } = await handle.writev(batch);
      let used = 0;
      while (used < batch.length && written >= batch[used]!.byteLength) {
        written -= batch[used]!.byteLength;
        used++;
      }
      batch = batch.slice(used);
      if (written > 0) batch[0] = batch[0]!.subarray(written);
    }
  };
  for (const piece of pieces) {
    if (piece.byteLength === 0) continue;
    batch.push(piece);
    if (batch.length === 1024) await flush();
  }
  await flush();
}

async function writeStream(path: string, pieces: Iterable<Uint8Array>): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, constants.O_WRONLY);
    await writeAll(handle, pieces);
  } catch (cause) {
    throw new IoError("S5_OUTPUT", `cannot write ${path} (${codeOf(cause)})`, { cause });
  } finally {
    await handle?.close();
  }
}

/** Writes a temporary file next to the target; returns its path. Removed again on failure. */
async function prepare(plan: Extract<Plan, { kind: "replace" }>): Promise<string> {
  const temp = join(dirname(plan.real), `.${basename(plan.real)}.s5-${randomSuffix()}`);
  let handle: FileHandle | undefined;
  try {
    cleanupOnSignal(temp);
    handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    await writeAll(handle, plan.output.pieces);
    const owner = plan.owner;
    if (owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) {
      try {
        await handle.chown(owner.uid, owner.gid);
      } catch {
        // only root may give a file away; the content is still written with the right mode
      }
    }
    // After chown, which may clear bits, and after the content: never wider than 0600 while open.
    await handle.chmod(plan.mode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    return temp;
  } catch (cause) {
    await handle?.close().catch(() => {});
    removeTemp(temp);
    throw new IoError("S5_OUTPUT", `cannot write ${plan.output.path} (${codeOf(cause)})`, {
      cause,
    });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, constants.O_RDONLY);
    await handle.sync().finally(() => handle.close());
  } catch {
    // some file systems cannot sync a directory; the rename itself is atomic either way
  }
}

/** How many files the note on narrowed modes names. */
const NOTE_NAMES = 10;

/**
 * Writes every output, all or nothing: each one is checked, then each regular file is written to a
 * temporary file, and only when all of them are ready are they renamed into place. If a rename
 * still fails, the error names exactly which files were replaced and which were not.
 */
export async function writeOutputs(
  outputs: readonly Output[],
  options: WriteOptions,
): Promise<void> {
  const plans = outputs.map((output) => planOutput(output, options));
  const replaced = plans.filter((plan) => plan.kind === "replace");
  const temps: string[] = [];
  try {
    for (const plan of replaced) temps.push(await prepare(plan));
  } catch (error) {
    for (const temp of temps) removeTemp(temp);
    throw withNothingChanged(error);
  }
  const done: string[] = [];
  for (const [i, plan] of replaced.entries()) {
    try {
      await rename(temps[i]!, plan.real);
      forgetTemp(temps[i]!);
      done.push(plan.output.path);
    } catch (cause) {
      for (const temp of temps.slice(i)) removeTemp(temp);
      const rest = replaced.slice(i).map((item) => item.output.path);
      const changed =
        done.length > 0
          ? `${done.join(", ")} ${done.length === 1 ? "was" : "were"} replaced; `
          : "";
      throw new IoError(
        "S5_OUTPUT",
        `cannot replace ${plan.output.path} (${codeOf(cause)}): ${changed}${rest.join(", ")} ${rest.length === 1 ? "was" : "were"} not changed`,
        {
          cause,
          hint: done.length > 0 ? "check the files named above before running again" : undefined,
        },
      );
    }
  }
  for (const dir of new Set(replaced.map((plan) => dirname(plan.real)))) await syncDirectory(dir);
  const narrowed = replaced.filter((plan) => plan.narrowed !== undefined);
  if (narrowed.length > 0) {
    // One line that a person reads: the first few files, then how many more (`render -i` of a
    // whole directory narrows them all).
    const list = narrowed
      .slice(0, NOTE_NAMES)
      .map((plan) => `${plan.output.path} (was ${octal(plan.narrowed!)})`);
    const more = narrowed.length - list.length;
    process.stderr.write(
      `s5: note: group and others lost access to ${list.join(", ")}${more > 0 ? ` and ${more} more` : ""}: a file holding plaintext is never readable by them\n`,
    );
  }
  for (const plan of plans) {
    if (plan.kind === "stdout") await writeStdout(plan.output.pieces);
    else if (plan.kind === "stream") await writeStream(plan.output.path, plan.output.pieces);
  }
}

function withNothingChanged(error: unknown): unknown {
  if (!(error instanceof IoError)) return error;
  return new IoError("S5_OUTPUT", `${error.message}; nothing was changed`, {
    cause: error.cause,
    hint: error.hint ?? "check the directory's permissions and free space",
  });
}
