/**
 * The build every package shares: ESM for Node 22+, declarations, an exports map written from the
 * entries, sourcemaps. A package's tsdown.config.ts names its entries and what differs.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import MagicString from "magic-string";
import { defineConfig, type UserConfig } from "tsdown";

type Plugin = Extract<NonNullable<UserConfig["plugins"]>, { name: string }>;

/**
 * The esbuild options both engines share (the CLI's `dist/engine.js`, packages/cli/build/engine.ts;
 * the loader's engine string, packages/loader/tsdown.config.ts): one minified CommonJS body that
 * `vm.Script` compiles, for Node 22+, returned in memory.
 */
export const engineBuildOptions = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node22",
  minify: true,
  write: false,
  legalComments: "none",
  logLevel: "error",
} as const;

const BUILTIN_IMPORT = /^import (?:\{([^}]*)\}|([\w$]+)|\* as ([\w$]+)) from "(node:[\w/]+)";$/gm;

/**
 * Node built-ins through `process.getBuiltinModule` instead of ESM imports. An ESM import of a
 * built-in builds its ESM facade, which reads every export — lazy getters included: `node:fs`
 * loads fs/promises, streams and readline (34 modules), `node:util` as many, `node:http` Node's
 * fetch implementation (~30 ms). The CommonJS exports are the same functions, without that.
 */
export const builtinsWithoutFacades: Plugin = {
  name: "s5-builtins-without-facades",
  renderChunk(code, chunk) {
    if (/\.d\.[cm]?ts$/.test(chunk.fileName)) return null;
    const out = new MagicString(code);
    for (const match of code.matchAll(BUILTIN_IMPORT)) {
      const [line, named, name, namespace, id] = match;
      const binding = named
        ? `{${named.replace(/([\w$]+) as ([\w$]+)/g, "$1: $2")}}`
        : (name ?? namespace);
      out.overwrite(
        match.index,
        match.index + line.length,
        `const ${binding} = process.getBuiltinModule("${id}");`,
      );
    }
    const left = /^import[^;]*from "node:[^"]*";$/m.exec(out.toString());
    if (left)
      throw new Error(`s5 build: an import of a built-in the build cannot rewrite: ${left[0]}`);
    return out.hasChanged()
      ? { code: out.toString(), map: out.generateMap({ hires: true }) }
      : null;
  },
};

/**
 * The license texts of the third-party packages bundled into a package's dist/, next to the code
 * (`dist/THIRD-PARTY-LICENSES.md`): core's Vault transport (node-vault), the loader's dotenv.
 */
export function bundledLicenses(what: string, alsoFrom: string[] = []): Plugin {
  return {
    name: "s5-bundled-licenses",
    generateBundle(_options, bundle) {
      const packages = new Map<string, string>();
      // Notices of code that arrives already bundled (another package's dist): its own list.
      for (const file of alsoFrom) {
        for (const section of readFileSync(file, "utf8").split(/^## /m).slice(1)) {
          const [name = "", ...rest] = section.split("\n");
          packages.set(name.trim(), rest.join("\n").trim());
        }
      }
      for (const item of Object.values(bundle)) {
        if (item.type !== "chunk") continue;
        for (const id of item.moduleIds) {
          const at = id.lastIndexOf(`${sep}node_modules${sep}`);
          if (at < 0) continue;
          let dir = dirname(id);
          while (dir.length > at && !existsSync(join(dir, "package.json"))) dir = dirname(dir);
          const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
          if (!manifest.name || packages.has(manifest.name)) continue;
          const license = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license", "LICENCE"]
            .map((name) => join(dir, name))
            .find((file) => existsSync(file));
          packages.set(
            `${manifest.name}@${manifest.version}`,
            license ? readFileSync(license, "utf8").trim() : `License: ${manifest.license}`,
          );
        }
      }
      if (packages.size === 0) return;
      const text = [...packages]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, license]) => `## ${name}\n\n${license}\n`)
        .join("\n");
      this.emitFile({
        type: "asset",
        fileName: "THIRD-PARTY-LICENSES.md",
        source: `# Third-party code bundled in dist/ (${what})\n\n${text}`,
      });
    },
  };
}

export function packageBuild(entry: string[], extra: Partial<UserConfig> = {}) {
  return defineConfig({
    entry,
    format: "esm",
    platform: "node",
    target: "node22",
    dts: true,
    exports: true,
    sourcemap: true,
    ...extra,
    plugins: [builtinsWithoutFacades, ...((extra.plugins as Plugin[] | undefined) ?? [])],
  });
}
