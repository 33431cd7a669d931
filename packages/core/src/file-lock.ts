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
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} = process.getBuiltinModule("node:fs");

export const LOCK_STALE_MS = 30_000;

// A lock read never waits on a FIFO (an open of one for reading waits for a writer: s5 hung for
// good) nor follows a link: what is at the lock's name is judged on the descriptor read.
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
    try {
      const seen = lookAt(lock);
      // Either way: a clock set back would leave a lock "from the future" held for good.
      const age = Math.abs(Date.now() - seen.mtimeMs);
      if (age > LOCK_STALE_MS || holderGone(seen.text)) takeOver(lock, seen, token);
      else if (!told) {
        told = onWait!(age, Date.now() - started);
      }
    } catch (error) {
      // No lock s5 made: waiting would only end in "held". Anything else: released meanwhile.
      if ((error as { code?: string }).code === "ENOTLOCK") throw error;
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
 * The lock file as it is now: its identity, age and token, from one descriptor. Throws (code
 * `ENOTLOCK`) when it is no regular file — a directory, a symbolic link, a FIFO: no s5 makes one,
 * and it can be neither read nor taken over as a lock.
 */
function lookAt(lock: string): { ino: number; dev: number; mtimeMs: number; text: string } {
  let fd: number;
  try {
    fd = openSync(lock, READ_LOCK);
  } catch (error) {
    // O_NOFOLLOW refuses a link, dangling or not.
    if ((error as { code?: string }).code === "ELOOP") throw notALock(lock, "a symbolic link");
    throw error;
  }
  try {
    const entry = fstatSync(fd);
    if (!entry.isFile()) {
      throw notALock(lock, entry.isDirectory() ? "a directory" : "no regular file");
    }
    const { ino, dev, mtimeMs } = entry;
    const bytes = Buffer.alloc(512);
    const length = readSync(fd, bytes, 0, bytes.length, 0);
    return { ino, dev, mtimeMs, text: bytes.toString("latin1", 0, length) };
  } finally {
    closeSync(fd);
  }
}

function notALock(lock: string, kind: string): Error {
  return Object.assign(new Error(`${lock} is ${kind}, not a lock s5 made`), {
    code: "ENOTLOCK",
    path: lock,
  });
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
