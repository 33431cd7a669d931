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
  resolveSettings,
  TOKEN_HINT,
} from "@s5/core";
import type { PluginBuild } from "esbuild";
import type { TransformResult, UnpluginBuildContext, UnpluginContextMeta } from "unplugin";
import { allowMatcher } from "./allow.ts";
import { type BundleItem, bundleFiles, type EmittedFile, webpackFiles } from "./emitted.ts";
import { toBuildError } from "./errors.ts";
import { loaderFor } from "./esbuild-setup.ts";
import { joinSources, redrawFrame, type Source, sourceOf } from "./frame.ts";
import { formsOf, leakError, remember } from "./leaks.ts";
import { maskTokens } from "./mask.ts";
import { type Options, resolveOptions } from "./options.ts";
import { scanClient, scanServer } from "./outputs.ts";
import { scanPublicDir } from "./public-dir.ts";
import { createRedactor, HIDDEN, redactCompilation, setField } from "./redact.ts";
import { languageOf } from "./syntax.ts";
import { esbuildCheck, rolldownCheck, type SyntaxCheck } from "./syntax-check.ts";
import {
  consumerOf,
  isClientTarget,
  isViteDevBrowser,
  viteConfigOf,
  viteWantsMap,
} from "./target.ts";
import { type ModuleEnv, resolveModule, type TransformOutput } from "./transform.ts";
import {
  guardWebpackCache,
  keepLaterLoaderCachesOff,
  type LoaderRunLike,
  type WebpackLikeCompiler,
} from "./webpack-cache.ts";

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
  /** Client build, for bundlers that say it once per build (webpack, Rspack, Rolldown). */
  let buildIsClient = options.client ?? false;
  /**
   * esbuild: one plugin instance may serve several builds at once (`plugins` shared by a browser
   * and a node build in `Promise.all`), so the answer is kept per build.
   */
  const esbuildClient = new WeakMap<PluginBuild, boolean>();
  /** Every plaintext written by this instance, hidden in errors raised after our transform. */
  const redactor = createRedactor();
  /** Files whose transformed code holds a plaintext, and every form of those values (cache guard). */
  const tainted = new Set<string>();
  const values = new Set<string>();
  /** Each decrypted module's source as it was (tokens, no values): frames of errors are drawn from it. */
  const sources = new Map<string, Source>();
  /** Only webpack and Rspack have a persistent cache to guard. */
  const cacheGuard = meta.framework === "webpack" || meta.framework === "rspack";

  /** Resolves one module and records its plaintexts for the leak and cache guards. */
  async function transformModule(code: string, id: string, client: boolean, wantsMap = true) {
    const done = await resolveModule(code, id, client, env, wantsMap);
    if (!done) return null;
    redactor.add(done.values);
    if (cacheGuard) {
      for (const value of done.values) {
        for (const form of formsOf(value)) if (form.length >= 4) values.add(form);
      }
    }
    if (options.leakScan) {
      const leaked = remember(done.values, done.allowed, options.leakScanMinLength);
      if (leaked.length > 0) throw leakError(leaked);
    }
    tainted.add(done.file);
    sources.set(done.file, sourceOf(code, done.code, done.values));
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

    /** esbuild `setup`: this build's platform (the `client` option wins); returns the answer. */
    setEsbuildClient(build: PluginBuild, client: boolean): boolean {
      const answer = options.client ?? client;
      esbuildClient.set(build, answer);
      return answer;
    },

    /**
     * Vite says it per hook (the environment's consumer), esbuild per build, others once. The
     * `client` option wins, but for the Vite dev server's browser environment.
     */
    isClient(hookThis: unknown): boolean {
      if (isViteDevBrowser(hookThis)) return true;
      if (options.client !== undefined) return options.client;
      const consumer = consumerOf(hookThis);
      if (consumer !== undefined) return consumer === "client";
      const build = esbuildBuildOf(hookThis);
      // An esbuild hook outside a build we set up is treated as a client one (esbuild's default).
      if (build) return esbuildClient.get(build) ?? true;
      return buildIsClient;
    },

    /**
     * An error raised after our transform (a later plugin, the bundler's parser): every plaintext
     * we wrote is replaced by a marker, in place. For an error about a module we decrypted, its
     * `pluginCode` (Vite sends it to the browser) becomes a note and its code frame is drawn again
     * from the module's source (a bundler cuts long lines, and a cut value matches no form).
     */
    redactError(error: unknown): boolean {
      let replaced = false;
      try {
        replaced = hideModuleCode(error);
      } catch {}
      return redactor.error(error) || replaced;
    },

    redactText: redactor.text,

    async closeBackends() {
      const made = backends;
      backends = undefined;
      if (made && made !== options.backends) await made[Symbol.asyncDispose]();
    },

    /**
     * Source maps: Vite says per environment whether it wants them, esbuild per build (its
     * `sourcemap` option); other bundlers always do. esbuild takes a module's map inline in the
     * code an `onLoad` returns, and reads what a plugin returns in a time that grows faster than
     * its size (0.9/2.3/6 s for a plain 5/10/20 MB module, with no plugin of ours): a
     * `hires: "boundary"` map doubles that size, for a build that never reads it.
     */
    wantsMap(hookThis: unknown): boolean {
      const build = esbuildBuildOf(hookThis);
      if (build) return Boolean(build.initialOptions.sourcemap);
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
        const check = syntaxCheckFor(hookThis, id);
        if (check && !(await check(result.code))) return await maskTokens(code, id, env, check);
        // webpack/Rspack: a decrypted module must not be cached on disk.
        const native = hookThis.getNativeBuildContext?.();
        if (native && (native.framework === "webpack" || native.framework === "rspack")) {
          native.loaderContext?.cacheable(false);
          keepLaterLoaderCachesOff(native.loaderContext as LoaderRunLike | undefined);
        }
        // unplugin appends an inline sourcemap comment for esbuild: only JavaScript can take one.
        if (meta.framework === "esbuild" && languageOf(id, code) !== "js") return result.code;
        // It also fills a map's missing `sourcesContent` with the code it is handed, the decrypted
        // module, which esbuild then writes into the build's source map (uploaded to error
        // trackers, served beside bundles): the file as written instead, as Rollup and Vite have.
        if (meta.framework === "esbuild" && result.map) result.map.sourcesContent = [code];
        return { code: result.code, map: result.map } satisfies TransformResult;
      } catch (error) {
        throw toBuildError(error);
      }
    },

    /**
     * Vite dev server: index.html is served without the module pipeline, to a browser (so a
     * client page whatever the `client` option says).
     */
    async transformHtml(html: string, filename: string): Promise<string> {
      if (!TOKEN_HINT.test(html)) return html;
      try {
        const result = await transformModule(html, filename, true);
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
     * Vite/Rollup/Rolldown `generateBundle`: a client bundle's error message, if any (with Vite,
     * the public directory it copies too). A server bundle is not scanned: `renderChunk` already
     * decrypted what reached its chunks.
     */
    scanBundle(hookThis: unknown, bundle: Readonly<Record<string, BundleItem>>) {
      if (!ctx.isClient(hookThis)) return undefined;
      return (
        scanPublicDir(viteConfigOf(hookThis), root) ??
        scanClient(bundleFiles(bundle), options.leakScan)
      );
    },

    /** esbuild, webpack and Rspack: scan what the build wrote, client or server. */
    scanEmitted(files: EmittedFile[], client = buildIsClient): string | undefined {
      return client ? scanClient(files, options.leakScan) : scanServer(files);
    },

    /** webpack/Rspack: root and target, the cache guard, backends closed when a build is done. */
    attachWebpackLike(compiler: WebpackLikeCompiler) {
      ctx.useRoot(compiler.options.context);
      ctx.setClientBuild(isClientTarget(compiler.options.target));
      guardWebpackCache(compiler, tainted, values);
      compiler.hooks.done.tapPromise("s5", ctx.closeBackends);
      // `done` runs before stats reach the caller or webpack-cli: their code frames show the
      // module as we left it when a later loader or the parser fails on it.
      compiler.hooks.done.tap("s5", (stats) =>
        redactCompilation(stats.compilation, ctx.redactError),
      );
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
  /**
   * An error about a decrypted module: its `pluginCode` becomes a note, and every code frame line
   * that quotes a value (in `frame`, or inside `message` as webpack and Rspack print it) is drawn
   * again from the module's source. Errors it wraps count too, and it is redrawn from theirs: Vite
   * 8 and Rolldown hand `buildEnd` a "Build failed" error without an `id` whose `errors` hold the
   * one about the module and whose message repeats that one's frame. True if anything was replaced.
   */
  function hideModuleCode(error: unknown): boolean {
    const tree = errorTree(error);
    const sourceOfError = (record: Record<string, unknown>) =>
      sources.get(moduleOf(record)?.split("?")[0] ?? "");
    const found = tree.flatMap((record) => sourceOfError(record) ?? []);
    if (found.length === 0) return false;
    const source = joinSources([...new Set(found)]);
    let replaced = false;
    for (const record of tree) {
      if (typeof record.pluginCode === "string" && sourceOfError(record)) {
        setField(record, "pluginCode", `${HIDDEN} (the module holds decrypted values)`);
        replaced = true;
      }
      for (const key of FRAME_KEYS) {
        const text = record[key];
        if (typeof text !== "string") continue;
        const drawn = redrawFrame(text, source);
        if (drawn === text) continue;
        setField(record, key, drawn);
        replaced = true;
      }
    }
    return replaced;
  }

  /** The bundler's own parser for this module, where the plugin can reach it. */
  function syntaxCheckFor(hookThis: unknown, id: string): SyntaxCheck | undefined {
    const build = esbuildBuildOf(hookThis);
    // The build's own loader for the file (each build has its own `loader` option).
    if (build) return esbuildCheck(build, loaderFor(id, build.initialOptions.loader));
    return rolldownCheck(hookThis, id);
  }

  return ctx;
}

/** Fields of an error that may hold a code frame. */
const FRAME_KEYS = ["frame", "message", "stack", "details"] as const;

/** An error and the errors it wraps (`errors`, `cause`), a few levels deep. */
function errorTree(error: unknown, depth = 0, seen = new Set<object>()): Record<string, unknown>[] {
  if (typeof error !== "object" || error === null || seen.has(error) || depth > 3) return [];
  seen.add(error);
  if (Array.isArray(error)) return error.flatMap((item) => errorTree(item, depth + 1, seen));
  const record = error as Record<string, unknown>;
  const out = [record];
  for (const key of ["errors", "cause"]) {
    try {
      out.push(...errorTree(record[key], depth + 1, seen));
    } catch {}
  }
  return out;
}

/** The file an error is about: Rollup/Vite `id` or `loc.file`, webpack/Rspack `module.resource`. */
function moduleOf(record: Record<string, unknown>): string | undefined {
  if (typeof record.id === "string") return record.id;
  const loc = record.loc as { file?: unknown } | undefined;
  if (typeof loc?.file === "string") return loc.file;
  const module = record.module as { resource?: unknown } | undefined;
  return typeof module?.resource === "string" ? module.resource : undefined;
}

/** The esbuild build a hook runs in (unplugin hands it out as the native build context). */
function esbuildBuildOf(hookThis: unknown): PluginBuild | undefined {
  const native = (
    hookThis as { getNativeBuildContext?: () => { framework?: string; build?: PluginBuild } }
  )?.getNativeBuildContext?.();
  return native?.framework === "esbuild" ? native.build : undefined;
}
