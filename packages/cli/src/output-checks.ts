/**
 * Checks on where plaintext goes that do not fit in write.ts: links another user made on the way
 * to an output, and a stdout or descriptor that is a file others may read.
 */
import { fstatSync, lstatSync, readlinkSync } from "node:fs";
import { dirname, isAbsolute, join, sep } from "node:path";
import { IoError } from "@s5/core";
import { trustedDirectory } from "@s5/core/internal";

const MAX_LINKS = 40;

/**
 * A symbolic link another user made decides where s5 writes: in a directory they may write (a
 * team's directory, or `/tmp` where the kernel does not protect links) it could point at your
 * identity, or at the encrypted file you commit, which would then hold its plaintext. Every link
 * on the way to an output — in the path as given and in the targets of links — must be yours or
 * root's. Not on Windows, which has no owners here.
 */
export function refuseForeignLinks(path: string): void {
  const me = process.getuid?.();
  if (me === undefined) return;
  // Not normalised first: `..` after a link leads out of where the link points, as the kernel
  // walks it, so each part is taken in turn from the real directory reached so far.
  const pending = (isAbsolute(path) ? path : `${process.cwd()}${sep}${path}`)
    .split(sep)
    .filter((part) => part !== "" && part !== ".");
  let current: string = sep;
  for (let hops = 0; pending.length > 0; ) {
    const part = pending.shift()!;
    if (part === "..") {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(next);
    } catch {
      return; // the rest does not exist yet: nothing more to follow
    }
    if (!stat.isSymbolicLink()) {
      current = next;
      continue;
    }
    // As root over a checkout another user owns (a CI container): their link in a directory only
    // they can change is theirs to set, as their files there are (write.ts, checkOwner).
    const theirs = me === 0 && trustedDirectory(current, stat.uid);
    if (stat.uid !== me && stat.uid !== 0 && !theirs) {
      throw new IoError(
        "S5_OUTPUT_OWNER",
        `${path}: ${next} is a symbolic link another user made (uid ${stat.uid}): s5 will not follow it to write`,
        {
          hint: "write to a path without their link (or remove it, if it is in a directory of yours)",
        },
      );
    }
    if (++hops > MAX_LINKS) {
      // Not followed further, so not written: past here the check would see nothing.
      throw new IoError("S5_OUTPUT", `cannot write ${path}: too many symbolic links (ELOOP)`, {
        hint: "the path goes through too many symbolic links (a loop?): check the links",
      });
    }
    const target = readlinkSync(next);
    pending.unshift(...target.split(sep).filter((piece) => piece !== "" && piece !== "."));
    if (isAbsolute(target)) current = sep;
  }
}

/** What to do about a shared output, for a command that can write a file of its own (`-o`). */
export const SHARED_FIX = "use -o FILE (created 0600), or chmod go-rwx it";
/** The same for one that writes to stdout only (`decipher`, `render --textconv`). */
export const SHARED_FIX_STDOUT = "chmod go-rwx it, or redirect to a file made under umask 077";

/**
 * Plaintext written to a descriptor that is a regular file group or others may read (`> out.yml`
 * under umask 022, `2>>build.log`): s5 did not create it and leaves its mode alone, but says so,
 * with `fix` (a command without `-o` must not advise it). `what` is what is written (a secret key
 * for `keys generate`).
 */
export function warnSharedDescriptor(
  fd: number,
  name: string,
  fix: string,
  what = "the plaintext",
): void {
  let mode: number;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || process.platform === "win32") return;
    mode = stat.mode & 0o777;
  } catch {
    return;
  }
  if ((mode & 0o044) === 0) return;
  process.stderr.write(
    `s5: warning: ${name} is a file that group or others may read (mode 0${mode.toString(8)}): they can read ${what} written to it; ${fix}\n`,
  );
}
