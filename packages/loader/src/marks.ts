/**
 * The constants the entries, the engine and its worker share. Kept apart from src/decrypt.ts so
 * that `s5/config` reads them without loading core.
 */

/** Values of the worker's wake-up cell (0 while it works). */
export const WORKER_DONE = 1;
export const WORKER_EXITED = 2;
/** Set in the worker's environment, so an `s5/config` preloaded there (NODE_OPTIONS) does nothing. */
export const WORKER_MARK = "S5_CONFIG_WORKER";
