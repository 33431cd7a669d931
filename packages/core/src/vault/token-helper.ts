/**
 * Vault's and OpenBao's external token helper: a program the CLI config file names
 * (`token_helper = "/path"` in `~/.vault` or `~/.bao`, or the file `VAULT_CONFIG_PATH` /
 * `BAO_CONFIG_PATH` names) that keeps the token somewhere other than `~/.vault-token` (a keychain,
 * `pass`, a per-address store). The CLI runs it with `get` and reads the token from its stdout;
 * s5 does the same when no `VAULT_TOKEN` (or token path) is set, and then does not read
 * `~/.vault-token`, as the CLI does not.
 *
 * The helper runs as the user with the user's Vault token at stake, so whoever may change it, or
 * the config file that names it, could run their code as the user: both must belong to root or
 * to the user and be writable by no one else (../trusted-path.ts's rule), and the path must be
 * absolute (the CLI resolves a relative one from the working directory, which may be a clone of
 * someone else's repository). It is run directly, not through a shell, from the home directory,
 * with `VAULT_ADDR` (and `BAO_ADDR`) set to the address s5 uses: helpers keep one token per address.
 */
import { isAbsolute, join } from "node:path";
import { ConfigError, KeyError } from "../errors.ts";
import { errnoOf } from "../io-hints.ts";
import { readOpened } from "../private-file.ts";
import { pathTrust, type Untrusted } from "../trusted-path.ts";

type Env = Readonly<Record<string, string | undefined>>;

export interface TokenHelper {
  /** The program, an absolute path. */
  path: string;
  /** The config file that named it, for messages. */
  config: string;
  /** The environment it runs with (`VAULT_ADDR` is set at the run). */
  env: Env;
}

/** Most a helper may print: a token is ~100 bytes; a batch token a few hundred. */
const MAX_OUTPUT = 64 * 1024;

/** The config files to look at, in order: the one a variable names, else `~/.bao`, `~/.vault`. */
function configFiles(env: Env, home: string): string[] {
  const named = env.BAO_CONFIG_PATH || env.VAULT_CONFIG_PATH;
  if (named) return [named.startsWith("~/") ? join(home, named.slice(2)) : named];
  return [join(home, ".bao"), join(home, ".vault")];
}

/** Comments out of an HCL or JSON text (`#`, `//` to the end of a line, `/* … *\/`). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*(?:#|\/\/).*$/gm, "");
}

/**
 * The `token_helper` a config file's text names: `undefined` when it names none. Throws when it
 * names one in a form s5 cannot read (the value is not shown).
 */
export function tokenHelperOf(text: string, file: string): string | undefined {
  const code = withoutComments(text);
  // The last one when it is set twice: the CLI's HCL decoder keeps the last value.
  const setting = [...code.matchAll(/(?:^|[\s{,])"?token_helper"?\s*[=:]\s*/gm)].at(-1);
  if (!setting) return undefined;
  const rest = code.slice(setting.index + setting[0].length);
  const match = /^"(?:[^"\\\n]|\\.)*"/.exec(rest);
  if (!match) throw unreadableSetting(file);
  try {
    const value: unknown = JSON.parse(match[0]);
    if (typeof value === "string" && value !== "") return value;
  } catch {
    // reported below
  }
  throw unreadableSetting(file);
}

function unreadableSetting(file: string): ConfigError {
  return new ConfigError(
    "S5_CONFIG_VAULT_TOKEN_HELPER",
    `${file}: cannot read its token_helper setting (not shown)`,
    { hint: `write it as \`token_helper = "/absolute/path/to/helper"\` in ${file}` },
  );
}

function changeable(what: string, path: string, part: Untrusted): ConfigError {
  return new ConfigError(
    "S5_CONFIG_VAULT_TOKEN_HELPER",
    `${what} ${path} can be changed by another user: ${part.text}; whoever changes it runs a program of theirs as you, with your Vault token`,
    {
      hint:
        part.reason === "writable"
          ? `run \`chmod o-w ${part.entry}\`, or keep it where only root or you can change it (a group may write)`
          : "keep it, and every directory above it, where only root or you can change it",
    },
  );
}

/**
 * A config file's text; undefined when there is none: no such file, a directory (some tools keep
 * a `~/.vault` directory), or — for the default files, not a named one — a home s5 may not enter
 * (an account without one: `/nonexistent`, made 0700 by root on some systems). One that is there
 * and cannot be read is said.
 */
function readConfig(config: string, named: boolean): string | undefined {
  const { statSync } = process.getBuiltinModule("node:fs");
  const absent = (code: string) => code === "ENOENT" || code === "ENOTDIR";
  try {
    if (!statSync(config).isFile()) return undefined;
  } catch (cause) {
    const code = errnoOf(cause);
    if (absent(code) || (code === "EACCES" && !named)) return undefined;
    throw unreadableConfig(config, code, cause);
  }
  try {
    return readOpened(config).text;
  } catch (cause) {
    const code = errnoOf(cause);
    if (absent(code)) return undefined;
    throw unreadableConfig(config, code, cause);
  }
}

function unreadableConfig(config: string, code: string, cause: unknown): ConfigError {
  return new ConfigError(
    "S5_CONFIG_VAULT_TOKEN_HELPER",
    `cannot read the Vault CLI config file ${config} (${code})`,
    { hint: `make ${config} readable by you, or set VAULT_TOKEN`, cause },
  );
}

/**
 * The token helper the Vault/OpenBao CLI config names, checked; `undefined` when no config file
 * names one (none exists, or it is a directory, as some tools keep a `~/.vault` directory).
 */
export function findTokenHelper(env: Env, home: string): TokenHelper | undefined {
  const trust = pathTrust();
  const named = Boolean(env.BAO_CONFIG_PATH || env.VAULT_CONFIG_PATH);
  for (const config of configFiles(env, home)) {
    const text = readConfig(config, named);
    if (text === undefined) continue;
    const path = tokenHelperOf(text, config);
    if (!path) continue;
    const configPart = trust(config);
    if (configPart) throw changeable("the Vault CLI config file", config, configPart);
    if (!isAbsolute(path)) {
      throw new ConfigError(
        "S5_CONFIG_VAULT_TOKEN_HELPER",
        `${config}: token_helper ${path} is not an absolute path`,
        { hint: `name the helper by its full path (\`realpath ${path}\`) in ${config}` },
      );
    }
    let helperPart: Untrusted | undefined;
    try {
      helperPart = trust(path);
    } catch (cause) {
      throw new ConfigError(
        "S5_CONFIG_VAULT_TOKEN_HELPER",
        `the token helper ${path} that ${config} names cannot be used (${errnoOf(cause)})`,
        { hint: `install it there, or correct token_helper in ${config}`, cause },
      );
    }
    if (helperPart) throw changeable("the Vault token helper", path, helperPart);
    return { path, config, env };
  }
  return undefined;
}

/** Runs `helper get` and returns the token it prints (trimmed; empty when it has none). */
export function runTokenHelper(helper: TokenHelper, address: string): Promise<string> {
  const { spawn } = process.getBuiltinModule("node:child_process");
  const { existsSync } = process.getBuiltinModule("node:fs");
  const home = helper.env.HOME;
  return new Promise((resolve, reject) => {
    const failed = (what: string, hint: string) =>
      reject(
        new KeyError("S5_KEY_VAULT_TOKEN_HELPER", `the Vault token helper ${helper.path} ${what}`, {
          hint,
        }),
      );
    const child = spawn(helper.path, ["get"], {
      cwd: home && existsSync(home) ? home : "/",
      env: { ...helper.env, VAULT_ADDR: address, BAO_ADDR: address },
      // Its own messages (a locked keychain) go to the user as they would from the Vault CLI.
      stdio: ["ignore", "pipe", "inherit"],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) child.kill();
      else chunks.push(chunk);
    });
    child.on("error", (cause) =>
      failed(
        `could not be started (${errnoOf(cause)})`,
        `check that it is executable (\`chmod +x ${helper.path}\`), or correct token_helper in ${helper.config}`,
      ),
    );
    // A helper that starts a daemon (an agent it talks to) may leave it holding stdout, and then
    // "close" waits for the daemon's end: once the helper has exited, what it printed is in the
    // pipe. A moment later, and after one more read of the pipe (the poll phase that precedes
    // `setImmediate`), stdout is closed; "close" follows.
    let stop: NodeJS.Timeout | undefined;
    child.on("exit", () => {
      stop = setTimeout(() => setImmediate(() => child.stdout.destroy()), 100);
    });
    child.on("close", (code, signal) => {
      clearTimeout(stop);
      if (size > MAX_OUTPUT) {
        failed(
          `printed more than ${MAX_OUTPUT} bytes (not shown)`,
          `run \`${helper.path} get\` yourself: it should print only the token`,
        );
      } else if (code !== 0) {
        failed(
          `failed (${signal ? `signal ${signal}` : `exit ${code}`}); its own message, if any, is above`,
          "log in again (`vault login` stores the token through it), or set VAULT_TOKEN",
        );
      } else {
        const token = Buffer.concat(chunks).toString("utf8").trim();
        // A token goes into a header: anything else would make Node's error quote it.
        if (/[^\x21-\x7e]/.test(token)) {
          failed(
            "printed something that is not a token (not shown)",
            `run \`${helper.path} get\` yourself: it should print only the token`,
          );
        } else resolve(token);
      }
    });
  });
}
