/**
 * Telling whether `node --import` loads the preload entry (used by the engine's `startPreload`).
 */

/** The names under which the preload entry is published. */
const PRELOAD_NAMES = new Set(["s5/preload", "@s5/loader/preload"]);

/** The values of every `--import X` / `--import=X` in a list of arguments. */
function importsIn(args: readonly string[]): string[] {
  const values: string[] = [];
  for (const [i, arg] of args.entries()) {
    if (arg === "--import" && args[i + 1] !== undefined) values.push(args[i + 1]!);
    else if (arg.startsWith("--import=")) values.push(arg.slice("--import=".length));
  }
  return values;
}

/** A path (or file: URL) to a `preload.mjs` in the dist/ of the s5 or @s5/loader package. */
function isPreloadFile(value: string, cwd: string): boolean {
  const { existsSync, readFileSync, realpathSync } = process.getBuiltinModule("node:fs");
  const { dirname, resolve, basename } = process.getBuiltinModule("node:path");
  const { fileURLToPath } = process.getBuiltinModule("node:url");
  try {
    const file = realpathSync(
      value.startsWith("file:") ? fileURLToPath(value) : resolve(cwd, value),
    );
    if (basename(file) !== "preload.mjs") return false;
    const manifest = resolve(dirname(file), "..", "package.json");
    if (!existsSync(manifest)) return false;
    const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown };
    return name === "s5" || name === "@s5/loader";
  } catch {
    return false;
  }
}

/**
 * Whether this process loads the preload entry through `node --import` (on the command line or
 * in NODE_OPTIONS). Node then finishes every `--import` module, awaits included, before it loads
 * the application — so the preload may decrypt asynchronously, without a worker thread. Anything
 * else (an `import` in the application, where a top-level await would let the next import run
 * first) gets the synchronous `config()`.
 */
export function isPreloaded(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
  cwd: string = process.cwd(),
): boolean {
  const values = [...importsIn(execArgv), ...importsIn(nodeOptions?.split(/\s+/) ?? [])];
  return values.some((value) => PRELOAD_NAMES.has(value) || isPreloadFile(value, cwd));
}
