"use strict";
// Runs the CLI from dist/engine.js (the CLI and core in one script, build/engine.ts), compiled
// with V8's cached data of an earlier run of the same command. Node's compile cache keeps only
// what a module compiles before it runs; this file keeps what the command ran, so a start
// compiles almost nothing (a 1-token Vault render ~20 ms less on the 2-core VM).
//
// The cached data lives where the loader keeps its own (packages/loader/src/code-cache.ts), by
// the same rules: the user's cache directory, a real directory of this user that no one else can
// use (compiled code is code); files 0600, written all-or-nothing; none with
// NODE_DISABLE_COMPILE_CACHE. One file per command, build, Node and architecture; its first byte
// says which backends the run that wrote it used (bits: local 1, aes 2, vault 4), then V8's cached
// data twice (a damaged file is told by its copies differing: `readIntact`). A successful run
// that used another writes it again (what V8 accepted from the file stays in the new one).
// Writing and pruning mirror the loader's (packages/loader/src/engine-run.ts, which must stay
// self-contained for its worker, and which this plain bin cannot load cheaply): change both
// together. CommonJS, like bin/s5.cjs: no ES module loader for a command that does not need one.
const fs = process.getBuiltinModule("node:fs");
const { basename, dirname, join } = process.getBuiltinModule("node:path");
const { pathToFileURL } = process.getBuiltinModule("node:url");

const ENGINE = join(__dirname, "..", "dist", "engine.js");

/**
 * Runs `main(args)` of the engine and returns its exit code, or `undefined` when this install
 * has no engine (then bin/s5.cjs imports dist/cli.mjs).
 * `cacheDir`: the private directory for cached data, or undefined for none.
 */
async function runEngine(args, cacheDir) {
  let code;
  try {
    code = fs.readFileSync(ENGINE, "latin1");
  } catch {
    return undefined;
  }
  const header = /^\/\/ s5-engine ([0-9a-f]{16})\n/.exec(code);
  if (!header) return undefined;
  // The command, as main() will find it when it is the first argument (else: no cache).
  const command = /^[a-z][a-z0-9-]*$/.test(args[0] ?? "") ? args[0] : undefined;
  const file =
    cacheDir && command
      ? join(cacheDir, `cli-${command}-${header[1]}-${process.version}-${process.arch}.bin`)
      : undefined;
  let stored = -1;
  let cachedData;
  if (file) {
    try {
      const read = readIntact(file);
      if (read) ({ reach: stored, data: cachedData } = read);
    } catch {
      // none yet
    }
  }
  const { Script } = process.getBuiltinModule("node:vm");
  // The engine is ASCII (esbuild escapes the rest), so latin1 reads it as it is, one byte a
  // character in V8 too. Its text is one function expression (build/engine.ts wraps it), compiled
  // as read: V8 keeps this string as the script's source, and wrapping it here made a second one
  // of the same ~330 kB, which lived as long as the process.
  const script = new Script(code, { filename: ENGINE, cachedData });
  if (script.cachedDataRejected === true) stored = -1;
  let coreUrl;
  const meta = {
    url: pathToFileURL(ENGINE).href,
    // Core's code resolves sodium-native and the JavaScript libsodium from core's place (under
    // a strict layout such as pnpm's, only core sees them).
    get coreUrl() {
      if (coreUrl === undefined) {
        const { createRequire } = process.getBuiltinModule("node:module");
        coreUrl = pathToFileURL(createRequire(ENGINE).resolve("@s5/core/package.json")).href;
      }
      return coreUrl;
    },
    import: (specifier) => import(specifier),
  };
  const holder = { exports: {} };
  script.runInThisContext()(holder, holder.exports, meta);
  const exitCode = await holder.exports.main(args);
  if (file && exitCode === 0) {
    const reached = holder.exports.reached();
    if (reached.command === command && (stored < 0 || (reached.backends & ~stored) !== 0)) {
      save(file, `cli-${command}-`, script, Math.max(stored, 0) | reached.backends);
    }
  }
  return exitCode;
}

/**
 * The reach byte and V8's cached data of a file `save` wrote, or `undefined` when its two copies
 * differ (damaged on disk, or written by an older s5). V8 checks a cache's header (version,
 * flags, source, length) but, in a release build, not its payload: a byte changed there crashed
 * every later start of the command (SIGSEGV), or ran wrong code. The second copy is compared in
 * 64 kB pieces, so no more memory is held than for one (~0.2 ms; loading `node:zlib` for a CRC
 * costs ~2.5 ms).
 */
function readIntact(path) {
  const fd = fs.openSync(path, "r");
  try {
    const half = (fs.fstatSync(fd).size - 1) / 2;
    if (!Number.isInteger(half) || half < 1) return undefined;
    const first = Buffer.allocUnsafe(1 + half);
    if (fs.readSync(fd, first, 0, first.length, 0) !== first.length) return undefined;
    const piece = Buffer.allocUnsafe(Math.min(half, 65536));
    for (let at = 0; at < half; ) {
      const read = fs.readSync(fd, piece, 0, Math.min(piece.length, half - at), 1 + half + at);
      if (read <= 0 || first.compare(piece, 0, read, 1 + at, 1 + at + read) !== 0) return undefined;
      at += read;
    }
    return { reach: first[0], data: first.subarray(1) };
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes the cached data (twice: see `readIntact`) through a temporary file, then prunes other builds' files. */
function save(file, use, script, reach) {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const cached = script.createCachedData();
    const data = Buffer.concat([Buffer.of(reach), cached, cached]);
    fs.writeFileSync(temporary, data, { flag: "wx", mode: 0o600 });
    fs.renameSync(temporary, file);
    prune(file, use);
  } catch {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // nothing left to do: the cache only makes the next start faster
    }
  }
}

/**
 * Keeps the three newest files of other builds for the same command (two projects on two s5
 * versions do not undo each other's cache) and removes temporary files older than an hour.
 */
function prune(file, use) {
  const dir = dirname(file);
  const own = basename(file);
  const same = [];
  for (const name of fs.readdirSync(dir)) {
    const path = join(dir, name);
    try {
      const { mtimeMs } = fs.lstatSync(path);
      if (name.endsWith(".tmp") && Date.now() - mtimeMs > 3_600_000) fs.rmSync(path);
      else if (
        name !== own &&
        name.startsWith(use) &&
        /^[0-9a-f]{16}-/.test(name.slice(use.length))
      ) {
        same.push([path, mtimeMs]);
      }
    } catch {
      // gone already, or not ours to remove
    }
  }
  same.sort((a, b) => b[1] - a[1]);
  for (const [path] of same.slice(3)) fs.rmSync(path, { force: true });
}

module.exports = { runEngine };
