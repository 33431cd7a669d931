/**
 * The paths git tracks, from the work tree's index file (`gitformat-index`: versions 2, 3 and 4,
 * SHA-1 or SHA-256 object names, a split index), read without running git. A file git tracks is
 * committed whatever `.gitignore` says (`git add -f`), so `s5 check` must read it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface TrackedPaths {
  /** Tracked files, relative to the top of the work tree, with `/`. */
  files: Set<string>;
  /** Every directory that holds a tracked file, at any depth. */
  dirs: Set<string>;
}

/** The fixed part of an entry before the object name: ctime, mtime, dev, ino, mode, uid, gid, size. */
const STAT_SIZE = 40;
const EXTENDED = 0x4000;
const NAME_MASK = 0xfff;

/** One index file: its entries' names in order, and its `link` extension if it has one. */
interface IndexFile {
  names: Buffer[];
  link: Link | undefined;
}

/** A split index (`core.splitIndex`): most entries are in `sharedindex.<base>`. */
interface Link {
  base: string;
  /** Positions in the shared index of the entries this index deletes. */
  deleted: number[];
  /** How many of this index's first entries replace shared ones (names kept from there). */
  replaced: number;
}

/**
 * The tracked paths below `under` (`""`: all; else a directory path with `/`, no trailing one),
 * or undefined when the index cannot be read as this reader knows it: no index, another
 * version, a missing shared index, or damage. The caller then goes by the ignore rules alone.
 * `gitDir` holds the shared index of a split one.
 */
export function readTrackedPaths(
  indexFile: string,
  gitDir: string,
  hashSize: number,
  under: string,
): TrackedPaths | undefined {
  try {
    const index = parseIndex(readFileSync(indexFile), hashSize);
    if (!index) return undefined;
    const names = index.link ? mergeShared(index, index.link, gitDir, hashSize) : index.names;
    return names && trackedBelow(names, under);
  } catch {
    return undefined;
  }
}

/** The names of a split index: the shared ones less those deleted, then those added here. */
function mergeShared(
  index: IndexFile,
  link: Link,
  gitDir: string,
  hashSize: number,
): Buffer[] | undefined {
  const shared = parseIndex(readFileSync(join(gitDir, `sharedindex.${link.base}`)), hashSize);
  if (!shared || shared.link) return undefined;
  const deleted = new Set(link.deleted);
  const names = shared.names.filter((_, position) => !deleted.has(position));
  return names.concat(index.names.slice(link.replaced));
}

function trackedBelow(names: Buffer[], under: string): TrackedPaths {
  const prefix = Buffer.from(under === "" ? "" : `${under}/`);
  const files = new Set<string>();
  for (const name of names) {
    // A sparse index's directory entry ends with "/": nothing of it is checked out.
    if (name.length === 0 || name[name.length - 1] === 0x2f) continue;
    if (prefix.length === 0 || name.subarray(0, prefix.length).equals(prefix)) {
      files.add(name.toString("utf8"));
    }
  }
  const dirs = new Set<string>();
  for (const file of files) {
    for (let slash = file.lastIndexOf("/"); slash > 0; slash = file.lastIndexOf("/", slash - 1)) {
      const dir = file.slice(0, slash);
      if (dirs.has(dir)) break;
      dirs.add(dir);
    }
  }
  return { files, dirs };
}

function parseIndex(data: Buffer, hashSize: number): IndexFile | undefined {
  if (data.length < 12 + hashSize || data.toString("latin1", 0, 4) !== "DIRC") return undefined;
  const version = data.readUInt32BE(4);
  if (version < 2 || version > 4) return undefined;
  const count = data.readUInt32BE(8);
  const names: Buffer[] = [];
  let offset = 12;
  let previous: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    const start = offset;
    offset += STAT_SIZE + hashSize;
    const flags = data.readUInt16BE(offset);
    offset += 2;
    if (flags & EXTENDED) {
      if (version < 3) return undefined;
      offset += 2;
    }
    let name: Buffer;
    if (version === 4) {
      // The name is the previous one less N bytes at its end, then a NUL-terminated suffix.
      let byte = data[offset++]!;
      let strip = byte & 0x7f;
      while (byte & 0x80) {
        byte = data[offset++]!;
        strip = ((strip + 1) << 7) | (byte & 0x7f);
      }
      const end = data.indexOf(0, offset);
      if (end < 0 || strip > previous.length) return undefined;
      name = Buffer.concat([
        previous.subarray(0, previous.length - strip),
        data.subarray(offset, end),
      ]);
      offset = end + 1;
      previous = name;
    } else {
      const length = flags & NAME_MASK;
      const end = length < NAME_MASK ? offset + length : data.indexOf(0, offset);
      if (end < 0 || end > data.length) return undefined;
      name = data.subarray(offset, end);
      // 1 to 8 NUL bytes pad the entry to a multiple of 8.
      offset = start + ((end - start + 8) & ~7);
    }
    if (offset > data.length - hashSize) return undefined;
    names.push(name);
  }
  return { names, link: findLink(data, offset, hashSize) };
}

/** The `link` extension among those after the entries, if any. */
function findLink(data: Buffer, offset: number, hashSize: number): Link | undefined {
  const end = data.length - hashSize;
  while (offset + 8 <= end) {
    const size = data.readUInt32BE(offset + 4);
    if (data.toString("latin1", offset, offset + 4) === "link") {
      const base = data.subarray(offset + 8, offset + 8 + hashSize);
      if (base.length < hashSize) throw new Error("a short link extension");
      // An all-zero base: this index holds every entry itself.
      if (base.every((byte) => byte === 0)) return undefined;
      if (size === hashSize) return { base: base.toString("hex"), deleted: [], replaced: 0 };
      const deleted = ewahBits(data, offset + 8 + hashSize);
      const replaced = ewahBits(data, deleted.end);
      return { base: base.toString("hex"), deleted: deleted.bits, replaced: replaced.bits.length };
    }
    offset += 8 + size;
  }
  return undefined;
}

/**
 * The set bits of one EWAH bitmap as git writes it: its size in bits, a count of 64-bit words,
 * the words, then the position of the last marker word. A marker word holds a run bit, a run
 * length in words (bits 1–32) and a count of literal words that follow it (bits 33–63).
 */
function ewahBits(data: Buffer, offset: number): { bits: number[]; end: number } {
  const size = data.readUInt32BE(offset);
  const words = data.readUInt32BE(offset + 4);
  const first = offset + 8;
  const bits: number[] = [];
  let bit = 0;
  for (let word = 0; word < words; ) {
    const high = data.readUInt32BE(first + word * 8);
    const low = data.readUInt32BE(first + word * 8 + 4);
    word++;
    const run = ((low >>> 1) | ((high & 1) << 31)) >>> 0;
    if (low & 1) for (let i = 0; i < run * 64 && bit + i < size; i++) bits.push(bit + i);
    bit += run * 64;
    for (let literal = high >>> 1; literal > 0 && word < words; literal--, word++) {
      const highBits = data.readUInt32BE(first + word * 8);
      const lowBits = data.readUInt32BE(first + word * 8 + 4);
      for (let i = 0; i < 32; i++) if ((lowBits >>> i) & 1) bits.push(bit + i);
      for (let i = 0; i < 32; i++) if ((highBits >>> i) & 1) bits.push(bit + 32 + i);
      bit += 64;
    }
  }
  return { bits, end: first + words * 8 + 4 };
}
