/**
 * `dist/engine.js`: the CLI and core (with core's Vault transport) bundled into one minified
 * script, which bin/engine.cjs compiles with V8's cached data from the user's private cache. An
 * npm bin cannot opt into more: Node's own compile cache keeps only what a module compiles before
 * it runs, so every start compiled most of s5's functions again (a 1-token Vault render ~20 ms).
 *
 * Built from the ES build in dist/ (core's dist carries the bundling edits of its transport).
 * What stays outside goes through the bin:
 * - `import.meta.url` becomes `__s5Meta.url` (this file) in the CLI's code and
 *   `__s5Meta.coreUrl` (core's package.json) in core's, so that each resolves (sodium-native, the
 *   JavaScript libsodium, package.json files) from where it did;
 * - `import("node:…")` becomes `process.getBuiltinModule`, and the two packages loaded by one
 *   command each (`@s5/loader` for `s5 run`, the optional `@s5/kubernetes` for `s5 k8s`) go
 *   through `__s5Meta.import`, the bin's own `import()`. Any other `import(` fails the build.
 * The first line names the build (a hash of the rest): cached data of another build is never
 * offered to V8, which checks only the source's length. The rest is one function expression,
 * `(function (module, exports, __s5Meta) {…})`, compiled by the bin as it is read.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import { build } from "esbuild";
import { engineBuildOptions } from "../../../tsdown.base.ts";

const PACKAGES = new Set(["@s5/loader", "@s5/kubernetes/manifest"]);

/** The engine's body is one function expression, which bin/engine.cjs calls with these. */
const ENGINE_HEAD = '(function (module, exports, __s5Meta) {"use strict";\n';

/** The rewrites of `import(…)` in the bundle; throws on any other. */
function rewriteImports(code: string): string {
  let count = 0;
  const out = code.replace(/\bimport\((?:"([^"]*)"\))?/g, (whole, specifier?: string) => {
    count++;
    if (specifier?.startsWith("node:")) {
      return `Promise.resolve(process.getBuiltinModule(${JSON.stringify(specifier)}))`;
    }
    if (specifier !== undefined && PACKAGES.has(specifier)) {
      return `__s5Meta.import(${JSON.stringify(specifier)})`;
    }
    throw new Error(`engine: unexpected \`${whole}\` in the bundle (see build/engine.ts)`);
  });
  if (count === 0) throw new Error("engine: no import( rewritten: has the bundle changed?");
  if (out.includes("import.meta")) throw new Error("engine: import.meta is left in the bundle");
  // bin/engine.cjs reads it as latin1 (esbuild escapes every other character).
  if (/[^\x00-\x7f]/.test(out)) throw new Error("engine: the bundle is not ASCII");
  return out;
}

export async function buildEngine(packageDir: string): Promise<void> {
  const coreDist = `${sep}core${sep}dist${sep}`;
  const result = await build({
    entryPoints: [join(packageDir, "dist/cli.mjs")],
    absWorkingDir: packageDir,
    ...engineBuildOptions,
    external: ["sodium-native", ...PACKAGES],
    plugins: [
      {
        name: "s5-engine-meta",
        setup(engine) {
          engine.onLoad({ filter: /\.mjs$/ }, ({ path }) => {
            const text = readFileSync(path, "utf8");
            const base = path.includes(coreDist) ? "__s5Meta.coreUrl" : "__s5Meta.url";
            return { contents: text.replaceAll("import.meta.url", base), loader: "js" };
          });
        },
      },
    ],
  });
  // Wrapped here, not by the bin: the bin compiles the file's text as it reads it, and V8 keeps
  // that one string as the script's source. Wrapping at run time made a second string of the
  // same 330 kB (both lived until the process ended).
  const code = `${ENGINE_HEAD}${rewriteImports(result.outputFiles[0]!.text)}\n})\n`;
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  writeFileSync(join(packageDir, "dist/engine.js"), `// s5-engine ${hash}\n${code}`);
}
