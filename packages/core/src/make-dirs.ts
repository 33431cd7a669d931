/**
 * `mkdir -p` that cannot spin. Node's `mkdirSync(dir, { recursive: true })` loops for ever where
 * the kernel answers ENOENT for a directory it will not make under one that exists — /proc
 * (`mkdir /proc/x` is ENOENT, `/proc` EEXIST, so Node climbs and descends again without end,
 * ~100 % CPU: a `S5_KNOWN_KEYS_FILE=/proc/nonexistent/x/known.json` hung every seal). Here each
 * missing level is made once, from the nearest one that exists; the first refusal is thrown as
 * Node's error (its `code`, its `path`).
 */
const { mkdirSync, statSync } = process.getBuiltinModule("node:fs");
const { dirname, resolve } = process.getBuiltinModule("node:path");

/** Makes `dir` and its missing parents (each with `mode`); nothing when it exists. */
export function makeDirs(dir: string, mode = 0o777): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      statSync(at);
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "ENOENT" || dirname(at) === at) throw error;
      missing.push(at);
    }
  }
  for (const at of missing.reverse()) {
    try {
      mkdirSync(at, { mode });
    } catch (error) {
      // Made meanwhile by another process: as good as made here (a file there fails below it).
      if ((error as { code?: string }).code !== "EEXIST") throw error;
    }
  }
}
