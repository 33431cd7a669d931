/**
 * Where the engine (src/engine-run.ts) keeps V8's compiled code of its source (~85 kB) between
 * starts: the user's own cache directory (`$XDG_CACHE_HOME/s5`, `~/.cache/s5`,
 * `~/Library/Caches/s5`, `%LOCALAPPDATA%\s5`),
 * the same place and the same rules as the CLI's compile cache (packages/cli/bin/s5.cjs). Compiled
 * code is code: the directory must be a real directory of this user that no one else can write to,
 * never a shared one like /tmp. `NODE_DISABLE_COMPILE_CACHE` turns it off, as it does Node's.
 */
import { lstatSync, mkdirSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";

function cacheHome(env: NodeJS.ProcessEnv): string | undefined {
  if (process.platform === "win32")
    return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, "s5") : undefined;
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, "s5");
  // What `os.homedir()` returns when HOME is set, without loading `node:os` (~2M instructions).
  const home = process.env.HOME || process.getBuiltinModule("node:os").homedir();
  if (!home || !isAbsolute(home)) return undefined;
  return process.platform === "darwin"
    ? join(home, "Library", "Caches", "s5")
    : join(home, ".cache", "s5");
}

/** A real directory (not a link) of this user that no one else may write to (`mask` 0o022) or use at all (0o077). */
function isOwnDir(dir: string, mask: number): boolean {
  const stat = lstatSync(dir);
  return (
    stat.isDirectory() &&
    (typeof process.getuid !== "function" ||
      (stat.uid === process.getuid() && (stat.mode & mask) === 0))
  );
}

/**
 * Whether no one but root and this user can change any directory above `dir` (a real path): one
 * who could rename an entry on the way could swap the cache for a directory of theirs between the
 * check and the read. A sticky directory (/tmp) may be open to all: others cannot move ours there.
 */
function isSafePath(dir: string): boolean {
  const uid = process.getuid!();
  for (let at = dirname(dir); ; at = dirname(at)) {
    const stat = lstatSync(at);
    if (stat.uid !== 0 && stat.uid !== uid) return false;
    if ((stat.mode & 0o022) !== 0 && (stat.mode & 0o1000) === 0) return false;
    if (dirname(at) === at) return true;
  }
}

/**
 * `mkdir -p dir` one level at a time, from the nearest one that exists (as core's make-dirs.ts and
 * the CLI's bin): Node's recursive mkdirSync loops for ever under /proc, and an XDG_CACHE_HOME
 * there hung every start.
 */
function makeDirs(dir: string, mode: number): void {
  const missing: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    try {
      lstatSync(at);
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "ENOENT" || dirname(at) === at) throw error;
      missing.push(at);
    }
  }
  for (const at of missing.reverse()) {
    try {
      mkdirSync(at, { mode });
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
    }
  }
}

/**
 * The engine's code cache directory (its real path, the one checked), created 0700 if missing;
 * `undefined` when there is none to trust.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  try {
    const base = cacheHome(env);
    if (!base) return undefined;
    const dir = join(base, "code-cache");
    makeDirs(dir, 0o700);
    if (process.platform === "win32") return dir;
    if (!isOwnDir(base, 0o022) || !isOwnDir(dir, 0o077)) return undefined;
    const real = realpathSync.native(dir);
    if (isOwnDir(dirname(real), 0o022) && isSafePath(dirname(real))) return real;
  } catch {
    // No cache (a read-only home, a directory of someone else's): the worker only starts slower.
  }
  return undefined;
}
