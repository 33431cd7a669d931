// `npm run build:binary`: a single-file `s5` for CI images and machines without Node, with Node's
// single executable applications (SEA): the CLI and every dependency (node-vault as core's build
// bundles it) bundled into one CommonJS script by esbuild, a V8 code cache of it made after running
// s5's common commands (`train`), the start that compiles the one with the other
// (binary-start.cjs), and a copy of this Node binary (debug symbols stripped) into which postject
// injects them. Local keys run on the JavaScript libsodium (an executable cannot load
// sodium-native's .node file from inside itself).
//
// Output: .cache/binary/s5 (git-ignored). Rebuilt only when a file it is made from changed: every
// file the bundle read (esbuild's list, kept with their hash in .cache/binary/inputs.json), the lock
// file, this script, the Node binary.
// `node scripts/build-binary.mjs [--force]`; `ensureBinary()` for the tests and the benchmark.

import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT_DIR = join(ROOT, ".cache", "binary");
export const BINARY = join(OUT_DIR, "s5");
export const INPUTS_FILE = join(OUT_DIR, "inputs.json");
/**
 * What a build is made from besides the files the bundle reads: the versions come from the
 * packages' package.json, which the plugin reads itself (esbuild does not list them).
 */
const BUILD_FILES = [
  "package-lock.json",
  "scripts/build-binary.mjs",
  "scripts/binary-start.cjs",
  "scripts/_binary-train.cjs",
  "packages/core/build/transport.ts",
  "packages/cli/package.json",
  "packages/core/package.json",
];
// The fuse postject flips so that Node looks for the injected blob (Node's documented value).
const FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

const say = (line) => process.stderr.write(`build:binary: ${line}\n`);

/** A hash of `files` (relative to the root) and of the Node binary copied into the executable. */
function keyOf(files) {
  const hash = createHash("sha256");
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(ROOT, file)));
  const node = statSync(process.execPath);
  hash.update(`${process.version} ${process.execPath} ${node.size} ${node.mtimeMs}`);
  return hash.digest("hex");
}

/** Whether .cache/binary/s5 was made from the files as they are now (no record: it was not). */
function isCurrent() {
  try {
    const { key, files } = JSON.parse(readFileSync(INPUTS_FILE, "utf8"));
    return existsSync(BINARY) && keyOf(files) === key;
  } catch {
    return false; // no record (an older build, one cut short), or a file it read is gone
  }
}

const version = (pkg) =>
  JSON.parse(readFileSync(join(ROOT, "packages", pkg, "package.json"), "utf8")).version;

/**
 * Makes the bundle self-contained where the packages read files next to themselves, and bundles
 * node-vault as core's build does (`transport`: packages/core/build/transport.ts).
 */
function bundlePlugin(transport) {
  const cliVersion = JSON.stringify({ version: version("cli") });
  const coreVersion = JSON.stringify({ version: version("core") });
  return {
    name: "s5-binary",
    setup(build) {
      build.onResolve({ filter: /^@s5\/(core|loader)(\/internal)?$/ }, ({ path }) => {
        const [, pkg, sub] = /^@s5\/(core|loader)(\/internal)?$/.exec(path);
        return { path: join(ROOT, "packages", pkg, "src", sub ? "internal.ts" : "index.ts") };
      });
      // From its source too, as the others: its dist/ is only as new as the last `turbo build`.
      build.onResolve({ filter: /^@s5\/kubernetes\/manifest$/ }, () => ({
        path: join(ROOT, "packages/kubernetes/src/manifest.ts"),
      }));
      // The loader's engine (`s5/config` and the worker of `config()`) is not part of the CLI.
      build.onResolve({ filter: /^s5:engine-source$/ }, () => ({
        path: "engine-source",
        namespace: "s5-binary",
      }));
      build.onLoad({ filter: /.*/, namespace: "s5-binary" }, () => ({
        contents: `export default "throw new Error('no decryption engine in the single-file s5')";
export const hash = "none";`,
        loader: "js",
      }));
      // The @noble modules imported statically instead of required at run time (local/noble.ts).
      build.onLoad({ filter: /local[/\\]noble\.ts$/ }, () => ({
        contents: `import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { blake2b } from "@noble/hashes/blake2.js";
export function loadNoble() { return { hsalsa, xsalsa20poly1305, blake2b }; }`,
        loader: "ts",
        resolveDir: join(ROOT, "packages/core/src/local"),
      }));
      // node-vault without what it loads for the defaults s5 replaces (axios and its tree, tv4,
      // mustache, debug, its command table). Bundled, axios's fetch adapter tried fetch, Request
      // and ReadableStream as it was evaluated, which loaded Node's undici and web streams: ~70 ms
      // at the start of every command that evaluated the Vault client (all of them, `--version`
      // too, while core's doctor imported it statically: 109 ms against 44.8 ms on Node).
      build.onLoad({ filter: transport.NODE_VAULT }, ({ path }) => ({
        contents: transport.applyEdits(readFileSync(path, "utf8"), path),
        loader: "js",
      }));
      // Versions read from package.json files next to the code: constants instead.
      build.onLoad({ filter: /packages[/\\](cli|core)[/\\]src[/\\].*\.ts$/ }, ({ path }) => {
        let text = readFileSync(path, "utf8");
        text = text
          .replaceAll(
            'JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))',
            cliVersion,
          )
          .replaceAll('createRequire(import.meta.url)("@s5/core/package.json")', coreVersion);
        return { contents: text, loader: "ts" };
      });
    },
  };
}

/** Bundles the CLI into `file`; returns the files it read (relative to the root). */
async function bundle(file) {
  const { build } = await import("esbuild");
  // TypeScript, which the Nodes that run the repository's scripts strip (scripts/node-version.mjs).
  const transport = await import("../packages/core/build/transport.ts");
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, "scripts/binary-entry.mjs")],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    // import() as require(): start.cjs compiles the bundle with vm.Script, whose import() needs
    // a loader Node marks experimental (a warning on stderr); the bundle imports built-ins only.
    supported: { "dynamic-import": false },
    minify: true,
    legalComments: "none",
    // A function of a CommonJS module's arguments, which binary-start.cjs compiles and calls: the
    // wrapper in the asset itself, not added at start (a second copy of 0.5 MB to flatten).
    banner: { js: "(function (exports, require, module, __filename, __dirname) {" },
    footer: { js: "})" },
    // sodium-native stays out: the binary uses the JavaScript libsodium (see above).
    external: ["sodium-native"],
    define: { S5_VERSION: JSON.stringify(version("cli")) },
    plugins: [bundlePlugin(transport)],
    logLevel: "error",
    metafile: true,
  });
  for (const warning of result.warnings) say(`warning: ${warning.text}`);
  // Inputs of the plugin's own namespace (`s5-binary:engine-source`) are no file.
  return Object.keys(result.metafile.inputs).filter((input) => !input.includes(":"));
}

/**
 * A stand-in for Vault's transit engine on 127.0.0.1, for the training's Vault commands: a
 * "ciphertext" is the plaintext in base64. Nothing it sees is secret (the training's own values).
 */
async function transitStandIn() {
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const [, action] = /^\/v1\/transit\/(encrypt|decrypt|keys)\//.exec(request.url ?? "") ?? [];
      const items = action && body ? (JSON.parse(body).batch_input ?? []) : [];
      const data =
        action === "keys"
          ? { latest_version: 1, min_decryption_version: 1 }
          : {
              batch_results: items.map(({ plaintext, ciphertext, reference }) =>
                action === "encrypt"
                  ? { ciphertext: `vault:v1:${plaintext}`, reference }
                  : { plaintext: ciphertext.slice("vault:v1:".length), reference },
              ),
            };
      response.writeHead(action ? 200 : 404, { "content-type": "application/json" });
      response.end(JSON.stringify(action ? { data } : { errors: [] }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/**
 * Makes `work`/s5.cache: runs the bundle through s5's common commands (scripts/_binary-train.cjs),
 * each in a process of its own that starts from the cache the one before wrote, so that the cache
 * holds the bytecode of every function they ran, not only of those V8 compiles eagerly (a local
 * render ran 58 M instructions of lazy compiling with SEA's own cache). A code cache holds bytecode
 * and the source's literals, no heap: nothing these runs read or print goes into it, and they run
 * with an environment of their own (not the build's: no credential of this machine).
 */
async function train(work) {
  // Outside the checkout: `s5 check` there would read the repository this is built from.
  const dir = mkdtempSync(join(tmpdir(), "s5-train-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const vault = await transitStandIn();
  const env = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    NO_COLOR: "1",
    VAULT_ADDR: `http://127.0.0.1:${vault.address().port}`,
    VAULT_TOKEN: "training-token",
    S5_VAULT_TRANSIT_KEY: "training",
    S5_AES_KEY: "5a".repeat(32),
  };
  const s5 = (args, input = "") =>
    new Promise((resolve, reject) => {
      const child = execFile(
        process.execPath,
        [join(ROOT, "scripts/_binary-train.cjs"), work, join(work, "start.cjs"), "--", ...args],
        { cwd: dir, env, encoding: "utf8" },
        (error, stdout, stderr) => {
          if (error) {
            reject(new Error(`training run \`s5 ${args.join(" ")}\` failed: ${stderr.trim()}`));
          } else {
            resolve(stdout.trim());
          }
        },
      );
      child.stdin.end(input);
    });
  try {
    await s5(["--version"]);
    await s5(["init", "--name", "training"]);
    for (const backend of [[], ["vault"], ["aes"]]) {
      const token = await s5(["cipher", ...backend], "training value\n");
      writeFileSync(join(dir, "app.yml"), `db:\n  password: ${token}\n  name: training\n`);
      await s5(["render", ...backend, "app.yml"]);
      await s5(["decipher", ...backend, token]);
    }
    writeFileSync(join(dir, ".env"), `A=${await s5(["cipher"], "training value\n")}\n`);
    await s5(["run", "--", "true"]);
    await s5(["check", "app.yml"]);
  } finally {
    vault.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A new work directory beside the binary (`build-PID…`: the tests leave those alone). */
function workDirectory() {
  mkdirSync(OUT_DIR, { recursive: true });
  return mkdtempSync(join(OUT_DIR, `build-${process.pid}-`));
}

/**
 * Bundles the CLI, makes its code cache (`edit`, if given, changes it) and the executable, all in
 * `work`; returns the executable's path, the files the bundle read and the bundle's size.
 */
async function build(work, edit) {
  const script = join(work, "s5.cjs");
  const read = await bundle(script);
  copyFileSync(join(ROOT, "scripts/binary-start.cjs"), join(work, "start.cjs"));
  await train(work);
  const cache = join(work, "s5.cache");
  if (edit) writeFileSync(cache, edit(readFileSync(cache)));
  // Paths relative to the work directory: the blob keeps `main` as the script's name; an
  // absolute one put this machine's checkout path into every copy.
  writeFileSync(
    join(work, "sea-config.json"),
    JSON.stringify({
      main: "start.cjs",
      output: "s5.blob",
      disableExperimentalSEAWarning: true,
      // The bundle and the code cache `train` made (start.cjs compiles the one with the other).
      // SEA's own cache would hold only start.cjs, which is compiled in no time.
      assets: { "s5.cjs": "s5.cjs", "s5.cache": "s5.cache" },
      useCodeCache: false,
      // NODE_OPTIONS is for the command of `s5 run` (which gets it as it was), not for s5: a
      // preloaded agent, a report or an inspector there would hold s5's credentials. A Node too
      // old to know the field ignores it; binary-entry.mjs then still closes what it can.
      execArgvExtension: "none",
      // No `--disable-sigusr1`: it makes Node drop the signal, so that `s5 run` could not pass it
      // on to its command. binary-entry.mjs keeps SIGUSR1 from opening the inspector, as the bin.
    }),
  );
  execFileSync(process.execPath, ["--experimental-sea-config", "sea-config.json"], {
    cwd: work,
    stdio: "ignore",
  });
  const exe = join(work, "s5");
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  // Node as distributed here carries symbols and debug information (18 MB) that a CLI never needs.
  try {
    execFileSync("strip", ["--strip-all", exe]);
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
    throw new Error("`strip` was not found: install binutils (apt-get install binutils)");
  }
  const postject = join(ROOT, "node_modules/postject/dist/cli.js");
  execFileSync(
    process.execPath,
    [postject, exe, "NODE_SEA_BLOB", join(work, "s5.blob"), "--sentinel-fuse", FUSE, "--overwrite"],
    { stdio: "ignore" },
  );
  return { exe, read, bundleSize: statSync(script).size };
}

/** Builds .cache/binary/s5 when its inputs changed; returns its path. */
export async function ensureBinary({ force = false } = {}) {
  if (process.platform !== "linux") throw new Error("build:binary is set up for Linux only");
  // The executable is a copy of this Node: without process.execve, s5 could not drop NODE_DEBUG
  // (binary-entry.mjs) and would fail at start wherever it is set.
  if (typeof process.execve !== "function") {
    throw new Error(
      `the executable would be a copy of this Node (${process.version}), which lacks process.execve: use Node >= 22.15 (Node 24 LTS)`,
    );
  }
  if (!force && isCurrent()) return BINARY;
  const started = performance.now();
  const work = workDirectory();
  try {
    const { exe, read, bundleSize } = await build(work);
    rmSync(INPUTS_FILE, { force: true });
    renameSync(exe, BINARY);
    const files = [...new Set([...BUILD_FILES, ...read])].sort();
    // A file saved during the build may be newer than what the bundle read: no record, so the
    // next run builds again.
    const begun = performance.timeOrigin + started; // the wall clock, as mtimes are
    if (files.every((file) => statSync(join(ROOT, file)).mtimeMs < begun)) {
      writeFileSync(INPUTS_FILE, `${JSON.stringify({ key: keyOf(files), files })}\n`);
    } else {
      say("a source file changed during the build: the next run builds again");
    }
    say(
      `${relative(ROOT, BINARY)}: ${(statSync(BINARY).size / 1e6).toFixed(1)} MB, built in ${(
        (performance.now() - started) / 1000
      ).toFixed(1)} s (bundle ${(bundleSize / 1e6).toFixed(2)} MB)`,
    );
    return BINARY;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * For the tests: an executable at `out` made as .cache/binary/s5 is, but with the code cache the
 * training made passed through `edit` first (a damaged cache, one of another V8). No record is
 * written and .cache/binary/s5 is left as it is.
 */
export async function buildWithCache(out, edit) {
  const work = workDirectory();
  try {
    const { exe } = await build(work, edit);
    renameSync(exe, out);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const file = await ensureBinary({ force: process.argv.includes("--force") });
    process.stdout.write(`${file}\n`);
  } catch (error) {
    say(error.message);
    process.exitCode = 1;
  }
}
