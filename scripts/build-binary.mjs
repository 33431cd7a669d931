// `npm run build:binary`: a single-file `s5` for CI images and machines without Node, with Node's
// single executable applications (SEA): the CLI and every dependency (node-vault and its tree
// included) bundled into one CommonJS script by esbuild, its V8 code cache, and a copy of this
// Node binary (debug symbols stripped) into which postject injects them. Local keys run on the
// JavaScript libsodium (an executable cannot load sodium-native's .node file from inside itself).
//
// Output: .cache/binary/s5 (git-ignored). Rebuilt only when an input changed: the sources of the
// packages it bundles, the lock file, this script, the Node binary (a hash in .cache/binary/inputs).
// `node scripts/build-binary.mjs [--force]`; `ensureBinary()` for the tests and the benchmark.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT_DIR = join(ROOT, ".cache", "binary");
export const BINARY = join(OUT_DIR, "s5");
const INPUTS_FILE = join(OUT_DIR, "inputs");
const SOURCES = ["packages/core/src", "packages/loader/src", "packages/cli/src"];
// The fuse postject flips so that Node looks for the injected blob (Node's documented value).
const FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

const say = (line) => process.stderr.write(`build:binary: ${line}\n`);

function files(dir) {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

/** A hash of everything the binary is made from. */
function inputsHash() {
  const hash = createHash("sha256");
  const inputs = [
    ...SOURCES.flatMap(files),
    "package-lock.json",
    "packages/cli/package.json",
    "packages/core/package.json",
    "scripts/build-binary.mjs",
    "scripts/binary-entry.mjs",
  ];
  for (const file of inputs) hash.update(`${file}\0`).update(readFileSync(join(ROOT, file)));
  const node = statSync(process.execPath);
  hash.update(`${process.version} ${process.execPath} ${node.size} ${node.mtimeMs}`);
  return hash.digest("hex");
}

const version = (pkg) =>
  JSON.parse(readFileSync(join(ROOT, "packages", pkg, "package.json"), "utf8")).version;

/** Makes the bundle self-contained where the packages read files next to themselves. */
function bundlePlugin() {
  const cliVersion = JSON.stringify({ version: version("cli") });
  const coreVersion = JSON.stringify({ version: version("core") });
  return {
    name: "s5-binary",
    setup(build) {
      build.onResolve({ filter: /^@s5\/(core|loader)(\/internal)?$/ }, ({ path }) => {
        const [, pkg, sub] = /^@s5\/(core|loader)(\/internal)?$/.exec(path);
        return { path: join(ROOT, "packages", pkg, "src", sub ? "internal.ts" : "index.ts") };
      });
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

async function bundle(file) {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [join(ROOT, "scripts/binary-entry.mjs")],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    minify: true,
    legalComments: "none",
    // sodium-native stays out: the binary uses the JavaScript libsodium (see above).
    external: ["sodium-native"],
    define: { S5_VERSION: JSON.stringify(version("cli")) },
    plugins: [bundlePlugin()],
    logLevel: "error",
    metafile: true,
  });
  for (const warning of result.warnings) say(`warning: ${warning.text}`);
}

/** Builds .cache/binary/s5 when its inputs changed; returns its path. */
export async function ensureBinary({ force = false } = {}) {
  if (process.platform !== "linux") throw new Error("build:binary is set up for Linux only");
  const hash = inputsHash();
  if (!force && existsSync(BINARY) && readFileSync(INPUTS_FILE, "utf8").trim() === hash) {
    return BINARY;
  }
  const started = performance.now();
  mkdirSync(OUT_DIR, { recursive: true });
  const work = join(OUT_DIR, `build-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  try {
    const script = join(work, "s5.cjs");
    await bundle(script);
    const blob = join(work, "s5.blob");
    const config = join(work, "sea-config.json");
    writeFileSync(
      config,
      JSON.stringify({
        main: script,
        output: blob,
        disableExperimentalSEAWarning: true,
        useCodeCache: true,
      }),
    );
    execFileSync(process.execPath, ["--experimental-sea-config", config], { stdio: "ignore" });
    const exe = join(work, "s5");
    copyFileSync(process.execPath, exe);
    chmodSync(exe, 0o755);
    // Node as distributed here carries symbols and debug information (18 MB) that a CLI never needs.
    execFileSync("strip", ["--strip-all", exe]);
    const postject = join(ROOT, "node_modules/postject/dist/cli.js");
    execFileSync(
      process.execPath,
      [postject, exe, "NODE_SEA_BLOB", blob, "--sentinel-fuse", FUSE, "--overwrite"],
      { stdio: "ignore" },
    );
    renameSync(exe, BINARY);
    writeFileSync(INPUTS_FILE, `${hash}\n`);
    say(
      `${relative(ROOT, BINARY)}: ${(statSync(BINARY).size / 1e6).toFixed(1)} MB, built in ${(
        (performance.now() - started) / 1000
      ).toFixed(1)} s (bundle ${(statSync(script).size / 1e6).toFixed(2)} MB)`,
    );
    return BINARY;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = await ensureBinary({ force: process.argv.includes("--force") });
  process.stdout.write(`${file}\n`);
}
