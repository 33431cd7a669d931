/**
 * The engine: what `s5/config` and `s5/preload` run, and what the decryption worker runs. It is
 * bundled with core at build time into one string (`s5:engine-source`) that src/engine-run.ts
 * compiles with V8's cached data, so a start compiles ~85 kB of minified code once per s5 build
 * instead of ~200 kB of modules every time (Node keeps no compiled code for a library's modules
 * unless the whole process opts in).
 */
import type { Reach } from "./engine-run.ts";
import { cannotStart } from "./errors.ts";
import { config, load } from "./load.ts";
import { debug } from "./log.ts";
import { resolveOptions } from "./options.ts";
import { isPreloaded } from "./start.ts";

export { serve } from "./worker.ts";

/** `import "s5/config"`: decrypts synchronously, or stops the process naming the variables. */
export function startConfig(): Reach {
  try {
    return config().decrypted.length > 0 ? 1 : 0;
  } catch (error) {
    cannotStart(error);
  }
}

/**
 * `s5/preload`: under `node --import` it decrypts in this thread (the promise, which the entry
 * awaits); imported any other way it is {@link startConfig}, synchronously. So is it while
 * `NODE_DEBUG` or `NODE_DEBUG_NATIVE` is set: Vault is then asked from the worker, which runs
 * without them, as no s5 code talks to Vault in a process whose Node debug output is on.
 */
export function startPreload(): Promise<Reach> | Reach {
  const nodeDebug =
    Boolean(process.env.NODE_DEBUG || process.env.NODE_DEBUG_NATIVE) || nodeLogsRequests();
  return isPreloaded() && !nodeDebug ? decryptBeforeApp() : startConfig();
}

/**
 * Node reads NODE_DEBUG once, at start-up: a host or a preload before this one may have deleted it
 * from the environment while Node still prints every request. Asked of Node itself (core's Vault
 * client asks the same, for these sections: packages/core/src/vault/debug-switch.ts).
 */
function nodeLogsRequests(): boolean {
  const { debuglog } = process.getBuiltinModule("node:util");
  return ["net", "http", "https", "tls", "http2", "undici", "fetch", "stream"].some(
    (section) => debuglog(section).enabled,
  );
}

async function decryptBeforeApp(): Promise<Reach> {
  try {
    const { decrypted } = await load();
    if (decrypted.length === 0) return 0;
    debug(resolveOptions(), "decrypted in this thread, before the application (node --import)");
    return 1;
  } catch (error) {
    cannotStart(error);
  }
}
