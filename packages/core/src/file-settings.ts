/**
 * Settings that a `.env` file set, seen again by an s5 started beneath `s5 run` or `s5/config`.
 * s5 takes the settings that decide where and how it connects (`VAULT_ADDR`, proxies, TLS, keys,
 * where the project, the identity and the Vault token file are) from the real environment only,
 * never from the files it decrypts: a committed `.env` must not send the Vault token elsewhere.
 * A command that `s5 run` starts gets those files' variables in its environment, so the loader
 * records which settings it set from files, with a hash of each value, in {@link FROM_FILES}; an
 * s5 in that command leaves out a setting whose value is still the file's. A value the command
 * sets again itself differs, or is the same and stays left out (set it where `s5 run` or the app
 * is started).
 */

/** The variable holding `NAME=HASH` pairs, space-separated, of settings set from files. */
export const FROM_FILES = "S5_SET_FROM_FILES";

/**
 * Names that are s5's settings, its Vault's, OpenBao's, the proxy variables s5 reaches Vault
 * through (a file's `HTTPS_PROXY` would choose who carries the token), or decide where its files
 * are found.
 */
export function isSettingName(name: string): boolean {
  // In any case: Windows' environment ignores it (`vault_addr` is read back as `VAULT_ADDR`); Go
  // reads `https_proxy` as `HTTPS_PROXY`.
  return /^(?:S5_|VAULT_|BAO_|XDG_CONFIG_HOME$|HOME$|(?:HTTPS?|NO)_PROXY$|REQUEST_METHOD$)/i.test(
    name,
  );
}

/**
 * The account's home from the password database. A user id with no entry there (`docker run
 * --user 12345`, OpenShift) has none: then a directory that cannot exist, so that the identity
 * and token files are not found (a clear "no key" error) rather than read from the file's HOME.
 */
function accountHome(): string {
  try {
    return process.getBuiltinModule("node:os").userInfo().homedir;
  } catch {
    return "/nonexistent";
  }
}

function hashOf(value: string): string {
  const { hash } = process.getBuiltinModule("node:crypto");
  return hash("sha256", value, "base64url").slice(0, 22);
}

function entriesOf(mark: string | undefined): Map<string, string> {
  const entries = new Map<string, string>();
  for (const pair of (mark ?? "").split(" ")) {
    const at = pair.indexOf("=");
    if (at > 0) entries.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return entries;
}

/**
 * Records in `env` the settings among `names` that were just set in it from files (kept with the
 * marks already there, a parent's). The mark itself is never taken from a file.
 */
export function markFromFiles(
  env: Record<string, string | undefined>,
  names: Iterable<string>,
  before: string | undefined,
): void {
  const entries = entriesOf(before);
  for (const name of names) {
    // The name first: reading `process.env` is a getenv, a walk over the whole environment, and
    // a 20,000-line `.env` read it 20,000 times (+0.7 s on top of dotenv's own setenv).
    if (name === FROM_FILES || !isSettingName(name)) continue;
    const value = env[name];
    if (value !== undefined) entries.set(name, hashOf(value));
  }
  if (entries.size === 0) delete env[FROM_FILES];
  else env[FROM_FILES] = [...entries].map(([name, hash]) => `${name}=${hash}`).join(" ");
}

/**
 * `env` without the settings a `.env` file set (as {@link markFromFiles} recorded them) whose
 * values are still the file's; `env` itself when there are none.
 */
export function settingsEnv<T extends Readonly<Record<string, string | undefined>>>(env: T): T {
  const mark = env[FROM_FILES];
  if (!mark) return env;
  let out: Record<string, string | undefined> | undefined;
  for (const [name, hash] of entriesOf(mark)) {
    const value = env[name];
    if (value !== undefined && isSettingName(name) && hashOf(value) === hash) {
      out ??= { ...env };
      delete out[name];
      // `~/.vault-token` and the identity are found from HOME, and `os.homedir()` reads HOME
      // too: the account's own home instead.
      if (name.toUpperCase() === "HOME") out.HOME = accountHome();
    }
  }
  return (out ?? env) as T;
}
