/**
 * webpack (and Rspack through the same API where it has it) stores built modules, generated code
 * and minified assets in its persistent cache even when a loader marks the module uncacheable.
 * This wraps the cache's `store` so nothing that holds a decrypted value is written to disk: the
 * entries of modules we transformed, and any stored source that contains one of the values.
 */

import { relative } from "node:path";
import type { CompilationMessages } from "./redact.ts";

export interface WebpackLikeCompiler {
  options: { target?: unknown; context?: string };
  cache?: {
    store?: (
      identifier: string,
      etag: unknown,
      data: unknown,
      callback: (error?: unknown) => void,
    ) => void;
  };
  hooks: {
    done: {
      tapPromise(name: string, fn: () => Promise<void>): void;
      tap(name: string, fn: (stats: { compilation: CompilationMessages }) => void): void;
    };
    thisCompilation: {
      tap(
        name: string,
        fn: (compilation: {
          hooks: {
            processAssets: { tap(options: { name: string; stage: number }, fn: () => void): void };
          };
          getAssets(): { name: string; source: { source(): string | Buffer } }[];
          errors: Error[];
        }) => void,
      ): void;
    };
  };
  webpack: {
    Compilation: { PROCESS_ASSETS_STAGE_REPORT: number };
    WebpackError: new (message: string) => Error;
  };
}

/**
 * Does a cache entry hold one of the values, anywhere in it? Every object is visited once (a
 * module's data links back to shared objects), however deep: a source nested in a code-generation
 * result sits below depth 3.
 */
function holdsValue(data: unknown, values: ReadonlySet<string>, seen: Set<unknown>): boolean {
  if (values.size === 0 || data === null || data === undefined) return false;
  if (typeof data === "string") {
    for (const value of values) if (data.includes(value)) return true;
    return false;
  }
  if (Buffer.isBuffer(data)) return holdsValue(data.toString("utf8"), values, seen);
  if (typeof data !== "object" || seen.has(data)) return false;
  seen.add(data);
  const source = (data as { source?: unknown }).source;
  if (typeof source === "function") {
    try {
      return holdsValue((data as { source(): unknown }).source(), values, seen);
    } catch {
      return true;
    }
  }
  const items =
    data instanceof Map || data instanceof Set ? [...data.values()] : Object.values(data as object);
  return items.some((item) => holdsValue(item, values, seen));
}

export function guardWebpackCache(
  compiler: WebpackLikeCompiler,
  tainted: ReadonlySet<string>,
  values: ReadonlySet<string>,
): void {
  const cache = compiler.cache;
  if (!cache?.store) return;
  const store = cache.store.bind(cache);
  cache.store = (identifier, etag, data, callback) => {
    if (tainted.size > 0) {
      const context = compiler.options.context ?? process.cwd();
      for (const file of tainted) {
        if (identifier.includes(file) || identifier.includes(`./${relative(context, file)}`)) {
          return callback();
        }
      }
      if (holdsValue(data, values, new Set())) return callback();
    }
    store(identifier, etag, data, callback);
  };
}

/**
 * Rspack's persistent cache is written by Rust and cannot leave single modules out: keep it in
 * memory rather than write decrypted values to disk.
 */
export function keepRspackCacheInMemory(compiler: { options: { cache?: unknown } }): void {
  const cache = compiler.options.cache;
  if (
    typeof cache === "object" &&
    cache !== null &&
    (cache as { type?: unknown }).type === "persistent"
  ) {
    compiler.options.cache = { type: "memory" };
    process.emitWarning(
      "[s5] Rspack's persistent cache would store decrypted values on disk; s5 uses the " +
        "memory cache for this compiler instead.",
      { code: "S5_RSPACK_CACHE" },
    );
  }
}

/** What the plugin reads of a webpack/Rspack loader context (loader-runner's). */
export interface LoaderRunLike {
  loaders?: { options?: unknown }[];
  loaderIndex?: number;
  /** webpack's module, whose `loaders` its `getOptions()` reads (loader-runner's are copies). */
  _module?: { loaders?: { options?: unknown }[] };
}

/**
 * A loader that runs after ours and keeps its own cache on disk — babel-loader's
 * `cacheDirectory` (`node_modules/.cache/babel-loader`, the umask's mode, kept after the build) —
 * would store the decrypted module there, which no hook of webpack's cache sees. For a module we
 * decrypted, each later loader's `cacheDirectory` is turned off: its options for this module only
 * (webpack and loader-runner make the loader entries per module; the options object they point to
 * is shared, and left as it is), read when that loader asks for them.
 */
export function keepLaterLoaderCachesOff(run: LoaderRunLike | undefined): void {
  const index = run?.loaderIndex;
  if (typeof index !== "number") return;
  for (const loaders of [run?.loaders, run?._module?.loaders]) {
    if (!Array.isArray(loaders)) continue;
    // Loaders run from the last to the first: those after ours have lower indexes.
    for (let i = 0; i < Math.min(index, loaders.length); i++) {
      const loader = loaders[i];
      const options = loader?.options;
      if (!loader || typeof options !== "object" || options === null) continue;
      if (!(options as { cacheDirectory?: unknown }).cacheDirectory) continue;
      try {
        loader.options = { ...options, cacheDirectory: false };
      } catch {}
    }
  }
}
