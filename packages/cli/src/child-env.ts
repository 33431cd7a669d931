/**
 * The environment of a command s5 starts (`s5 run`, the editor of `s5 edit`): the debug switches
 * s5 dropped for itself go back to the command, and s5's own credentials stay with s5 unless asked.
 */

/**
 * Variables that give access to keys or Vault: s5's, not the command's. The files that hold a key
 * or a token are named here too, as `S5_PRIVATE_KEY_FILE` is: the identity, the Vault token file
 * (`VAULT_TOKEN_PATH`) and the TLS client key (`VAULT_CLIENT_KEY`), with OpenBao's `BAO_` names.
 * `VAULT_PROXY_ADDR`/`VAULT_HTTP_PROXY` join them when they hold a proxy's user name and password.
 */
export const CREDENTIALS = [
  "S5_PRIVATE_KEY",
  "S5_PRIVATE_KEY_FILE",
  "S5_IDENTITY_FILE",
  "S5_AES_KEY",
  "S5_VAULT_ROLE_ID",
  "S5_VAULT_ROLE_ID_FILE",
  "S5_VAULT_SECRET_ID",
  "S5_VAULT_SECRET_ID_FILE",
  "S5_VAULT_JWT",
  "S5_VAULT_JWT_FILE",
  "VAULT_TOKEN",
  "BAO_TOKEN",
  "VAULT_TOKEN_PATH",
  "BAO_TOKEN_PATH",
  "VAULT_CLIENT_KEY",
  "BAO_CLIENT_KEY",
  // A gateway's credentials in front of Vault (Cloudflare Access' service token and the like).
  "VAULT_HEADERS",
  "BAO_HEADERS",
] as const;

/**
 * Proxy settings only Vault requests go through: a credential when they name a user. The general
 * `HTTPS_PROXY`/`HTTP_PROXY` stay: the command uses them for its own requests.
 */
const PROXIES = [
  "VAULT_HTTP_PROXY",
  "BAO_HTTP_PROXY",
  "VAULT_PROXY_ADDR",
  "BAO_PROXY_ADDR",
] as const;

/**
 * A user name or password is written before an `@`, whatever the rest: `new URL` is not asked,
 * as it reads `user:password@proxy:3128` (no scheme) as the scheme `user:` with no login.
 */
function holdsLogin(address: string): boolean {
  return address.includes("@");
}

/**
 * `env` for a command. Credentials are dropped when they are the ones s5 itself got (`own`); a
 * value the command's `.env` file sets for it is kept.
 */
export function childEnv(
  env: Record<string, string | undefined>,
  options: { passCredentials?: boolean | undefined; own?: Record<string, string | undefined> } = {},
): Record<string, string | undefined> {
  const out = { ...env };
  const saved = out.S5_SAVED_DEBUG;
  delete out.S5_SAVED_DEBUG;
  if (saved) {
    try {
      Object.assign(out, JSON.parse(saved) as Record<string, string>);
    } catch {
      // not ours: leave the command's environment as it is
    }
  }
  const own = options.own ?? env;
  if (!options.passCredentials) {
    for (const name of CREDENTIALS) {
      if (own[name] !== undefined && out[name] === own[name]) delete out[name];
    }
    for (const name of PROXIES) {
      const value = own[name];
      if (value !== undefined && out[name] === value && holdsLogin(value)) delete out[name];
    }
  }
  return out;
}

/**
 * `env` without s5's credentials, for the helpers s5 runs for itself (git), which need none: git
 * passes its environment on to what it starts (a clean filter such as git-lfs, an fsmonitor
 * hook), and none of them is s5's to hand a key or a Vault token to.
 */
export function withoutCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of CREDENTIALS) delete out[name];
  for (const name of PROXIES) {
    const value = out[name];
    if (value !== undefined && holdsLogin(value)) delete out[name];
  }
  return out;
}
