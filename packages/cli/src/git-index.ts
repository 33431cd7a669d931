/**
 * The paths git tracks, from the work tree's index file (`gitformat-index`: versions 2, 3 and 4,
 * SHA-1 or SHA-256 object names), read without running git. A file git tracks is committed
 * whatever `.gitignore` says (`git add -f`), so `s5 check` must read it.
 */
import { readFileSync } from "node:fs";

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

/**
 * The tracked paths below `under` (`""`: all; else a directory path with `/`, no trailing one),
 * or undefined when the index cannot be read as this reader knows it: no index, another
 * version, a split index (`core.splitIndex`), or damage. The caller then goes by the ignore
 * rules alone.
 */
export function readTrackedPaths(
  indexFile: string,
  hashSize: number,
  under: string,
): TrackedPaths | undefined {
  let data: Buffer;
  try {
    data = readFileSync(indexFile);
  } catch {
    return undefined;
  }
  try {
    return parseIndex(data, hashSize, under);
  } catch {
    return undefined;
  }
}

function parseIndex(data: Buffer, hashSize: number, under: string): TrackedPaths | undefined {
  if (data.length < 12 + hashSize || data.toString("latin1", 0, 4) !== "DIRC") return undefined;
  const version = data.readUInt32BE(4);
  if (version < 2 || version > 4) return undefined;
  const count = data.readUInt32BE(8);
  const prefix = Buffer.from(under === "" ? "" : `${under}/`);
  const files = new Set<string>();
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
    // A sparse index's directory entry ends with "/": nothing of it is checked out.
    if (name[name.length - 1] === 0x2f) continue;
    if (prefix.length === 0 || name.subarray(0, prefix.length).equals(prefix)) {
      files.add(name.toString("utf8"));
    }
  }
  if (hasSplitIndex(data, offset, hashSize)) return undefined;
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

/** Whether the extensions after the entries include `link`: most entries are in another file. */
function hasSplitIndex(data: Buffer, offset: number, hashSize: number): boolean {
  const end = data.length - hashSize;
  while (offset + 8 <= end) {
    if (data.toString("latin1", offset, offset + 4) === "link") return true;
    offset += 8 + data.readUInt32BE(offset + 4);
  }
  return false;
}
