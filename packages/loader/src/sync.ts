/**
 * Synchronous decryption for `config()`: a worker thread does the asynchronous work while this
 * thread sleeps in `Atomics.wait`, then reads the reply with `receiveMessageOnPort`. A top-level
 * await would not hold back the application's next import (see docs/loader.md).
 *
 * The worker runs the engine (src/engine.ts), a string built into this package
 * (`s5:engine-source`), not a file next to it: when the application itself is bundled, no worker
 * file would be found. It carries core and its Vault transport; only the native module
 * (`sodium-native`) is loaded from disk (see src/engine-run.ts).
 */
import engineSource, { hash } from "s5:engine-source";

import type { DecryptReply, DecryptRequest } from "./decrypt.ts";
import { bases, cacheFileOf, compileEngine } from "./engine-run.ts";
import { WORKER_EXITED, WORKER_MARK } from "./marks.ts";

// The worker's first code: wakes the waiting thread if the worker dies, then compiles the engine
// (src/engine-run.ts, the same function as in the application's thread, from its source text) and
// serves the request. The engine is not the eval'd string itself: Node 24 checks an eval'd
// worker's code for module syntax by compiling it once more, and an eval'd string has no code cache.
const BOOTSTRAP = `"use strict";
const { workerData } = require("node:worker_threads");
process.on("exit", () => {
  if (Atomics.compareExchange(workerData.state, 0, 0, ${WORKER_EXITED}) === 0) Atomics.notify(workerData.state, 0);
});
const { engine, update } = (${compileEngine.toString()})(workerData.source, workerData.hash, workerData.bases, workerData.cacheFile);
engine.serve(() => update(1));
`;

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
      source: engineSource,
      hash,
      cacheFile: cacheFileOf("worker"),
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
