/**
 * Reading a file that must be a regular one — a staged file's copy in the work tree, an LFS
 * object — without blocking: a FIFO put in its place blocked the read, and the pre-commit hook
 * with it, for ever.
 */
import { closeSync, constants, fstatSync, openSync, type Stats, statSync } from "node:fs";

/**
 * `read` of `file`, opened for reading, where it is a regular file `fits` accepts — asked of the
 * path before it is opened (a device a link leads to is never opened), and again of what was
 * opened, which is opened without waiting (a FIFO swapped in between is not read either).
 * Undefined where it is not one, is gone or cannot be read.
 */
export function readRegular<T>(
  file: string,
  fits: (stat: Stats) => boolean,
  read: (fd: number, stat: Stats) => T,
): T | undefined {
  const regular = (stat: Stats) => stat.isFile() && fits(stat);
  let fd: number | undefined;
  try {
    if (!regular(statSync(file))) return undefined;
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    return regular(stat) ? read(fd, stat) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
