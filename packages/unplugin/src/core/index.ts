/**
 * The plugin factory: one implementation for every bundler through unplugin. It resolves tokens in
 * every module the bundler transforms, refuses tokens in client builds, scans client outputs for
 * decrypted values, and keeps decrypted modules out of persistent caches.
 */
import { extname, isAbsolute, join, relative, resolve } from "node:path";
import {
  applyFilters,
  type Backends,
  createBackends,
  ExitCode,
  findTokens,
  resolveSettings,
  S5Error,
  TOKEN_HINT,
  type TokenFailure,
  TokenFailures,
  toS5Error,
} from "@s5/core";
import type { Loader } from "esbuild";
import MagicString from "magic-string";
import picomatch from "picomatch";
import { createUnplugin, type UnpluginFactory, type UnpluginOptions } from "unplugin";
import { createBatcher } from "./batch.ts";
import { type Context, contextsOf, languageOf } from "./syntax.ts";
import { clientTokenError, toBuildError } from "./errors.ts";
import { encodeFor } from "./escape.ts";
import { formsOf, leakMessage, remember, scanClientOutputs } from "./leaks.ts";
import { type Options, resolveOptions } from "./options.ts";
import { clientOutputTokenMessage, serverOutputTokenMessage, tokensIn } from "./outputs.ts";
import { isClientPlatform, isClientTarget } from "./target.ts";
import { guardWebpackCache, type WebpackLikeCompiler } from "./webpack-cache.ts";

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

/**
 * Cheap test run by the bundler before our code sees a module: may it contain a token? (Core's:
 * every token form, including the Go tool's 0.1.0 `{{ vault:v1:… }}`.)
 */
export { TOKEN_HINT };

export interface TransformOutput {
  code: string;
  map: ReturnType<MagicString["generateMap"]>;
  /** Every plaintext put into the module (for the leak guard). */
  values: string[];
}

export const unpluginFactory: UnpluginFactory<Options | undefined, false> = (rawOptions, meta) => {
  const options = resolveOptions(rawOptions);
  let root = resolve(options.root);
  let allowMatch = makeMatcher(options.allowClient, root);
  /** Without a `root` option, the bundler's own root (Vite `root`, webpack `context`…) is used. */
  const useRoot = (dir: string | undefined) => {
    if (rawOptions?.root !== undefined || dir === undefined) return;
    root = resolve(dir);
    allowMatch = makeMatcher(options.allowClient, root);
  };
  let backends: Backends | undefined;
  const getBackends = () => {
    backends ??=
      options.backends ?? createBackends(resolveSettings({ cwd: root, env: options.env }));
    return backends;
  };
  const batcher = createBatcher(getBackends);
  /** Client build, for bundlers that say it once per build (webpack, Rspack, esbuild, Rolldown). */
  let buildIsClient = options.client ?? false;
  /** Files whose transformed code holds a plaintext, and every form of those values (cache guard). */
  const tainted = new Set<string>();
  const values = new Set<string>();
  let esbuildLoaders: Record<string, Loader> | undefined;

  const closeBackends = async () => {
    const made = backends;
    backends = undefined;
    if (made && made !== options.backends) await made.close();
  };

  /** Resolves the tokens of one module; `null` when it has none. */
  async function transformModule(
    code: string,
    id: string,
    client: boolean,
  ): Promise<TransformOutput | null> {
    const file = id.split("?")[0]!;
    const name = relative(root, file) || file;
    const found = findTokens({ name, content: code }, getBackends().legacyBackend);
    if (found.tokens.length === 0 && found.failures.length === 0) return null;
    const allowed = allowMatch(file);
    if (client && !allowed) {
      throw clientTokenError([
        ...found.tokens.map((t) => found.lines.locate(t.start)),
        ...found.failures.map((f) => f.location),
      ]);
    }
    if (found.failures.length > 0) throw new TokenFailures(found.failures);
    const contexts: Context[] = contextsOf(code, languageOf(id, code), found.tokens);
    const active = found.tokens.filter((_, i) => contexts[i]!.kind !== "comment");
    const activeContexts = contexts.filter((c) => c.kind !== "comment");
    if (active.length === 0) return null;
    // Filters are applied here, after decryption, so the leak guard also knows the plain value.
    const plain = await batcher.resolve({
      ...found,
      tokens: active.map((token) => ({ ...token, filters: [] })),
    });
    const out = new MagicString(code);
    const failures: TokenFailure[] = [];
    const decoder = new TextDecoder();
    const written: string[] = [];
    active.forEach((token, i) => {
      try {
        const value = plain[i]!;
        const filtered = applyFilters(token.filters, value);
        out.overwrite(
          token.start,
          token.end,
          encodeFor(activeContexts[i]!, filtered, token.filters),
        );
        written.push(decoder.decode(value));
      } catch (error) {
        failures.push({ location: found.lines.locate(token.start), error: toS5Error(error) });
      }
    });
    if (failures.length > 0) throw new TokenFailures(failures);
    for (const value of written) {
      for (const form of formsOf(value)) if (form.length >= 4) values.add(form);
      if (options.leakScan) {
        const leaked = remember(value, allowed, options.leakScanMinLength);
        if (leaked && leaked.length > 0) {
          throw new S5Error("S5_LEAK", ExitCode.denied, leakMessage(leaked));
        }
      }
    }
    tainted.add(file);
    return {
      code: out.toString(),
      map: out.generateMap({ source: file, hires: "boundary", includeContent: false }),
      values: written,
    };
  }

  /** A client build's emitted files: no token, and (leak scan) no plaintext decrypted here. */
  function scanOutputs(files: { name: string; text: string }[]): string | undefined {
    const tokens = tokensIn(files);
    if (tokens.length > 0) return clientOutputTokenMessage(tokens);
    if (!options.leakScan) return undefined;
    const leaked = scanClientOutputs(files);
    return leaked.length > 0 ? leakMessage(leaked) : undefined;
  }

  /** A server build's emitted files, for bundlers that cannot decrypt them after the fact. */
  function scanServerOutputs(files: { name: string; text: string }[]): string | undefined {
    const tokens = tokensIn(files);
    return tokens.length > 0 ? serverOutputTokenMessage(tokens) : undefined;
  }

  /**
   * Vite/Rollup/Rolldown `renderChunk` of a server build: tokens the bundler inlined after the
   * transform (`import.meta.env`, `define`) are decrypted in the chunk, escaped for their place.
   */
  async function renderServerChunk(code: string, fileName: string) {
    if (!TOKEN_HINT.test(code)) return null;
    try {
      const result = await transformModule(code, join(root, fileName), false);
      return result ? { code: result.code, map: result.map } : null;
    } catch (error) {
      throw toBuildError(error);
    }
  }

  /** Vite/Rollup/Rolldown `generateBundle`: the emitted chunks, assets and sourcemaps. */
  function bundleFiles(bundle: Record<string, unknown>): { name: string; text: string }[] {
    const files: { name: string; text: string }[] = [];
    const decoder = new TextDecoder();
    for (const [name, item] of Object.entries(bundle)) {
      const output = item as { type: string; code?: string; map?: unknown; source?: unknown };
      if (output.type === "chunk") {
        files.push({ name, text: output.code ?? "" });
        if (output.map) files.push({ name: `${name}.map`, text: JSON.stringify(output.map) });
      } else {
        const source = output.source;
        files.push({
          name,
          text: typeof source === "string" ? source : decoder.decode(source as Uint8Array),
        });
      }
    }
    return files;
  }

  const plugin: UnpluginOptions = {
    name: "s5",
    enforce: "pre",
    transform: {
      filter: { code: TOKEN_HINT },
      async handler(code, id) {
        // Vite gives each transform its environment; other bundlers decide once per build.
        const environment = (this as { environment?: { config?: { consumer?: string } } })
          .environment;
        const client =
          options.client ??
          (environment?.config?.consumer !== undefined
            ? environment.config.consumer === "client"
            : buildIsClient);
        try {
          const result = await transformModule(code, id, client);
          if (!result) return null;
          // webpack/Rspack: a decrypted module must not be cached on disk.
          const native = this.getNativeBuildContext?.();
          if (native && (native.framework === "webpack" || native.framework === "rspack")) {
            native.loaderContext?.cacheable(false);
          }
          // unplugin appends an inline sourcemap comment for esbuild: only JavaScript can take one.
          if (meta.framework === "esbuild" && languageOf(id, code) !== "js") return result.code;
          return { code: result.code, map: result.map };
        } catch (error) {
          throw toBuildError(error);
        }
      },
    },
    async buildEnd() {
      await closeBackends();
    },
    vite: {
      configResolved(config) {
        useRoot(config.root);
      },
      async renderChunk(code, chunk) {
        const consumer = (this as { environment?: { config?: { consumer?: string } } }).environment
          ?.config?.consumer;
        if (options.client ?? consumer === "client") return null;
        return renderServerChunk(code, chunk.fileName);
      },
      transformIndexHtml: {
        order: "pre",
        async handler(html, context) {
          // Only the dev server sends index.html here without the module pipeline.
          if (!context.server || !TOKEN_HINT.test(html)) return html;
          try {
            const result = await transformModule(html, context.filename, options.client ?? true);
            return result ? result.code : html;
          } catch (error) {
            throw toBuildError(error);
          }
        },
      },
      generateBundle(_output, bundle) {
        const consumer = (this as { environment?: { config?: { consumer?: string } } }).environment
          ?.config?.consumer;
        const client = options.client ?? consumer === "client";
        if (!client) return;
        const message = scanOutputs(bundleFiles(bundle as Record<string, unknown>));
        if (message) this.error(message);
      },
    },
    rollup: {
      async renderChunk(code, chunk) {
        return buildIsClient ? null : renderServerChunk(code, chunk.fileName);
      },
      generateBundle(_output, bundle) {
        if (!buildIsClient) return;
        const message = scanOutputs(bundleFiles(bundle as Record<string, unknown>));
        if (message) this.error(message);
      },
    },
    rolldown: {
      options(input) {
        const platform = (input as { platform?: unknown }).platform;
        const output = (input as { output?: { format?: unknown } | { format?: unknown }[] }).output;
        const format = Array.isArray(output) ? output[0]?.format : output?.format;
        buildIsClient = options.client ?? isClientPlatform(platform, format);
        return null;
      },
      async renderChunk(code, chunk) {
        return buildIsClient ? null : renderServerChunk(code, chunk.fileName);
      },
      generateBundle(_output, bundle) {
        if (!buildIsClient) return;
        const message = scanOutputs(bundleFiles(bundle as Record<string, unknown>));
        if (message) this.error(message);
      },
    },
    webpack(compiler) {
      setupWebpackLike(compiler as unknown as WebpackLikeCompiler);
    },
    rspack(compiler) {
      // Rspack's persistent cache is written by Rust and cannot leave single modules out: keep it
      // in memory rather than write decrypted values to disk.
      const cache = compiler.options.cache;
      if (typeof cache === "object" && cache !== null && cache.type === "persistent") {
        compiler.options.cache = { type: "memory" };
        process.emitWarning(
          "[s5] Rspack's persistent cache would store decrypted values on disk; s5 uses the " +
            "memory cache for this compiler instead.",
          { code: "S5_RSPACK_CACHE" },
        );
      }
      setupWebpackLike(compiler as unknown as WebpackLikeCompiler);
    },
    esbuild: {
      // Only files that can hold text a bundle reads; binary assets are never read as strings.
      onLoadFilter: /\.(?:[cm]?[jt]sx?|json|ya?ml|txt|html?|md|env|css)$/,
      // What we return must still be read with the loader the build configured for the file.
      loader(_code, id) {
        const ext = extname(id.split("?")[0]!).toLowerCase();
        return esbuildLoaders?.[ext] ?? DEFAULT_LOADERS[ext] ?? "js";
      },
      config(initial) {
        esbuildLoaders = initial.loader;
        useRoot(initial.absWorkingDir);
      },
      setup(build) {
        const initial = build.initialOptions;
        buildIsClient = options.client ?? isClientPlatform(initial.platform, initial.format);
        if (initial.write !== false) initial.metafile = true;
        build.onEnd(async (result) => {
          const files: { name: string; text: string }[] = [];
          if (result.outputFiles) {
            for (const file of result.outputFiles) files.push({ name: file.path, text: file.text });
          } else if (result.metafile) {
            const { readFile } = await import("node:fs/promises");
            const cwd = initial.absWorkingDir ?? process.cwd();
            for (const name of Object.keys(result.metafile.outputs)) {
              files.push({ name, text: await readFile(resolve(cwd, name), "utf8") });
            }
          }
          const message = buildIsClient ? scanOutputs(files) : scanServerOutputs(files);
          // Errors returned from onEnd (not pushed onto the result) make build() reject.
          return message ? { errors: [{ text: message }] } : undefined;
        });
      },
    },
  };

  function setupWebpackLike(compiler: WebpackLikeCompiler) {
    useRoot(compiler.options.context);
    buildIsClient = options.client ?? isClientTarget(compiler.options.target);
    guardWebpackCache(compiler, tainted, values);
    compiler.hooks.done.tapPromise("s5", closeBackends);
    compiler.hooks.thisCompilation.tap("s5", (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: "s5", stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_REPORT },
        () => {
          const files = compilation.getAssets().map((asset) => {
            const source = asset.source.source();
            return {
              name: asset.name,
              text: typeof source === "string" ? source : source.toString("utf8"),
            };
          });
          const message = buildIsClient ? scanOutputs(files) : scanServerOutputs(files);
          if (message) compilation.errors.push(new compiler.webpack.WebpackError(message));
        },
      );
    });
  }

  return plugin;
};

/** Compiled `allowClient` matchers, shared by the plugin instances of one process (one per build). */
const matchers = new Map<string, (file: string) => boolean>();

function makeMatcher(globs: readonly string[], root: string): (file: string) => boolean {
  if (globs.length === 0) return () => false;
  const key = JSON.stringify([root, globs]);
  let matcher = matchers.get(key);
  if (!matcher) {
    matcher = picomatch(
      globs.map((glob) => (isAbsolute(glob) || glob.startsWith("**") ? glob : `${root}/${glob}`)),
      { dot: true },
    );
    matchers.set(key, matcher);
  }
  return matcher;
}

/** The plugin for every bundler: `unplugin.vite()`, `unplugin.webpack()`… */
export const unplugin = /* #__PURE__ */ createUnplugin(unpluginFactory);
