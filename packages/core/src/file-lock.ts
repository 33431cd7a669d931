/**
 * A lock file made with O_EXCL, for a read-change-write of a file that several s5 processes may
 * change at once (the record of known keys, a project's `.s5.json`). It holds a token of its
 * holder; one whose holder this machine can see has ended (lock-holder.ts), one older than 30 s, or
 * one "from the future" (a clock set back), is from an s5 that died and is taken over.
 */
import { describeHolder, holderGone, holderMark } from "./lock-holder.ts";

const {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} = process.getBuiltinModule("node:fs");

export const LOCK_STALE_MS = 30_000;

// A lock read never waits on a FIFO nor follows a link put at its name after `notALock` looked
// (an open of a FIFO for reading waits for a writer: s5 hung for good).
const READ_LOCK = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

export interface HeldLock {
  /** Removes the lock if it is still this holder's (one taken over as stale is another's). */
  release(): void;
}

/**
 * Takes `lock`, waiting up to `waitMs` (`onWait` is told the lock's age and how long s5 has waited,
 * in ms, at each look while s5 waits, until it returns true: it has said what it wanted to; a lock
 * kept fresh stays young however long s5 waits); `undefined` when another holds it all that time. Throws
 * Node's error when it cannot be made at all (a read-only or full file system).
 */
export function takeLock(
  lock: string,
  waitMs: number,
  onWait?: (age: number, waited: number) => boolean,
): HeldLock | undefined {
  const token = `${process.pid}.${Math.random().toString(36).slice(2)}${holderMark()}`;
  const started = Date.now();
  let told = onWait === undefined;
  for (;;) {
    try {
      writeFileSync(lock, token, { flag: "wx", mode: 0o600 });
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") {
        // Made, but its token not written (a full disk): an empty lock would hold others off.
        try {
          if (statSync(lock).size === 0) rmSync(lock, { force: true });
        } catch {
          // never made
        }
        throw error;
      }
    }
    notALock(lock);
    try {
      const seen = lookAt(lock);
      // Either way: a clock set back would leave a lock "from the future" held for good.
      const age = Math.abs(Date.now() - seen.mtimeMs);
      if (age > LOCK_STALE_MS || holderGone(seen.text)) takeOver(lock, seen, token);
      else if (!told) {
        told = onWait!(age, Date.now() - started);
      }
    } catch {
      // released meanwhile
    }
    if (Date.now() - started > waitMs) return undefined;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
  }
  return {
    release() {
      try {
        if (lookAt(lock).text === token) rmSync(lock, { force: true });
      } catch {
        // gone
      }
    },
  };
}

/**
 * Throws (code `ENOTLOCK`) when `lock` is no regular file: no s5 makes a directory or a symbolic
 * link there, and neither can be read or taken over as a lock, so waiting would only end in "held"
 * 35 s later. Gone meanwhile: nothing to say.
 */
function notALock(lock: string): void {
  let kind: string;
  try {
    const entry = lstatSync(lock);
    if (entry.isFile()) return;
    kind = entry.isDirectory()
      ? "a directory"
      : entry.isSymbolicLink()
        ? "a symbolic link"
        : "no regular file";
  } catch {
    return; // released meanwhile
  }
  throw Object.assign(new Error(`${lock} is ${kind}, not a lock s5 made`), {
    code: "ENOTLOCK",
    path: lock,
  });
}

/** The lock file as it is now: its identity, age and token, from one descriptor. */
function lookAt(lock: string): { ino: number; dev: number; mtimeMs: number; text: string } {
  const fd = openSync(lock, READ_LOCK);
  try {
    const entry = fstatSync(fd);
    if (!entry.isFile())
      throw Object.assign(new Error(`${lock}: no regular file`), { code: "ENOTLOCK" });
    const { ino, dev, mtimeMs } = entry;
    const bytes = Buffer.alloc(512);
    const length = readSync(fd, bytes, 0, bytes.length, 0);
    return { ino, dev, mtimeMs, text: bytes.toString("latin1", 0, length) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes a stale lock — the one judged stale, not whatever is at its name by now. Two s5 that
 * judged the same dead lock stale each removed the lock by name: the second removed the lock the
 * first had just made, and both held it. The lock is moved aside (a rename is atomic) and checked:
 * when it is not the file judged (same inode, same time: an inode number is reused), it is put
 * back with a hard link. Without hard links (vfat) it cannot be, and that rare race stays.
 */
function takeOver(
  lock: string,
  judged: { ino: number; dev: number; mtimeMs: number },
  token: string,
) {
  const aside = `${lock}.${token}.stale`;
  try {
    renameSync(lock, aside);
  } catch {
    return; // gone meanwhile: another s5 took it over or released it
  }
  try {
    const moved = statSync(aside);
    const same =
      moved.ino === judged.ino && moved.dev === judged.dev && moved.mtimeMs === judged.mtimeMs;
    if (!same) linkSync(aside, lock);
  } catch {
    // not put back: another s5 made a lock meanwhile (EEXIST), or no hard links here
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Who holds `lock` now ({@link describeHolder}); undefined when it is gone. */
export function lockHolder(lock: string): ReturnType<typeof describeHolder> | undefined {
  try {
    return describeHolder(lookAt(lock).text);
  } catch {
    return undefined;
  }
}
