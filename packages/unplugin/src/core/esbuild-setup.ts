/**
 * esbuild specifics: which files the plugin loads, the loader it names for them, and the scan of
 * the build's outputs when it ends (esbuild has no per-chunk hook to decrypt in).
 */
import { extname } from "node:path";
import type { Loader, PluginBuild } from "esbuild";
import { type EmittedFile, esbuildFiles } from "./emitted.ts";
import { isClientPlatform } from "./target.ts";

const DEFAULT_LOADERS: Record<string, Loader> = {
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".jsx": "jsx",
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".tsx": "tsx",
  ".json": "json",
  ".txt": "text",
  ".css": "css",
};

/** Only files that can hold text a bundle reads; binary assets are never read as strings. */
export const ESBUILD_FILTER = /\.(?:[cm]?[jt]sx?|json|ya?ml|txt|html?|md|env|css)$/;

/**
 * The loader for module `id`, given the build's `loader` option: esbuild reads what an `onLoad`
 * plugin returns with the loader the plugin names, so it must be the one configured for the file.
 */
export function loaderFor(id: string, configured: Record<string, Loader> | undefined): Loader {
  const ext = extname(id.split("?")[0]!).toLowerCase();
  return configured?.[ext] ?? DEFAULT_LOADERS[ext] ?? "js";
}

/** `setup`: the build's platform, and the scan of what it wrote (metafile on, to know what). */
export function setupEsbuild(
  build: PluginBuild,
  ctx: {
    setEsbuildClient(build: PluginBuild, client: boolean): boolean;
    scanEmitted(files: EmittedFile[], client: boolean): string | undefined;
  },
): void {
  const initial = build.initialOptions;
  const client = ctx.setEsbuildClient(build, isClientPlatform(initial.platform));
  if (initial.write !== false) initial.metafile = true;
  build.onEnd(async (result) => {
    const message = ctx.scanEmitted(
      await esbuildFiles(result, initial.absWorkingDir ?? process.cwd()),
      client,
    );
    // Errors returned from onEnd (not pushed onto the result) make build() reject.
    return message ? { errors: [{ text: message }] } : undefined;
  });
}
