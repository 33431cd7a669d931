/**
 * Synchronous decryption for `config()`: a worker thread does the asynchronous work while this
 * thread sleeps in `Atomics.wait`, then reads the reply with `receiveMessageOnPort`. A top-level
 * await would not hold back the application's next import (see docs/loader.md).
 *
 * The worker's code is a string built into this package (`s5:worker-source`), not a file next to
 * it: when the application itself is bundled, no worker file would be found. It carries core and
 * its Vault transport; only the native module (`sodium-native`) is loaded from disk, from the first
 * place that has it: this package, the main script, or the working directory.
 */
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import workerSource, { hash as sourceHash } from "s5:worker-source";
import { codeCacheDir } from "./code-cache.ts";
import { type DecryptReply, type DecryptRequest, WORKER_EXITED, WORKER_MARK } from "./decrypt.ts";

// The worker's first code: wakes the waiting thread if the worker dies, resolves the external
// modules from the first base that has them, compiles the bundled code (with V8's cached data from
// the user's private cache directory, when there is one; src/code-cache.ts) and serves the request.
// The bundled code is not the eval'd string itself: Node 24 checks an eval'd worker's code for
// module syntax by compiling it once more, and an eval'd string has no code cache.
const BOOTSTRAP = `"use strict";
const { workerData } = require("node:worker_threads");
process.on("exit", () => {
  if (Atomics.compareExchange(workerData.state, 0, 0, ${WORKER_EXITED}) === 0) Atomics.notify(workerData.state, 0);
});
const { createRequire, isBuiltin } = require("node:module");
const fs = require("node:fs");
const requires = workerData.bases.map((base) => createRequire(base));
const load = (id) => {
  if (isBuiltin(id)) return require(id);
  let last;
  for (const from of requires) {
    try { return from(id); } catch (error) { if (error.code !== "MODULE_NOT_FOUND") throw error; last = error; }
  }
  throw last;
};
// import.meta.url of the bundled code: a place from which its external modules resolve.
const meta = {
  get url() {
    const { pathToFileURL } = require("node:url");
    for (const base of workerData.bases) {
      try { createRequire(base).resolve("sodium-native"); return pathToFileURL(base).href; } catch {}
    }
    return pathToFileURL(workerData.bases[0]).href;
  },
};
const { cacheFile } = workerData;
let cachedData;
if (cacheFile) try { cachedData = fs.readFileSync(cacheFile); } catch {}
const script = new (require("node:vm").Script)(
  "(function (require, module, exports, __s5Meta) {\\n" + workerData.source + "\\n})",
  { filename: "s5-config-worker.js", cachedData },
);
const worker = { exports: {} };
script.runInThisContext()(load, worker, worker.exports, meta);
worker.exports.serve(cacheFile && (!cachedData || script.cachedDataRejected) ? () => {
  const data = script.createCachedData();
  const temporary = cacheFile + "." + process.pid + "." + require("node:worker_threads").threadId + ".tmp";
  try {
    fs.writeFileSync(temporary, data, { flag: "wx", mode: 0o600 });
    fs.renameSync(temporary, cacheFile);
  } catch {
    try { fs.rmSync(temporary, { force: true }); } catch {}
  }
} : undefined);
`;

/** The cache file of this build's worker code on this Node, or `undefined` (no private cache). */
function cacheFileOf(): string | undefined {
  const dir = codeCacheDir();
  if (!dir) return undefined;
  const tag = `${sourceHash}-${process.version}-${process.arch}`;
  return join(dir, `config-worker-${tag}.bin`);
}

function ownFile(): string | undefined {
  try {
    const url = import.meta.url;
    return typeof url === "string" && url.startsWith("file:") ? fileURLToPath(url) : undefined;
  } catch {
    return undefined;
  }
}

/** Where the worker looks for `sodium-native`, in order. */
function bases(cwd: string): string[] {
  const list: string[] = [];
  const own = ownFile();
  if (own) list.push(own);
  const main = process.argv[1];
  if (main && isAbsolute(resolve(main))) list.push(resolve(main));
  list.push(join(resolve(cwd), "index.js"));
  return list;
}

/** Runs {@link decryptItems} in a worker and blocks until it answers. */
export function runWorker(request: DecryptRequest): DecryptReply {
  // Loaded here, not at the top: only Vault tokens need a worker, and the module costs milliseconds.
  const { MessageChannel, receiveMessageOnPort, Worker } =
    process.getBuiltinModule("node:worker_threads");
  const state = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: {
      port: port2,
      state,
      bases: bases(request.cwd),
      source: workerSource,
      cacheFile: cacheFileOf(),
    },
    // Nothing of the application's environment: no debug switch (Node reads a worker's NODE_DEBUG
    // from here; NODE_DEBUG=net would print the Vault token) and no credential in the options,
    // which NODE_DEBUG=worker prints. The backends read `request.env`, sent through the port.
    env: { [WORKER_MARK]: "1" },
    transferList: [port2],
    // Not the app's `-r`/`--import` flags: the worker would load s5/config again and wait for itself.
    execArgv: [],
  });
  worker.unref();
  port1.postMessage(request);
  try {
    Atomics.wait(state, 0, 0);
    const reply = receiveMessageOnPort(port1)?.message as DecryptReply | undefined;
    if (reply) return reply;
    return {
      ok: false,
      error: {
        code: "S5_INTERNAL",
        exitCode: 1,
        message:
          Atomics.load(state, 0) === WORKER_EXITED
            ? "the decryption worker stopped without an answer"
            : "the decryption worker gave no answer",
        hint: "run again with S5_CONFIG_DEBUG=1, and report it",
      },
    };
  } finally {
    port1.close();
    void worker.terminate();
  }
}
