/**
 * `node --import @s5/loader/preload app.js` (and `s5/preload`): `s5/config` for Node's `--import`.
 * Node finishes a preloaded module, awaits included, before the application's first module, so
 * tokens are decrypted asynchronously in this thread: no worker thread to start (~40 ms), which is
 * most of an app start with Vault tokens. Imported any other way it acts as `s5/config`
 * (synchronous), so the application's next import never runs before the values are set.
 */
import { WORKER_MARK } from "./decrypt.ts";
import { cannotStart } from "./errors.ts";
import { config, load } from "./load.ts";
import { debug } from "./log.ts";
import { resolveOptions } from "./options.ts";
import { isPreloaded } from "./start.ts";

if (process.env[WORKER_MARK] !== "1") {
  try {
    if (isPreloaded()) {
      const { decrypted } = await load();
      if (decrypted.length > 0) {
        debug(resolveOptions(), "decrypted in this thread, before the application (node --import)");
      }
    } else config();
  } catch (error) {
    cannotStart(error);
  }
}
