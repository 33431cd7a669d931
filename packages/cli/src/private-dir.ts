/**
 * A private temporary directory (0700) for plaintext that a program must read from a file: the
 * decrypted copy `s5 edit` opens, the files `s5 run --render` names. In memory when the system
 * has a place for it, so the plaintext never reaches a disk: `$XDG_RUNTIME_DIR` (a tmpfs of the
 * user's own, mode 0700, on systemd systems), else `/dev/shm`, else the temporary directory
 * (`$TMPDIR`). A place another user could have prepared is skipped (the next one is used, and
 * the caller says why); the directory made there must be this user's and private, or nothing is
 * written.
 *
 * A directory outlives an s5 killed with SIGKILL (the OOM killer, `kill -9`): once the command it
 * was made for has started, the directory holds who made it and for whom (lock-holder.ts's marks:
 * process id, start time, boot, PID namespace), so that the next s5 to make one in the same place
 * removes it once both have ended.
 */
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, IoError } from "@s5/core";
import {
  errnoOf,
  holderGone,
  holderMark,
  isPrivateDirectory,
  tempParentRefusal,
  writeHint,
} from "@s5/core/internal";

/** The name `mkdtemp` gives a directory of `s5 run --render` or `s5 edit`. */
const MADE_BY_S5 = /^s5-(?:run|edit)-[A-Za-z0-9]{6}$/;
/** In the directory: the marks of the s5 that made it and of its command, one a line. */
const HOLDERS_FILE = ".s5-holders";

/** Whether every process marked in `dir` has ended (false without marks, or any it cannot judge). */
function holdersGone(dir: string): boolean {
  let marks: string[];
  try {
    marks = readFileSync(join(dir, HOLDERS_FILE), "latin1").split("\n").filter(Boolean);
  } catch {
    return false;
  }
  return marks.length > 0 && marks.every((mark) => holderGone(mark));
}

/**
 * Removes from `parent` the directories an s5 killed with SIGKILL left: named as s5 names them,
 * this user's, a directory (a link is not followed), with marks that say that the s5 that made it
 * and its command have both ended. Another run's directory is never touched (its s5 runs, or its
 * marks are not written yet); two s5s that start together may both remove one, which is the same.
 */
function removeLeftOvers(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const me = process.getuid?.();
  for (const name of names) {
    if (!MADE_BY_S5.test(name)) continue;
    const dir = join(parent, name);
    try {
      const stat = lstatSync(dir);
      if (!stat.isDirectory() || stat.uid !== me || !holdersGone(dir)) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // removed by another s5 meanwhile, or not removable: the next s5 tries again
    }
  }
}

/** Where the directory is made, and why each place before it was passed over. */
export function privateParent(env: NodeJS.ProcessEnv = process.env): {
  dir: string;
  skipped: string[];
} {
  const skipped: string[] = [];
  const candidates: [string | undefined, string, boolean][] = [
    [env.XDG_RUNTIME_DIR, "$XDG_RUNTIME_DIR", true],
    [process.platform === "linux" ? "/dev/shm" : undefined, "/dev/shm", false],
  ];
  for (const [dir, name, exclusive] of candidates) {
    // Set but missing (a login without a session): nothing to say about it.
    if (!dir || !existsSync(dir)) continue;
    const refusal = tempParentRefusal(dir, exclusive);
    if (refusal === undefined) return { dir, skipped };
    skipped.push(`${name} (${dir}) ${refusal}`);
  }
  const last = tmpdir();
  const refusal = tempParentRefusal(last, false);
  if (refusal !== undefined) {
    throw new ConfigError(
      "S5_CONFIG_TEMP_DIR",
      `no private place for a temporary directory: the temporary directory ${last} ${refusal}`,
      { hint: "set TMPDIR to a directory of yours that only you can change (mode 0700)" },
    );
  }
  return { dir: last, skipped };
}

/**
 * A new private directory (0700) named `PREFIX…`, how to remove it with all it holds, and the
 * places passed over for it (see {@link privateParent}). Made in the parent's real path, so the
 * path handed to a program goes through no link. `remove` removes that directory only: when the
 * program has replaced it (its own `rm -rf`, then a new directory of that name), the new one is
 * left; it never throws (a directory it cannot remove is said on stderr, by its path).
 * `keepFor(pid)` names the command it is made for: should s5 be killed, the directory is removed
 * by a later s5 once that command has ended too (before that call, never: it is not known yet
 * whether a command will read it). What killed s5s left in the same place is removed first.
 */
export function makePrivateDir(prefix: "s5-run-" | "s5-edit-"): {
  dir: string;
  remove: () => void;
  keepFor: (pid: number | undefined) => void;
  skipped: string[];
} {
  const { dir: parent, skipped } = privateParent();
  let dir: string;
  try {
    const place = realpathSync(parent);
    removeLeftOvers(place);
    dir = mkdtempSync(join(place, prefix));
  } catch (cause) {
    throw new IoError(
      "S5_OUTPUT",
      `cannot make a private directory in ${parent} (${errnoOf(cause)}); nothing was written`,
      { hint: writeHint(errnoOf(cause)), cause },
    );
  }
  const made = lstatSync(dir);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    try {
      const now = lstatSync(dir);
      if (!now.isDirectory() || now.ino !== made.ino || now.dev !== made.dev) return;
      rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if (errnoOf(error) === "ENOENT") return;
      process.stderr.write(
        `s5: warning: cannot remove ${dir} (${errnoOf(error)}): it holds plaintext; remove it yourself\n`,
      );
    }
  };
  if (!isPrivateDirectory(dir)) {
    remove();
    throw new ConfigError(
      "S5_CONFIG_TEMP_DIR",
      `the temporary directory ${dir} is not private to you after it was made; nothing was written`,
      { hint: `check who else can change ${parent}, or set TMPDIR to a directory of yours` },
    );
  }
  let written = false;
  const keepFor = (pid: number | undefined) => {
    if (pid === undefined) return;
    const marks = [holderMark(), holderMark(pid)];
    if (marks.includes("")) return;
    try {
      // Replaced for a later command (`s5 edit` opens the editor again), never a file of the user's.
      const flag = written ? "w" : "wx";
      writeFileSync(join(dir, HOLDERS_FILE), `${marks.join("\n")}\n`, { flag, mode: 0o600 });
      written = true;
    } catch {
      // the user's own file of that name: the directory is then left, as by an older s5
    }
  };
  return { dir, remove, keepFor, skipped };
}

/**
 * Writes `chunks` to a new file (0600, `wx`: none there was made by s5) in a directory
 * {@link makePrivateDir} made; `what` names it for an error (`the rendered values.yml`), `then` says
 * what did not happen (`nothing was started`). A write
 * that fails (a full tmpfs: `$XDG_RUNTIME_DIR` is 10% of memory under systemd) is an IoError that
 * says where and what to do; the caller removes the directory with what was written.
 */
export function writePrivate(
  path: string,
  chunks: Iterable<Uint8Array>,
  what: string,
  then: string,
): void {
  try {
    const fd = openSync(path, "wx", 0o600);
    try {
      for (const chunk of chunks) {
        // A short write (the last bytes that fit) is followed by the write that fails.
        for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at);
      }
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    const code = errnoOf(cause);
    throw new IoError("S5_OUTPUT", `cannot write ${what} to ${path} (${code}); ${then}`, {
      hint:
        code === "ENOSPC"
          ? "that place is full (a tmpfs has a fixed size): free space in it, or set XDG_RUNTIME_DIR to another directory of yours (mode 0700) for this run"
          : writeHint(code),
      cause,
    });
  }
}
