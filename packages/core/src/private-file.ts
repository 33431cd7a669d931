/**
 * Files that hold secret keys or credentials. As ssh does with private keys, s5 refuses a key file
 * of its user that group or others may read or write (someone else may already have it, or may
 * swap it), and one of another user that others may (see `exposureOf`).
 */
import { KeyError } from "./errors.ts";
import { errnoOf, readHint } from "./io-hints.ts";
import { danglingHint } from "./real-place.ts";
import { untrustedPart } from "./trusted-path.ts";

// Not `import … from "node:fs"`: its ESM facade costs milliseconds at every application start.
const { closeSync, fstatSync, lstatSync, openSync, readFileSync, statSync } =
  process.getBuiltinModule("node:fs");
const { dirname } = process.getBuiltinModule("node:path");

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

type Stats = import("node:fs").Stats;

/**
 * Reads a file through one descriptor, after `check` has looked at what was opened: the file
 * whose mode and owner are judged is the file read, even if the path is replaced or its mode
 * changed in between (a FIFO's open waits for a writer, as long as that takes). The text comes
 * with that stat. Errors are Node's (with their `code`) or `check`'s.
 */
export function readOpened(
  file: string,
  check: (stat: Stats) => void = () => {},
): { text: string; stat: Stats } {
  const fd = openSync(file, "r");
  try {
    const stat = fstatSync(fd);
    check(stat);
    return { text: readFileSync(fd, "utf8"), stat };
  } finally {
    closeSync(fd);
  }
}

/**
 * What a message says about a file that could not be read (`what`: "the private key file"),
 * named by `setting` (`S5_PRIVATE_KEY_FILE`). A path that exists is shown. One that does not may be
 * the secret itself, pasted where its path belongs (a CI variable of the wrong kind, a PEM in
 * `VAULT_CLIENT_KEY`): then only the setting is named, never its value, and Node's error, whose
 * message holds the path, is not kept as the cause. `known`: a path s5 found or the user typed on
 * the command line (`--config`), always shown. `directory`: the hint for a directory.
 */
export function unreadable(
  what: string,
  file: string,
  setting: string,
  cause: unknown,
  known = false,
  directory = "name a file, not a directory",
): { message: string; hint?: string; cause?: unknown } {
  const code = errnoOf(cause);
  let exists = false;
  try {
    lstatSync(file);
    exists = true;
  } catch {
    // named no file: below
  }
  if (exists || known) {
    const hint =
      (code === "ENOENT" && danglingHint(file)) ||
      (code === "ENOENT" && setting.startsWith("--")
        ? `check the path given to ${setting}`
        : readHint(code, directory));
    return { message: `cannot read ${what} ${file} (${code})`, hint, cause };
  }
  return {
    message: `${setting} names no file (${code}); its value is not shown`,
    hint:
      `${setting} must hold the path of ${what}: check it; if it holds the content itself ` +
      `rather than a path, put that in a file and set ${setting} to the file's path`,
  };
}

/**
 * Reads a file of secret keys, refusing one that group or others can access.
 * `undefined` when it does not exist and is not `required`. `setting` names where the path came
 * from, for a message; `known`: the path is s5's default, not the setting's value (always shown).
 */
export function readKeyFile(
  file: string,
  what: string,
  required: boolean,
  setting: string,
  known = false,
): string | undefined {
  try {
    return readOpened(file, (stat) => {
      const refusal = refusalOf(stat, file, what, setting);
      if (refusal) throw refusal;
    }).text;
  } catch (cause) {
    // A refusal of what was opened; Node's errors are not S5 errors.
    if (cause instanceof KeyError) throw cause;
    if (!required && (cause as { code?: string }).code === "ENOENT") return undefined;
    const { message, ...rest } = unreadable(what, file, setting, cause, known);
    throw new KeyError("S5_KEY_FILE", message, rest);
  }
}

/**
 * Why a key file is not used: a directory (before its mode: `chmod 600` on `/tmp` would be the
 * wrong thing to run), or one others can access. Other kinds are read: a pipe
 * (`--private-key-file <(…)`) keeps the key out of every file.
 */
function refusalOf(stat: Stats, file: string, what: string, setting: string): KeyError | undefined {
  if (stat.isDirectory()) {
    return new KeyError(
      "S5_KEY_FILE",
      `${what} ${file} is a directory: point ${setting} at the key file`,
      {
        hint: "the key file holds S5-SECRET-KEY-… keys, one a line (`s5 init` or `s5 keys generate` makes one), mode 0600",
      },
    );
  }
  const exposed = exposureOf(stat);
  return exposed ? exposedKey(what, file, exposed) : undefined;
}

/**
 * A key file that gives access beyond its user (see {@link exposureOf}), refused with what to run:
 * `chmod 600` for one's own file; for another user's, that user's grant is to be narrowed.
 */
function exposedKey(what: string, file: string, { mode, own }: Exposure): KeyError {
  const shown = octal(mode);
  if (own) {
    return new KeyError(
      "S5_KEY_FILE_MODE",
      `${what} ${file} is accessible by group or others (mode ${shown}); s5 will not use it`,
      {
        hint:
          `run \`chmod 600 ${file}\` (and replace the key if others may have read it); ` +
          "a Kubernetes Secret volume needs defaultMode: 0400 (0440 with an fsGroup)",
      },
    );
  }
  return new KeyError(
    "S5_KEY_FILE_MODE",
    `${what} ${file} is accessible by others (mode ${shown}); s5 will not use it`,
    {
      hint:
        "let only its owner, or its owner and your group, read it (`chmod 440`), and replace the key if others may have read it; " +
        "a Kubernetes Secret volume: defaultMode 0400 (0440 with an fsGroup)",
    },
  );
}

/**
 * What s5 does about a credential file that group or others can access, besides its own key
 * files (which {@link readKeyFile} refuses): `refuse` a key (a TLS client key: long-lived, and you
 * choose its mode), or `warn` of a token, with what others can do with it (`use`) — a token file
 * is often written by a platform whose mode you do not choose (a Kubernetes Secret volume is 0644
 * unless told otherwise), so a refusal there would stop a deployment that ran yesterday.
 */
export type SharedCredential = { refuse: true } | { warn: (message: string) => void; use: string };

/**
 * Checks a credential file as opened (`stat`; `what`: "the client key file"): a key is refused as
 * s5's own key files are, a token warned of (see {@link exposureOf}). Never shows the content,
 * only the path and mode.
 */
export function checkShared(
  file: string,
  stat: { mode: number; uid: number },
  what: string,
  policy: SharedCredential,
): void {
  const found = exposureOf(stat);
  if (!found) return;
  const { mode, own, bits } = found;
  const shown = octal(mode);
  if ("refuse" in policy) throw exposedKey(what, file, found);
  // Write bits alone let others swap the file, not read it: say which.
  const whom = own ? "group or others" : "others";
  const risk =
    (bits & 0o044) !== 0
      ? `readable by ${whom} (mode ${shown}): ${policy.use}`
      : `writable by ${whom} (mode ${shown}): they can replace it with one of theirs`;
  const fix = own ? `chmod 600 ${file}` : `chmod o-rwx ${file}`;
  policy.warn(`${what} ${file} is ${risk}; run \`${fix}\``);
}

/** {@link checkShared} of a file not read yet (read later, at login): a missing one says nothing. */
export function checkSharedAt(file: string, what: string, policy: SharedCredential): void {
  let stat: Stats;
  try {
    stat = statSync(file);
  } catch {
    return;
  }
  checkShared(file, stat, what, policy);
}

/** The access a key or token file gives beyond its user (see {@link exposureOf}). */
interface Exposure {
  mode: number;
  /** The file is this user's: it chose the mode. */
  own: boolean;
  /** The bits that count: group and others' for one's own file, others' for another's. */
  bits: number;
}

/**
 * Judged as ssh judges a private key: a file this user owns must be private to it (it chose the
 * mode); one another user owns (root, the kubelet) and shares with a group only is that user's
 * grant. A Kubernetes Secret volume for a pod that does not run as root is root's, in the pod's
 * fsGroup, and the kubelet adds the group's read bit whatever `defaultMode` says
 * (kubernetes/kubernetes#57923): 0440, where a refusal would leave no setting that works. Others'
 * access counts either way. `stat` follows links: a Secret volume's files are links into
 * `..data/`. Undefined when there is none, and on Windows, which has no such bits.
 */
function exposureOf(stat: { mode: number; uid: number }): Exposure | undefined {
  if (process.platform === "win32") return undefined;
  const own = stat.uid === process.getuid?.();
  const bits = stat.mode & (own ? 0o077 : 0o007);
  return bits === 0 ? undefined : { mode: stat.mode, own, bits };
}

/**
 * A directory where nobody but its owner can add or replace files, and that owner is this user,
 * root, or `fileOwner` (a user's own directory, or a CI runner's checkout that root works in): a
 * file there that another user owns was not planted by a third party. Used for the project config
 * found upward and for plaintext outputs.
 */
export function trustedDirectory(dir: string, fileOwner: number): boolean {
  try {
    const stat = statSync(dir);
    const owner = stat.uid === process.getuid?.() || stat.uid === 0 || stat.uid === fileOwner;
    return owner && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/**
 * The owner of a file that another user (not root) owns in a directory others can write — a file
 * they could have planted (`/tmp`, a team's directory) — or undefined: yours, root's, in a
 * directory only its owner can change, missing, or on a system without owners; of a link to
 * nothing, the link's owner. `ownerNow`: the
 * owner the caller already knows (of the file it opened, or of a link).
 */
export function plantedBy(file: string, ownerNow?: number): number | undefined {
  const me = process.getuid?.();
  if (me === undefined) return undefined;
  let owner: number;
  try {
    // `ownerNow`: the owner of what the caller has open (or of a link), not looked up again.
    owner = ownerNow ?? statSync(file).uid;
  } catch {
    // A link to nothing is its owner's: "point the link at the file, or remove it", which reading
    // it would say, is for them to do.
    try {
      const link = lstatSync(file);
      if (!link.isSymbolicLink()) return undefined;
      owner = link.uid;
    } catch {
      return undefined;
    }
  }
  if (owner === me || owner === 0 || trustedDirectory(dirname(file), owner)) return undefined;
  return owner;
}

/**
 * Why `dir` cannot hold a private temporary directory, or undefined when it can. Its owner must be
 * this user or root (another user owns what they could have prepared, and may rename what is in
 * it), and it must be one only its owner can change, or shared with the sticky bit (`/tmp`,
 * `/dev/shm`: nobody removes or renames another's entry). `exclusive` (`$XDG_RUNTIME_DIR`): this
 * user's own, mode 0700, as the XDG spec requires of it. `stat` follows links, and every part
 * of the way there (each directory above it, each link followed) must be one only this user or
 * root can change (see `pathRefusal`). Checks nothing on Windows, which has no such bits.
 */
export function tempParentRefusal(dir: string, exclusive: boolean): string | undefined {
  const me = process.getuid?.();
  if (me === undefined) return undefined;
  let stat: Stats;
  try {
    stat = statSync(dir);
  } catch (error) {
    return `cannot be read (${errnoOf(error)})`;
  }
  if (!stat.isDirectory()) return "is not a directory";
  if (exclusive) {
    if (stat.uid !== me) return `is owned by uid ${stat.uid}, not by you`;
    if ((stat.mode & 0o777) !== 0o700) return `has mode ${octal(stat.mode)}, not 0700`;
    return pathRefusal(dir);
  }
  if (stat.uid !== me && stat.uid !== 0) return `is owned by uid ${stat.uid}, not by you or root`;
  if ((stat.mode & 0o022) !== 0 && (stat.mode & 0o1000) === 0) {
    return `others can rename files in it (mode ${octal(stat.mode)}, no sticky bit)`;
  }
  return pathRefusal(dir);
}

/**
 * The way to `dir`: a link another user owns (`$XDG_RUNTIME_DIR=/tmp/runtime-you`, planted by
 * them) passes the checks above while it points at a directory of yours, and can be pointed at
 * theirs once the command has the path; a directory of theirs above it can be renamed and
 * replaced. Either way they choose the file the command reads.
 */
function pathRefusal(dir: string): string | undefined {
  try {
    const part = untrustedPart(dir);
    return part && `is reached through a part another user can change: ${part.text}`;
  } catch (error) {
    return `cannot be read (${errnoOf(error)})`;
  }
}

/**
 * Whether `dir`, just made by this process (`mkdtemp`), is a directory of this user that nobody
 * else can enter: a link or another's directory in its place is refused.
 */
export function isPrivateDirectory(dir: string): boolean {
  const me = process.getuid?.();
  if (me === undefined) return true;
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === me && (stat.mode & 0o077) === 0;
  } catch {
    return false;
  }
}
