// One command of the single file's training (scripts/build-binary.mjs): runs scripts/binary-start.cjs
// as the single file would, in this Node (the one the executable is a copy of, with no flags: V8
// rejects a cache made under other flags), with its assets read from WORK, and on exit writes
// the script's code cache to WORK/s5.cache. Each command starts from the cache the one before it
// wrote, so the last holds every function they ran.
//
//   node scripts/_binary-train.cjs WORK START -- ARGS...
const { readFileSync, writeFileSync } = require("node:fs");
const { isBuiltin } = require("node:module");
const { join } = require("node:path");
const vm = require("node:vm");

const [work, start, dashes, ...args] = process.argv.slice(2);
if (dashes !== "--") throw new Error("usage: _binary-train.cjs WORK START -- ARGS...");
// As a SEA's argv: the executable twice, then the arguments.
process.argv.splice(1, Infinity, process.execPath, ...args);

const asset = (name) => readFileSync(join(work, name));
let script;
const shims = {
  "node:sea": {
    getRawAsset: (name) => {
      const bytes = asset(name);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    },
  },
  "node:vm": {
    ...vm,
    Script: class extends vm.Script {
      constructor(...options) {
        super(...options);
        script = this;
      }
    },
  },
};
// A SEA's main loads built-in modules only (its `require` refuses the rest, sodium-native too).
function seaRequire(id) {
  if (Object.hasOwn(shims, id)) return shims[id];
  if (!isBuiltin(id)) {
    throw Object.assign(new Error(`No such built-in module: ${id}`), {
      code: "ERR_UNKNOWN_BUILTIN_MODULE",
    });
  }
  return require(id);
}

let given = false;
try {
  asset("s5.cache");
  given = true;
} catch {
  // the first command: compiled from source
}
process.on("exit", () => {
  if (given && script.cachedDataRejected !== false) {
    process.stderr.write("build:binary: V8 rejected the code cache the command before wrote\n");
    process.exitCode = 70;
    return;
  }
  writeFileSync(join(work, "s5.cache"), script.createCachedData());
});
const main = vm.compileFunction(
  readFileSync(start, "utf8"),
  ["exports", "require", "module", "__filename", "__dirname"],
  { filename: "binary-start.cjs" },
);
const module_ = { exports: {} };
main(module_.exports, seaRequire, module_, process.execPath, join(process.execPath, ".."));
