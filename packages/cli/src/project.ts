/** Reading and writing the project config and this user's identity file. */
import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  realpathSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { IoError, type ProjectConfig, readProjectFile } from "@s5/core";
import {
  encodeSecretKey,
  errnoOf,
  generateIdentity,
  type HeldLock,
  type Identity,
  LOCK_STALE_MS,
  lockHolder,
  makeDirs,
  parseSecretKeys,
  publicKeysOf,
  readKeyFile,
  takeLock,
  writeHint,
} from "@s5/core/internal";
import { stampBeforeRead } from "./io.ts";
import { cleanupOnSignal, forgetTemp, removeTemp } from "./temp.ts";
import { checkOutputs, writeOutputs } from "./write.ts";

async function writeProject(file: string, config: ProjectConfig): Promise<void> {
  // `$schema` (kept when the file had one) comes first, where editors and people look for it.
  const { $schema, ...rest } = config;
  const ordered = $schema === undefined ? rest : { $schema, ...rest };
  const text = `${JSON.stringify(ordered, null, 2)}\n`;
  // inPlace: replaced only if it is still as read (a `git pull` or an editor's save meanwhile).
  await writeOutputs([{ path: file, pieces: [Buffer.from(text)] }], {
    secret: false,
    inPlace: true,
  });
}

/** How long a change of the project config waits for another s5's: longer than a stale lock. */
const PROJECT_LOCK_WAIT_MS = LOCK_STALE_MS + 5000;

/** The project config's lock, held; or, where it cannot be made (a read-only checkout), why. */
export type ProjectLock =
  | { held: HeldLock; lock: string }
  | { held: undefined; lock: string; cause: unknown };

/**
 * Takes `FILE.lock` (beside the file's real path, like git's `index.lock`), waiting for another
 * s5's and saying so when it is old. Throws when another holds it all that time.
 */
export function lockProject(file: string): ProjectLock {
  let real = file;
  try {
    real = realpathSync(file);
  } catch {
    // none yet: locked under the name it will have
  }
  const lock = `${real}.lock`;
  const taken = takeFileLock(file, lock, "another s5 is changing it", (age, waited) => {
    // Another s5 holds it for a moment; one this old is more likely from an s5 that was killed,
    // and a wait this long is worth a word even for a lock kept fresh.
    if (age < 2000 && waited < 2000) return false;
    // Said once: a lock kept fresh (touched, or taken again) is not taken over, so "if".
    const who = lockHolder(lock);
    const wait = Math.ceil((PROJECT_LOCK_WAIT_MS - waited) / 1000);
    const over = Math.ceil((LOCK_STALE_MS - age) / 1000);
    process.stderr.write(
      `s5: note: waiting for ${lock}${who ? ` (held by ${who.text})` : ""}: another s5 is changing ${file}, or one was killed while it did; s5 waits ${wait} s more at most, and takes the lock over if it stays unchanged ${over} s\n`,
    );
    return true;
  });
  if ("cause" in taken) return { held: undefined, lock, cause: taken.cause };
  return { lock, held: taken.held };
}

/**
 * Takes `lock` to change `file` (`holder`: who holds it, for the refusal), removed on a signal that
 * ends s5: the cause when it cannot be made; throws when another s5 holds it past the wait.
 */
function takeFileLock(
  file: string,
  lock: string,
  holder: string,
  onWait?: (age: number, waited: number) => boolean,
): { held: HeldLock } | { cause: unknown } {
  let held: HeldLock | undefined;
  try {
    held = takeLock(lock, PROJECT_LOCK_WAIT_MS, onWait);
  } catch (cause) {
    return { cause };
  }
  if (!held) {
    // Past the wait: a lock older than LOCK_STALE_MS is taken over, so this one was taken again
    // and again, or kept fresh, all that time. Who holds it now, as far as this machine can tell.
    const who = lockHolder(lock);
    const by = who ? ` by ${who.text}` : "";
    const end = who?.pid === undefined ? "" : ` (\`ps -p ${who.pid}\`)`;
    throw new IoError(
      "S5_OUTPUT",
      `cannot write ${file}: ${lock} is held${by}, and was for all of the ${PROJECT_LOCK_WAIT_MS / 1000} s s5 waits`,
      {
        hint: `${holder}: run the command again once it is done; if no s5 runs${end}, remove ${lock}`,
      },
    );
  }
  cleanupOnSignal(lock);
  const taken = held;
  return {
    held: {
      release() {
        forgetTemp(lock);
        taken.release();
      },
    },
  };
}

/**
 * Changes the project config (`undefined` when there is none yet) under `FILE.lock`: it is read
 * once the lock is held, and `change` returns the config to write, or nothing to leave it. Two s5
 * at once (a script's parallel `keys add`, `keys rotate` beside `keys remove`) each changed the
 * file as read before the other's write, and one change was lost without a word: a recipient
 * dropped, or a removed one put back and sealed the new key. Another program's write meanwhile
 * (`git pull`) is refused (S5_OUTPUT_CHANGED) rather than undone.
 */
export async function updateProject<T>(
  file: string,
  change: (
    config: ProjectConfig | undefined,
  ) => Promise<{ write?: ProjectConfig | undefined; result: T; afterWrite?: () => void }>,
): Promise<T> {
  const taken = lockProject(file);
  if (!taken.held) {
    // A checkout that cannot be written (read-only, a full disk) still answers what changes
    // nothing (`s5 init` in a project set up already prints your public key; a refusal of a
    // name keeps its own words): only a change to write needs the lock.
    const { write, result } = await change(readProjectIfAny(file));
    if (!write) return result;
    throw lockFailure(file, taken.lock, taken.cause);
  }
  try {
    stampBeforeRead(file);
    const { write, result, afterWrite } = await change(readProjectIfAny(file));
    if (write) {
      await writeProject(file, write);
      afterWrite?.();
    }
    return result;
  } finally {
    taken.held.release();
  }
}

/** Where `@s5/core` keeps the schema, in a project's `node_modules` (hoisted, or under `s5`). */
const INSTALLED_SCHEMA = [
  ["node_modules", "@s5", "core", "s5.schema.json"],
  ["node_modules", "s5", "node_modules", "@s5", "core", "s5.schema.json"],
];

/**
 * The `$schema` for a new project config in `dir`: the schema installed with s5 (a relative path,
 * so editors need no network), else the published one of this version of `@s5/core`.
 */
export function schemaReference(dir: string): string {
  for (let at = resolve(dir); ; at = dirname(at)) {
    for (const parts of INSTALLED_SCHEMA) {
      const candidate = join(at, ...parts);
      if (!existsSync(candidate)) continue;
      const path = relative(resolve(dir), candidate).split(sep).join("/");
      return path.startsWith("../") ? path : `./${path}`;
    }
    if (dirname(at) === at) break;
  }
  const { version } = createRequire(import.meta.url)("@s5/core/package.json") as {
    version: string;
  };
  return `https://unpkg.com/@s5/core@${version}/s5.schema.json`;
}

export function readProjectIfAny(file: string): ProjectConfig | undefined {
  return existsSync(file) ? readProjectFile(file) : undefined;
}

/**
 * This user's identity, created (mode 0600, directory 0700) when there is none yet. An existing
 * file that others can read is refused, and one without a key is replaced by a 0600 file.
 */
export async function ensureIdentity(
  file: string,
  /** `known`: the path is s5's default (S5_IDENTITY_FILE unset), shown in a message. */
  { raced = false, known = false }: { raced?: boolean; known?: boolean } = {},
): Promise<{ identity: Identity; created: boolean }> {
  const existing = await readIdentity(file, known);
  if (existing?.identity) return { identity: existing.identity, created: false };
  const identity = await generateIdentity();
  try {
    makeDirs(dirname(file), 0o700);
  } catch (cause) {
    // The level that could not be made (`/proc/nonexistent` of an XDG_CONFIG_HOME under /proc).
    const made = (cause as { path?: unknown }).path;
    const code = errnoOf(cause);
    throw new IoError(
      "S5_OUTPUT",
      `cannot create your identity ${file}: cannot make its directory ${typeof made === "string" ? made : dirname(file)} (${code})`,
      {
        cause,
        hint: `${writeHint(code)}; or set S5_IDENTITY_FILE (or XDG_CONFIG_HOME) to a place of yours`,
      },
    );
  }
  const text =
    "# s5 identity: your secret key for local-key tokens. Keep it private; never commit it.\n" +
    `# created: ${new Date().toISOString()}\n` +
    `# public key: ${identity.publicKey}\n` +
    `${identity.secretKey}\n`;
  if (existing === undefined && !raced) {
    // Another s5 (parallel `s5 init` in a monorepo's packages) may be creating one too: a rename
    // would replace theirs, and the project keys they sealed to it would be lost for good.
    checkOutputs([file], { secret: true });
    if (createOnly(file, text)) return { identity, created: true };
    // Theirs, read again; a name that still reads as none (a dangling link) is replaced below.
    return ensureIdentity(file, { raced: true, known });
  }
  // A file without a key may be another s5's, made empty where there are no hard links and
  // written under the identity's lock (createOnly): asked again once that lock is held.
  const held = lockIdentity(file);
  try {
    const now = await readIdentity(file, known);
    if (now?.identity) return { identity: now.identity, created: false };
    await writeOutputs([{ path: file, pieces: [Buffer.from(text)] }], { secret: true });
    return { identity, created: true };
  } finally {
    held.release();
  }
}

/** The identity in `file`: none (no file), or the file's key (undefined when it holds none). */
async function readIdentity(
  file: string,
  known: boolean,
): Promise<{ identity: Identity | undefined } | undefined> {
  const existing = readKeyFile(file, "the identity file", false, "S5_IDENTITY_FILE", known);
  if (existing === undefined) return undefined;
  const [secret] = parseSecretKeys(existing, `the identity file ${file}`);
  if (!secret) return { identity: undefined };
  const [publicKey] = await publicKeysOf([secret]);
  return { identity: { secretKey: encodeSecretKey(secret), publicKey: publicKey! } };
}

/** Takes `FILE.lock` beside the identity, as the project config's (file-lock.ts). */
function lockIdentity(file: string): HeldLock {
  const lock = `${file}.lock`;
  const taken = takeFileLock(file, lock, "another s5 is making your identity");
  if ("held" in taken) return taken.held;
  throw lockFailure(file, lock, taken.cause);
}

/** `file` cannot be written because its `lock` cannot be made (`cause`), said with what to do. */
function lockFailure(file: string, lock: string, cause: unknown): IoError {
  const code = errnoOf(cause);
  // A directory or a link where the lock goes (core's ENOTLOCK) says so itself.
  const what = code === "ENOTLOCK" ? (cause as Error).message : `cannot make ${lock} (${code})`;
  return new IoError("S5_OUTPUT", `cannot write ${file}: ${what}`, {
    cause,
    hint: writeHint(code),
  });
}

/**
 * Creates `file` whole (0600) unless it exists: written to a temporary file, then linked to its
 * name, which fails when another process made it first (false). A file system without hard links
 * (vfat, exFAT; ENOSYS from FUSE file systems such as sshfs) gets `O_EXCL`, and the file is empty
 * until written: it is made and written under the identity's lock, which another s5 that finds it
 * empty takes before replacing it (ensureIdentity), so it finds it written instead.
 */
function createOnly(file: string, text: string): boolean {
  const temp = join(dirname(file), `.${basename(file)}.s5-${randomSuffix()}`);
  cleanupOnSignal(temp);
  try {
    writeNew(temp, text);
    try {
      linkSync(temp, file);
      return true;
    } catch (error) {
      const code = errnoOf(error);
      if (code === "EEXIST") return false;
      if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"].includes(code ?? "")) throw error;
    }
    const held = lockIdentity(file);
    try {
      writeNew(file, text);
      return true;
    } catch (error) {
      if (errnoOf(error) === "EEXIST") return false;
      throw error;
    } finally {
      held.release();
    }
  } catch (cause) {
    if (cause instanceof IoError) throw cause;
    throw new IoError("S5_OUTPUT", `cannot write ${file} (${errnoOf(cause)})`, {
      cause,
      hint: writeHint(errnoOf(cause)),
    });
  } finally {
    removeTemp(temp);
  }
}

/** node:crypto (38 modules) is loaded only when a file is made. */
const randomSuffix = () => process.getBuiltinModule("node:crypto").randomBytes(6).toString("hex");

function writeNew(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
