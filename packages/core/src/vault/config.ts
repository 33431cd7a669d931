/**
 * Vault settings, read the way the official CLI reads them: `BAO_X` first, then `VAULT_X`; s5's own
 * `S5_VAULT_*` variables; flags and the project config for the transit key and mount.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  readBoolean,
  type Settings,
  validateName,
  vaultAddressName,
  vaultEnvAddress,
  vaultTransit,
} from "../config.ts";
import { ConfigError, S5Error } from "../errors.ts";
import { FROM_FILES } from "../file-settings.ts";
import { showable } from "../hidden.ts";
import { homeOfProcess } from "../home.ts";
import {
  checkShared,
  checkSharedAt,
  readOpened,
  type SharedCredential,
  unreadable,
} from "../private-file.ts";
import { closest } from "../suggest.ts";
import { caCheck, refuseChangeable } from "./file-trust.ts";
import { readHeaders } from "./headers.ts";
import { type Proxies, readProxies } from "./proxy.ts";
import { refuseChangeableSocket } from "./socket-trust.ts";
import { findTokenHelper, type TokenHelper } from "./token-helper.ts";

type Env = Readonly<Record<string, string | undefined>>;

export type AuthMethod = "token" | "approle" | "kubernetes" | "jwt";

export interface VaultTls {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  servername?: string | undefined;
  /** False only with `VAULT_SKIP_VERIFY=true`. @default true */
  rejectUnauthorized: boolean;
}

export interface VaultAuth {
  /** @default "token" */
  method: AuthMethod;
  /** Mount of the login method. @default the method's name */
  mount: string;
  /** A given token (`BAO_TOKEN`/`VAULT_TOKEN`, else the token helper file); method `token` only. */
  token?: string | undefined;
  /** The token file that was read, for messages. */
  tokenFile?: string | undefined;
  /** The Vault CLI's external token helper, run at the first request when no token is given. */
  tokenHelper?: TokenHelper | undefined;
  roleId?: string | undefined;
  secretId?: string | undefined;
  role?: string | undefined;
  jwt?: string | undefined;
  /** Read at login (Kubernetes service-account token, or `S5_VAULT_JWT_FILE`). */
  jwtFile?: string | undefined;
  /** Renew a given token in the background too (login tokens are always renewed). @default false */
  renewGiven: boolean;
  /**
   * Requests go to a Vault Agent (`VAULT_AGENT_ADDR`): without a token of its own, s5 sends none
   * and the agent adds its auto-auth token (`api_proxy { use_auto_auth_token = true }`).
   */
  agent?: boolean | undefined;
}

export interface VaultConfig {
  /** @example "https://vault.example.com:8200" */
  address: string;
  /** Where a note goes when a request starts to be retried (the CLI's stderr); see `Overrides.note`. */
  note?: ((message: string) => void) | undefined;
  namespace?: string | undefined;
  /** `VAULT_HEADERS`: sent with every request (a gateway's credentials; never shown). */
  headers: Record<string, string>;
  tls: VaultTls;
  /** Per request. @default 60000 (`VAULT_CLIENT_TIMEOUT`, seconds or a duration like `5s`) */
  timeoutMs: number;
  /**
   * Retries on 5xx, 429 and connection errors (`VAULT_MAX_RETRIES`, `vault.maxRetries`). Higher than
   * the Vault CLI's 2, so a render survives a leader election behind a load balancer (backoff
   * 250 ms, doubling, with jitter: about 16 s in all).
   * @default 6
   */
  maxRetries: number;
  /**
   * Total time one request may be retried (`S5_VAULT_RETRY_TIMEOUT`, `vault.retryTimeout`).
   * @default 30000
   */
  retryTimeoutMs: number;
  /** First backoff delay; doubles each retry, with jitter. @default 250 */
  retryBaseMs: number;
  /**
   * The cluster's API addresses: `address` itself, then `S5_VAULT_CLUSTER_ADDRS`. A redirect (a
   * standby's 307) is followed only to one of them, so the token never goes elsewhere; when the
   * node in use does not answer at all, requests move on to the next one.
   */
  clusterAddresses: string[];
  /** The proxy variables, as the Vault CLI reads them (`proxy.ts`). */
  proxies: Proxies;
  /** @default "default" */
  transitKey: string;
  /** @default "transit" */
  transitMount: string;
  /** Items per batch request. @default 240 (fits OpenBao's 1000-JSON-string cap with references) */
  batchSize: number;
  /** Batch requests in flight at once. @default 8 (1000 tokens: 5 requests, one round trip) */
  parallelism: number;
  auth: VaultAuth;
}

/** `BAO_X`, else `VAULT_X` (empty counts as unset). */
export function vaultEnv(env: Env, name: string): string | undefined {
  const bao = env[`BAO_${name}`];
  if (bao !== undefined && bao !== "") return bao;
  const vault = env[`VAULT_${name}`];
  return vault === "" ? undefined : vault;
}

/** Seconds (`60`), or a duration: `500ms`, `5s`, `2m`, `1h`. */
export function parseDuration(value: string, name: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) {
    // The value is not shown: a setting may hold a secret set in the wrong place.
    throw new ConfigError("S5_CONFIG_VALUE", `${name} must be a duration like 30s`, {
      hint: `set ${name} to seconds (\`60\`) or a number with ms, s, m or h (\`500ms\`, \`30s\`, \`2m\`, \`1h\`), or unset it for its default; its value is not shown`,
    });
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? "s"] ?? 1000;
  return Math.round(Number(match[1]) * unit);
}

function parseCount(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
): number {
  if (value === undefined || value === "") return fallback;
  const count = Number(value);
  if (!Number.isInteger(count) || count < min) {
    throw new ConfigError("S5_CONFIG_VALUE", `${name} must be a whole number ≥ ${min}`, {
      hint: `set ${name} to a whole number of ${min} or more, or unset it for its default (${fallback}); its value is not shown`,
    });
  }
  return count;
}

/** The path of the pod's service account token: the default JWT file for Kubernetes login. */
export const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * A file a setting names (`setting`: `VAULT_CACERT`, `S5_VAULT_SECRET_ID_FILE`…); its path is
 * shown in a message only when it exists or is a default (see {@link unreadable}). `credential`:
 * what to do when group or others can access it (a key is refused, a token warned of).
 */
export function readText(file: string, setting: string, credential?: SharedCredential): string {
  try {
    return readOpened(file, (stat) => {
      if (credential) checkShared(file, stat, fileOf(setting), credential);
    }).text;
  } catch (cause) {
    // A refusal of what was opened; Node's errors are not S5 errors.
    if (cause instanceof S5Error) throw cause;
    const known = file === SERVICE_ACCOUNT_TOKEN;
    const { message, ...rest } = unreadable(
      fileOf(setting),
      file,
      setting,
      cause,
      known,
      `set ${setting} to the path of a file`,
    );
    throw new ConfigError("S5_CONFIG_READ", message, rest);
  }
}

/** What the file a setting names holds: `S5_VAULT_ROLE_ID_FILE` → "the file of S5_VAULT_ROLE_ID". */
function fileOf(setting: string): string {
  if (setting.endsWith("_FILE")) return `the file of ${setting.slice(0, -"_FILE".length)}`;
  const named: Record<string, string> = {
    VAULT_CACERT: "the CA certificate file",
    VAULT_CLIENT_CERT: "the client certificate file",
    VAULT_CLIENT_KEY: "the client key file",
  };
  return named[setting] ?? "a file";
}

/**
 * A secret from `NAME` or the file named by `NAME_FILE` (trailing newline trimmed); `credential`:
 * what to do when group or others can access that file.
 */
function secretOf(env: Env, name: string, credential?: SharedCredential): string | undefined {
  const value = env[name];
  if (value) return value.trim();
  const file = env[`${name}_FILE`];
  return file ? readText(file, `${name}_FILE`, credential).trim() : undefined;
}

/** PEM text of the kind expected, or a ConfigError naming the variable (never its content). */
function pem(text: string, what: string, kind: "CERTIFICATE" | "PRIVATE KEY"): string {
  const found =
    kind === "CERTIFICATE"
      ? text.includes("-----BEGIN CERTIFICATE-----")
      : /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
  if (found) return text;
  throw new ConfigError("S5_CONFIG_VAULT_TLS", `${what} holds no PEM ${kind.toLowerCase()}`, {
    hint:
      kind === "CERTIFICATE"
        ? "it must hold -----BEGIN CERTIFICATE----- blocks; convert a DER file with `openssl x509 -inform der -in FILE -out ca.pem`"
        : "it must hold a -----BEGIN … PRIVATE KEY----- block",
  });
}

function readCa(env: Env): string | undefined {
  const file = vaultEnv(env, "CACERT");
  if (file) {
    const text = readText(file, "VAULT_CACERT");
    refuseChangeable(file, "VAULT_CACERT");
    return pem(text, `VAULT_CACERT (${file})`, "CERTIFICATE");
  }
  const bytes = vaultEnv(env, "CACERT_BYTES");
  if (bytes) return pem(bytes, "VAULT_CACERT_BYTES", "CERTIFICATE");
  const dir = vaultEnv(env, "CAPATH");
  if (!dir) return undefined;
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (cause) {
    // The path is shown only when it exists (it may be a secret set in the wrong place).
    const { message, ...rest } = unreadable("the CA directory", dir, "VAULT_CAPATH", cause);
    throw new ConfigError("S5_CONFIG_READ", message, rest);
  }
  // Anyone who may add a file there adds a CA s5 trusts. One check for the directory and its
  // files: the directories above are looked at once.
  const checkCa = caCheck();
  checkCa(dir, "VAULT_CAPATH");
  const pems = names
    .map((name) => join(dir, name))
    .map((file) => {
      try {
        const text = readFileSync(file, "utf8");
        if (text.includes("-----BEGIN CERTIFICATE-----")) checkCa(file, "a file in VAULT_CAPATH");
        return text;
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        return ""; // sub-directories and unreadable entries, as the Go client skips them
      }
    })
    .filter((text) => text.includes("-----BEGIN CERTIFICATE-----"));
  if (pems.length === 0) {
    throw new ConfigError("S5_CONFIG_VAULT_TLS", `VAULT_CAPATH (${dir}) holds no PEM certificate`, {
      hint: "point it at a directory of -----BEGIN CERTIFICATE----- files, or use VAULT_CACERT",
    });
  }
  return pems.join("\n");
}

function readAuth(env: Env, warn: (message: string) => void, agent: boolean): VaultAuth {
  const method = (env.S5_VAULT_AUTH_METHOD || "token").trim().toLowerCase();
  if (method !== "token" && method !== "approle" && method !== "kubernetes" && method !== "jwt") {
    // Shown only when it is a typo of a method: it may be a credential set in the wrong variable.
    const near = closest(method, ["token", "approle", "kubernetes", "jwt"]);
    const shown = near ? `\`${showable(method)}\` (did you mean \`${near}\`?)` : "(not shown)";
    throw new ConfigError("S5_CONFIG_VALUE", `unknown S5_VAULT_AUTH_METHOD ${shown}`, {
      hint: "use token, approle, kubernetes or jwt",
    });
  }
  const mount = validateName(env.S5_VAULT_AUTH_MOUNT || method, "auth mount");
  const renewGiven = readBoolean(env.S5_VAULT_RENEW, "S5_VAULT_RENEW") ?? false;
  const auth: VaultAuth = { method, mount, renewGiven, agent };
  if (method === "token") {
    auth.token = vaultEnv(env, "TOKEN")?.trim();
    const home = env.HOME || homeOfProcess();
    // As the Vault CLI: a configured token helper replaces `~/.vault-token` (not a token path).
    if (!auth.token && !env.BAO_TOKEN_PATH && !env.VAULT_TOKEN_PATH) {
      auth.tokenHelper = findTokenHelper(env, home);
    }
    if (!auth.token && !auth.tokenHelper) {
      const file = env.BAO_TOKEN_PATH || env.VAULT_TOKEN_PATH || join(home, ".vault-token");
      try {
        // Warned of, not refused: `bao login` writes it 0600, but a token path may name a Vault
        // Agent sink, 0640 unless configured, and a refusal would stop what ran yesterday.
        const opened = readOpened(file);
        auth.token = opened.text.trim() || undefined;
        auth.tokenFile = file;
        if (auth.token) {
          const use = "they can use your Vault token";
          checkShared(file, opened.stat, "the Vault token file", { warn, use });
        }
      } catch {
        // no token helper file: reported when a request needs a token
      }
    }
  } else if (method === "approle") {
    // The role id is not looked at: it names the AppRole (Vault's docs liken it to a user name)
    // and logs in only with the secret id.
    auth.roleId = secretOf(env, "S5_VAULT_ROLE_ID");
    auth.secretId = secretOf(env, "S5_VAULT_SECRET_ID", {
      warn,
      use: "they can log in to Vault as this AppRole",
    });
  } else {
    auth.role = env.S5_VAULT_ROLE || undefined;
    auth.jwt = env.S5_VAULT_JWT?.trim() || undefined;
    auth.jwtFile =
      env.S5_VAULT_JWT_FILE || (method === "kubernetes" ? SERVICE_ACCOUNT_TOKEN : undefined);
    // Read at login; its mode is looked at now, where a warning can be given. Not the pod's own
    // service-account token, which s5 takes when none is named: the kubelet mounts it 0644 (0640
    // with an fsGroup), readable by every process of the pod by design, so a warning in every
    // pod's log would say nothing anyone acts on.
    const named = env.S5_VAULT_JWT_FILE;
    if (!auth.jwt && named && named !== SERVICE_ACCOUNT_TOKEN) {
      checkSharedAt(named, fileOf("S5_VAULT_JWT_FILE"), {
        warn,
        use: "they can log in to Vault with it until it expires",
      });
    }
  }
  return auth;
}

/** An http(s) URL as a base address (no trailing `/`), or a ConfigError naming `name`. */
function baseAddress(value: string, name: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below, without the value: a token pasted here is no URL
  }
  if (url?.username || url?.password) {
    // Every message names the address: a password in it would be printed.
    throw new ConfigError(
      "S5_CONFIG_VAULT_ADDR",
      `${name} holds a user name or password (not shown)`,
      {
        hint: "Vault takes a token, not a password in its address; a proxy's credentials go in VAULT_PROXY_ADDR or HTTPS_PROXY",
      },
    );
  }
  if (url?.protocol === "http:" || url?.protocol === "https:") return url.href.replace(/\/+$/, "");
  // A Vault Agent's or Proxy's `listener "unix"`, as the CLI takes it: unix:///run/vault/agent.sock.
  if (url?.protocol === "unix:") {
    const path = socketPathOf(url.href);
    if (url.host === "" && path.startsWith("/") && !path.includes("\0")) return `unix://${path}`;
    throw new ConfigError(
      "S5_CONFIG_VAULT_ADDR",
      `${name} names a Unix socket without an absolute path: ${value}`,
      { hint: "a socket address looks like unix:///run/vault/agent.sock (three slashes)" },
    );
  }
  throw new ConfigError(
    "S5_CONFIG_VAULT_ADDR",
    `${name} is not an http(s) URL${url ? `: ${value}` : " (not shown: it may be a secret set in the wrong place)"}`,
    {
      hint: "an address looks like https://vault.example.com:8200 (or unix:///run/vault/agent.sock for an agent's socket)",
    },
  );
}

/** The socket file of a `unix://` address. */
export function socketPathOf(address: string): string {
  return decodeURIComponent(new URL(address).pathname);
}

/** `S5_VAULT_CLUSTER_ADDRS`: API addresses separated by commas or spaces. */
function clusterAddresses(address: string, list: string | undefined, name: string): string[] {
  const others = (list ?? "")
    .split(/[\s,]+/)
    .filter((item) => item !== "")
    .map((item) => baseAddress(item, "an address in S5_VAULT_CLUSTER_ADDRS"));
  for (const item of others) {
    if (item.startsWith("unix:"))
      refuseChangeableSocket(socketPathOf(item), "S5_VAULT_CLUSTER_ADDRS");
  }
  // Requests move on to these addresses (and follow redirects to them) with the token: a plain
  // http one beside an https VAULT_ADDR would send it where anyone on the path can read it.
  const plain = others.find((item) => item.startsWith("http:"));
  if (address.startsWith("https:") && plain) {
    throw new ConfigError(
      "S5_CONFIG_VAULT_ADDR",
      `S5_VAULT_CLUSTER_ADDRS holds a plain http address (${plain}) while ${name} is https`,
      { hint: "list the nodes' https API addresses; s5 sends the Vault token to each of them" },
    );
  }
  return [...new Set([address, ...others])];
}

/** Everything the Vault backend needs, from settings; throws {@link ConfigError} on bad values. */
export function readVaultConfig(settings: Settings): VaultConfig {
  const env = settings.env;
  const address = vaultEnvAddress(settings.env);
  if (!address) {
    const fromFile = /(?:^| )(?:VAULT|BAO)_(?:AGENT_)?ADDR=/.test(env[FROM_FILES] ?? "");
    throw new ConfigError("S5_CONFIG_VAULT_ADDR", "the Vault backend needs VAULT_ADDR", {
      hint: fromFile
        ? "the VAULT_ADDR here came from a .env file (through `s5 run` or s5/config), and s5 takes " +
          "its settings from the real environment only: set it where `s5 run` (or the app) is started"
        : "export VAULT_ADDR=https://vault.example.com:8200 (or BAO_ADDR)",
      missing: true,
    });
  }
  const addressName = vaultAddressName(env) ?? "VAULT_ADDR";
  const base = baseAddress(address, addressName);
  if (base.startsWith("unix:")) refuseChangeableSocket(socketPathOf(base), addressName);
  const skipVerify = readBoolean(vaultEnv(env, "SKIP_VERIFY"), "VAULT_SKIP_VERIFY") ?? false;
  const timeout = vaultEnv(env, "CLIENT_TIMEOUT");
  const transit = vaultTransit(settings);
  const project = settings.project?.config.vault;
  return {
    address: base,
    note: settings.overrides.note,
    namespace: vaultEnv(env, "NAMESPACE")?.replace(/^\/+|\/+$/g, ""),
    headers: readHeaders(
      vaultEnv(env, "HEADERS"),
      env.BAO_HEADERS ? "BAO_HEADERS" : "VAULT_HEADERS",
    ),
    tls: {
      ca: readCa(env),
      cert: ((file) =>
        file
          ? pem(readText(file, "VAULT_CLIENT_CERT"), `VAULT_CLIENT_CERT (${file})`, "CERTIFICATE")
          : undefined)(vaultEnv(env, "CLIENT_CERT")),
      // A private key, refused as s5's own key files are (and as ssh does) when others can read it.
      key: ((file) =>
        file
          ? pem(
              readText(file, "VAULT_CLIENT_KEY", { refuse: true }),
              `VAULT_CLIENT_KEY (${file})`,
              "PRIVATE KEY",
            )
          : undefined)(vaultEnv(env, "CLIENT_KEY")),
      servername: vaultEnv(env, "TLS_SERVER_NAME"),
      rejectUnauthorized: !skipVerify,
    },
    timeoutMs: timeout ? parseDuration(timeout, "VAULT_CLIENT_TIMEOUT") : 60_000,
    maxRetries: parseCount(
      vaultEnv(env, "MAX_RETRIES") ?? project?.maxRetries?.toString(),
      "VAULT_MAX_RETRIES",
      6,
      0,
    ),
    retryTimeoutMs: parseDuration(
      env.S5_VAULT_RETRY_TIMEOUT || project?.retryTimeout || "30s",
      "S5_VAULT_RETRY_TIMEOUT",
    ),
    retryBaseMs: parseCount(env.S5_VAULT_RETRY_BASE_MS, "S5_VAULT_RETRY_BASE_MS", 250, 0),
    clusterAddresses: clusterAddresses(base, env.S5_VAULT_CLUSTER_ADDRS, addressName),
    proxies: readProxies(env),
    transitKey: transit.key,
    transitMount: transit.mount,
    batchSize: parseCount(env.S5_VAULT_BATCH_SIZE, "S5_VAULT_BATCH_SIZE", 240, 1),
    parallelism: parseCount(env.S5_VAULT_PARALLELISM, "S5_VAULT_PARALLELISM", 8, 1),
    auth: readAuth(env, settings.warn, addressName.endsWith("_AGENT_ADDR")),
  };
}
