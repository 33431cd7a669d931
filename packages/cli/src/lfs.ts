/**
 * Files git stores through git-lfs: git holds a pointer (`version …`, `oid sha256:…`, `size …`)
 * and git-lfs's clean filter puts the content in the repository's LFS store when the file is
 * staged. `s5 check` read the pointer as the file — at HEAD as in the index — so a file of tokens
 * tracked through LFS, rendered in place and staged, was no file of secrets and passed every
 * form of the hook. The content is read from the store instead, where its SHA-256 is the
 * pointer's: s5 runs no filter (a program git's configuration names) and trusts no file that does
 * not hash to what git holds.
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { EarlierFile } from "@s5/core/internal";
import { git, gitTop } from "./git-blobs.ts";

/** What a pointer names. */
export interface Pointer {
  oid: string;
  size: number;
}

/** The pointer versions git-lfs reads (the second written by its pre-releases). */
const VERSIONS = new Set([
  "version https://git-lfs.github.com/spec/v1",
  "version https://hawser.github.com/spec/v1",
]);

/** git-lfs takes no larger blob for a pointer. */
const POINTER_LIMIT = 1024;

/**
 * The largest LFS object read as a file's content: a config file, not a data set (a video the
 * hook is named holds no token; reading gigabytes to say so would stall every commit).
 */
const LFS_LIMIT = 64 * 1024 * 1024;

/**
 * The pointer `content` is, as the specification writes one (`key value` lines, a line break at
 * the end of each, `version` first); undefined for anything else, and for a pointer with
 * extensions (`ext-…`: its stored object is not the file's content).
 */
export function pointerOf(content: Uint8Array): Pointer | undefined {
  // "version " first: most blobs are told apart by one byte.
  if (content.length > POINTER_LIMIT || content[0] !== 0x76 || content.at(-1) !== 0x0a) {
    return undefined;
  }
  const lines = Buffer.from(content.buffer, content.byteOffset, content.byteLength)
    .toString("latin1")
    .slice(0, -1)
    .split("\n");
  if (!VERSIONS.has(lines[0]!)) return undefined;
  let oid: string | undefined;
  let size: number | undefined;
  for (const line of lines.slice(1)) {
    const pair = /^([a-z0-9.-]+) ([^\r\n]*)$/.exec(line);
    if (!pair) return undefined;
    const [, key, value] = pair as unknown as [string, string, string];
    if (key.startsWith("ext-")) return undefined;
    if (key === "oid") oid = /^sha256:([0-9a-f]{64})$/.exec(value)?.[1];
    if (key === "size") size = /^(0|[1-9][0-9]{0,15})$/.test(value) ? Number(value) : undefined;
  }
  return oid !== undefined && size !== undefined && Number.isSafeInteger(size)
    ? { oid, size }
    : undefined;
}

/** `content` when it has `pointer`'s size and SHA-256. */
function verified(content: Buffer, pointer: Pointer): Buffer | undefined {
  if (content.length !== pointer.size) return undefined;
  const hash = process.getBuiltinModule("node:crypto").createHash("sha256");
  return hash.update(content).digest("hex") === pointer.oid ? content : undefined;
}

/** The store of each work tree's top, asked of git once. */
const stores = new Map<string, string>();

/**
 * The directory of the repository's LFS objects, as git-lfs finds it: `lfs.storage` (relative to
 * the repository's common directory, which a linked worktree shares), else `<common dir>/lfs`.
 */
function storeOf(top: string): string {
  let store = stores.get(top);
  if (store === undefined) {
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
    store = resolve(common, setting || "lfs");
    stores.set(top, store);
  }
  return store;
}

/** `file`'s content where it is `pointer`'s (its size, then its SHA-256); else undefined. */
function readAs(file: string, pointer: Pointer): Buffer | undefined {
  try {
    // A regular file only: a FIFO put there would block the read (and every commit).
    const stat = statSync(file);
    if (!stat.isFile() || stat.size !== pointer.size) return undefined;
    return verified(readFileSync(file), pointer);
  } catch {
    return undefined; // gone, a directory, unreadable
  }
}

/** What a blob holds as a file. */
export interface FileContent {
  content: Buffer;
  /** An LFS pointer whose content was found nowhere, or too large: the pointer is what is read. */
  unread?: Pointer;
}

/**
 * A blob's content as the file it stands for: for an LFS pointer, the object of the store (or of
 * `workTreeFile`, the path's file in the work tree) that hashes to its oid; anything else as it
 * is. A pointer whose content is found nowhere is said (`unread`) and read as it is; so is one of
 * an object over 64 MiB, without a word.
 */
export function fileContent(blob: Buffer, top: string, workTreeFile?: string): FileContent {
  const pointer = pointerOf(blob);
  if (!pointer) return { content: blob };
  if (pointer.size > LFS_LIMIT) return { content: blob };
  const { oid } = pointer;
  const stored = resolve(storeOf(top), "objects", oid.slice(0, 2), oid.slice(2, 4), oid);
  const content =
    readAs(stored, pointer) ??
    (workTreeFile === undefined ? undefined : readAs(workTreeFile, pointer));
  return content ? { content } : { content: blob, unread: pointer };
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
 * A file of a commit compared with (HEAD, REF), its blob read as the content it stands for (a git-lfs pointer as the content
 * it names); one whose content is not in the store is added to `unfetched` (its path now).
 */
export function earlierFile(
  file: { name: string; now: string | undefined },
  blob: Buffer,
  top: string,
  unfetched: Set<string>,
): EarlierFile {
  const { content, unread } = fileContent(blob, top);
  if (unread && file.now !== undefined) unfetched.add(file.now);
  return { name: file.name, content, now: file.now };
}
