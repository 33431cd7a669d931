/**
 * Files git stores through git-lfs: git holds a pointer (`version …`, `oid sha256:…`, `size …`)
 * and git-lfs's clean filter puts the content in the repository's LFS store when the file is
 * staged. `s5 check` read the pointer as the file — at HEAD as in the index — so a file of tokens
 * tracked through LFS, rendered in place and staged, was no file of secrets and passed every
 * form of the hook. The content is read from the store instead, where its SHA-256 is the
 * pointer's: s5 runs no filter (a program git's configuration names) and trusts no file that does
 * not hash to what git holds.
 */
import { readFileSync, readSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import type { EarlierFile } from "@s5/core/internal";
import { git, gitTop } from "./git-blobs.ts";
import { readRegular } from "./regular-file.ts";

/** What a pointer names. */
export interface Pointer {
  oid: string;
  size: number;
  /** Extensions ran on the content (`ext-…` keys): the stored object is not the file's content. */
  extended: boolean;
}

/** The pointer versions git-lfs reads (its alpha's and pre-release's too). */
const VERSIONS = new Set([
  "https://git-lfs.github.com/spec/v1",
  "https://hawser.github.com/spec/v1",
  "http://git-media.io/v/2",
]);

/** git-lfs takes no larger blob for a pointer. */
const POINTER_LIMIT = 1024;

/**
 * The largest LFS object read as a file's content: a config file, not a data set (a video the
 * hook is named holds no token; reading gigabytes to say so would stall every commit).
 */
const LFS_LIMIT = 64 * 1024 * 1024;

const VERSION_KEY = Buffer.from("version ");

/** ASCII white space, as Go's `bytes.TrimSpace` (git-lfs) trims it. */
const isSpace = (byte: number) => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);

/**
 * The pointer `content` is, read as git-lfs reads one — not only as its specification writes
 * one: white space around it, blank lines and CRLF line ends are allowed, the oid's hex in either
 * case; `version`, then any `ext-…` keys, then `oid` and `size`. Undefined for anything else.
 * Where s5 is more lenient than git-lfs nothing is lost: what a pointer names is read only where
 * it hashes to its oid.
 */
export function pointerOf(content: Uint8Array): Pointer | undefined {
  if (content.length > POINTER_LIMIT) return undefined;
  // Most blobs are told apart by their first bytes, without a string made of them.
  let start = 0;
  while (start < content.length && isSpace(content[start]!)) start++;
  if (content[start] !== 0x76) return undefined; // "v"
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (
    start + VERSION_KEY.length > bytes.length ||
    bytes.compare(VERSION_KEY, 0, VERSION_KEY.length, start, start + VERSION_KEY.length) !== 0
  ) {
    return undefined;
  }
  const fields: [string, string][] = [];
  let extended = false;
  for (const raw of bytes.toString("latin1").trim().split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "") continue;
    const space = line.indexOf(" ");
    if (space <= 0) return undefined;
    const key = line.slice(0, space);
    if (key.startsWith("ext-") && fields.length === 1) extended = true;
    else fields.push([key, line.slice(space + 1)]);
  }
  const [version, oid, size] = fields;
  if (
    fields.length !== 3 ||
    version![0] !== "version" ||
    oid![0] !== "oid" ||
    size![0] !== "size"
  ) {
    return undefined;
  }
  const hex = /^sha256:([0-9a-fA-F]{64})$/.exec(oid![1])?.[1];
  if (!VERSIONS.has(version![1]) || hex === undefined || !/^[0-9]{1,15}$/.test(size![1])) {
    return undefined;
  }
  return { oid: hex.toLowerCase(), size: Number(size![1]), extended };
}

/** `content` when it has `pointer`'s size and SHA-256. */
function verified(content: Buffer, pointer: Pointer): Buffer | undefined {
  if (content.length !== pointer.size) return undefined;
  const hash = process.getBuiltinModule("node:crypto").createHash("sha256");
  return hash.update(content).digest("hex") === pointer.oid ? content : undefined;
}

/** The stores of each work tree's top, asked of git once. */
const stores = new Map<string, string[]>();

/**
 * The directories of the repository's LFS objects, as git-lfs finds them: `lfs.storage` (relative
 * to the repository's common directory, which a linked worktree shares), else `<common dir>/lfs`.
 * git-lfs reads the setting as it is written: `~/store` is `<common dir>/~/store` to it (3.3.0, as
 * its source does still), not the home's as `git config --path` says — s5 read the home's, found
 * nothing, and a file rendered in place passed with a warning to fetch what was there. The home's
 * is looked in too, after it, should a git-lfs expand it: an object is read only where it hashes
 * to the pointer, wherever it is found.
 */
function storesOf(top: string): string[] {
  let found = stores.get(top);
  if (found === undefined) {
    const common = resolve(
      top,
      git(["rev-parse", "--git-common-dir"], top, "--staged").toString().replace(/\n$/, ""),
    );
    let setting = "";
    try {
      setting = git(["config", "--get", "lfs.storage"], top, "--staged")
        .toString()
        .replace(/\n$/, "");
    } catch {
      // Not set (git config exits 1).
    }
    found = [resolve(common, setting || "lfs")];
    if (setting.startsWith("~/")) found.push(resolve(homedir(), setting.slice(2)));
    stores.set(top, found);
  }
  return found;
}

/** What git reads to tell a binary file (a NUL among them), as `git diff` does. */
const BINARY_PROBE = 8000;

/** Said by {@link readAs} of a file git takes for binary: not read past its first bytes. */
const BINARY = Symbol("binary");

/**
 * `file`'s content where it is `pointer`'s (its size, then its SHA-256); {@link BINARY} where its
 * first bytes are those of a binary file; else undefined.
 */
function readAs(file: string, pointer: Pointer): Buffer | typeof BINARY | undefined {
  // A regular file of the pointer's size only (regular-file.ts: a FIFO blocked every commit).
  return readRegular(
    file,
    (stat) => stat.size === pointer.size,
    (fd, stat) => {
      // What git-lfs mostly stores — images, models, archives — holds no token and is no
      // rendered file: read whole and hashed, 20 staged objects of 40 MB held the hook 20 s and
      // 1.1 GB.
      const head = Buffer.alloc(Math.min(stat.size, BINARY_PROBE));
      const got = readSync(fd, head, 0, head.length, 0);
      if (head.subarray(0, got).includes(0)) return BINARY;
      return verified(readFileSync(fd), pointer);
    },
  );
}

/** A file git-lfs stores whose content was not read: its pointer was checked. */
export interface Unread {
  file: string;
  /** Its pointer has extensions (`ext-…`): its content is never read, wherever it is. */
  extended: boolean;
}

/** What a blob holds as a file. */
export interface FileContent {
  content: Buffer;
  /** An LFS pointer whose content was found nowhere (or has extensions): the pointer is read. */
  unread?: Pointer;
}

/**
 * A blob's content as the file it stands for: for an LFS pointer, the object of the store (or of
 * `workTreeFile`, the path's file in the work tree) that hashes to its oid; anything else as it
 * is. A pointer whose content is found nowhere is said (`unread`) and read as it is; so is one of
 * an object over 64 MiB or binary, without a word.
 */
export function fileContent(blob: Buffer, top: string, workTreeFile?: string): FileContent {
  const pointer = pointerOf(blob);
  if (!pointer) return { content: blob };
  if (pointer.size > LFS_LIMIT) return { content: blob };
  // Its object is the content before git-lfs's extensions ran on it: not the file's.
  if (pointer.extended) return { content: blob, unread: pointer };
  const { oid } = pointer;
  const places = storesOf(top).map((store) =>
    resolve(store, "objects", oid.slice(0, 2), oid.slice(2, 4), oid),
  );
  if (workTreeFile !== undefined) places.push(workTreeFile);
  for (const place of places) {
    const content = readAs(place, pointer);
    // A binary file, as git would take its content: checked as the pointer git holds.
    if (content === BINARY) return { content: blob };
    if (content) return { content };
  }
  return { content: blob, unread: pointer };
}

/**
 * A file of the work tree that is an LFS pointer — a checkout whose LFS objects were not fetched,
 * CI's default — read as the content it names where the repository's store has it (`unread`
 * where not). Outside a git work tree it is read as it is.
 */
export function workTreeContent(content: Buffer): FileContent {
  if (!pointerOf(content)) return { content };
  let top: string;
  try {
    top = gitTop("--base");
  } catch {
    return { content };
  }
  return fileContent(content, top);
}

/**
 * A file of a commit compared with (HEAD, REF), its blob read as the content it stands for (a
 * git-lfs pointer as the content it names); one whose content was not read is added to
 * `unfetched` (its path now: whether its pointer has extensions, which no fetch makes readable).
 */
export function earlierFile(
  file: { name: string; now: string | undefined },
  blob: Buffer,
  top: string,
  unfetched: Map<string, boolean>,
): EarlierFile {
  const { content, unread } = fileContent(blob, top);
  if (unread && file.now !== undefined) unfetched.set(file.now, unread.extended);
  return { name: file.name, content, now: file.now };
}
