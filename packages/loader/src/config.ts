/**
 * `import "@s5/loader/config"` (and `s5/config`): decrypts the environment before the next import
 * runs, or stops the process with a message that names the variables — never a value.
 */
import { toS5Error } from "@s5/core";
import { WORKER_MARK } from "./decrypt.ts";
import { config } from "./load.ts";

if (process.env[WORKER_MARK] !== "1") {
  try {
    config();
  } catch (error) {
    const failure = toS5Error(error);
    process.stderr.write(`[s5] cannot start: ${failure.describe()}\n`);
    process.exit(failure.exitCode || 1);
  }
}
