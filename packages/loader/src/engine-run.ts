/**
 * Compiling and starting the engine (src/engine.ts, built into the string `s5:engine-source`),
 * in this thread for `s5/config` and `s5/preload`, and in the decryption worker (src/sync.ts).
 * V8's cached data for it lives in the user's private cache directory (src/code-cache.ts), one
 * file per use, because each use runs (and so caches) other functions.
 */
import { isAbsolute, join, resolve } from "node:path";

import engineSource, { hash } from "s5:engine-source";

import { codeCacheDir } from "./code-cache.ts";

/** How far a start went, as cached data covers it: 0 nothing to decrypt, 1 tokens decrypted. */
export type Reach = 0 | 1;

/** What the engine exports (src/engine.ts). */
export interface Engine {
  startConfig(): Reach;
  startPreload(): Promise<Reach> | Reach;
  serve(beforeReply?: () => void): void;
}

export type EngineUse = "config" | "preload" | "worker";

/** The cache file of this build's engine for one use on this Node, or `undefined` (no private cache). */
export function cacheFileOf(use: EngineUse): string | undefined {
  const dir = codeCacheDir();
  if (!dir) return undefined;
  return join(dir, `engine-${use}-${hash}-${process.version}-${process.arch}.bin`);
}

/**
 * This chunk's own path; inside the engine, the file its text was loaded from (the first of its
 * bases). Not `import.meta.url`, which the engine maps to where sodium-native resolves: finding
 * that costs a resolution that a start with Vault tokens, which only passes the bases on to the
 * worker, does not need. None in an application bundle.
 */
function ownFile(): string | undefined {
  try {
    const file: unknown = import.meta.filename;
    return typeof file === "string" && isAbsolute(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Where the engine looks for `sodium-native`, in order: this package, the main script, the working directory. */
export function bases(cwd: string): string[] {
  const list: string[] = [];
  const own = ownFile();
  if (own) list.push(own);
  const main = process.argv[1];
  if (main && isAbsolute(resolve(main))) list.push(resolve(main));
  list.push(join(resolve(cwd), "index.js"));
  return list;
}

/**
 * Compiles the engine with the cached data of `cacheFile` (when V8 accepts it) and runs its top
 * level. Call `update` once the engine has done its work, with how far it went (a {@link Reach}):
 * it writes fresh cached data, which holds the functions that ran, when the file has none that V8
 * accepts or only from a run that went less far (a start without tokens compiles no decryption
 * code). All-or-nothing, 0600, through a temporary file; then it removes all but the three newest
 * files of other builds for the same use.
 *
 * Self-contained (no name from outside its body, built-ins through `process.getBuiltinModule`):
 * the worker runs it from its source text (src/sync.ts).
 */
export function compileEngine(
  code: string,
  codeHash: string,
  from: string[],
  cacheFile: string | undefined,
): { engine: Engine; update(reached: Reach): void } {
  const fs = process.getBuiltinModule("node:fs");
  // Only the native module is outside the engine: `node:module` is loaded when it is asked for.
  let resolvers: NodeJS.Require[] | undefined;
  const requires = (): NodeJS.Require[] => {
    if (!resolvers) {
      const { createRequire } = process.getBuiltinModule("node:module");
      resolvers = from.map((base) => createRequire(base));
    }
    return resolvers;
  };
  const load = (id: string): unknown => {
    const builtin = process.getBuiltinModule(id);
    if (builtin) return builtin;
    let last: unknown;
    for (const resolveFrom of requires()) {
      try {
        return resolveFrom(id);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "MODULE_NOT_FOUND") throw error;
        last = error;
      }
    }
    throw last;
  };
  let url: string | undefined;
  // Whether sodium-native as `resolveFrom` finds it may be loaded. Resolution walks up from the
  // main script and the working directory: another user's /tmp/node_modules/sodium-native (or
  // @noble/*, which core then resolves from the same place) must not run as whoever starts an
  // application in /tmp/job. A self-contained copy of core's rule (packages/core/src/trusted-path.ts,
  // which core applies before it loads the addon): change both together. Every entry looked at to
  // reach the package (each directory, each link followed, the package directory) belongs to root,
  // this user or the owner of the loader's file, and none is writable by everyone unless a sticky
  // directory; a group may write. An entry on a read-only mount (Linux mountinfo; the mount of the
  // entry's own device) that no writable mount of the same filesystem shows is exempt; mountinfo
  // is read only for an entry refused.
  const trusted = (resolveFrom: NodeJS.Require): boolean => {
    const path = resolveFrom.resolve("sodium-native/package.json");
    if (typeof process.getuid !== "function") return true;
    const owners = new Set([0, process.getuid(), process.geteuid?.() ?? 0]);
    try {
      owners.add(fs.statSync(from[0]!).uid);
    } catch {
      // no file of the loader's own (a bundle): root and this user only
    }
    const visited: [string, import("node:fs").Stats][] = [["/", fs.lstatSync("/")]];
    const pending = path.slice(0, path.lastIndexOf("/")).split("/").reverse();
    let at = "/";
    let links = 0;
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (name === "" || name === ".") continue;
      if (name === "..") {
        at = at.slice(0, Math.max(1, at.lastIndexOf("/")));
        continue;
      }
      const entry = at === "/" ? `/${name}` : `${at}/${name}`;
      const stat = fs.lstatSync(entry);
      visited.push([entry, stat]);
      if (!stat.isSymbolicLink()) {
        at = entry;
        continue;
      }
      if (++links > 40) return false;
      const target = fs.readlinkSync(entry);
      if (target.startsWith("/")) at = "/";
      pending.push(...target.split("/").reverse());
    }
    let mounts:
      | {
          id: number;
          parent: number;
          dev: string;
          root: string;
          point: string;
          ro: boolean;
          fsRo: boolean;
        }[]
      | undefined;
    const within = (p: string, dir: string) => dir === "/" || p === dir || p.startsWith(`${dir}/`);
    const readOnly = (entry: string, dev: number): boolean => {
      if (process.platform !== "linux") return false;
      if (!mounts) {
        mounts = [];
        try {
          const unescapeField = (f: string) =>
            f.replace(/\\([0-7]{3})/g, (_, c: string) =>
              String.fromCharCode(Number.parseInt(c, 8)),
            );
          for (const line of fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
            const f = line.split(" ");
            const dash = f.indexOf("-", 6);
            if (dash < 0 || f.length < dash + 4) continue;
            const ro = (o: string | undefined) => o?.split(",").includes("ro") === true;
            mounts.push({
              id: Number(f[0]),
              parent: Number(f[1]),
              dev: f[2]!,
              root: unescapeField(f[3]!),
              point: unescapeField(f[4]!),
              ro: ro(f[5]),
              fsRo: ro(f[dash + 3]),
            });
          }
        } catch {
          // no /proc: no exemption
        }
      }
      // The mount that holds it: of the mounts whose point is the entry or above it, the last
      // (on top) of the entry's own device (a read-only mount hidden under a later writable one
      // matches by its point alone); none: no exemption.
      const low = dev >>> 0;
      const high = Math.floor(dev / 0x1_0000_0000) >>> 0;
      const major = (((low >>> 8) & 0xfff) | (high & ~0xfff)) >>> 0;
      const minor = ((low & 0xff) | ((low >>> 12) & ~0xff) | ((high & 0xfff) << 20)) >>> 0;
      const device = `${major}:${minor}`;
      let holder: (typeof mounts)[number] | undefined;
      for (const m of mounts) {
        if (m.dev === device && within(entry, m.point)) holder = m;
      }
      if (holder?.fsRo) return true;
      if (!holder?.ro) return false;
      const rest = entry.slice(holder.point === "/" ? 0 : holder.point.length);
      const inFs = holder.root === "/" ? rest || "/" : `${holder.root}${rest}`;
      return !mounts.some((m) => m.dev === device && !m.ro && within(inFs, m.root));
    };
    for (const [entry, stat] of visited) {
      // A link's own mode bits mean nothing: only its owner can change it.
      const everyone =
        !stat.isSymbolicLink() &&
        (stat.mode & 0o002) !== 0 &&
        !(stat.isDirectory() && (stat.mode & 0o1000) !== 0);
      if ((!owners.has(stat.uid) || everyone) && !readOnly(entry, stat.dev)) return false;
    }
    return true;
  };
  // Core's own place, for its dependencies (the JavaScript libsodium's @noble packages) when no
  // sodium-native is installed: under a strict layout (pnpm) only core can resolve them.
  const coreBase = (): string | undefined => {
    try {
      return requires()[0]!.resolve("@s5/core/package.json");
    } catch {
      return undefined;
    }
  };
  // import.meta.url of the bundled code: a place from which its external modules resolve.
  const meta = {
    source: code,
    hash: codeHash,
    filename: from[0],
    get url(): string {
      if (url === undefined) {
        const { pathToFileURL } = process.getBuiltinModule("node:url");
        const base =
          from.find((_, i) => {
            try {
              return trusted(requires()[i]!);
            } catch {
              return false;
            }
          }) ??
          coreBase() ??
          from[0]!;
        url = pathToFileURL(base).href;
      }
      return url;
    },
  };
  // The file is one byte, how far the run that wrote it went (a `Reach`), then V8's cached data
  // twice. V8 checks a cache's header (version, flags, source, length) but, in a release build,
  // not its payload: a byte changed there on disk crashed every later start (SIGSEGV) or ran wrong
  // code. Two copies that differ tell a damaged file (or an older s5's). The second is compared in
  // 64 kB pieces, so no more memory is held than for one (~0.1 ms; loading `node:zlib` for a CRC
  // costs ~2.5 ms). The CLI's bin does the same (packages/cli/bin/engine.cjs).
  const readIntact = (path: string): { reach: number; data: Buffer } | undefined => {
    const fd = fs.openSync(path, "r");
    try {
      const half = (fs.fstatSync(fd).size - 1) / 2;
      if (!Number.isInteger(half) || half < 1) return undefined;
      const first = Buffer.allocUnsafe(1 + half);
      if (fs.readSync(fd, first, 0, first.length, 0) !== first.length) return undefined;
      const piece = Buffer.allocUnsafe(Math.min(half, 65536));
      for (let at = 0; at < half; ) {
        const read = fs.readSync(fd, piece, 0, Math.min(piece.length, half - at), 1 + half + at);
        if (read <= 0 || first.compare(piece, 0, read, 1 + at, 1 + at + read) !== 0) {
          return undefined;
        }
        at += read;
      }
      return { reach: first[0]!, data: first.subarray(1) };
    } finally {
      fs.closeSync(fd);
    }
  };
  let cachedData: Buffer | undefined;
  let stored = -1;
  if (cacheFile) {
    try {
      const read = readIntact(cacheFile);
      if (read) ({ reach: stored, data: cachedData } = read);
    } catch {
      // none yet
    }
  }
  const { Script } = process.getBuiltinModule("node:vm");
  // `code` is one function expression (the build wraps it: tsdown.config.ts), compiled as it is:
  // V8 keeps this string as the script's source, and a wrapper added here was a second copy.
  const script = new Script(code, { filename: "s5-engine.js", cachedData });
  if (script.cachedDataRejected === true) stored = -1;
  const holder = { exports: {} as Engine };
  script.runInThisContext()(load, holder, holder.exports, meta);
  // Other builds' files of the same use (other projects may run another s5 or Node: the newest
  // few stay) and temporary files an interrupted write left (after an hour).
  const prune = (file: string): void => {
    const { basename, dirname, join } = process.getBuiltinModule("node:path");
    const dir = dirname(file);
    const own = basename(file);
    const use = own.slice(0, own.indexOf("-", "engine-".length) + 1);
    // The worker's files were named `config-worker-…` before the engine.
    const older = use === "engine-worker-" ? "config-worker-" : use;
    const same: [string, number][] = [];
    for (const name of fs.readdirSync(dir)) {
      const path = join(dir, name);
      try {
        const { mtimeMs } = fs.lstatSync(path);
        if (name.endsWith(".tmp") && Date.now() - mtimeMs > 3_600_000) fs.rmSync(path);
        else if (
          name !== own &&
          (name.startsWith(use) || name.startsWith(older)) &&
          name.endsWith(".bin")
        ) {
          same.push([path, mtimeMs]);
        }
      } catch {
        // gone already, or not ours to remove
      }
    }
    same.sort((a, b) => b[1] - a[1]);
    for (const [path] of same.slice(3)) fs.rmSync(path, { force: true });
  };
  const update = (reached: number): void => {
    if (!cacheFile || reached <= stored) return;
    const temporary = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      const cached = script.createCachedData();
      const data = Buffer.concat([Buffer.of(reached), cached, cached]);
      fs.writeFileSync(temporary, data, { flag: "wx", mode: 0o600 });
      fs.renameSync(temporary, cacheFile);
      stored = reached;
      prune(cacheFile);
    } catch {
      try {
        fs.rmSync(temporary, { force: true });
      } catch {
        // nothing left to do: the cache only makes the next start faster
      }
    }
  };
  return { engine: holder.exports, update };
}

/** The engine for `s5/config` or `s5/preload`, compiled in this thread. */
export function startEngine(use: "config" | "preload"): ReturnType<typeof compileEngine> {
  return compileEngine(engineSource, hash, bases(process.cwd()), cacheFileOf(use));
}
