import type { Backends } from "@s5/core";

/** Options of the s5 bundler plugin; every one is optional. */
export interface Options {
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

export interface ResolvedOptions {
  allowClient: string[];
  client: boolean | undefined;
  leakScan: boolean;
  leakScanMinLength: number;
  root: string;
  env: Readonly<Record<string, string | undefined>>;
  backends: Backends | undefined;
}

export function resolveOptions(options: Options = {}): ResolvedOptions {
  const allow = options.allowClient;
  return {
    allowClient: allow === undefined ? [] : Array.isArray(allow) ? allow : [allow],
    client: options.client,
    leakScan: options.leakScan ?? true,
    leakScanMinLength: options.leakScanMinLength ?? 6,
    root: options.root ?? process.cwd(),
    env: options.env ?? process.env,
    backends: options.backends,
  };
}
