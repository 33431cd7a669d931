/**
 * The plugin's state and logic, one per plugin instance (a bundler makes one per build, or per
 * watch session): the root and `allowClient` matcher, the backends and their lifetime, the decrypt
 * batcher, whether the build is a client build, what was decrypted (for the leak and cache
 * guards), and the scans of what the build emitted. `unplugin.ts` only maps each bundler's hooks
 * onto these calls, so every bundler shares one implementation of each step.
 */
import { join, resolve } from "node:path";
import {
  type Backends,
  createBackends,
  createBatcher,
  ExitCode,
  resolveSettings,
  S5Error,
  TOKEN_HINT,
} from "@s5/core";
import type { Loader } from "esbuild";
import type { TransformResult, UnpluginBuildContext, UnpluginContextMeta } from "unplugin";
import { allowMatcher } from "./allow.ts";
import { type BundleItem, bundleFiles, type EmittedFile, webpackFiles } from "./emitted.ts";
import { toBuildError } from "./errors.ts";
import { loaderFor } from "./esbuild-setup.ts";
import { formsOf, leakMessage, remember } from "./leaks.ts";
import { type Options, resolveOptions } from "./options.ts";
import { scanClient, scanServer } from "./outputs.ts";
import { languageOf } from "./syntax.ts";
import { consumerOf, isClientTarget, viteWantsMap } from "./target.ts";
import { type ModuleEnv, resolveModule, type TransformOutput } from "./transform.ts";
import { guardWebpackCache, type WebpackLikeCompiler } from "./webpack-cache.ts";

export type S5Context = ReturnType<typeof createContext>;

export function createContext(rawOptions: Options | undefined, meta: UnpluginContextMeta) {
  const options = resolveOptions(rawOptions);
  let root = resolve(options.root);
  let allowed = allowMatcher(options.allowClient, root);
  let backends: Backends | undefined;
  const getBackends = () => {
    backends ??=
      options.backends ?? createBackends(resolveSettings({ cwd: root, env: options.env }));
    return backends;
  };
  const env: ModuleEnv = {
    get root() {
      return root;
    },
    allowed: (file) => allowed(file),
    backends: getBackends,
    // The plaintexts themselves: each is escaped for the place it lands in.
    batcher: createBatcher(getBackends, { filters: false }),
  };
  /** Client build, for bundlers that say it once per build (webpack, Rspack, esbuild, Rolldown). */
  let buildIsClient = options.client ?? false;
  /** Files whose transformed code holds a plaintext, and every form of those values (cache guard). */
  const tainted = new Set<string>();
  const values = new Set<string>();
  /** Only webpack and Rspack have a persistent cache to guard. */
  const cacheGuard = meta.framework === "webpack" || meta.framework === "rspack";
  let esbuildLoaders: Record<string, Loader> | undefined;

  /** Resolves one module and records its plaintexts for the leak and cache guards. */
  async function transformModule(code: string, id: string, client: boolean, wantsMap = true) {
    const done = await resolveModule(code, id, client, env, wantsMap);
    if (!done) return null;
    if (cacheGuard) {
      for (const value of done.values) {
        for (const form of formsOf(value)) if (form.length >= 4) values.add(form);
      }
    }
    if (options.leakScan) {
      const leaked = remember(done.values, done.allowed, options.leakScanMinLength);
      if (leaked.length > 0) throw new S5Error("S5_LEAK", ExitCode.denied, leakMessage(leaked));
    }
    tainted.add(done.file);
    return { code: done.code, map: done.map, values: done.values } satisfies TransformOutput;
  }

  const ctx = {
    options,
    meta,
    get root() {
      return root;
    },
    transformModule,

    /** Without a `root` option, the bundler's own root (Vite `root`, webpack `context`…) is used. */
    useRoot(dir: string | undefined) {
      if (rawOptions?.root !== undefined || dir === undefined) return;
      root = resolve(dir);
      allowed = allowMatcher(options.allowClient, root);
    },

    /** For bundlers that say it once per build; the `client` option wins. */
    setClientBuild(client: boolean) {
      buildIsClient = options.client ?? client;
    },

    /** Vite says it per hook (the environment's consumer); other bundlers once per build. */
    isClient(hookThis: unknown): boolean {
      const consumer = consumerOf(hookThis);
      return options.client ?? (consumer !== undefined ? consumer === "client" : buildIsClient);
    },

    async closeBackends() {
      const made = backends;
      backends = undefined;
      if (made && made !== options.backends) await made[Symbol.asyncDispose]();
    },

    /** Source maps: Vite says per environment whether it wants them; other bundlers always do. */
    wantsMap(hookThis: unknown): boolean {
      return viteWantsMap(hookThis) ?? true;
    },

    /** The `transform` hook of every bundler. */
    async transform(hookThis: UnpluginBuildContext, code: string, id: string) {
      try {
        const result = await transformModule(
          code,
          id,
          ctx.isClient(hookThis),
          ctx.wantsMap(hookThis),
        );
        if (!result) return null;
        // webpack/Rspack: a decrypted module must not be cached on disk.
        const native = hookThis.getNativeBuildContext?.();
        if (native && (native.framework === "webpack" || native.framework === "rspack")) {
          native.loaderContext?.cacheable(false);
        }
        // unplugin appends an inline sourcemap comment for esbuild: only JavaScript can take one.
        if (meta.framework === "esbuild" && languageOf(id, code) !== "js") return result.code;
        return { code: result.code, map: result.map } satisfies TransformResult;
      } catch (error) {
        throw toBuildError(error);
      }
    },

    /** Vite dev server: index.html is served without the module pipeline, so a client page. */
    async transformHtml(html: string, filename: string): Promise<string> {
      if (!TOKEN_HINT.test(html)) return html;
      try {
        const result = await transformModule(html, filename, options.client ?? true);
        return result ? result.code : html;
      } catch (error) {
        throw toBuildError(error);
      }
    },

    /**
     * Vite/Rollup/Rolldown `renderChunk` of a server build: tokens the bundler inlined after the
     * transform (`import.meta.env`, `define`) are decrypted in the chunk, escaped for their place.
     */
    async renderChunk(hookThis: unknown, code: string, fileName: string) {
      if (ctx.isClient(hookThis) || !TOKEN_HINT.test(code)) return null;
      try {
        const file = join(root, fileName);
        const result = await transformModule(code, file, false, ctx.wantsMap(hookThis));
        return result ? { code: result.code, map: result.map } : null;
      } catch (error) {
        throw toBuildError(error);
      }
    },

    /**
     * Vite/Rollup/Rolldown `generateBundle`: a client bundle's error message, if any. A server
     * bundle is not scanned: `renderChunk` already decrypted what reached its chunks.
     */
    scanBundle(hookThis: unknown, bundle: Readonly<Record<string, BundleItem>>) {
      return ctx.isClient(hookThis) ? scanClient(bundleFiles(bundle), options.leakScan) : undefined;
    },

    /** esbuild, webpack and Rspack: scan what the build wrote, client or server. */
    scanEmitted(files: EmittedFile[]): string | undefined {
      return buildIsClient ? scanClient(files, options.leakScan) : scanServer(files);
    },

    /** esbuild `config`: the build's own loaders and working directory. */
    useEsbuildConfig(initial: { loader?: Record<string, Loader>; absWorkingDir?: string }) {
      esbuildLoaders = initial.loader;
      ctx.useRoot(initial.absWorkingDir);
    },

    esbuildLoader(id: string): Loader {
      return loaderFor(id, esbuildLoaders);
    },

    /** webpack/Rspack: root and target, the cache guard, backends closed when a build is done. */
    attachWebpackLike(compiler: WebpackLikeCompiler) {
      ctx.useRoot(compiler.options.context);
      ctx.setClientBuild(isClientTarget(compiler.options.target));
      guardWebpackCache(compiler, tainted, values);
      compiler.hooks.done.tapPromise("s5", ctx.closeBackends);
      compiler.hooks.thisCompilation.tap("s5", (compilation) => {
        compilation.hooks.processAssets.tap(
          { name: "s5", stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_REPORT },
          () => {
            const message = ctx.scanEmitted(webpackFiles(compilation.getAssets()));
            if (message) compilation.errors.push(new compiler.webpack.WebpackError(message));
          },
        );
      });
    },
  };
  return ctx;
}
