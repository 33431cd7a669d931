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

type Loaders = Record<string, Loader> | undefined;

/**
 * unplugin's `esbuild.loader` and `config`, per build: one `s5()` may serve concurrent builds with
 * different `loader` options (a shared option made every build use the last one set up: a
 * `"base64"` file came out as text). unplugin reads `esbuild.loader` once in each build's
 * synchronous set-up and calls `config(initialOptions)` right after it, so the getter hands out a
 * function for that build and `config` gives it the build's loaders (either order works).
 */
export function perBuildLoader(): {
  readonly loader: (code: string, id: string) => Loader;
  config(initial: { loader?: Record<string, Loader> }): void;
} {
  let waiting: { loaders: Loaders } | undefined;
  let early: { loaders: Loaders } | undefined;
  return {
    get loader() {
      const build = early ?? { loaders: undefined };
      waiting = early ? undefined : build;
      early = undefined;
      return (_code: string, id: string) => loaderFor(id, build.loaders);
    },
    config(initial) {
      if (waiting) waiting.loaders = initial.loader;
      else early = { loaders: initial.loader };
      waiting = undefined;
    },
  };
}

/** `setup`: the build's platform, and the scan of what it wrote (metafile on, to know what). */
export function setupEsbuild(
  build: PluginBuild,
  ctx: {
    setEsbuildClient(build: PluginBuild, client: boolean): boolean;
    scanEmitted(files: EmittedFile[], client: boolean): string | undefined;
    redactError(error: unknown): boolean;
  },
): void {
  const initial = build.initialOptions;
  const client = ctx.setEsbuildClient(build, isClientPlatform(initial.platform));
  if (initial.write !== false) initial.metafile = true;
  build.onEnd(async (result) => {
    // esbuild has printed its messages by now (natively, see docs/unplugin.md's Limits); what it
    // returns to the script that built is redacted: a `direct-eval` warning quotes its line.
    ctx.redactError(result.warnings);
    ctx.redactError(result.errors);
    const message = ctx.scanEmitted(
      await esbuildFiles(result, initial.absWorkingDir ?? process.cwd()),
      client,
    );
    // Errors returned from onEnd (not pushed onto the result) make build() reject.
    return message ? { errors: [{ text: message }] } : undefined;
  });
}
