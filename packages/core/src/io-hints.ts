/**
 * What to do about a file that cannot be read or written, by its errno: one wording for every
 * command, so that `s5 render`, `s5 check` and the project config say the same thing about the
 * same failure.
 */

/** The `code` of a Node file-system error (`ENOENT`…), or `"error"`. */
export function errnoOf(cause: unknown): string {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "error";
}

/**
 * The hint for reading a path that failed with `code`, or undefined for an errno without advice.
 * `directory`: what to say when it is a directory (commands that take directories say so).
 * @example readHint("ENOENT") // "check the path (relative to the working directory)"
 */
export function readHint(
  code: string,
  directory = "name a file, not a directory",
): string | undefined {
  switch (code) {
    case "ENOENT":
      return "check the path (relative to the working directory)";
    case "EISDIR":
      return `it is a directory: ${directory}`;
    case "ENOTDIR":
      return "a part of the path is a file, not a directory: check the path";
    case "EACCES":
    case "EPERM":
      return "you may not read it: check its permissions and its directories' (`ls -ld`), or run s5 as a user who may";
    case "ENXIO":
      return "it is a socket or a device s5 cannot read: name a regular file, or pipe the input in (`… | s5 render -`)";
    case "ELOOP":
      return "the path goes through too many symbolic links (a loop?): check the links";
    case "ENAMETOOLONG":
      return "the path is too long: check it";
    case "EMFILE":
    case "ENFILE":
      return "too many files are open: raise the limit (`ulimit -n`), or name fewer files at once";
    case "EIO":
      return "the disk or device failed to read: check it (`dmesg`)";
    default:
      return undefined;
  }
}

/**
 * The hint for a path s5 met on its own (a directory's entry during a walk, a file it found) and
 * then could not use, by its errno: not one the user named, so not "relative to the working
 * directory" as {@link readHint} says; undefined for an errno without advice.
 */
export function metHint(code: string): string | undefined {
  switch (code) {
    case "ENOENT":
      return "it was removed or renamed while s5 ran, or a link on the way leads nowhere: check the path and run again";
    case "EACCES":
      return "you may not read it (or enter a directory on the way): name only the files and directories to use, or run as a user who may read it";
    case "EPERM":
      return "the system does not let you use it: name only the files and directories to use, or run as a user who may";
    case "EISDIR":
      return "name a file, not a directory";
    default:
      return undefined;
  }
}

/**
 * The hint for writing a path that failed with `code`: the same errno, said for a write.
 * @example writeHint("ENOSPC") // "the disk is full: free some space, then run the command again"
 */
export function writeHint(code: string): string {
  switch (code) {
    case "ENOSPC":
      return "the disk is full: free some space, then run the command again";
    case "EDQUOT":
      return "your disk quota is used up: free some space, then run the command again";
    case "EROFS":
      return "the file system is read-only: write elsewhere";
    case "EACCES":
    case "EPERM":
      return "you may not write there: check the directory's permissions, or write elsewhere";
    case "ENOENT":
      return "the directory does not exist: create it first";
    case "ENOTDIR":
      return "a part of the path is a file, not a directory: check the path";
    case "EISDIR":
      return "it is a directory: name a file in it";
    case "ENOTLOCK":
      return "its lock is no regular file (a directory, a link, a FIFO), which no s5 makes: remove it (`ls -ld` it first), then run the command again";
    default:
      return "check the path, the directory's permissions and free space";
  }
}
