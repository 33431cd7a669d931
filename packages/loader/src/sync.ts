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
import workerSource from "s5:worker-source";
import { type DecryptReply, type DecryptRequest, WORKER_EXITED, WORKER_MARK } from "./decrypt.ts";

// Resolves the worker's external modules from the first base that has them.
const PRELUDE = `"use strict";
const { createRequire, isBuiltin } = require("node:module");
const { workerData } = require("node:worker_threads");
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
const __s5Meta = {
  get url() {
    const { pathToFileURL } = require("node:url");
    for (const base of workerData.bases) {
      try { createRequire(base).resolve("sodium-native"); return pathToFileURL(base).href; } catch {}
    }
    return pathToFileURL(workerData.bases[0]).href;
  },
};
`;

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
  const code = `${PRELUDE}(function (require, module, exports) {\n${workerSource}\n})(load, { exports: {} }, {});`;
  const worker = new Worker(code, {
    eval: true,
    workerData: { port: port2, state, bases: bases(request.cwd) },
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
