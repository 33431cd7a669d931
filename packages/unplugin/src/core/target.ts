/** Is this a client (browser) build? Each bundler says it differently. */

/**
 * Vite: the `consumer` of the environment a hook runs in (`"client"` or `"server"`), per hook.
 * `undefined` outside Vite: Rollup, Rolldown, webpack, Rspack and esbuild have no environments.
 */
export function consumerOf(hookThis: unknown): string | undefined {
  return (hookThis as { environment?: { config?: { consumer?: string } } } | undefined)?.environment
    ?.config?.consumer;
}

/**
 * Vite: does the hook run in the dev server's browser environment? It serves its modules to any
 * browser that asks, so no option can make it a server.
 */
export function isViteDevBrowser(hookThis: unknown): boolean {
  const config = (
    hookThis as { environment?: { config?: { command?: string; consumer?: string } } } | undefined
  )?.environment?.config;
  return config?.command === "serve" && config.consumer === "client";
}

/** Vite: the config of the environment a hook runs in; `undefined` outside Vite. */
export function viteConfigOf(hookThis: unknown): unknown {
  return (hookThis as { environment?: { config?: unknown } } | undefined)?.environment?.config;
}

/**
 * Vite: does the environment a hook runs in want source maps? Not in a build without
 * `build.sourcemap` (the rule Vite's own plugins follow); always on the dev server. `undefined`
 * outside Vite.
 */
export function viteWantsMap(hookThis: unknown): boolean | undefined {
  const config = (
    hookThis as
      | { environment?: { config?: { command?: string; build?: { sourcemap?: unknown } } } }
      | undefined
  )?.environment?.config;
  if (config?.command === undefined) return undefined;
  return config.command !== "build" || Boolean(config.build?.sourcemap);
}

/** webpack/Rspack: `target` (`"node"`, `["node18", "es2022"]`, `"web"`, `"browserslist"`…). */
export function isClientTarget(target: unknown): boolean {
  const list = Array.isArray(target) ? target : [target];
  return !list.some(
    (item) => typeof item === "string" && /^(?:async-)?node|^electron-main|^nwjs/.test(item),
  );
}

/**
 * esbuild and Rolldown: `platform`. esbuild's default is `"browser"` whatever the format, so
 * only `"node"` and `"neutral"` are server builds.
 */
export function isClientPlatform(platform: unknown): boolean {
  return platform !== "node" && platform !== "neutral";
}

/** Rolldown's input options: `platform`, and the (first) output's `format`. */
export function isClientRolldownInput(input: unknown): boolean {
  const { platform, output } = input as {
    platform?: unknown;
    output?: { format?: unknown } | { format?: unknown }[];
  };
  const format = Array.isArray(output) ? output[0]?.format : output?.format;
  // Rolldown's own default: `"node"` for CommonJS output, `"browser"` otherwise.
  if (platform === undefined && format === "cjs") return false;
  return isClientPlatform(platform);
}
