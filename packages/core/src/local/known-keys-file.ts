/**
 * The file behind known-keys.ts: `known-keys.json` beside the identity (`$XDG_CONFIG_HOME/s5`), or
 * `S5_KNOWN_KEYS_FILE`. 0600, written all-or-nothing under a lock, refused when another user owns
 * it or others may write it or its directory (they could add their key). A project is named by the
 * path its `.s5.json` was found at and by that file's real path.
 */
import { KeyError } from "../errors.ts";
import { type HeldLock, takeLock } from "../file-lock.ts";
import { writeHint } from "../io-hints.ts";
import { type JsonMember, topLevelMembers } from "../json-keys.ts";
import { makeDirs } from "../make-dirs.ts";
import { upgradeHint } from "../version.ts";

const { readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } =
  process.getBuiltinModule("node:fs");
const { basename, dirname, join, resolve } = process.getBuiltinModule("node:path");

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

/** The Vault transit mount and key this machine sealed new values with in a project. */
export interface KnownTransit {
  mount?: string | undefined;
  key?: string | undefined;
}

export interface KnownRecord {
  version: 1;
  projects: { [project: string]: string[] };
  /**
   * Per project, the transit mount and key (vault/known-transit.ts). A member an older s5 keeps
   * byte for byte and ignores: it then seals with Vault unchecked, as it always did.
   */
  vault?: { [project: string]: KnownTransit } | undefined;
  /**
   * The record's members as read, in order: a member this s5 does not know (a newer s5's) is
   * written back byte for byte, never dropped. Undefined for a record not yet written.
   */
  members?: readonly JsonMember[] | undefined;
}

/** The record's format; a newer s5 that must not be ignored writes a higher one (see readRecord). */
const RECORD_VERSION = 1;

/**
 * The project's names in the record: the path of its `.s5.json` as found, and its real path. Both
 * are looked up and both recorded: a `.s5.json` replaced by a link to another file keeps the name
 * it was found under, and stays the same project.
 */
export function projectNames(project: string): string[] {
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
export function readRecord(file: string): KnownRecord {
  let text: string;
  try {
    const stat = statSync(file);
    // Before its mode: `chmod 600` on a directory (`/tmp`) would be the wrong thing to run.
    if (stat.isDirectory()) {
      throw new KeyError(
        "S5_KEY_KNOWN_FILE",
        `${file} (where this machine keeps the project keys it trusts) is a directory: point S5_KNOWN_KEYS_FILE at a file`,
        {
          hint: "name a file in a directory of yours, such as known-keys.json beside your identity (the default); s5 makes it",
        },
      );
    }
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
  // A newer s5's record: this s5 cannot tell what it would misjudge in it (a key it revoked), nor
  // write it without losing what it does not know. Moving it aside would forget every key this
  // machine trusts: the hint says not to.
  if (typeof parsed?.version === "number" && parsed.version > RECORD_VERSION) {
    throw new KeyError(
      "S5_KEY_KNOWN_NEWER",
      `${file} (where this machine keeps the project keys it trusts) was written by a newer s5 (record version ${parsed.version}; this s5 reads version ${RECORD_VERSION}): ${upgradeHint()}`,
      {
        hint: "keep the file: moved aside or edited, this machine would forget which project keys it trusts",
      },
    );
  }
  const valid =
    parsed?.version === 1 &&
    typeof projects === "object" &&
    projects !== null &&
    Object.values(projects).every(
      (keys) => Array.isArray(keys) && keys.every((key) => typeof key === "string"),
    );
  const vault = (parsed as { vault?: unknown } | undefined)?.vault;
  const validVault =
    vault === undefined ||
    (typeof vault === "object" &&
      vault !== null &&
      !Array.isArray(vault) &&
      Object.values(vault).every(
        (entry) =>
          typeof entry === "object" &&
          entry !== null &&
          ["mount", "key"].every(
            (part) =>
              (entry as Record<string, unknown>)[part] === undefined ||
              typeof (entry as Record<string, unknown>)[part] === "string",
          ),
      ));
  if (!valid || !validVault) {
    throw new KeyError("S5_KEY_KNOWN_FILE", `${file} is not a record of known project keys`, {
      hint: "s5 writes it; move it aside, and the next encryption in each project trusts its keys again",
    });
  }
  // Members of a version-1 record that this s5 does not know are a newer s5's additions that an
  // older one may ignore (one that must not be ignored raises the version): kept as written.
  return {
    version: 1,
    projects: { ...projects },
    vault: vault === undefined ? undefined : { ...(vault as Record<string, KnownTransit>) },
    members: topLevelMembers(text),
  };
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

/** What to do about a record that cannot be written (said also where encrypting goes on). */
export const KNOWN_WRITE_HINT =
  "set S5_KNOWN_KEYS_FILE to a file in a directory of yours that you can write";

function cannotWrite(file: string, error: unknown): KeyError {
  const code = (error as { code?: string }).code;
  // Its lock a directory, a link or a FIFO (file-lock.ts): the lock is what to look at.
  if (code === "ENOTLOCK") {
    return new KeyError("S5_KEY_KNOWN_WRITE", `cannot write ${file}: ${(error as Error).message}`, {
      hint: writeHint(code),
    });
  }
  return new KeyError("S5_KEY_KNOWN_WRITE", `cannot write ${file} (${code ?? "error"})`, {
    hint: KNOWN_WRITE_HINT,
  });
}

/** How old a temporary record must be to be another s5's leftover, not its write in progress. */
const LEFTOVER_MS = 3_600_000;

/**
 * Temporary records that an s5 killed between its write and its rename left (SIGKILL, a power
 * loss): public keys only, but nothing else would ever remove them. Asked under the lock, so no
 * writer of this record is between the two; an hour old, so not one that judged the lock stale.
 */
function removeLeftovers(file: string): void {
  const dir = dirname(file);
  const name = basename(file).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const leftover = new RegExp(`^${name}\\.\\d+\\.[a-z0-9]+\\.tmp$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of names) {
    if (!leftover.test(entry)) continue;
    try {
      const path = join(dir, entry);
      if (Date.now() - statSync(path).mtimeMs > LEFTOVER_MS) rmSync(path, { force: true });
    } catch {
      // removed meanwhile
    }
  }
}

/**
 * The record's text: `version` and `projects` as this s5 has them, every other member exactly as
 * it was read, in the order read.
 */
function recordText(record: KnownRecord): string {
  const own = new Map([
    ["version", String(RECORD_VERSION)],
    ["projects", JSON.stringify(record.projects, null, 2).replaceAll("\n", "\n  ")],
  ]);
  // Written only once there is one: a record without Vault entries keeps its shape.
  if (record.vault !== undefined) {
    own.set("vault", JSON.stringify(record.vault, null, 2).replaceAll("\n", "\n  "));
  }
  const members = [...(record.members ?? [])];
  for (const key of own.keys()) {
    if (!members.some((member) => member.key === key)) {
      members.push({ key, keyText: JSON.stringify(key), valueText: "" });
    }
  }
  const lines = members.map(
    (member) => `  ${member.keyText}: ${own.get(member.key) ?? member.valueText}`,
  );
  return `{\n${lines.join(",\n")}\n}\n`;
}

/** Writes the record through a temporary file (0600); its directory is made by {@link withLock}. */
function writeRecord(file: string, record: KnownRecord): void {
  removeLeftovers(file);
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(temporary, recordText(record), { flag: "wx", mode: 0o600 });
    renameSync(temporary, file);
  } catch (error) {
    throw cannotWrite(file, error);
  } finally {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // never made
    }
  }
}

/**
 * Records keys while encrypting: `decide` is asked again with the record as it is once its lock is
 * held (another s5 may have moved it on since it was read). A record that cannot be written is
 * reported, not fatal: then `unlocked`, decided on the record read before, is what was added, and
 * `recorded` is false.
 */
export function rememberWhileEncrypting(
  place: KnownKeysPlace,
  decide: (record: KnownRecord) => readonly string[] | undefined,
  unlocked: readonly string[],
): { added: readonly string[] | undefined; recorded: boolean } {
  try {
    return { added: updateRecord(place, decide), recorded: true };
  } catch (error) {
    if ((error as KeyError).code !== "S5_KEY_KNOWN_WRITE") throw error;
    place.warn?.(
      `${(error as KeyError).message}: this machine cannot remember the project keys it encrypts to, and will not notice if they are replaced (S5_KEY_KNOWN_WRITE; ${KNOWN_WRITE_HINT})`,
    );
    return { added: unlocked, recorded: false };
  }
}

const LOCK_WAIT_MS = 5000;

/**
 * Runs `update` while holding `FILE.lock` (file-lock.ts): two s5 processes that record keys at
 * once would otherwise each write the record read before the other's write, and one project's
 * entry would be lost (its next use would then trust whatever it lists).
 */
function withLock(file: string, update: () => void): void {
  const lock = `${file}.lock`;
  let held: HeldLock | undefined;
  try {
    makeDirs(dirname(file), 0o700);
  } catch (error) {
    // The level that could not be made: `/proc/nonexistent` of `/proc/nonexistent/x/known.json`.
    const made = (error as { path?: unknown }).path;
    const where = typeof made === "string" ? made : dirname(file);
    throw new KeyError(
      "S5_KEY_KNOWN_WRITE",
      `cannot write ${file}: cannot make its directory ${where} (${(error as { code?: string }).code ?? "error"})`,
      { hint: KNOWN_WRITE_HINT },
    );
  }
  try {
    held = takeLock(lock, LOCK_WAIT_MS);
  } catch (error) {
    throw cannotWrite(file, error);
  }
  if (!held) {
    throw new KeyError("S5_KEY_KNOWN_WRITE", `cannot write ${file}: ${lock} is held`, {
      hint: `another s5 is recording keys; if none runs, remove ${lock}`,
    });
  }
  try {
    update();
  } finally {
    held.release();
  }
}

/**
 * Appends public keys to a project's entries (under each of its names), in order: the last one
 * given is the key this machine encrypts to there from now on (one listed already moves to the
 * end). Holds the record's lock, and starts from the record as it is then.
 */
export function rememberKeys(place: KnownKeysPlace, publicKeys: readonly string[]): void {
  updateRecord(place, () => publicKeys);
}

/**
 * {@link rememberKeys} of what `decide` returns for the record as it is once the lock is held:
 * a decision taken on the record read earlier may be stale (a rotation recorded meanwhile), and
 * appending its keys would move this machine back to an older key. Returns what was appended.
 */
export function updateRecord(
  place: KnownKeysPlace,
  decide: (record: KnownRecord) => readonly string[] | undefined,
): readonly string[] | undefined {
  let decided: readonly string[] | undefined;
  withLock(place.file, () => {
    const record = readRecord(place.file);
    decided = decide(record);
    const publicKeys = decided ?? [];
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
  return decided;
}

/**
 * Sets the project's transit entry (under each of its names) to what `decide` returns for the
 * record as it is once the lock is held; undefined changes nothing. Returns what was decided.
 */
export function updateTransit(
  place: KnownKeysPlace,
  decide: (record: KnownRecord) => KnownTransit | undefined,
): KnownTransit | undefined {
  let decided: KnownTransit | undefined;
  withLock(place.file, () => {
    const record = readRecord(place.file);
    decided = decide(record);
    if (!decided) return;
    const vault = { ...record.vault };
    let changed = false;
    for (const name of projectNames(place.project)) {
      // A part decided as undefined keeps what is recorded.
      const next = {
        mount: decided.mount ?? vault[name]?.mount,
        key: decided.key ?? vault[name]?.key,
      };
      if (next.mount === vault[name]?.mount && next.key === vault[name]?.key) continue;
      vault[name] = { mount: next.mount, key: next.key };
      changed = true;
    }
    if (changed) writeRecord(place.file, { ...record, vault });
  });
  return decided;
}
