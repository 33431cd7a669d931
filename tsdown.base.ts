/**
 * The build every package shares: ESM for Node 22+, declarations, an exports map written from the
 * entries, sourcemaps. A package's tsdown.config.ts names its entries and what differs.
 */
import MagicString from "magic-string";
import { defineConfig, type UserConfig } from "tsdown";

type Plugin = Extract<NonNullable<UserConfig["plugins"]>, { name: string }>;

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
