/**
 * The project keys this machine has encrypted to, per project (like ssh's known_hosts). A pull
 * request that replaces a project's whole key list with keys its author made (sealed to every
 * recipient, so that everything still decrypts) would receive every new secret; no endorsement
 * can catch it, since no old key is left to check against.
 *
 * Each project's entry lists, in order, the keys this machine has trusted there; the last is the
 * one it encrypts to. Encrypting goes on with that key, or with a key after it in the project's
 * list that it endorses link by link (a rotation, checked by opening each key on the way). An
 * older key of the entry (a list put back from before a rotation: the retired key of a removed
 * teammate) and anything else are refused until `s5 keys trust`, which makes the key that
 * encrypts now the last. A first use records that key only; it is no first use when entries list
 * one of the project's keys (another clone, a worktree: each of them must agree), nor when this
 * machine knows another project of the same git repository (a `.s5.json` a change added, a
 * worktree or a submodule of a branch that replaced every key).
 *
 * The file is `known-keys.json` beside the identity (`$XDG_CONFIG_HOME/s5`), or
 * `S5_KNOWN_KEYS_FILE`: 0600, written all-or-nothing under a lock, refused when another user owns
 * it or others may write it or its directory (they could add their key). A project is named by the
 * path its `.s5.json` was found at and by that file's real path.
 */
import { KeyError } from "../errors.ts";
import type { ProjectKey } from "./keyring.ts";

const {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} = process.getBuiltinModule("node:fs");
const { dirname, join, resolve, sep } = process.getBuiltinModule("node:path");

/** Where the record is kept and which project it is about. */
export interface KnownKeysPlace {
  /** The record (`known-keys.json`). */
  file: string;
  /** The project's `.s5.json`, as found. */
  project: string;
  /** Where a record that cannot be written is reported (encrypting goes on). */
  warn?: ((message: string) => void) | undefined;
  /**
   * `S5_TRUSTED_KEY`: a project public key (`s5pk-…`) that the key which encrypts must be, or be a
   * checked rotation from — for a fresh home (CI), where every use is a first use.
   */
  pinned?: string | undefined;
  /** Decrypting may move the record on to a newer key (see {@link learnKnownKey}): the CLI's. */
  learn?: boolean | undefined;
}

interface KnownRecord {
  version: 1;
  projects: { [project: string]: string[] };
}

/**
 * The project's names in the record: the path of its `.s5.json` as found, and its real path. Both
 * are looked up and both recorded: a `.s5.json` replaced by a link to another file keeps the name
 * it was found under, and stays the same project.
 */
function projectNames(project: string): string[] {
  const found = resolve(project);
  let real = found;
  try {
    real = realpathSync.native(project);
  } catch {
    // gone: the path as found
  }
  return real === found ? [found] : [found, real];
}

/** The record, or an empty one when there is none yet. Throws when others may write it. */
function readRecord(file: string): KnownRecord {
  let text: string;
  try {
    const stat = statSync(file);
    refuseShared(file, stat.mode, "chmod 600");
    // Another user's file (in a sticky directory such as /tmp, which lets anyone create one).
    const me = process.getuid?.();
    if (me !== undefined && stat.uid !== me && stat.uid !== 0) {
      throw new KeyError(
        "S5_KEY_KNOWN_MODE",
        `${file} (where this machine keeps the project keys it trusts) belongs to another user (uid ${stat.uid}); s5 will not trust it`,
        { hint: "point S5_KNOWN_KEYS_FILE at a file of yours, in a directory of yours" },
      );
    }
    // A directory others may write to lets them put their own file in its place.
    const dir = statSync(dirname(file)).mode;
    if ((dir & 0o1000) === 0) refuseShared(dirname(file), dir, "chmod 700");
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    // None yet (or a path that cannot hold one, such as a HOME that does not exist).
    if (code === "ENOENT" || code === "ENOTDIR") return { version: 1, projects: {} };
    if (error instanceof KeyError) throw error;
    throw new KeyError("S5_KEY_KNOWN_FILE", `cannot read ${file} (${code ?? "error"})`, {
      hint: "s5 reads it to tell a replaced project key from one this machine knows; check its permissions",
    });
  }
  let parsed: Partial<KnownRecord> | undefined;
  try {
    parsed = JSON.parse(text) as Partial<KnownRecord>;
  } catch {
    parsed = undefined;
  }
  const projects = parsed?.projects;
  const valid =
    parsed?.version === 1 &&
    typeof projects === "object" &&
    projects !== null &&
    Object.values(projects).every(
      (keys) => Array.isArray(keys) && keys.every((key) => typeof key === "string"),
    );
  if (!valid) {
    throw new KeyError("S5_KEY_KNOWN_FILE", `${file} is not a record of known project keys`, {
      hint: "s5 writes it; move it aside, and the next encryption in each project trusts its keys again",
    });
  }
  return { version: 1, projects: { ...projects } };
}

/** Throws when group or others may write `path` (never on Windows, which has no such bits). */
function refuseShared(path: string, mode: number, fix: string): void {
  if (process.platform === "win32" || (mode & 0o022) === 0) return;
  throw new KeyError(
    "S5_KEY_KNOWN_MODE",
    `${path} (where this machine keeps the project keys it trusts) may be written by group or others (mode 0${(mode & 0o777).toString(8)}); s5 will not trust it`,
    {
      hint: `run \`${fix} ${path}\`, and check the keys ${path.endsWith(".json") ? "it lists" : "its known-keys.json lists"}`,
    },
  );
}

/** Writes the record through a temporary file (0600), in a directory made 0700 if missing. */
function writeRecord(file: string, record: KnownRecord): void {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { flag: "wx", mode: 0o600 });
    renameSync(temporary, file);
  } catch (error) {
    throw new KeyError(
      "S5_KEY_KNOWN_WRITE",
      `cannot write ${file} (${(error as { code?: string }).code ?? "error"})`,
      { hint: "set S5_KNOWN_KEYS_FILE to a file in a directory of yours that you can write" },
    );
  } finally {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // never made
    }
  }
}

/** Records keys while encrypting: a record that cannot be written is reported, not fatal. */
function rememberWhileEncrypting(place: KnownKeysPlace, publicKeys: readonly string[]): void {
  try {
    rememberKeys(place, publicKeys);
  } catch (error) {
    if ((error as KeyError).code !== "S5_KEY_KNOWN_WRITE") throw error;
    place.warn?.(
      `${(error as KeyError).message}: this machine cannot remember the project keys it encrypts to, and will not notice if they are replaced`,
    );
  }
}

const LOCK_WAIT_MS = 5000;
const LOCK_STALE_MS = 30_000;

/**
 * Runs `update` while holding `FILE.lock` (made with O_EXCL): two s5 processes that record keys
 * at once would otherwise each write the record read before the other's write, and one project's
 * entry would be lost (its next use would then trust whatever it lists). A lock older than 30 s
 * is from an s5 that died, and is taken over.
 */
function withLock(file: string, update: () => void): void {
  const lock = `${file}.lock`;
  const cannot = (error: unknown) =>
    new KeyError(
      "S5_KEY_KNOWN_WRITE",
      `cannot write ${file} (${(error as { code?: string }).code ?? "error"})`,
      { hint: "set S5_KNOWN_KEYS_FILE to a file in a directory of yours that you can write" },
    );
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw cannot(error);
  }
  const token = `${process.pid}.${Math.random().toString(36).slice(2)}`;
  const started = Date.now();
  for (;;) {
    try {
      writeFileSync(lock, token, { flag: "wx", mode: 0o600 });
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw cannot(error);
    }
    try {
      if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { force: true });
    } catch {
      // released meanwhile
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new KeyError("S5_KEY_KNOWN_WRITE", `cannot write ${file}: ${lock} is held`, {
        hint: `another s5 is recording keys; if none runs, remove ${lock}`,
      });
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
  }
  try {
    update();
  } finally {
    // Only our own: a lock taken over as stale meanwhile is another process's now.
    try {
      if (readFileSync(lock, "utf8") === token) rmSync(lock, { force: true });
    } catch {
      // gone
    }
  }
}

/**
 * Appends public keys to a project's entries (under each of its names), in order: the last one
 * given is the key this machine encrypts to there from now on (one listed already moves to the
 * end). Holds the record's lock, and starts from the record as it is then.
 */
export function rememberKeys(place: KnownKeysPlace, publicKeys: readonly string[]): void {
  withLock(place.file, () => {
    const record = readRecord(place.file);
    let changed = false;
    for (const name of projectNames(place.project)) {
      const listed = record.projects[name] ?? [];
      const next = [...listed.filter((key) => !publicKeys.includes(key)), ...publicKeys];
      if (next.length === listed.length && next.every((key, i) => key === listed[i])) continue;
      record.projects[name] = next;
      changed = true;
    }
    if (changed) writeRecord(place.file, record);
  });
}

/**
 * Checks the key that encrypts against the record (see the top of this file). `endorsedFrom(i)`
 * tells whether every key after index `i` is endorsed by the one before it, checked by opening
 * each (false when this user cannot open one). Keys that pass are added to the record.
 */
export function checkKnownKey(
  place: KnownKeysPlace,
  keys: readonly ProjectKey[],
  endorsedFrom: (index: number) => boolean,
): void {
  const encrypting = keys.at(-1);
  if (!encrypting) return;
  const record = readRecord(place.file);
  const names = projectNames(place.project);
  // What an entry says of the key that encrypts: nothing to add (its last key), keys to add (a
  // rotation from its last key, checked), or a refusal.
  const judge = (
    entry: readonly string[],
    last = "the key this machine last encrypted to here",
  ): string[] | undefined => {
    const head = entry.at(-1)!;
    if (encrypting.publicKey === head) return undefined;
    const headId = keys.find((key) => key.publicKey === head)?.id;
    if (entry.includes(encrypting.publicKey)) {
      throw untrusted(
        place,
        encrypting,
        `it is older than ${last}${headId ? `, ${headId}` : ""}: a key list from before a rotation`,
      );
    }
    const from = keys.findIndex((key) => key.publicKey === head);
    if (from >= 0 && endorsedFrom(from)) {
      return [head, ...keys.slice(from + 1).map((key) => key.publicKey)];
    }
    throw untrusted(
      place,
      encrypting,
      from < 0
        ? `${last} is no longer listed`
        : `${last} is ${headId}, and this machine cannot check that it endorses ${encrypting.id}`,
    );
  };
  if (place.pinned) {
    if (!/^s5pk-[A-Za-z0-9_-]{43}$/.test(place.pinned)) {
      // Not shown: a secret key set in the wrong variable must not be printed.
      throw new KeyError("S5_KEY_LOCAL_UNTRUSTED", "S5_TRUSTED_KEY is not a project public key", {
        hint: "set it to the public key of the project key CI may encrypt to (`s5 keys list` shows it: s5pk-…)",
      });
    }
    judge([place.pinned], "S5_TRUSTED_KEY");
  }
  const own = names.map((name) => record.projects[name]).find((entry) => entry?.length);
  if (own) {
    const added = judge(own);
    if (added) {
      // Said once, when it happens: a fork from a key a removed teammate kept would look the same
      // to a machine that never saw the real rotation.
      place.warn?.(
        `local key ${encrypting.id} now encrypts in ${place.project}: a rotation from the key this machine used there, checked; if nobody on your team rotated, stop and check \`git log -p .s5.json\``,
      );
      rememberWhileEncrypting(place, added);
    }
    return;
  }
  // Not known here: the same project elsewhere (another clone, a worktree) when entries list one
  // of its keys — every one of them must agree, a stale one too.
  const listed = new Set(keys.map((key) => key.publicKey));
  const others = Object.values(record.projects).filter((entry) =>
    entry.some((key) => listed.has(key)),
  );
  if (others.length === 0) {
    const near = sameRepository(record, names);
    if (near) {
      throw untrusted(
        place,
        encrypting,
        `this machine has never encrypted in this project, and knows the project of ${near} in the same git repository`,
      );
    }
  }
  for (const entry of others) judge(entry);
  rememberWhileEncrypting(place, [encrypting.publicKey]);
}

/**
 * After decrypting: when tokens of a key newer in the project's list than the one this machine
 * encrypts to there opened, and every link from that key to it is endorsed (checked by opening
 * each), the machine moves on to it, saying so once. A teammate's rotation is then learnt from
 * its tokens — before a removed teammate who kept the old key could fork a rotation of their own
 * from it. Never refuses anything, never a first use; a record it cannot read or write is left.
 */
export function learnKnownKey(
  place: KnownKeysPlace,
  keys: readonly ProjectKey[],
  used: ReadonlySet<string>,
  endorsed: (from: number, to: number) => boolean,
): void {
  if (!place.learn) return;
  try {
    const record = readRecord(place.file);
    const own = projectNames(place.project)
      .map((name) => record.projects[name])
      .find((entry) => entry?.length);
    if (!own) return;
    const head = own.at(-1)!;
    const from = keys.findIndex((key) => key.publicKey === head);
    if (from < 0) return;
    let to = -1;
    keys.forEach((key, i) => {
      if (i > from && used.has(key.id)) to = i;
    });
    if (to < 0 || !endorsed(from, to)) return;
    place.warn?.(
      `local key ${keys[to]!.id} now encrypts in ${place.project} (learnt from its tokens): a rotation from the key this machine used there, checked; if nobody on your team rotated, stop and check \`git log -p .s5.json\``,
    );
    rememberKeys(place, [head, ...keys.slice(from + 1, to + 1).map((key) => key.publicKey)]);
  } catch {
    // the record only makes encrypting safer; decrypting goes on without it
  }
}

/**
 * The repository that holds `dir`: the git directory that every worktree of it shares (a
 * worktree's `.git` file names its own, whose `commondir` names the shared one), and for a
 * submodule its superproject's (its git directory is under the superproject's `.git/modules/`).
 * Undefined outside git. A clone inside another repository is a repository of its own.
 */
function repositoryOf(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const dotGit = join(at, ".git");
    if (existsSync(dotGit)) {
      try {
        let gitDir = dotGit;
        if (statSync(dotGit).isFile()) {
          const named = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"))?.[1];
          if (!named) return realpathSync.native(at);
          gitDir = resolve(at, named);
        }
        const commonFile = join(gitDir, "commondir");
        const common = existsSync(commonFile)
          ? resolve(gitDir, readFileSync(commonFile, "utf8").trim())
          : gitDir;
        const real = realpathSync.native(common);
        const modules = real.indexOf(`${sep}.git${sep}modules${sep}`);
        return modules >= 0 ? real.slice(0, modules + `${sep}.git`.length) : real;
      } catch {
        return resolve(at);
      }
    }
    if (dirname(at) === at) return undefined;
  }
}

/** A project this machine knows in the same git repository as this one (see {@link repositoryOf}). */
function sameRepository(record: KnownRecord, names: readonly string[]): string | undefined {
  const mine = new Set(names.map((name) => repositoryOf(dirname(name))));
  mine.delete(undefined);
  if (mine.size === 0) return undefined;
  return Object.keys(record.projects).find((known) => mine.has(repositoryOf(dirname(known))));
}

function untrusted(place: KnownKeysPlace, key: ProjectKey, why: string): KeyError {
  return new KeyError(
    "S5_KEY_LOCAL_UNTRUSTED",
    `local key ${key.id} encrypts in ${place.project}, and this machine does not trust it there (${why}): whoever holds it could read every new secret`,
    {
      hint:
        "check `git log -p .s5.json`, and ask the person who made that key — not through the " +
        `change itself — for its public key; only if it is ${key.publicKey}, run ` +
        `\`s5 keys trust ${key.id}\``,
    },
  );
}
