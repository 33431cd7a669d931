/**
 * `import "@s5/loader/config"` (and `s5/config`): decrypts the environment before the next import
 * runs, or stops the process with a message that names the variables — never a value.
 */
import { WORKER_MARK } from "./decrypt.ts";
import { cannotStart } from "./errors.ts";
import { config } from "./load.ts";

if (process.env[WORKER_MARK] !== "1") {
  try {
    config();
  } catch (error) {
    cannotStart(error);
  }
}
