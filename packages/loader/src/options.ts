/** The loader's options: what code passes, else `S5_CONFIG_*` variables (like `DOTENV_CONFIG_*`). */
import { ConfigError } from "@s5/core";
import { readBoolean } from "@s5/core/internal";

export type Env = Record<string, string | undefined>;

export interface LoaderOptions {
  /**
   * The `.env` file(s) to read, in order. Relative paths start at `cwd`. A file named here must
   * exist; only the default `.env` may be missing.
   * @default `S5_CONFIG_PATH` (comma-separated), else ".env"
   * @example config({ path: [".env.local", ".env"] })
   */
  path?: string | readonly string[] | undefined;
  /**
   * Let values from the files replace variables that are already set. With several files and
   * `override`, the last file wins; without it, the first file that sets a variable wins.
   * Tokens in variables that are already set are decrypted either way.
   * @default `S5_CONFIG_OVERRIDE`, else false
   */
  override?: boolean | undefined;
  /**
   * Print nothing on success. Failures are always printed by the `s5/config` entry.
   * @default `S5_CONFIG_QUIET`, else true
   */
  quiet?: boolean | undefined;
  /**
   * Explain on stderr what the loader does (files, variable names, backends, time) — never a value.
   * @default `S5_CONFIG_DEBUG`, else false
   */
  debug?: boolean | undefined;
  /**
   * Directory that relative paths and the project config (`.s5.json`) are found from.
   * @default process.cwd()
   */
  cwd?: string | undefined;
  /**
   * The environment to read and to write (dotenv's `processEnv`).
   * @default process.env
   */
  processEnv?: Env | undefined;
}

export interface ResolvedOptions {
  paths: string[];
  /** Whether the paths are the default `.env`, which may be missing. */
  defaultPath: boolean;
  override: boolean;
  quiet: boolean;
  debug: boolean;
  cwd: string;
  processEnv: Env;
}

function splitPaths(value: string): string[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** Code options win over `S5_CONFIG_*` variables, which win over defaults. */
export function resolveOptions(options: LoaderOptions = {}): ResolvedOptions {
  const processEnv = options.processEnv ?? (process.env as Env);
  const env = process.env as Env;
  const given =
    options.path === undefined
      ? env.S5_CONFIG_PATH
        ? splitPaths(env.S5_CONFIG_PATH)
        : undefined
      : typeof options.path === "string"
        ? [options.path]
        : [...options.path];
  if (given !== undefined && given.length === 0) {
    throw new ConfigError("S5_CONFIG_PATH", "no .env file is named", {
      hint: "S5_CONFIG_PATH takes one path or several separated by commas",
    });
  }
  return {
    paths: given ?? [".env"],
    defaultPath: given === undefined,
    override:
      options.override ?? readBoolean(env.S5_CONFIG_OVERRIDE, "S5_CONFIG_OVERRIDE") ?? false,
    quiet: options.quiet ?? readBoolean(env.S5_CONFIG_QUIET, "S5_CONFIG_QUIET") ?? true,
    debug: options.debug ?? readBoolean(env.S5_CONFIG_DEBUG, "S5_CONFIG_DEBUG") ?? false,
    cwd: options.cwd ?? process.cwd(),
    processEnv,
  };
}
