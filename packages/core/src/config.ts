/**
 * Configuration: flags > environment (`S5_*`, `VAULT_*`) > the project config file found upward
 * from the working directory (`.s5.json`) > defaults.
 */
import { dirname, join, resolve } from "node:path";
import schemaJson from "../s5.schema.json" with { type: "json" };
import { type BackendName, backendNames } from "./backend.ts";
import { ConfigError, UsageError } from "./errors.ts";
import { settingsEnv } from "./file-settings.ts";
import { showable } from "./hidden.ts";
import { homeOfProcess } from "./home.ts";
import { findDuplicateKey } from "./json-keys.ts";
import { checkLinkedProjectFile, nearestProjectFile } from "./link-crossing.ts";
import { parseSecretKeys } from "./local/encoding.ts";
import type { ProjectKey } from "./local/keyring.ts";
import { LineIndex } from "./location.ts";
import { plantedBy, readKeyFile, unreadable } from "./private-file.ts";
import { placeName, realDirectoryOf } from "./real-place.ts";
import { type Schema, showKey, validate } from "./schema/validate.ts";
import { closest } from "./suggest.ts";
import { isNewer, S5_VERSION, upgradeHint } from "./version.ts";

// Not `import … from "node:fs"`: that ESM facade loads all of fs (streams, promises), ~4 ms that
// the runtime loader (`s5/config`) would add to every application start.
const { existsSync, readFileSync } = process.getBuiltinModule("node:fs");

/** The project config file name, found upward from the working directory. */
export const PROJECT_FILE = ".s5.json";

/**
 * The JSON Schema of the project config (`s5.schema.json`, shipped as `@s5/core/schema.json`):
 * {@link readProjectFile} checks against it, so what editors are told and what s5 accepts agree.
 */
export const projectSchema = schemaJson as Schema;

/** The committed project config (`.s5.json`); its shape is checked by {@link projectSchema}. */
export interface ProjectConfig {
  /** Where editors find the JSON Schema of this file (written by `s5 init`, ignored by s5). */
  $schema?: string | undefined;
  /** Backend for new tokens and for the Go tool's bare tokens. */
  backend?: BackendName | undefined;
  /** Write tokens the Go tool can read. @default false */
  legacyTokens?: boolean | undefined;
  local?: { keys: ProjectKey[] } | undefined;
  vault?:
    | {
        transitKey?: string | undefined;
        transitMount?: string | undefined;
        /** Retries of one Vault request. @default 6 */
        maxRetries?: number | undefined;
        /** Total time one Vault request may be retried, e.g. `"30s"`. @default "30s" */
        retryTimeout?: string | undefined;
      }
    | undefined;
}

/** What the command line (or an API caller) says; wins over everything else. */
export interface Overrides {
  /** Backend word or `--backend`. */
  backend?: string | undefined;
  /** `--key` of the AES backend (hex). */
  aesKey?: string | undefined;
  /** `--config FILE`: use this project config instead of searching upward. */
  configFile?: string | undefined;
  /** `--private-key-file FILE`. */
  privateKeyFile?: string | undefined;
  /** `--legacy`: write tokens in the Go tool's form. */
  goToolTokens?: boolean | undefined;
  /** `--no-trim`. */
  noTrim?: boolean | undefined;
  /** `-k/--transit-key` (Vault). */
  transitKey?: string | undefined;
  /** `--transit-mount` (Vault). */
  transitMount?: string | undefined;
  /**
   * The CLI: a machine moves on to a teammate's rotated project key when that key's tokens
   * decrypt, as when it encrypts (packages/core/src/local/known-keys.ts). Libraries do not write
   * the record while they decrypt.
   */
  learnKeys?: boolean | undefined;
  /**
   * The CLI: where a note goes while s5 waits, such as a Vault server that does not answer and
   * is retried for seconds. Libraries leave it unset and stay silent.
   * @default undefined (no notes)
   * @example (message) => process.stderr.write(`s5: note: ${message}\n`)
   */
  note?: ((message: string) => void) | undefined;
}

export interface Settings {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Backend chosen by a flag, the environment or the project config. */
  backend: BackendName | undefined;
  /** Write new tokens in the Go tool's form (`--legacy`, `S5_LEGACY_TOKENS`, `legacyTokens`). */
  goToolTokens: boolean;
  noTrim: boolean;
  aesKey: string | undefined;
  project: { file: string; dir: string; config: ProjectConfig } | undefined;
  /** Where `s5 init` keeps this user's secret key. */
  identityFile: string;
  /**
   * Where this machine records the project keys it has encrypted to, per project
   * (`S5_KNOWN_KEYS_FILE`, else `known-keys.json` beside the default identity).
   */
  knownKeysFile: string;
  privateKeyFile: string | undefined;
  /** Overrides as given, for backends that read more of them (Vault). */
  overrides: Overrides;
  /** Where warnings go (a credential file others can read…). @default stderr, `s5: warning: …` */
  warn: (message: string) => void;
}

export interface SettingsInput {
  cwd?: string | undefined;
  env?: Readonly<Record<string, string | undefined>> | undefined;
  overrides?: Overrides | undefined;
  /** Where warnings go. @default stderr, as `s5: warning: …` */
  warn?: ((message: string) => void) | undefined;
}

const warnOnStderr = (message: string) => {
  process.stderr.write(`s5: warning: ${message}\n`);
};

/** Reads a boolean variable the way the Vault CLI does: `1/true/yes/on` and `0/false/no/off`. */
export function readBoolean(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  const lower = value.trim().toLowerCase();
  if (["1", "true", "yes", "on", "t", "y"].includes(lower)) return true;
  if (["0", "false", "no", "off", "f", "n"].includes(lower)) return false;
  // The value is not shown: a setting may hold a secret set in the wrong place.
  throw new ConfigError(
    "S5_CONFIG_VALUE",
    `${name} must be true or false (1, yes, on / 0, no, off)`,
    {
      hint: `set ${name} to true, 1, yes, on, t or y, or to false, 0, no, off, f or n (any case), or unset it for its default; its value is not shown`,
    },
  );
}

export function parseBackendName(value: string, source: string): BackendName {
  if ((backendNames as readonly string[]).includes(value)) return value as BackendName;
  // A word that is not near a backend's name may be a value typed in the wrong place: not shown.
  const near = closest(value, [...backendNames, "aws", "gcp", "pgp"]);
  const shown = near ? `\`${value}\`${near === value ? "" : ` (did you mean \`${near}\`?)`}` : "";
  const message = `unknown backend ${shown || "(not shown: it may be a value)"} from ${source}`;
  const hint = `backends: ${backendNames.join(", ")} (the Go tool's aws, gcp and pgp are not supported)`;
  // A word on the command line is a usage error; a variable with an invalid value, like the
  // others, is invalid configuration (exit 12, the README's table).
  if (source === "the command line") throw new UsageError(message, { hint });
  throw new ConfigError("S5_CONFIG_VALUE", message, { hint });
}

/**
 * Finds `.s5.json` in `cwd` or the nearest parent directory. One another user could have put there
 * is refused ({@link checkProjectFile}): it decides whom new secrets are encrypted to.
 */
export function findProjectFile(cwd: string): string | undefined {
  const found = nearestProjectFile(resolve(cwd));
  if (found !== undefined) checkProjectFile(found);
  return found;
}

/** The project that reads a file's tokens, and how to read its settings. */
export interface FileProject {
  /** Its `.s5.json` (undefined: none). */
  project: string | undefined;
  /** Reads its settings (again on each call: after a rotation, a login). */
  read: () => Settings;
}

/**
 * The project whose keys and settings read the tokens of a file in `dir` (a real directory:
 * {@link projectOfFile} finds it for a file): the nearest `.s5.json` above it (a monorepo's
 * packages each have their own), or the working directory's — `settings`, read already with
 * `input` — when there is no directory (stdin, the process environment), for a file outside any
 * project, and for every file when a config is named (`--config`, `S5_CONFIG`).
 * The one rule the CLI's commands and the loader group their files by.
 */
export function projectOfDir(
  dir: string | undefined,
  settings: Settings,
  input: SettingsInput,
): FileProject {
  const own = settings.project?.file;
  const here = { project: own, read: () => resolveSettings(input) };
  const named = namesConfig(settings);
  // The working directory's own files (the usual render) need no second walk up the tree.
  if (dir === undefined || named || resolve(dir) === resolve(settings.cwd)) return here;
  const project = findProjectFile(dir);
  if (project === undefined || project === own) return here;
  return { project, read: () => resolveSettings({ ...input, cwd: dirname(project) }) };
}

/**
 * The project whose keys and settings read the tokens of `file` (undefined: stdin, the process
 * environment): {@link projectOfDir} of the file's real directory — symbolic links in its name
 * and its directories followed, so a link reads its target with the target's project; a name that
 * does not exist yet, from its nearest existing directory. `known` caches real directories across
 * calls (a walk of many files: one `realpath` per directory).
 * @example projectOfFile("app/link.yml", settings, { cwd }) // the project of the link's target
 */
export function projectOfFile(
  file: string | undefined,
  settings: Settings,
  input: SettingsInput,
  known?: Map<string, string>,
): FileProject {
  // A named config is every file's project: no path looked at.
  const dir =
    file === undefined || namesConfig(settings)
      ? undefined
      : realDirectoryOf(placeName(settings.cwd, file), known);
  return projectOfDir(dir, settings, input);
}

/** Whether a config is named (`--config`, `S5_CONFIG`): one project for every file. */
const namesConfig = (settings: Settings) =>
  settings.overrides.configFile !== undefined || settings.env.S5_CONFIG !== undefined;

/**
 * A project config found upward is used when it is this user's or root's, or when only its owner
 * can change the directory it is in (a service's `/srv/app`, a CI runner's checkout that a root
 * container reads). One that another user owns in a directory others can write (`/tmp`, above
 * every project there) could send every new secret to that user: refused, as git refuses a
 * repository of "dubious ownership". Naming the file (`--config`, `S5_CONFIG`) trusts it.
 */
function checkProjectFile(file: string): void {
  checkLinkedProjectFile(file);
  const owner = plantedBy(file);
  if (owner === undefined) return;
  throw new ConfigError(
    "S5_CONFIG_UNSAFE",
    `${file} belongs to another user (uid ${owner}) in a directory others can write: s5 will not use it`,
    {
      hint: "it decides whom new secrets are encrypted to: remove it, or name it with --config if you trust it",
    },
  );
}

/**
 * Reads and checks a project config. `from`: where its path came from, for messages — the path of
 * a file s5 found or of `--config` is shown, one from `S5_CONFIG` only when the file exists.
 * @example readProjectFile("/repo/.s5.json")
 */
export function readProjectFile(file: string, from?: "--config" | "S5_CONFIG"): ProjectConfig {
  return readConfigFile(file, {
    what: "the project config",
    setting: from ?? PROJECT_FILE,
    known: from !== "S5_CONFIG",
    directory: from
      ? `name the project's ${PROJECT_FILE} file`
      : `s5 takes the ${PROJECT_FILE} it finds from the working directory upward as the project config; rename this directory, or pass --config FILE`,
  });
}

/** How a project config's messages name it and where its path came from. */
export interface ConfigFileNaming {
  /** The file's name in messages, before its path. @example "the project config" */
  what: string;
  /** Where its path came from. @example "--config" */
  setting: string;
  /** Its path is shown even when it names no file (not a secret's place). */
  known: boolean;
  /** What to do when it is a directory. */
  directory: string;
}

/**
 * {@link readProjectFile} for a project config that is not the user's own project's (the
 * Kubernetes controller's namespace team configs): its messages name it as `naming` says.
 */
export function readConfigFile(file: string, naming: ConfigFileNaming): ProjectConfig {
  const { what, setting, known, directory } = naming;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    // A path s5 found, or typed on the command line, is shown; one from a variable only if it exists.
    const { message, ...rest } = unreadable(what, file, setting, cause, known, directory);
    throw new ConfigError("S5_CONFIG_READ", message, rest);
  }
  // An editor on Windows may save with a byte-order mark; Node's own JSON loading skips it too.
  if (text.startsWith("\ufeff")) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    // The parser's message quotes the text around the mistake (maybe a secret): only its position.
    throw new ConfigError("S5_CONFIG_PARSE", `${what} ${file} is not valid JSON`, {
      cause,
      location: jsonErrorLocation(cause, text, file),
      hint: "fix the JSON syntax, or restore the file from git",
    });
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    const where = duplicate.path === "" ? "" : ` in \`${showable(duplicate.path)}\``;
    throw new ConfigError(
      "S5_CONFIG_DUPLICATE_KEY",
      `${what} ${showable(file)} has the key ${showKey(duplicate.key)}${where} twice: JSON keeps the last one, which a review may not see`,
      {
        location: new LineIndex(file, text).locate(duplicate.offset),
        hint: "keep one of them (`git log -p` shows who added the second)",
      },
    );
  }
  return validateProject(value, `${what} ${file}`);
}

/**
 * Where `JSON.parse` stopped (`… at position 12 (line 2 column 3)`), or the end of a text that
 * stops early. Node gives no position for some mistakes (a bad token): then none.
 */
function jsonErrorLocation(error: unknown, text: string, file: string) {
  const message = String((error as Error | undefined)?.message);
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return new LineIndex(file, text).locate(Number(position));
  if (message.startsWith("Unexpected end of JSON"))
    return new LineIndex(file, text).locate(text.length);
  return undefined;
}

/** Problems shown in one error; the rest are counted. */
const SHOWN_PROBLEMS = 10;

/** `named`: the file as messages name it (`the project config /repo/.s5.json`). */
function validateProject(value: unknown, named: string): ProjectConfig {
  const problems = validate(value, projectSchema, named);
  if (problems.length > 0) {
    const lines = problems.slice(0, SHOWN_PROBLEMS).map((problem) => problem.message);
    if (problems.length > SHOWN_PROBLEMS) {
      lines.push(`… and ${problems.length - SHOWN_PROBLEMS} more problems`);
    }
    // Never used in part: a key this s5 does not know may change what the ones it knows mean (a
    // new kind of key, a recipient who must be left out), and a rewrite would drop it.
    const writer = newerWriter(value);
    if (writer) {
      throw new ConfigError(
        "S5_CONFIG_NEWER",
        `${named} was written by a newer s5 (${writer}, its \`$schema\` says), with what this one does not know: ${upgradeHint()}\n  ${lines.join("\n  ")}`,
        { hint: "leave the file as it is: an older s5 neither uses nor rewrites it" },
      );
    }
    const unknown = problems.some((problem) => problem.unknown);
    throw new ConfigError("S5_CONFIG_INVALID", lines.join("\n  "), {
      hint: unknown
        ? `a key or word this s5 does not know may have been written by a newer s5: ${upgradeHint()}; if it is a mistake, fix or remove it (the README's configuration section)`
        : "see the README's configuration section; editors check .s5.json as you type when it has a `$schema`",
    });
  }
  const config = value as ProjectConfig;
  for (const key of config.local?.keys ?? []) key.recipients ??= [];
  return config;
}

/**
 * The version of s5 that wrote a project config, when its `$schema` is the published schema of a
 * version newer than this one (`s5 init` writes `https://unpkg.com/@s5/core@X.Y.Z/s5.schema.json`
 * where s5 is not installed in the project), else undefined.
 */
function newerWriter(value: unknown): string | undefined {
  const schema = (value as { $schema?: unknown } | null)?.$schema;
  if (typeof schema !== "string") return undefined;
  const version = /\/@s5\/core@(\d+\.\d+\.\d+)[^/]*\/s5\.schema\.json$/.exec(schema)?.[1];
  return version !== undefined && isNewer(version, S5_VERSION) ? version : undefined;
}

/** s5's directory in the user's configuration (`$XDG_CONFIG_HOME/s5`, `~/.config/s5`). */
function configDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homeOfProcess(), ".config"), "s5");
}

function defaultIdentityFile(env: Readonly<Record<string, string | undefined>>): string {
  return env.S5_IDENTITY_FILE || join(configDir(env), "identity.txt");
}

/** Resolves flags, environment, project config and defaults into one set of settings. */
export function resolveSettings(input: SettingsInput = {}): Settings {
  const cwd = input.cwd ?? process.cwd();
  // Settings a `.env` file set for a parent `s5 run` or s5/config are not s5's (file-settings.ts).
  const env = settingsEnv(input.env ?? process.env);
  const overrides = input.overrides ?? {};

  if (overrides.configFile === "" || (overrides.configFile === undefined && env.S5_CONFIG === "")) {
    throw new UsageError(`${overrides.configFile === "" ? "--config" : "S5_CONFIG"} is empty`, {
      hint: `give it the path of the project's ${PROJECT_FILE}, or leave it out to find ${PROJECT_FILE} from the working directory upward`,
    });
  }
  const configFile = overrides.configFile ?? env.S5_CONFIG ?? findProjectFile(cwd);
  const from =
    overrides.configFile !== undefined
      ? "--config"
      : env.S5_CONFIG !== undefined
        ? "S5_CONFIG"
        : undefined;
  const project = configFile
    ? {
        file: resolve(cwd, configFile),
        dir: dirname(resolve(cwd, configFile)),
        config: readProjectFile(resolve(cwd, configFile), from),
      }
    : undefined;

  const backendWord = overrides.backend ?? env.S5_BACKEND;
  const backend = backendWord
    ? parseBackendName(backendWord, overrides.backend ? "the command line" : "S5_BACKEND")
    : project?.config.backend;

  return {
    cwd,
    env,
    backend,
    goToolTokens:
      overrides.goToolTokens ??
      readBoolean(env.S5_LEGACY_TOKENS, "S5_LEGACY_TOKENS") ??
      project?.config.legacyTokens ??
      false,
    noTrim: overrides.noTrim ?? readBoolean(env.S5_NO_TRIM, "S5_NO_TRIM") ?? false,
    aesKey: overrides.aesKey ?? env.S5_AES_KEY,
    project,
    identityFile: defaultIdentityFile(env),
    knownKeysFile: env.S5_KNOWN_KEYS_FILE || join(configDir(env), "known-keys.json"),
    privateKeyFile: overrides.privateKeyFile ?? env.S5_PRIVATE_KEY_FILE,
    overrides,
    warn: input.warn ?? warnOnStderr,
  };
}

/**
 * Where Vault requests go: a Vault Agent's address (`BAO_AGENT_ADDR`, `VAULT_AGENT_ADDR`) before
 * the server's (`BAO_ADDR`, `VAULT_ADDR`), as Vault's own client reads them. The Vault config reads
 * it the same way.
 */
export function vaultEnvAddress(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const name = vaultAddressName(env);
  return name ? env[name] : undefined;
}

/** The variable {@link vaultEnvAddress} takes the address from, for messages. */
export function vaultAddressName(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  return ["BAO_AGENT_ADDR", "VAULT_AGENT_ADDR", "BAO_ADDR", "VAULT_ADDR"].find((name) => env[name]);
}

const NAME = /^\w([\w.-]*\w)?$/;

/** Checks a transit key or a mount path (segments joined by `/`) before it goes into a URL. */
export function validateName(value: string, what: string): string {
  const trimmed = what.endsWith("mount") ? value.replace(/^\/+|\/+$/g, "") : value;
  const parts = what.endsWith("mount") ? trimmed.split("/") : [trimmed];
  if (trimmed === "" || !parts.every((part) => NAME.test(part))) {
    // Not shown: a value that is no name may be a secret given in the wrong place.
    throw new ConfigError("S5_CONFIG_VAULT_NAME", `invalid ${what} (not shown)`, {
      hint: "use letters, digits, `_`, `-` and `.` (a mount may have `/` between such names)",
    });
  }
  return trimmed;
}

/**
 * The transit key and mount: flags > `S5_VAULT_TRANSIT_KEY`/`_MOUNT` > `.s5.json` > defaults
 * (`default`, `transit`). The one precedence for every command. `S5_TRANSIT_KEY` is the Go tool
 * 0.1's name for `S5_VAULT_TRANSIT_KEY`: ignored, `s5 cipher` would encrypt with `default`, silently.
 */
export function vaultTransit(settings: Settings): { key: string; mount: string } {
  const env = settings.env;
  const vault = settings.project?.config.vault;
  return {
    key: validateName(
      settings.overrides.transitKey ??
        (env.S5_VAULT_TRANSIT_KEY || undefined) ??
        (env.S5_TRANSIT_KEY || undefined) ??
        vault?.transitKey ??
        "default",
      "transit key",
    ),
    mount: validateName(
      settings.overrides.transitMount ??
        (env.S5_VAULT_TRANSIT_MOUNT || undefined) ??
        vault?.transitMount ??
        "transit",
      "transit mount",
    ),
  };
}

/**
 * Which of the transit key and mount the user chose (a flag or an environment variable), as
 * opposed to `.s5.json` or the default: only the latter are judged against the record of the
 * transit key this machine sealed with in a project (vault/known-transit.ts).
 */
export function vaultTransitChosen(settings: Settings): { key: boolean; mount: boolean } {
  const env = settings.env;
  return {
    key:
      settings.overrides.transitKey !== undefined ||
      Boolean(env.S5_VAULT_TRANSIT_KEY) ||
      Boolean(env.S5_TRANSIT_KEY),
    mount: settings.overrides.transitMount !== undefined || Boolean(env.S5_VAULT_TRANSIT_MOUNT),
  };
}

/** The backend of the Go tool's bare tokens, when the command line or config names one. */
export function goToolBackendOf(settings: Settings): "aes" | "vault" | undefined {
  return settings.backend === "aes" || settings.backend === "vault" ? settings.backend : undefined;
}

/**
 * The backend for new tokens when none is named: the project config's, else Vault when
 * `VAULT_ADDR` is set, else local keys when this project or user has some.
 */
export function defaultBackend(settings: Settings): BackendName {
  if (settings.backend) return settings.backend;
  if (vaultEnvAddress(settings.env)) return "vault";
  if (settings.project?.config.local?.keys?.length || existsSync(settings.identityFile)) {
    return "local";
  }
  throw new ConfigError("S5_CONFIG_NO_BACKEND", "no backend is set up here", {
    hint:
      "run `s5 init` for local keys (no server needed), set VAULT_ADDR for Vault, " +
      "or pass a backend: `s5 cipher aes --key HEX …`",
  });
}

/** All secret keys this process may use for local-key tokens, from every place they can be. */
export function loadSecretKeys(settings: Settings): Uint8Array[] {
  const keys: Uint8Array[] = [];
  const fromFile = (
    file: string,
    what: string,
    required: boolean,
    setting: string,
    known?: boolean,
  ) => {
    const text = readKeyFile(file, what, required, setting, known);
    if (text !== undefined) keys.push(...parseSecretKeys(text, `${what} ${file}`));
  };
  if (settings.env.S5_PRIVATE_KEY) {
    keys.push(...parseSecretKeys(settings.env.S5_PRIVATE_KEY, "S5_PRIVATE_KEY"));
  }
  if (settings.privateKeyFile) {
    const setting = "S5_PRIVATE_KEY_FILE (or --private-key-file)";
    fromFile(settings.privateKeyFile, "the private key file", true, setting);
  }
  // Unset, the path is s5's default under XDG_CONFIG_HOME (or HOME): shown, S5_IDENTITY_FILE not blamed.
  const chosen = Boolean(settings.env.S5_IDENTITY_FILE);
  fromFile(settings.identityFile, "the identity file", false, "S5_IDENTITY_FILE", !chosen);
  return keys;
}
