/**
 * The worker of `config()`, part of the engine (src/engine.ts). It answers exactly once and wakes
 * the waiting thread, also when it dies first. The bootstrap in src/sync.ts compiles the engine
 * and calls {@link serve}.
 */
import type { MessagePort } from "node:worker_threads";
import { type DecryptRequest, decryptItems } from "./decrypt.ts";
import { WORKER_DONE, WORKER_EXITED } from "./marks.ts";

/**
 * Answers the one request that comes through the port. `beforeReply` runs once the work is done
 * and before the answer (the waiting thread ends this worker as soon as it has it): the bootstrap
 * stores the compiled code there, when it had none. The bootstrap also wakes the waiting thread
 * if the worker exits without an answer (`WORKER_EXITED`), from before this code even compiles.
 */
export function serve(beforeReply?: () => void): void {
  // Read here: the engine also runs in the application's thread, which has no worker_threads loaded.
  const { workerData } = process.getBuiltinModule("node:worker_threads");
  const { port, state } = workerData as { port: MessagePort; state: Int32Array };
  const wake = (value: number): void => {
    if (Atomics.compareExchange(state, 0, 0, value) === 0) Atomics.notify(state, 0);
  };
  // The request (values, and the environment with its credentials) comes through the port, not in
  // the Worker's options, which NODE_DEBUG=worker prints in the application's thread.
  port.once("message", (request: DecryptRequest) => {
    // Answered before the connections close: the waiting thread ends this worker on waking.
    decryptItems(request, (reply) => {
      try {
        beforeReply?.();
      } catch {
        // a cache that cannot be written changes nothing of the answer
      }
      port.postMessage(reply);
      wake(WORKER_DONE);
    }).catch(() => wake(WORKER_EXITED));
  });
}
