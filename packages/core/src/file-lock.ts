/**
 * A lock file made with O_EXCL, for a read-change-write of a file that several s5 processes may
 * change at once (the record of known keys, a project's `.s5.json`). It holds a token of its
 * holder; one older than 30 s, or "from the future" (a clock set back), is from an s5 that died
 * and is taken over.
 */
const { readFileSync, rmSync, statSync, writeFileSync } = process.getBuiltinModule("node:fs");

export const LOCK_STALE_MS = 30_000;

export interface HeldLock {
  /** Removes the lock if it is still this holder's (one taken over as stale is another's). */
  release(): void;
}

/**
 * Takes `lock`, waiting up to `waitMs` (`onWait` is told the lock's age in ms at each look while
 * s5 waits, until it returns true: it has said what it wanted to); `undefined` when another holds it all that time. Throws
 * Node's error when it cannot be made at all (a read-only or full file system).
 */
export function takeLock(
  lock: string,
  waitMs: number,
  onWait?: (age: number) => boolean,
): HeldLock | undefined {
  const token = `${process.pid}.${Math.random().toString(36).slice(2)}`;
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
      // Either way: a clock set back would leave a lock "from the future" held for good.
      const age = Math.abs(Date.now() - statSync(lock).mtimeMs);
      if (age > LOCK_STALE_MS) rmSync(lock, { force: true });
      else if (!told) {
        told = onWait!(age);
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
        if (readFileSync(lock, "utf8") === token) rmSync(lock, { force: true });
      } catch {
        // gone
      }
    },
  };
}
