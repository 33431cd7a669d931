/**
 * `node --import @s5/loader/preload app.js` (and `s5/preload`): `s5/config` for Node's `--import`.
 * Node finishes a preloaded module, awaits included, before the application's first module, so
 * tokens are decrypted asynchronously in this thread: no worker thread to start (~40 ms), which is
 * most of an app start with Vault tokens. Imported any other way it acts as `s5/config`
 * (synchronous: no await is reached), so the application's next import never runs before the
 * values are set.
 */
import { startEngine } from "./engine-run.ts";
import { WORKER_MARK } from "./marks.ts";

if (process.env[WORKER_MARK] !== "1") {
  const { engine, update } = startEngine("preload");
  const reached = engine.startPreload();
  update(typeof reached === "number" ? reached : await reached);
}
