/**
 * `s5 doctor`'s Vault part: the settings s5 would use, then what the server says of them — is it
 * there, is the token good, may it encrypt and decrypt with the transit key — as lines a person
 * reads. Nothing is encrypted (an `encrypt` would create a missing key through upsert): the
 * transit rights come from `sys/capabilities-self`. No line holds a token, a proxy's login or a
 * header's value.
 */
import { type Settings, vaultAddressName } from "../config.ts";
import { BackendError, ExitCode, KeyError, S5Error } from "../errors.ts";
import { createTokenSource } from "./auth.ts";
import { createVaultClient, type VaultClient } from "./client.ts";
import { readVaultConfig, type VaultConfig, vaultEnv } from "./config.ts";
import { invalidToken, type Operation } from "./errors.ts";
import { isLoopback, proxyFor } from "./proxy.ts";

/** One finding. `fail` stops s5 there; `warn` works but is worth a look; `info` is a fact. */
export interface Finding {
  status: "ok" | "fail" | "warn" | "info";
  /** What was looked at: `address`, `proxy`, `tls`, `token`, `server`, `transit`… */
  topic: string;
  text: string;
  /** For a failure: the error s5 would stop with (code, message, hint). */
  error?: S5Error | undefined;
}

const found = (status: Finding["status"], topic: string, text: string): Finding => ({
  status,
  topic,
  text,
});

/** A failure s5 found itself, with the error a command would stop with. */
const stops = (topic: string, error: S5Error): Finding => ({
  status: "fail",
  topic,
  text: error.message,
  error,
});

const unavailable = (message: string, hint: string) =>
  new BackendError("S5_VAULT_UNAVAILABLE", ExitCode.unavailable, message, { hint });

const failed = (topic: string, error: unknown): Finding => {
  if (!(error instanceof S5Error)) throw error;
  return { status: "fail", topic, text: error.message, error };
};

/**
 * The proxy as scheme, host and port: no login, and no path or query either (an HTTP proxy uses
 * neither, and a `?token=…` someone put there is a credential all the same).
 */
function proxyShown(url: string): string {
  const shown = new URL(url);
  const dropped = shown.pathname.replace(/^\/$/, "") + shown.search + shown.hash;
  return dropped ? `${shown.origin} (its path and query not shown)` : shown.origin;
}

/** The settings: where, through what, trusting which CA, with which token. */
function settingsFindings(config: VaultConfig, env: Settings["env"]): Finding[] {
  const name = vaultAddressName(env);
  const findings = [
    found("info", "address", `${config.address} (${name ?? "VAULT_ADDR"})`),
    found("info", "namespace", config.namespace ? config.namespace : "none (the root namespace)"),
  ];
  try {
    const proxy = proxyFor(config.proxies, config.address);
    findings.push(
      found(
        "info",
        "proxy",
        proxy ? `${proxyShown(proxy.url)} (${proxy.name})` : "none: requests go to Vault directly",
      ),
    );
  } catch (error) {
    // A proxy s5 cannot use, chosen for this address: every request would stop there.
    findings.push(failed("proxy", error));
  }
  if (config.address.startsWith("https:")) {
    const ca = ["CACERT", "CACERT_BYTES", "CAPATH"].find((n) => vaultEnv(env, n));
    findings.push(
      config.tls.rejectUnauthorized
        ? found(
            "ok",
            "tls",
            `verified with ${ca ? `VAULT_${ca}` : "the system's CAs"}${config.tls.cert ? ", client certificate VAULT_CLIENT_CERT" : ""}`,
          )
        : found(
            "warn",
            "tls",
            "NOT verified (VAULT_SKIP_VERIFY): anyone on the path can pose as Vault and read the token",
          ),
    );
  } else if (!config.address.startsWith("unix:")) {
    findings.push(
      isLoopback(new URL(config.address).hostname.replace(/^\[|\]$/g, ""))
        ? found("info", "tls", "none (http:// to this machine)")
        : found(
            "warn",
            "tls",
            "none (http://): the token and the values cross the network in clear",
          ),
    );
  }
  const headers = Object.keys(config.headers);
  if (headers.length > 0) {
    findings.push(
      found("info", "headers", `${headers.join(", ")} (VAULT_HEADERS; values not shown)`),
    );
  }
  return findings;
}

/** `sys/health`: reachable, initialised, unsealed, active or a standby, which version. */
async function serverFinding(client: VaultClient, address: string): Promise<Finding> {
  const op: Operation = { action: "lookup", address };
  const answer = await client.send("GET", ["sys", "health"], op);
  const body = answer.body as { version?: unknown; sealed?: unknown; initialized?: unknown };
  const version = typeof body.version === "string" ? ` ${body.version}` : "";
  switch (answer.status) {
    case 200:
      return found("ok", "server", `answers: Vault${version}, unsealed, active`);
    case 429:
      return found(
        "ok",
        "server",
        `answers: Vault${version}, a standby (it serves transit requests or forwards them to the active node)`,
      );
    case 473:
      return found("ok", "server", `answers: Vault${version}, a performance standby`);
    case 472:
      // A disaster-recovery secondary serves no client requests until it is promoted.
      return stops(
        "server",
        unavailable(
          `Vault${version} at ${address} is a disaster-recovery secondary: it serves no transit requests`,
          "point VAULT_ADDR at the primary cluster",
        ),
      );
    case 501:
      return stops(
        "server",
        unavailable(
          `Vault${version} at ${address} answers, but is not initialised`,
          "an admin initialises it (`bao operator init`)",
        ),
      );
    case 503:
      return stops(
        "server",
        new BackendError(
          "S5_VAULT_SEALED",
          ExitCode.unavailable,
          `Vault${version} at ${address} is sealed: nothing can be encrypted or decrypted until it is unsealed`,
          { hint: "ask an operator to unseal it (`bao operator unseal`), then run again" },
        ),
      );
    default:
      return stops(
        "server",
        unavailable(
          `${address} answered sys/health with HTTP ${answer.status}: not Vault's health endpoint`,
          "check that VAULT_ADDR is Vault's API address",
        ),
      );
  }
}

/** What a token's capabilities on a path allow. */
const allows = (caps: unknown, wanted: readonly string[]) =>
  Array.isArray(caps) && caps.some((cap) => cap === "root" || wanted.includes(cap as string));

/** Checks the Vault setup of `settings` against the server, read-only. */
export async function checkVault(settings: Settings): Promise<Finding[]> {
  let config: VaultConfig;
  try {
    // One attempt per request: a doctor says what it met, it does not wait out a retry budget.
    config = { ...readVaultConfig(settings), maxRetries: 0 };
  } catch (error) {
    return [failed("settings", error)];
  }
  const findings = settingsFindings(config, settings.env);
  if (findings.some((finding) => finding.status === "fail")) return findings;
  let client: VaultClient;
  try {
    client = createVaultClient(config);
  } catch (error) {
    return [...findings, failed("client", error)];
  }
  const tokens = createTokenSource(client, config.auth);
  findings.push(found("info", "token from", tokens.describe()));
  try {
    const server = await serverFinding(client, config.address).catch((error) =>
      failed("server", error),
    );
    findings.push(server);
    if (server.status === "fail") return findings;

    const lookup: Operation = { action: "lookup", address: config.address };
    let token: string;
    try {
      token = await tokens.token();
    } catch (error) {
      findings.push(failed("token", error));
      return findings;
    }
    const self = await client.send("GET", ["auth", "token", "lookup-self"], lookup, { token });
    if (self.status === 403 || self.status === 401) {
      findings.push(failed("token", invalidToken(lookup, tokens.describe())));
      return findings;
    }
    const data = (client.check(self, lookup).data ?? {}) as {
      policies?: unknown;
      ttl?: unknown;
      renewable?: unknown;
    };
    const policies = Array.isArray(data.policies) ? data.policies.join(", ") : "?";
    const ttl = typeof data.ttl === "number" ? data.ttl : undefined;
    findings.push(
      found(
        ttl !== undefined && ttl > 0 && ttl < 600 ? "warn" : "ok",
        "token",
        `valid; policies: ${policies}; ${ttl === 0 || ttl === undefined ? "no expiry" : `expires in ${Math.round(ttl / 60)} min`}${data.renewable === true ? " (renewable)" : ""}`,
      ),
    );

    const { transitMount: mount, transitKey: key } = config;
    const paths = {
      encrypt: `${mount}/encrypt/${key}`,
      decrypt: `${mount}/decrypt/${key}`,
      rewrap: `${mount}/rewrap/${key}`,
      read: `${mount}/keys/${key}`,
    };
    const capsOp: Operation = { action: "lookup", address: config.address, mount, key };
    const caps = client.check(
      await client.send("POST", ["sys", "capabilities-self"], capsOp, {
        token,
        body: { paths: Object.values(paths) },
      }),
      capsOp,
    ).data as Record<string, unknown> | undefined;
    const may = {
      encrypt: allows(caps?.[paths.encrypt], ["update", "create"]),
      decrypt: allows(caps?.[paths.decrypt], ["update"]),
      rewrap: allows(caps?.[paths.rewrap], ["update"]),
      read: allows(caps?.[paths.read], ["read"]),
    };
    const list = (entries: [string, boolean][], yes: boolean) =>
      entries.filter(([, value]) => value === yes).map(([name]) => name);
    const allowed = list(Object.entries(may), true);
    const denied = list(Object.entries(may), false);
    const summary = `${mount}/…/${key}: may ${allowed.length ? allowed.join(", ") : "nothing"}${denied.length ? `; may not ${denied.join(", ")}` : ""}${may.encrypt && !may.decrypt ? " (an encrypt-only token: right for engineers, not for CI)" : ""}`;
    findings.push(
      may.encrypt || may.decrypt
        ? found("ok", "transit", summary)
        : stops(
            "transit",
            new BackendError("S5_VAULT_DENIED", ExitCode.denied, summary, {
              hint: `a policy grants \`update\` on ${paths.encrypt} (engineers) and ${paths.decrypt} (CI); or the token is another key's: -k KEY`,
            }),
          ),
    );
    if (may.read) {
      const keyOp: Operation = { action: "read", address: config.address, mount, key };
      const answer = await client.send("GET", [mount, "keys", key], keyOp, { token });
      if (answer.status === 404) {
        findings.push(
          stops(
            "key",
            new KeyError("S5_KEY_VAULT_NOT_FOUND", `${mount}/keys/${key} does not exist`, {
              hint: `an admin creates it (\`bao write -f ${mount}/keys/${key}\`), or pick another key with -k/--transit-key or S5_VAULT_TRANSIT_KEY`,
            }),
          ),
        );
      } else {
        const info = (client.check(answer, keyOp).data ?? {}) as {
          type?: unknown;
          latest_version?: unknown;
        };
        findings.push(
          found(
            "ok",
            "key",
            `${mount}/keys/${key}: ${String(info.type ?? "?")}, latest version ${String(info.latest_version ?? "?")}`,
          ),
        );
      }
    }
  } catch (error) {
    findings.push(failed("server", error));
  } finally {
    tokens.close();
    client.close();
  }
  return findings;
}
