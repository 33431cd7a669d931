#!/usr/bin/env node
"use strict";
// Kept tiny so `s5 --version` costs no more than starting Node; everything else loads on demand.
// CommonJS, like bin/engine.cjs: an ES module as the main script starts Node's ES module loader,
// which cost every command ~2–3 ms of CPU (paired runs of 1-token and 1000-token Vault renders,
// and of `--version`). Only the commands that load an ES package (`s5 run`, `s5 k8s`) start it.

// The oldest Node s5 runs on, as core's node-floor.ts says why (an older Node writes decrypted
// values and credentials into diagnostic reports): refused before anything else
// (process.getBuiltinModule below is 22.3+).
{
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 13)) {
    process.stderr.write(
      `s5: error: s5 needs Node >= 22.13, and this is Node ${process.versions.node}: an older Node writes decrypted values into diagnostic reports; nothing was run (S5_CONFIG_NODE_VERSION)\n  hint: upgrade Node to 22.13 or newer (the 22 LTS line, or 24 LTS)\n`,
    );
    process.exit(12);
  }
}

// Built-ins through process.getBuiltinModule, as in every entry of s5.
const { lstatSync, mkdirSync, readFileSync, realpathSync, writeSync } =
  process.getBuiltinModule("node:fs");
const nodeModule = process.getBuiltinModule("node:module");
const { dirname, isAbsolute, join } = process.getBuiltinModule("node:path");

const args = process.argv.slice(2);

// NODE_DEBUG makes Node print sockets, HTTP headers and child processes' environments (decrypted
// values). DEBUG is read by no library s5 loads today; it is dropped all the same, so that a
// dependency that starts to read it cannot print a request. Node reads NODE_DEBUG and
// NODE_DEBUG_NATIVE once at start-up, so with either s5 starts itself again without them
// (execve: the same process, nothing printed on the way); DEBUG alone is dropped in place.
// `s5 run` hands them back to the command it runs.
const DEBUG_VARIABLES = ["DEBUG", "NODE_DEBUG", "NODE_DEBUG_NATIVE"];
const debugSet = DEBUG_VARIABLES.filter((name) => process.env[name]);
if (debugSet.length > 0) {
  const env = { ...process.env };
  const saved = {};
  // Set empty rather than removed: `node --env-file` sets a variable again only when it is
  // missing, and s5 would start itself again and again (Node treats an empty one as unset).
  for (const name of DEBUG_VARIABLES) {
    if (env[name] !== undefined) {
      saved[name] = env[name];
      env[name] = "";
    }
  }
  const again = env.S5_SAVED_DEBUG !== undefined;
  env.S5_SAVED_DEBUG = JSON.stringify(saved);
  if (again) {
    // Dropped once already, and set again on the way (a NODE_OPTIONS that loads an env file…).
    process.stderr.write(
      `s5: error: ${debugSet.join(" and ")} came back after s5 dropped ${debugSet.length > 1 ? "them" : "it"}; they would make Node print credentials and values (S5_DEBUG_SWITCH)\n  hint: unset ${debugSet.join(" ")} for s5, wherever it is set\n`,
    );
    process.exit(2);
  }
  if (debugSet.length === 1 && debugSet[0] === "DEBUG") {
    // Node itself never reads DEBUG, and no library has loaded yet: dropped here, without a new
    // start (which a Node < 22.15, without execve, could not make).
    process.env.DEBUG = "";
    process.env.S5_SAVED_DEBUG = env.S5_SAVED_DEBUG;
  } else if (typeof process.execve !== "function") {
    process.stderr.write(
      `s5: error: ${debugSet.join(" and ")} would make Node print credentials and values, and this Node (${process.version}) cannot drop ${debugSet.length > 1 ? "them" : "it"} (S5_DEBUG_SWITCH)\n  hint: unset ${debugSet.join(" ")} for s5, or use Node >= 22.15\n`,
    );
    process.exit(2);
  } else {
    const script = __filename;
    process.execve(process.execPath, [process.execPath, ...process.execArgv, script, ...args], env);
  }
}

// A diagnostic report (--report-on-signal, --report-uncaught-exception, --report-on-fatalerror, in
// NODE_OPTIONS or on Node's command line) records every environment variable — VAULT_TOKEN,
// S5_PRIVATE_KEY, S5_AES_KEY — in a file Node creates with the umask's mode (0644) in the working
// directory. Asked only when such a flag is there: process.report is loaded on first use.
// NODE_OPTIONS as Node reads it, near enough for a test: quotes and escapes dropped
// (`"--insp\ect"` is --inspect to Node).
const nodeOptions = (process.env.NODE_OPTIONS ?? "").replace(/["\\]/g, "");
if (/--report[-_]/.test(`${nodeOptions} ${process.execArgv.join(" ")}`)) {
  try {
    process.report.excludeEnv = true;
  } catch {
    // a runtime without reports
  }
}

// NODE_OPTIONS=--inspect, meant for an application (`s5 run -- node app.js`), opens Node's
// inspector in s5's own process too: whoever can reach its port could read s5's credentials and
// the decrypted values while the command runs, and the command could not take the port. Closed
// here; --inspect on Node's own command line (`node --inspect bin/s5.cjs`) keeps it.
if (
  /--inspect/.test(nodeOptions) &&
  // Only a flag that opens it: `--inspect-port` alone does not.
  !process.execArgv.some((flag) => /^--inspect(?:[-_](?:brk|wait))?(?:=|$)/.test(flag))
) {
  const inspector = process.getBuiltinModule("node:inspector");
  if (inspector.url()) {
    inspector.close();
    process.stderr.write(
      "s5: warning: closed the inspector that NODE_OPTIONS opened in s5's own process (whoever reached it could read credentials and decrypted values); to debug s5 itself, put --inspect on node's command line\n",
    );
  }
}

// SIGUSR1 opens Node's inspector on 127.0.0.1:9229, with no password: any local user could then
// run code in s5's process and read its credentials and the decrypted values, for as long as it
// runs (`s5 run`'s command may send it: `kill -USR1 $PPID`). A listener of s5's own keeps the
// signal from opening it (the single file runs with --disable-sigusr1); `s5 run` passes it on to
// its command. To debug s5 itself, put --inspect on node's command line.
process.on("SIGUSR1", () => {});

/**
 * The user's own cache directory for s5, or undefined (no home, a relative XDG_CACHE_HOME).
 * The loader's worker keeps its code cache there by the same rules (packages/loader/src/code-cache.ts):
 * change both together.
 */
function cacheHome() {
  const env = process.env;
  if (process.platform === "win32")
    return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, "s5") : undefined;
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, "s5");
  // What `os.homedir()` returns when HOME is set, without loading `node:os` (~2M instructions).
  let home = env.HOME;
  try {
    home ||= process.getBuiltinModule("node:os").homedir();
  } catch {
    return undefined;
  }
  if (!home || !isAbsolute(home)) return undefined;
  return process.platform === "darwin"
    ? join(home, "Library", "Caches", "s5")
    : join(home, ".cache", "s5");
}

/** A real directory (not a link) of this user that no one else may write to (`mask` 0o022) or use at all (0o077). */
function isOwnDir(dir, mask) {
  const stat = lstatSync(dir);
  return (
    stat.isDirectory() &&
    (typeof process.getuid !== "function" ||
      (stat.uid === process.getuid() && (stat.mode & mask) === 0))
  );
}

/**
 * Whether no one but root and this user can change any directory above `dir` (a real path): one
 * who could rename an entry on the way (their own directory above an XDG_CACHE_HOME, or a home
 * root uses through `sudo -E`) could swap the cache for a directory of theirs between this check
 * and the read, and plant compiled code. A sticky directory (/tmp) lets others create entries but
 * not move ours, so it may be open to all.
 */
function isSafePath(dir) {
  const uid = process.getuid();
  for (let at = dirname(dir); ; at = dirname(at)) {
    const stat = lstatSync(at);
    if (stat.uid !== 0 && stat.uid !== uid) return false;
    if ((stat.mode & 0o022) !== 0 && (stat.mode & 0o1000) === 0) return false;
    if (dirname(at) === at) return true;
  }
}

/**
 * `mkdir -p dir` one level at a time, from the nearest one that exists (as core's make-dirs.ts):
 * Node's recursive mkdirSync loops for ever under /proc (ENOENT for the child, EEXIST for /proc),
 * and an XDG_CACHE_HOME there hung every command.
 */
function makeDirs(dir, mode) {
  const missing = [];
  for (let at = dir; ; at = dirname(at)) {
    try {
      lstatSync(at);
      break;
    } catch (error) {
      if (error.code !== "ENOENT" || dirname(at) === at) throw error;
      missing.push(at);
    }
  }
  for (const at of missing.reverse()) {
    try {
      mkdirSync(at, { mode });
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
  }
}

/**
 * `name` under the user's cache directory for s5, created 0700 if missing, or undefined when
 * there is none to trust: compiled code is code, so only a real directory of this user that no one
 * else can use, under a base no one else can write to, on a path no one else can change. Returned
 * as its real path, the one checked. The loader's engine keeps its own by the same rules
 * (packages/loader/src/code-cache.ts).
 */
function privateCacheDir(name) {
  try {
    const base = cacheHome();
    if (!base) return undefined;
    const dir = join(base, name);
    makeDirs(dir, 0o700);
    if (process.platform === "win32") return dir;
    if (!isOwnDir(base, 0o022) || !isOwnDir(dir, 0o077)) return undefined;
    const real = realpathSync.native(dir);
    if (isOwnDir(dirname(real), 0o022) && isSafePath(dirname(real))) return real;
  } catch {
    // No cache (a read-only home, a directory of someone else's): s5 only starts slower.
  }
  return undefined;
}

/**
 * Node's compile cache (the bin's own modules, and the ES packages one command loads) in a
 * private directory: Node's default is one directory in the shared /tmp, where another user could
 * plant compiled code. NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE are Node's own and win.
 */
function enableCompileCache() {
  const env = process.env;
  if (typeof nodeModule.enableCompileCache !== "function") return;
  if (env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return;
  const dir = privateCacheDir("node-compile-cache");
  try {
    if (dir) nodeModule.enableCompileCache(dir);
  } catch {
    // Node reports a cache it cannot use in its return value; s5 only starts slower either way.
  }
}

/** Where bin/engine.cjs keeps V8's cached data of the CLI, or undefined. */
function codeCacheDir() {
  return process.env.NODE_DISABLE_COMPILE_CACHE ? undefined : privateCacheDir("code-cache");
}

// `-v` is the Go tool's (urfave/cli's) short flag for the version.
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V" || args[0] === "-v")) {
  const { version } = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
  // Straight to fd 1: process.stdout would load Node's streams (20 modules) for one line.
  try {
    writeSync(1, `${version}\n`);
  } catch {
    process.stdout.write(`${version}\n`);
  }
} else {
  enableCompileCache();
  run().then((exitCode) => {
    process.exitCode = exitCode;
  });
}

async function run() {
  const { runEngine } = require("./engine.cjs");
  const exitCode = await runEngine(args, codeCacheDir());
  if (exitCode !== undefined) return exitCode;
  const { main } = await import("../dist/cli.mjs");
  return main(args);
}
