/**
 * The project keys this machine has encrypted to, per project (like ssh's known_hosts). A pull
 * request that replaces a project's whole key list with keys its author made (sealed to every
 * recipient, so that everything still decrypts) would receive every new secret; no endorsement
 * can catch it, since no old key is left to check against. So encrypting refuses a key this
 * machine has not seen for the project, unless a key it has seen endorses it (a rotation, checked
 * by opening each key on the way). The first use of a project here trusts what it lists.
 *
 * The file is `known-keys.json` beside the identity (`$XDG_CONFIG_HOME/s5`), or
 * `S5_KNOWN_KEYS_FILE`: 0600, written all-or-nothing under a lock, refused when another user owns
 * it or others may write it or its directory (they could add their key). A project is named by the
 * path its `.s5.json` was found at and by that file's real path; a first use inside or around a
 * project this machine knows is no first use (a `.s5.json` added by the same change).
 */
import { KeyError } from "../errors.ts";
import type { ProjectKey } from "./keyring.ts";

const { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } =
  process.getBuiltinModule("node:fs");
const { dirname, resolve, sep } = process.getBuiltinModule("node:path");

/** Where the record is kept and which project it is about. */
export interface KnownKeysPlace {
  /** The record (`known-keys.json`). */
  file: string;
  /** The project's `.s5.json`, as found. */
  project: string;
  /** Where a record that cannot be written is reported (encrypting goes on). */
  warn?: ((message: string) => void) | undefined;
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

/** Whether directories `a` and `b` are one inside the other (not the same one). */
function nested(a: string, b: string): boolean {
  const inside = (child: string, parent: string) =>
    child !== parent && (parent === sep || child.startsWith(`${parent}${sep}`));
  return inside(a, b) || inside(b, a);
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
  const started = Date.now();
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx", mode: 0o600 });
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
    rmSync(lock, { force: true });
  }
}

/**
 * Adds public keys to a project's entries (under each of its names), holding the record's lock
 * and starting from the record as it is then.
 */
export function rememberKeys(place: KnownKeysPlace, publicKeys: readonly string[]): void {
  withLock(place.file, () => {
    const record = readRecord(place.file);
    let changed = false;
    for (const name of projectNames(place.project)) {
      const listed = record.projects[name];
      const known = new Set(listed ?? []);
      for (const key of publicKeys) known.add(key);
      if (listed && known.size === listed.length) continue;
      record.projects[name] = [...known];
      changed = true;
    }
    if (changed) writeRecord(place.file, record);
  });
}

/**
 * Checks the key that encrypts against the record. `endorsedFrom(i)` tells whether every key
 * after index `i` is endorsed by the one before it, checked by opening each (false when this user
 * cannot open one). A key that passes is added to the record; the first use of a project here adds
 * every key it lists.
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
  if (!names.some((name) => record.projects[name])) {
    // A first use, unless this machine knows a project around it or inside it: a `.s5.json`
    // added under a known project (or above one) by a change could take that project's secrets.
    const near = Object.keys(record.projects).find((known) =>
      names.some((name) => nested(dirname(name), dirname(known))),
    );
    if (!near) {
      rememberWhileEncrypting(
        place,
        keys.map((key) => key.publicKey),
      );
      return;
    }
    throw untrusted(
      place,
      encrypting,
      `this machine has never encrypted in this project, and knows the project of ${near}, ${dirname(near).length > dirname(names[0]!).length ? "inside" : "around"} it`,
    );
  }
  const known = new Set(names.flatMap((name) => record.projects[name] ?? []));
  if (known.has(encrypting.publicKey)) return;
  const last = keys.findLastIndex((key) => known.has(key.publicKey));
  if (last >= 0 && endorsedFrom(last)) {
    rememberWhileEncrypting(
      place,
      keys.slice(last + 1).map((key) => key.publicKey),
    );
    return;
  }
  const seen = keys.filter((key) => known.has(key.publicKey)).map((key) => key.id);
  throw untrusted(
    place,
    encrypting,
    seen.length > 0
      ? `this machine knows ${seen.join(", ")} here, and cannot check that ${seen.length > 1 ? "they endorse" : "it endorses"} ${encrypting.id}`
      : "none of the keys listed now is one this machine knows here",
  );
}

function untrusted(place: KnownKeysPlace, key: ProjectKey, why: string): KeyError {
  return new KeyError(
    "S5_KEY_LOCAL_UNTRUSTED",
    `local key ${key.id} encrypts in ${place.project}, and this machine does not trust it there (${why}): whoever made it could read every new secret`,
    {
      hint:
        "check who changed the keys and why (`git log -p .s5.json`), and ask them, not through the " +
        `change itself, for the new key's public key; only if it is ${key.publicKey}, run ` +
        "`s5 keys trust` to accept the keys listed now",
    },
  );
}
