import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { build } from "esbuild";
import type { UserConfig } from "tsdown";
import { bundledLicenses, engineBuildOptions, packageBuild } from "../../tsdown.base.ts";

type Plugin = Extract<NonNullable<UserConfig["plugins"]>, { name: string }>;

/**
 * What the engine's text starts with: it is one function expression, which src/engine-run.ts
 * compiles as it is and calls with these four (the ES modules it was bundled from are strict).
 */
const ENGINE_HEAD = '(function (require, module, exports, __s5Meta) {"use strict";\n';

/**
 * `s5:engine-source`: the engine (src/engine.ts: `s5/config`, `s5/preload` and their worker) with
 * core bundled in, as one string that src/engine-run.ts compiles with V8's cached data. A file
 * next to dist/ would be lost when the application is bundled; a string travels with the code.
 * The native module stays outside and is resolved at run time (see src/engine-run.ts).
 * The string is wrapped here, not at run time: V8 keeps the string it compiles as the script's
 * source, and a wrapper added at start made a second copy (~180 kB) beside the literal.
 */
const engineSource: Plugin = {
  name: "s5-engine-source",
  resolveId(id) {
    return id === "s5:engine-source" ? "\0s5:engine-source" : undefined;
  },
  async load(id) {
    if (id !== "\0s5:engine-source") return undefined;
    const result = await build({
      entryPoints: ["src/engine.ts"],
      ...engineBuildOptions,
      // Core's dist carries the Vault transport (node-vault) in its lazily loaded chunk:
      // it comes along, and only the native module stays outside.
      external: ["sodium-native"],
      // `import("sodium-native")` must go through the engine's resolving `require`, and
      // `createRequire(import.meta.url)` must start where sodium-native is (src/engine-run.ts).
      supported: { "dynamic-import": false },
      define: { "import.meta.url": "__s5Meta.url", "import.meta.filename": "__s5Meta.filename" },
      plugins: [
        {
          name: "s5-dotenv",
          setup(engine) {
            engine.onLoad({ filter: DOTENV }, async ({ path }) => ({
              contents: dotenvSource(await readFile(path, "utf8")),
              loader: "js",
            }));
          },
        },
        {
          // Inside the engine, its own text (to start the worker with) is what it was compiled from.
          name: "s5-engine-self",
          setup(engine) {
            engine.onResolve({ filter: /^s5:engine-source$/ }, () => ({
              path: "self",
              namespace: "s5-engine-self",
            }));
            engine.onLoad({ filter: /.*/, namespace: "s5-engine-self" }, () => ({
              contents: "export default __s5Meta.source;\nexport const hash = __s5Meta.hash;",
              loader: "js",
            }));
          },
        },
      ],
    });
    const text = `${ENGINE_HEAD}${result.outputFiles[0]!.text}\n})`;
    // Names the engine's code cache files: cached data of another build is never offered to V8.
    const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
    return `export default ${JSON.stringify(text)};\nexport const hash = ${JSON.stringify(hash)};`;
  },
};

/**
 * dotenv's source as s5 bundles it, in the loader's chunk and in the engine. dotenv requires
 * Node's built-ins with `require()`: bundled as they are, they would need a
 * `createRequire(import.meta.url)` shim at the top of the chunk, whose `createRequire` name clashes
 * with the banner many ESM bundles of applications carry; `process.getBuiltinModule` instead.
 * `node:os` is not in Node's start-up snapshot (~1.1 M instructions to load), and dotenv reads it
 * only to expand `~` in `config()`'s paths, which s5 never calls: a stand-in loads it on first
 * use. Any other `require` left fails the build, so a dotenv release that adds one is reviewed.
 */
function dotenvSource(code: string): string {
  const os = code.split('require("os")').length - 1;
  if (os !== 1) throw new Error(`dotenv: expected one require("os"), found ${os}`);
  const edited = code
    .replace(
      'require("os")',
      'new Proxy({}, { get: (_, key) => process.getBuiltinModule("node:os")[key] })',
    )
    .replace(/\brequire\("(fs|path|url|crypto)"\)/g, 'process.getBuiltinModule("node:$1")');
  const left = /\brequire\([^)]*\)/.exec(edited);
  if (left) throw new Error(`dotenv: ${left[0]} is not handled (packages/loader/tsdown.config.ts)`);
  return edited;
}

const DOTENV = /[\\/]node_modules[\\/]dotenv[\\/]/;

const dotenvBuiltins: Plugin = {
  name: "s5-dotenv-builtins",
  transform: {
    filter: { id: DOTENV },
    handler(code) {
      return { code: dotenvSource(code), map: null };
    },
  },
};

export default packageBuild(["src/index.ts", "src/config.ts", "src/preload.ts"], {
  // dotenv's parser travels inside the loader's chunk: as a CommonJS package of its own it cost
  // every `s5/config` start ~3 ms to resolve and load.
  deps: { alwaysBundle: (id: string) => id === "dotenv", onlyBundle: false },
  // What `s5/config` loads besides its entry: the engine's text and what compiles it, in one chunk.
  outputOptions: {
    advancedChunks: {
      groups: [{ name: "engine", test: /engine-run|engine-source|code-cache|marks/ }],
    },
  },
  plugins: [
    engineSource,
    dotenvBuiltins,
    // The engine carries core's dist, and with it the Vault transport core bundles.
    bundledLicenses("dotenv's parser; in the engine, core's Vault transport", [
      "../core/dist/THIRD-PARTY-LICENSES.md",
    ]),
  ],
});
