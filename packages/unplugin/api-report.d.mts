// The public API of this package, from its built declarations (scripts/api-report.mjs).

// ---- esbuild.d.mts ----
import { a as Options } from "./index.mjs";
/** The s5 plugin for esbuild. @example plugins: [s5()] */
declare const plugin: (options?: Options | undefined) => import("esbuild").Plugin;
export { plugin as default, plugin as "module.exports" };

// ---- index.d.mts ----
import { Backends, TOKEN_HINT } from "@s5/core";
import { UnpluginFactory } from "unplugin";
import MagicString from "magic-string";
/** The forms a plaintext can take in an emitted file. */
declare function formsOf(value: string): string[];
/** Options of the s5 bundler plugin; every one is optional. */
interface Options {
  /**
   * Files (globs, relative to `root`, or absolute) whose tokens may be resolved in a client
   * (browser) build. Everything else fails a client build with the file and line of the token:
   * secrets stay server-side unless you say otherwise. Values from these files are also exempt
   * from the leak scan.
   * @default []
   * @example allowClient: ["src/public-config.json", "src/maps/**"]
   */
  allowClient?: string | string[] | undefined;
  /**
   * Whether this build is a client (browser) build. By default the plugin asks the bundler:
   * Vite's environment `consumer`, webpack/Rspack `target`, esbuild and Rolldown `platform`;
   * Rollup builds count as server builds. The Vite dev server's browser (`client`) environment
   * is always a client: it serves its modules to any browser that asks, so `false` does not
   * reach it (list public files in `allowClient` instead).
   * @default undefined (detected)
   * @example client: process.env.BUILD_TARGET === "browser"
   */
  client?: boolean | undefined;
  /**
   * After a client build, scan every emitted asset and sourcemap for each plaintext decrypted in
   * this process (raw, JSON-escaped, base64 and URL-encoded) and fail the build if one is there.
   * @default true
   * @example leakScan: false
   */
  leakScan?: boolean | undefined;
  /**
   * Plaintexts shorter than this are not looked for by the leak scan (a value like `on` or `8080`
   * would match unrelated text).
   * @default 6
   * @example leakScanMinLength: 4
   */
  leakScanMinLength?: number | undefined;
  /**
   * Directory that relative `allowClient` globs and file names in messages are relative to, and
   * where the project config (`.s5.json`) is searched from.
   * @default process.cwd()
   * @example root: fileURLToPath(new URL(".", import.meta.url))
   */
  root?: string | undefined;
  /**
   * Environment the backends read (`S5_PRIVATE_KEY`, `VAULT_ADDR`, `VAULT_TOKEN`…).
   * @default process.env
   * @example env: { ...process.env, VAULT_ADDR: "https://vault.internal:8200" }
   */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Backends to decrypt with, instead of the ones made from `root` and `env` (tests, or a host
   * that already has them).
   * @default undefined (created from `.s5.json` and the environment on the first token)
   * @example backends: createBackends(resolveSettings({ cwd }))
   */
  backends?: Backends | undefined;
}
interface TransformOutput {
  code: string;
  /** `null` when the build makes no source maps (see `wantsMap`). */
  map: ReturnType<MagicString["generateMap"]> | null;
  /** Every plaintext put into the module (for the leak guard). */
  values: string[];
}
declare const unpluginFactory: UnpluginFactory<Options | undefined, false>;
/** The plugin for every bundler: `unplugin.vite()`, `unplugin.webpack()`… */
declare const unplugin: import("unplugin").UnpluginInstance<Options | undefined, false>;
export { Options as a, TransformOutput as i, unplugin as n, formsOf as o, unpluginFactory as r, TOKEN_HINT as t };

// ---- index.d.mts ----
import { a as Options, i as TransformOutput, n as unplugin, o as formsOf, r as unpluginFactory, t as TOKEN_HINT } from "./index.mjs";
export { type Options, TOKEN_HINT, type TransformOutput, unplugin as default, unplugin, formsOf, unpluginFactory };

// ---- rolldown.d.mts ----
import { a as Options } from "./index.mjs";
/** The s5 plugin for rolldown. @example plugins: [s5()] */
declare const plugin: (options?: Options | undefined) => import("rolldown").Plugin<any>;
export { plugin as default, plugin as "module.exports" };

// ---- rollup.d.mts ----
import { a as Options } from "./index.mjs";
/** The s5 plugin for rollup. @example plugins: [s5()] */
declare const plugin: (options?: Options | undefined) => import("rollup").Plugin<any>;
export { plugin as default, plugin as "module.exports" };

// ---- rspack.d.mts ----
import { a as Options } from "./index.mjs";
/** The s5 plugin for rspack. @example plugins: [s5()] */
declare const plugin: (options?: Options | undefined) => import("unplugin").RspackPluginInstance;
export { plugin as default, plugin as "module.exports" };

// ---- vite.d.mts ----
import { a as Options } from "./index.mjs";
/** The s5 plugin for vite. @example plugins: [s5()] */
declare const plugin: (options?: Options | undefined) => import("vite").Plugin<any>;
export { plugin as default, plugin as "module.exports" };

// ---- webpack.d.mts ----
import { a as Options } from "./index.mjs";
/** The s5 plugin for webpack. @example plugins: [s5()] */
declare const plugin: (options?: Options | undefined) => import("webpack").WebpackPluginInstance;
export { plugin as default, plugin as "module.exports" };
