/**
 * New local-key tokens land only while the key they were sealed to is still the one the project
 * encrypts to. `s5 keys remove bob && s5 keys rotate` retires the key Bob may have kept; an
 * `s5 seal` (or `cipher`, `edit`) that read `.s5.json` just before sealed to that key all the
 * same, and Bob could read a value sealed after he was removed.
 *
 * Before its output lands, such a run takes the project config's lock (the one `keys rotate`
 * holds from its read to its write), reads the file again, and goes on only if its newest key is
 * the one it sealed to; the lock is held until the renames are done, so a rotation comes wholly
 * before or wholly after them. Otherwise the command seals again from the file as it is now (a
 * few times, then it stops with nothing written). Only runs that made new local tokens take the
 * lock, for milliseconds; where it cannot be made (a read-only checkout), the file is read again
 * without it.
 */
import { realpathSync } from "node:fs";
import {
  type Backend,
  type Backends,
  IoError,
  type ProjectKey,
  readProjectFile,
  S5Error,
  type Settings,
} from "@s5/core";
import { lockProject, type ProjectLock } from "./project.ts";

const RETIRED = "S5_OUTPUT_KEY_RETIRED";

/** How many times a command seals before it gives up on a key retired each time. */
export const RETIRED_ATTEMPTS = 3;

export interface SealGuard {
  /** The backends to seal with: the local backend is watched for new tokens. */
  readonly backends: Backends;
  /**
   * Before new local tokens land: holds the project config's lock and checks the key they were
   * sealed to is still its newest (S5_OUTPUT_KEY_RETIRED otherwise). For `writeOutputs`' `hold`.
   */
  hold(): { release(): void };
  /** The project config whose lock `hold` takes: set once new local tokens were sealed. */
  readonly lockFile: string | undefined;
  /** `hold`'s check alone, for a caller that holds the lock ({@link holdAll}). */
  check(): void;
}

/** Watches `backends` (made from `settings`) for new local-key tokens. */
export function guardSeals(settings: Settings, backends: Backends): SealGuard {
  const project = settings.project;
  // The key the local backend encrypts to (local/backend.ts): the project's newest.
  const key = project?.config.local?.keys.at(-1);
  let sealed = false;
  let local: Promise<Backend> | undefined;
  const watched: Backends = {
    goToolBackend: backends.goToolBackend,
    get(name) {
      if (name !== "local") return backends.get(name);
      local ??= backends.get(name).then((backend) => ({
        ...backend,
        async encrypt(plaintexts) {
          const bodies = await backend.encrypt(plaintexts);
          sealed ||= bodies.length > 0;
          return bodies;
        },
      }));
      return local;
    },
    [Symbol.asyncDispose]: () => backends[Symbol.asyncDispose](),
  };
  const check = () => {
    if (!sealed || !project || !key) return;
    const now = readProjectFile(project.file).local?.keys.at(-1);
    if (now?.publicKey !== key.publicKey) throw retired(project.file, key, now);
  };
  return {
    backends: watched,
    get lockFile() {
      return sealed && key ? project?.file : undefined;
    },
    check,
    hold() {
      if (!sealed || !project || !key) return { release() {} };
      const taken = lockProject(project.file);
      try {
        check();
      } catch (error) {
        taken.held?.release();
        throw error;
      }
      return { release: () => taken.held?.release() };
    },
  };
}

/**
 * `hold` of a run that sealed files of several projects: every lock their new local tokens need,
 * then every check. The locks are taken in one order (by the real path of the lock, as
 * `lockProject` names it), so two runs naming the same projects in another order never hold one
 * each and wait for the other; a project config reached by two names is locked once. All are
 * released together, also when a lock or a check fails.
 */
export function holdAll(guards: readonly SealGuard[]): { release(): void } {
  if (guards.length === 1) return guards[0]!.hold();
  const files = new Map<string, string>();
  for (const guard of guards) {
    const file = guard.lockFile;
    if (file !== undefined) files.set(realOrSame(file), file);
  }
  const taken: ProjectLock[] = [];
  const release = () => {
    for (const lock of taken.reverse()) lock.held?.release();
  };
  try {
    for (const real of [...files.keys()].sort()) {
      try {
        taken.push(lockProject(files.get(real)!));
      } catch (error) {
        throw inOneOf(error, files.get(real)!, guards.length);
      }
    }
    for (const guard of guards) guard.check();
  } catch (error) {
    release();
    throw error;
  }
  return { release };
}

/**
 * A project's lock that could not be had fails the whole run (all or nothing): said with which
 * project of the run it was and that nothing landed in any, so that its user knows no file of the
 * other projects needs looking at, and that the run is to be started again as it was.
 */
function inOneOf(error: unknown, file: string, projects: number): unknown {
  if (!(error instanceof IoError) || error.code !== "S5_OUTPUT") return error;
  return new IoError(
    "S5_OUTPUT",
    `${error.message}; ${file} is one of the ${projects} projects this run seals in, and nothing was written (or printed) for any of them`,
    { cause: error.cause, hint: error.hint },
  );
}

function realOrSame(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function retired(file: string, key: ProjectKey, now: ProjectKey | undefined): IoError {
  const newest = now ? `now encrypts to local key ${now.id}` : "lists no local key now";
  return new IoError(
    RETIRED,
    `local key ${key.id} was retired while s5 sealed: ${file} ${newest} (a \`s5 keys rotate\` at the same time?); nothing was written`,
    { hint: "run the command again: it seals to the key the project encrypts to now" },
  );
}

/**
 * Whether the key `settings` encrypt to with local keys is no longer the project's newest (read
 * again, without the lock): `s5 edit` asks before sealing, its editor having been open for minutes.
 */
export function keyRetiredSince(settings: Settings): boolean {
  const project = settings.project;
  const key = project?.config.local?.keys.at(-1);
  if (!project || !key) return false;
  try {
    return readProjectFile(project.file).local?.keys.at(-1)?.publicKey !== key.publicKey;
  } catch {
    return true; // unreadable now: the fresh settings say why
  }
}

/** Whether `error` says the key a run sealed to was retired before its output landed. */
export function isRetired(error: unknown): boolean {
  return error instanceof S5Error && error.code === RETIRED;
}

/**
 * Runs `attempt` (seal, then write with the guard's `hold`), and again with the project config as
 * it is now when the key it sealed to was retired meanwhile: a few times, then the error.
 */
export async function sealToCurrentKey<S, T>(
  settings: S,
  fresh: () => S,
  attempt: (settings: S) => Promise<T>,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n === 1 ? settings : fresh());
    } catch (error) {
      if (!isRetired(error) || n >= RETIRED_ATTEMPTS) throw error;
      noteSealingAgain(error as S5Error);
    }
  }
}

/** Said on stderr before sealing again: the tokens of the first try were never written. */
export function noteSealingAgain(error: S5Error): void {
  const said = error.message.replace(/; nothing was written$/, "");
  process.stderr.write(`s5: note: ${said}; sealing again\n`);
}
