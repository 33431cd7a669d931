/**
 * The project keys this machine has encrypted to, per project (like ssh's known_hosts). A pull
 * request that replaces a project's whole key list with keys its author made (sealed to every
 * recipient, so that everything still decrypts) would receive every new secret; no endorsement
 * can catch it, since no old key is left to check against. So encrypting refuses a key this
 * machine has not seen for the project, unless a key it has seen endorses it (a rotation, checked
 * by opening each key on the way). The first use of a project here trusts what it lists.
 *
 * The file is `known-keys.json` beside the identity (`$XDG_CONFIG_HOME/s5`), or
 * `S5_KNOWN_KEYS_FILE`: 0600, written all-or-nothing, refused when group or others may write it
 * (they could add their key). Projects are named by the real path of their `.s5.json`.
 */
import { KeyError } from "../errors.ts";
import type { ProjectKey } from "./keyring.ts";

const { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } =
  process.getBuiltinModule("node:fs");
const { dirname, resolve } = process.getBuiltinModule("node:path");

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

/** The project's name in the record: the real path of its `.s5.json`. */
function projectName(project: string): string {
  try {
    return realpathSync.native(project);
  } catch {
    return resolve(project);
  }
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

/** Adds public keys to a project's entry (read again first: another s5 may have written since). */
export function rememberKeys(place: KnownKeysPlace, publicKeys: readonly string[]): void {
  const record = readRecord(place.file);
  const name = projectName(place.project);
  const known = new Set(record.projects[name] ?? []);
  const before = known.size;
  for (const key of publicKeys) known.add(key);
  if (known.size === before && record.projects[name]) return;
  record.projects[name] = [...known];
  writeRecord(place.file, record);
}

/** The public keys this machine has seen for the project, or undefined on its first use here. */
export function knownKeys(place: KnownKeysPlace): ReadonlySet<string> | undefined {
  const keys = readRecord(place.file).projects[projectName(place.project)];
  return keys ? new Set(keys) : undefined;
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
  const known = knownKeys(place);
  if (!known) {
    rememberWhileEncrypting(
      place,
      keys.map((key) => key.publicKey),
    );
    return;
  }
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
  throw new KeyError(
    "S5_KEY_LOCAL_UNKNOWN",
    `local key ${encrypting.id} encrypts in ${place.project}, and is not one this machine knows for this project${
      seen.length > 0
        ? ` (it knows ${seen.join(", ")} here, and cannot check that ${seen.length > 1 ? "they endorse" : "it endorses"} ${encrypting.id})`
        : " (none of the keys listed now is one it knows here)"
    }: whoever made it could read every new secret`,
    {
      hint:
        "check who changed the keys and why (`git log -p .s5.json`); if the change is right (a new " +
        "`s5 init`, or a rotation you cannot check because you do not hold the key before it), run " +
        "`s5 keys trust` to accept the keys listed now",
    },
  );
}
