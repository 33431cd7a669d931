/**
 * The hook table: which hook of which bundler calls which step of the plugin context. Every step
 * lives in `context.ts`, so Vite, Rollup and Rolldown share one `renderChunk` and one
 * `generateBundle`, and webpack and Rspack one set-up.
 */
import { TOKEN_HINT } from "@s5/core";
import type { Loader, PluginBuild } from "esbuild";
import { createUnplugin, type UnpluginFactory, type UnpluginOptions } from "unplugin";
import { createContext } from "./context.ts";
import type { BundleItem } from "./emitted.ts";
import { ESBUILD_FILTER, perBuildLoader, setupEsbuild } from "./esbuild-setup.ts";
import type { Options } from "./options.ts";
import { isClientRolldownInput } from "./target.ts";
import { guardViteDevServer, type ViteDevServerLike } from "./vite-dev.ts";
import { keepRspackCacheInMemory, type WebpackLikeCompiler } from "./webpack-cache.ts";

export type { TransformOutput } from "./transform.ts";
/**
 * Cheap test run by the bundler before our code sees a module: may it contain a token? (Core's:
 * every token form, including the Go tool's 0.1.0 `{{ vault:v1:… }}`.)
 */
export { TOKEN_HINT };

/** What Vitest's `configureVitest` hook is given that the plugin uses (Vitest ≥ 4.0.11). */
interface VitestCacheContext {
  defineCacheKeyGenerator?: (
    generate: (module: { sourceCode: string }) => false | undefined,
  ) => void;
  experimental_defineCacheKeyGenerator?: VitestCacheContext["defineCacheKeyGenerator"];
}

/**
 * Vitest's `fsModuleCache` writes each transformed module to disk (node_modules, the umask's
 * mode): a module with a token would be stored with its plaintexts. `false` keeps a module out;
 * the source it is given is the file as read, tokens and all. (A hook Vite's own types do not
 * name: Vitest adds it to them only where it is imported.)
 */
const vitestHooks: Record<string, unknown> = {
  configureVitest(context: VitestCacheContext) {
    const define = context.defineCacheKeyGenerator ?? context.experimental_defineCacheKeyGenerator;
    define?.(({ sourceCode }) => (TOKEN_HINT.test(sourceCode) ? false : undefined));
  },
};

export const unpluginFactory: UnpluginFactory<Options | undefined, false> = (rawOptions, meta) => {
  const ctx = createContext(rawOptions, meta);

  async function renderChunk(this: unknown, code: string, chunk: { fileName: string }) {
    return ctx.renderChunk(this, code, chunk.fileName);
  }
  // Shared by Vite, Rollup and Rolldown; the context knows whether this build is a client one.
  const rollupLike = {
    renderChunk,
    generateBundle(
      this: { error(message: string): never },
      _output: unknown,
      bundle: Record<string, BundleItem>,
    ) {
      const message = ctx.scanBundle(this, bundle);
      if (message) this.error(message);
    },
    // A later plugin's error about a module we decrypted is redacted before it is printed (the
    // same object is thrown on; Rolldown's own parse errors are kept out by the syntax check).
    renderError(error?: Error) {
      if (error) ctx.redactError(error);
    },
    // A warning about a module we decrypted carries its code frame too, printed as the build goes
    // on (Rolldown's own, native `EVAL` quotes the decrypted line): redacted in place before the
    // bundler prints it or hands it to the user's `onLog`/`onwarn`, as an error is.
    onLog(_level: string, log: object) {
      ctx.redactError(log);
    },
  };

  // Rolldown (and Vite on it) test the hint natively: a chunk without one is never copied into
  // JavaScript (a 300 kB chunk per build otherwise). Rollup has no filter on this hook.
  const filteredRenderChunk = { filter: { code: TOKEN_HINT }, handler: renderChunk };

  const plugin: UnpluginOptions = {
    name: "s5",
    enforce: "pre",
    transform: {
      filter: { code: TOKEN_HINT },
      handler(code, id) {
        return ctx.transform(this, code, id);
      },
    },
    async buildEnd(error?: Error) {
      if (error) ctx.redactError(error);
      await ctx.closeBackends();
    },
    vite: {
      ...rollupLike,
      renderChunk: filteredRenderChunk,
      configResolved(config) {
        ctx.useRoot(config.root);
      },
      configureServer(server) {
        return guardViteDevServer(
          server as unknown as ViteDevServerLike,
          ctx.redactError,
          ctx.redactText,
        );
      },
      ...vitestHooks,
      transformIndexHtml: {
        order: "pre",
        async handler(html, context) {
          // Only the dev server sends index.html here without the module pipeline.
          return context.server ? ctx.transformHtml(html, context.filename) : html;
        },
      },
    },
    rollup: rollupLike,
    rolldown: {
      ...rollupLike,
      renderChunk: filteredRenderChunk,
      options(input) {
        ctx.setClientBuild(isClientRolldownInput(input));
        return null;
      },
    },
    webpack(compiler) {
      ctx.attachWebpackLike(compiler as unknown as WebpackLikeCompiler);
    },
    rspack(compiler) {
      keepRspackCacheInMemory(compiler);
      ctx.attachWebpackLike(compiler as unknown as WebpackLikeCompiler);
    },
    esbuild: esbuildHooks(ctx),
  };
  return plugin;
};

/** esbuild's part of the table: the loader is kept per build (see `perBuildLoader`). */
function esbuildHooks(ctx: ReturnType<typeof createContext>) {
  const loaders = perBuildLoader();
  return {
    onLoadFilter: ESBUILD_FILTER,
    get loader() {
      return loaders.loader;
    },
    config(initial: { loader?: Record<string, Loader>; absWorkingDir?: string }) {
      loaders.config(initial);
      ctx.useRoot(initial.absWorkingDir);
    },
    setup: (build: PluginBuild) => setupEsbuild(build, ctx),
  } satisfies UnpluginOptions["esbuild"];
}

/** The plugin for every bundler: `unplugin.vite()`, `unplugin.webpack()`… */
export const unplugin = /* #__PURE__ */ createUnplugin(unpluginFactory);
