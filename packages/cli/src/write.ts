/**
 * Writing outputs, all or nothing. Regular files are replaced through a temporary file in the same
 * directory (created 0600, removed on any error and on the signals that end s5) and a rename;
 * FIFOs, character devices, `/dev/stdout` and other descriptors (`/dev/stderr`, `/dev/fd/N`) are
 * written as streams, never renamed over. Several files are prepared first and renamed only when
 * every one is ready. Plaintext never goes into a file or FIFO another user may read.
 */
import {
  accessSync,
  closeSync,
  constants,
  openSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  writeSync,
} from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { IoError } from "@s5/core";
import { errnoOf, realDirectoryOf, trustedDirectory, writeHint } from "@s5/core/internal";
import { shellQuote } from "./completion/model.ts";
import { stampNow, stampOf } from "./io.ts";
import { refuseForeignLinks, SHARED_FIX, warnSharedDescriptor } from "./output-checks.ts";
import { writeStdout } from "./stdout.ts";
import { cleanupOnSignal, forgetTemp, removeTemp } from "./temp.ts";

// fs/promises on first use: loading it (with readline and the rest it requires) costs ~2 ms, and
// a render to stdout never needs it.
const open: typeof import("node:fs/promises").open = (...args) =>
  process.getBuiltinModule("node:fs/promises").open(...args);

export interface WriteOptions {
  /**
   * The content is plaintext: the file is never readable by group or others (an existing file
   * keeps only its owner bits, a new one is 0600).
   */
  secret: boolean;
  /** Mode of a new file that is not secret, less the umask. @default 0o666 */
  newMode?: number | undefined;
  /** The outputs replace their own inputs (`-i`): each must be a regular file. */
  inPlace?: boolean | undefined;
  /** Replace a read-only file (`--force`). @default false */
  force?: boolean | undefined;
  /**
   * Called once every temporary file is ready, before the first rename: what it holds (the
   * project config's lock, current-key.ts) is released once the renames are done, before stdout
   * or a stream is written (a reader may take its time). Throwing stops with nothing written.
   */
  hold?: (() => { release(): void }) | undefined;
  /**
   * What a file replaced held that its other names (hard links) keep — said in the warning when
   * it has any: "values in clear" for `seal -i`.
   */
  before?: string | undefined;
}

export interface Output {
  /** The path as given, for messages. */
  path: string;
  pieces: Iterable<Uint8Array>;
}

type Plan =
  | { kind: "stdout"; output: Output }
  | { kind: "descriptor"; output: Output; fd: number }
  | { kind: "stream"; output: Output }
  | {
      kind: "replace";
      output: Output;
      /** The file a symbolic link points to, or the path itself. */
      real: string;
      mode: number;
      /** It holds plaintext: never open to group or others. */
      secret: boolean;
      owner: { uid: number; gid: number } | undefined;
      /** The mode the file had, when writing takes group/other bits away. */
      narrowed: number | undefined;
      /** How many other names (hard links) the file replaced has: they keep its old content. */
      otherNames: number;
      /** The file system and inode of the file replaced, by which its other names are found. */
      device: number;
      inode: number;
    };

const STDOUT_PATH = /^\/(?:dev\/stdout|dev\/fd\/1|proc\/self\/fd\/1)$/;
/**
 * Another descriptor named by a path (`-o /dev/stderr`, `/dev/fd/3`): written to, as a stream.
 * Opened by its path it would be the file behind it (`2>>build.log`), replaced whole.
 */
const DESCRIPTOR_PATH = /^\/(?:dev\/(?:stderr|fd\/(\d+))|proc\/self\/fd\/(\d+))$/;

/** The process's umask, for a new file that is not secret (as a shell's `>` would create it). */
function umask(): number {
  // Read by setting it: Node has no other way; set back at once, in this one thread.
  const mask = process.umask(0o022);
  process.umask(mask);
  return mask;
}

/** A random name part; node:crypto (38 modules) is loaded only by a command that writes a file. */
const randomSuffix = () => process.getBuiltinModule("node:crypto").randomBytes(6).toString("hex");

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

function writable(path: string, mode: number): boolean {
  // As root, access() says yes to everything: a file nobody may write is read-only all the same.
  if ((mode & 0o222) === 0) return false;
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch (cause) {
    // Neither chmod nor --force helps there.
    if (errnoOf(cause) === "EROFS") {
      throw new IoError("S5_OUTPUT", `${path} is on a read-only file system`, {
        cause,
        hint: writeHint(errnoOf(cause)),
      });
    }
    return false;
  }
}

/**
 * Plaintext goes only where no one else can read it.
 * - A FIFO or a device another user owns (not root's `/dev/null`, `/dev/tty`): whoever reads it
 *   gets the plaintext. Refused, for every user.
 * - A regular file another user owns: replaced by a new file, which only root can give back to
 *   that owner (s5 keeps an existing file's owner). So as root only: refused where others could
 *   have planted it (`/tmp`, a group-writable directory); written as asked in a directory nobody
 *   else can change (`/etc/app/`, where an administrator gave the file to a service user; a CI
 *   runner's checkout in a root container). Any other user's s5 makes a file of its own, 0600.
 */
function checkOwner(path: string, real: string, stat: Stats, options: WriteOptions): void {
  if (!options.secret || process.getuid === undefined) return;
  const me = process.getuid();
  const stream = stat.isFIFO() || stat.isCharacterDevice();
  if (stat.uid === me) return;
  if (stream ? stat.uid === 0 && !stat.isFIFO() : me !== 0) return;
  if (!stream && trustedDirectory(dirname(real), stat.uid)) return;
  throw new IoError(
    "S5_OUTPUT_OWNER",
    `${path} belongs to another user (uid ${stat.uid}): s5 will not write plaintext where they may read it`,
    {
      hint: "remove it first (or write elsewhere); a plaintext file is created 0600 for you alone",
    },
  );
}

/** Whoever may open a FIFO for reading gets the plaintext written into it, even when it is yours. */
function checkFifoMode(path: string, stat: Stats, options: WriteOptions): void {
  if (!options.secret || !stat.isFIFO() || (stat.mode & 0o044) === 0) return;
  if (process.platform === "win32") return;
  throw new IoError(
    "S5_OUTPUT_MODE",
    `${path} is a FIFO that group or others may read (mode ${octal(stat.mode & 0o777)}): s5 will not write plaintext into it`,
    { hint: `make it yours alone (chmod 600 ${path}), or create it so: mkfifo -m 600 …` },
  );
}

function planOutput(output: Output, options: WriteOptions): Plan {
  const { path } = output;
  if (!options.inPlace && STDOUT_PATH.test(path)) return { kind: "stdout", output };
  const descriptor = options.inPlace ? undefined : DESCRIPTOR_PATH.exec(path);
  if (descriptor) {
    return { kind: "descriptor", output, fd: Number(descriptor[1] ?? descriptor[2] ?? 2) };
  }
  refuseForeignLinks(path);
  // A link of yours into another project out of its repository (committed: `out.yml ->
  // ../b/prod.yml`) is judged as an input's is; `-i` names an input, judged when it was read.
  if (!options.inPlace) realDirectoryOf(path, undefined, true, "write");
  let real = path;
  let stat: Stats | undefined;
  try {
    real = realpathSync.native(path);
    stat = statSync(real);
  } catch (cause) {
    if (errnoOf(cause) !== "ENOENT") {
      throw new IoError("S5_OUTPUT", `cannot write ${path} (${errnoOf(cause)})`, {
        cause,
        hint: writeHint(errnoOf(cause)),
      });
    }
  }
  if (stat) checkOwner(path, real, stat, options);
  if (stat && !stat.isFile()) {
    const what = stat.isDirectory()
      ? "a directory"
      : stat.isFIFO()
        ? "a FIFO"
        : stat.isCharacterDevice()
          ? "a character device"
          : "not a regular file";
    if (!options.inPlace && (stat.isFIFO() || stat.isCharacterDevice())) {
      checkFifoMode(path, stat, options);
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
      mode: options.secret ? 0o600 : (options.newMode ?? 0o666) & ~umask(),
      secret: options.secret,
      owner: undefined,
      narrowed: undefined,
      otherNames: 0,
      device: 0,
      inode: 0,
    };
  }
  const current = stat.mode & 0o7777;
  if (!options.force && !writable(real, current)) {
    // Writable by its owner, but not by you: --force would fail too (replacing needs the directory).
    if ((current & 0o200) !== 0 && stat.uid !== process.getuid?.()) {
      throw new IoError(
        "S5_OUTPUT",
        `${path} belongs to another user (uid ${stat.uid}, mode ${octal(current)}): you may not write it`,
        { hint: "write elsewhere, or ask its owner" },
      );
    }
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
    secret: options.secret,
    owner: { uid: stat.uid, gid: stat.gid },
    narrowed: options.secret && (current & 0o077) !== 0 ? current : undefined,
    otherNames: stat.nlink - 1,
    device: stat.dev,
    inode: stat.ino,
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

async function writeStream(
  path: string,
  pieces: Iterable<Uint8Array>,
  options: WriteOptions,
): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, constants.O_WRONLY);
    // What was opened, not what was checked before: a FIFO swapped for a file in between.
    const stat = await handle.stat();
    if (stat.isFile()) {
      throw new IoError("S5_OUTPUT", `${path} changed into a regular file while s5 ran`, {
        hint: "run the command again",
      });
    }
    checkOwner(path, path, stat as Stats, options);
    checkFifoMode(path, stat as Stats, options);
    await writeAll(handle, pieces);
  } catch (cause) {
    if (cause instanceof IoError) throw cause;
    throw new IoError("S5_OUTPUT", `cannot write ${path} (${errnoOf(cause)})`, {
      cause,
      hint: writeHint(errnoOf(cause)),
    });
  } finally {
    await handle?.close();
  }
}

/** Writes to a descriptor this process already has, in order, blocking as needed. */
function writeDescriptor(path: string, fd: number, pieces: Iterable<Uint8Array>): void {
  try {
    for (const piece of pieces) {
      let offset = 0;
      while (offset < piece.byteLength) {
        try {
          offset += writeSync(fd, piece, offset, piece.byteLength - offset);
        } catch (error) {
          // A non-blocking descriptor handed down: wait a moment, as a blocking write would.
          if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        }
      }
    }
  } catch (cause) {
    throw new IoError("S5_OUTPUT", `cannot write ${path} (${errnoOf(cause)})`, {
      cause,
      hint: writeHint(errnoOf(cause)),
    });
  }
}

/** Writes a temporary file next to the target; returns its path. Removed again on failure. */
/** A name's first bytes, at most `max`, cut at a character boundary. */
function firstBytes(name: string, max: number): string {
  const bytes = Buffer.from(name);
  if (bytes.byteLength <= max) return name;
  return bytes
    .subarray(0, max)
    .toString("utf8")
    .replace(/\uFFFD+$/, "");
}

/** Errors of a file system that has no modes at all (a FAT through FUSE, fusefat: ENOSYS). */
const NO_MODES = new Set(["ENOSYS", "ENOTSUP", "EOPNOTSUPP"]);

/**
 * Gives the temporary file its mode, and for plaintext checks the mode the file system shows:
 * that is what other users get. A file system without `fchmod` (fusefat) shows every file as its
 * mounting user's 0700; one that takes the chmod may still show and enforce a mode of its own (a
 * CIFS `file_mode`, `bindfs --perms`). Plaintext goes on only when group and others get nothing;
 * tokens whatever the file system gives.
 */
async function setMode(handle: FileHandle, plan: Extract<Plan, { kind: "replace" }>) {
  let unsupported: string | undefined;
  try {
    await handle.chmod(plan.mode);
  } catch (cause) {
    if (!NO_MODES.has(errnoOf(cause))) throw cause;
    unsupported = errnoOf(cause);
  }
  await refuseShownOpen(handle, plan, unsupported);
}

/** For plaintext: refused when the file system shows the file open to group or others. */
async function refuseShownOpen(
  handle: FileHandle,
  plan: Extract<Plan, { kind: "replace" }>,
  unsupported?: string,
) {
  if (!plan.secret) return;
  const shown = (await handle.stat()).mode & 0o7777;
  if ((shown & 0o077) === 0) return;
  const lacks = unsupported ? ` and cannot set a file's mode (fchmod: ${unsupported})` : "";
  throw new IoError(
    "S5_OUTPUT",
    `cannot write ${plan.output.path}: its file system shows the new file as mode ${octal(shown)}, open to group or others${lacks}: s5 writes no plaintext there`,
    {
      hint: "write it on a file system that keeps modes, or mount this one so that its files are closed to group and others",
    },
  );
}

async function prepare(plan: Extract<Plan, { kind: "replace" }>): Promise<string> {
  // `.NAME.s5-` and 12 hex digits: a long NAME is cut so the whole stays within 255 bytes.
  const name = firstBytes(basename(plan.real), 255 - 17);
  const temp = join(dirname(plan.real), `.${name}.s5-${randomSuffix()}`);
  let handle: FileHandle | undefined;
  try {
    cleanupOnSignal(temp);
    // Created here, synchronously: an asynchronous create runs on another thread, and could make
    // the file after a signal's handler removed the name (then left behind once s5 ends).
    closeSync(openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
    handle = await open(temp, constants.O_WRONLY);
    // Made 0600, but a file system may show (and give) others more, also once a chmod has been
    // through it (bindfs --chmod-filter): plaintext gets its mode, and is judged, before it goes in.
    if (plan.secret) await setMode(handle, plan);
    await writeAll(handle, plan.output.pieces);
    const owner = plan.owner;
    if (owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) {
      try {
        await handle.chown(owner.uid, owner.gid);
      } catch {
        // Only root may give a file away; the group, a member may keep (a shared file).
        await handle.chown(-1, owner.gid).catch(() => {});
      }
    }
    // After chown, which may clear bits, and after the content: never wider than 0600 while open.
    await setMode(handle, plan);
    await handle.sync();
    await handle.close();
    handle = undefined;
    return temp;
  } catch (cause) {
    await handle?.close().catch(() => {});
    removeTemp(temp);
    if (cause instanceof IoError) throw cause;
    throw new IoError("S5_OUTPUT", `cannot write ${plan.output.path} (${errnoOf(cause)})`, {
      cause,
      hint: writeHint(errnoOf(cause)),
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
  let held: { release(): void } | undefined;
  try {
    held = options.hold?.();
  } catch (error) {
    for (const temp of temps) removeTemp(temp);
    throw error;
  }
  try {
    replaceAll(replaced, temps, options);
  } finally {
    held?.release();
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
  warnOtherNames(replaced, options.before);
  for (const plan of plans) {
    if (plan.kind === "stdout") {
      if (options.secret) warnSharedDescriptor(1, "stdout", SHARED_FIX);
      await writeStdout(plan.output.pieces);
    } else if (plan.kind === "descriptor") {
      if (options.secret) warnSharedDescriptor(plan.fd, plan.output.path, SHARED_FIX);
      writeDescriptor(plan.output.path, plan.fd, plan.output.pieces);
    } else if (plan.kind === "stream")
      await writeStream(plan.output.path, plan.output.pieces, options);
  }
}

/**
 * A file with other names (hard links) is replaced by a new file under the name given, as every
 * write is (all-or-nothing): its other names keep the old content — after `seal -i`, the values in
 * clear — where the user believes them gone. Names replaced in the same write are not counted.
 */
function warnOtherNames(
  replaced: Extract<Plan, { kind: "replace" }>[],
  before: string | undefined,
) {
  const named = new Map<string, number>();
  const key = (plan: (typeof replaced)[number]) => `${plan.device}:${plan.inode}`;
  for (const plan of replaced) {
    if (plan.otherNames > 0) named.set(key(plan), (named.get(key(plan)) ?? 0) + 1);
  }
  const said = new Set<string>();
  for (const plan of replaced) {
    const others = plan.otherNames + 1 - (named.get(key(plan)) ?? 1);
    if (others <= 0 || said.has(key(plan))) continue;
    said.add(key(plan));
    const { path } = plan.output;
    const names = others === 1 ? "1 other name" : `${others} other names`;
    const them = others === 1 ? "it" : "them";
    process.stderr.write(
      `s5: warning: ${path} had ${names} (hard links), which still hold what it held before${before ? `: ${before}` : ""} — s5 wrote a new file in its place (S5_OUTPUT_LINKS)\n` +
        `  hint: \`find MOUNT -xdev -inum ${plan.inode}\` lists ${them}, MOUNT the mount point of the file system that holds ${shellQuote(path)} (\`df ${shellQuote(path)}\` says it); ${before ? "seal or remove" : "update or remove"} ${them}\n`,
    );
  }
}

/** Renames every prepared file into place, or none when one of them changed since s5 read it. */
function replaceAll(
  replaced: Extract<Plan, { kind: "replace" }>[],
  temps: string[],
  options: WriteOptions,
): void {
  // A file s5 read and now replaces must be as it was read (`-i`): an editor's save, a `git pull`
  // or another s5 during a Vault round trip would be lost without a word.
  const changed = options.inPlace
    ? replaced.find((plan) => changedSinceRead(plan.output.path, plan.real))
    : undefined;
  if (changed) {
    for (const temp of temps) removeTemp(temp);
    throw new IoError(
      "S5_OUTPUT_CHANGED",
      `${changed.output.path} changed while s5 was running; nothing was changed`,
      { hint: "run the command again on the file as it is now" },
    );
  }
  // Synchronous: a signal's handler runs between two awaits, and would end s5 with some files
  // replaced and others not. Renames are quick; the handler runs once they are all done.
  const done: string[] = [];
  for (const [i, plan] of replaced.entries()) {
    try {
      renameSync(temps[i]!, plan.real);
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
        `cannot replace ${plan.output.path} (${errnoOf(cause)}): ${changed}${rest.join(", ")} ${rest.length === 1 ? "was" : "were"} not changed`,
        {
          cause,
          hint: done.length > 0 ? "check the files named above before running again" : undefined,
        },
      );
    }
  }
}

/**
 * Whether a file s5 read was written (or replaced) since: its size, times or inode differ.
 * `real`: the place about to be replaced, as planned — not the name again, which a link changed
 * since the plan would lead to the file that was read while another is replaced.
 */
function changedSinceRead(path: string, real: string): boolean {
  const before = stampOf(path);
  if (!before) return false;
  const now = stampNow(real);
  return (
    now === undefined ||
    now.size !== before.size ||
    now.mtimeNs !== before.mtimeNs ||
    now.ctimeNs !== before.ctimeNs ||
    now.ino !== before.ino
  );
}

function withNothingChanged(error: unknown): unknown {
  if (!(error instanceof IoError)) return error;
  return new IoError("S5_OUTPUT", `${error.message}; nothing was changed`, {
    cause: error.cause,
    hint: error.hint ?? writeHint(errnoOf(error.cause)),
  });
}
