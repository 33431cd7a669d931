/**
 * `import "@s5/loader/config"` (and `s5/config`): decrypts the environment before the next import
 * runs, or stops the process with a message that names the variables — never a value. The work is
 * the engine's (src/engine.ts), compiled with V8's cached data: this file loads no more than the
 * engine's source text.
 */
import { startEngine } from "./engine-run.ts";
import { WORKER_MARK } from "./marks.ts";

if (process.env[WORKER_MARK] !== "1") {
  const { engine, update } = startEngine("config");
  update(engine.startConfig());
}
