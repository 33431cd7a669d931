/** Is this a client (browser) build? Each bundler says it differently. */

/** webpack/Rspack: `target` (`"node"`, `["node18", "es2022"]`, `"web"`, `"browserslist"`…). */
export function isClientTarget(target: unknown): boolean {
  const list = Array.isArray(target) ? target : [target];
  return !list.some(
    (item) => typeof item === "string" && /^(?:async-)?node|^electron-main|^nwjs/.test(item),
  );
}

/** esbuild and Rolldown: `platform` (`"browser"` is the default of both for ES modules). */
export function isClientPlatform(platform: unknown, format?: unknown): boolean {
  if (platform === "node" || platform === "neutral") return false;
  if (platform === undefined && format === "cjs") return false;
  return true;
}
