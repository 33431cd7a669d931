// The start of the single-file `s5` (the SEA's `main`; scripts/build-binary.mjs): compiles the
// bundle (the asset s5.cjs) with the V8 code cache the build made after running s5's common
// commands (the asset s5.cache), then runs it as Node runs a SEA's main. SEA's own code cache
// (`useCodeCache`) is made by compiling the script without running it, so it held only what V8
// compiles eagerly: every function a command ran was compiled again at each start.
//
// A cache V8 rejects (another V8, other flags, a damaged asset) costs the compiling only: V8
// checks its version, flags, the source's length and the data's length before it uses any of it.
// `S5_CODE_CACHE_REPORT=1` says on stderr whether it was used (a fixed word, nothing else: the
// tests read it).
const { getRawAsset } = require("node:sea");
const { Script } = require("node:vm");

let cachedData;
try {
  cachedData = Buffer.from(getRawAsset("s5.cache"));
} catch {
  // no cache in this build: compiled from source
}
// The bundle is a function of a CommonJS module's arguments (esbuild's banner, on a line of its
// own: lineOffset -1 keeps the positions stack traces show those of the bundle).
const script = new Script(Buffer.from(getRawAsset("s5.cjs")).toString(), {
  filename: "s5.cjs",
  lineOffset: -1,
  cachedData,
});
if (process.env.S5_CODE_CACHE_REPORT === "1") {
  const state = !cachedData ? "none" : script.cachedDataRejected ? "rejected" : "accepted";
  process.stderr.write(`s5: code cache ${state}\n`);
}
script.runInThisContext()(exports, require, module, __filename, __dirname);
