/**
 * Where the Vault token comes from: given (`VAULT_TOKEN`, `~/.vault-token`, the Vault CLI's token
 * helper) or a login (AppRole, Kubernetes, JWT/OIDC). Login tokens are renewed at ~2/3 of their TTL by an unref'd
 * timer, so a long-lived process (loader, dev server) keeps working; `close()` stops it.
 */
import { KeyError } from "../errors.ts";
import type { VaultClient } from "./client.ts";
import { readText, type VaultAuth } from "./config.ts";
import { AGENT_TOKEN, missingToken, type Operation } from "./errors.ts";
import { runTokenHelper } from "./token-helper.ts";

export interface TokenSource {
  /** A token to send; logs in on first use. */
  token(): Promise<string>;
  /** Forget a token Vault refused, so the next call logs in again (login methods only). */
  invalidate(token: string): void;
  /** Where the token comes from, for messages: `VAULT_TOKEN`, a token file, a login. */
  describe(): string;
  close(): void;
}

interface Lease {
  token: string;
  ttlSeconds: number;
  renewable: boolean;
}

function loginBody(auth: VaultAuth): Record<string, string> {
  const need = (value: string | undefined, name: string): string => {
    if (value) return value;
    throw new KeyError("S5_KEY_VAULT_LOGIN", `S5_VAULT_AUTH_METHOD=${auth.method} needs ${name}`, {
      hint: `set ${name} (or ${name}_FILE)`,
    });
  };
  if (auth.method === "approle") {
    return {
      role_id: need(auth.roleId, "S5_VAULT_ROLE_ID"),
      secret_id: need(auth.secretId, "S5_VAULT_SECRET_ID"),
    };
  }
  const jwt =
    auth.jwt ?? (auth.jwtFile ? readText(auth.jwtFile, "S5_VAULT_JWT_FILE").trim() : undefined);
  const body: Record<string, string> = { jwt: need(jwt, "S5_VAULT_JWT") };
  if (auth.method === "kubernetes") body.role = need(auth.role, "S5_VAULT_ROLE");
  else if (auth.role) body.role = auth.role;
  return body;
}

export function createTokenSource(client: VaultClient, auth: VaultAuth): TokenSource {
  const address = client.config.address;
  let current: Promise<Lease> | undefined;
  let resolved: Lease | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const login = async (): Promise<Lease> => {
    const op: Operation = { action: "login", address, mount: auth.mount, method: auth.method };
    const body = client.check(
      await client.send("POST", ["auth", auth.mount, "login"], op, { body: loginBody(auth) }),
      op,
    );
    const token = body.auth?.client_token;
    if (!token) throw missingToken();
    return {
      token,
      ttlSeconds: body.auth?.lease_duration ?? 0,
      renewable: body.auth?.renewable ?? false,
    };
  };

  const given = async (): Promise<Lease> => {
    // The agent adds its own token to a request that has none.
    const token =
      auth.token ?? (auth.tokenHelper && (await runTokenHelper(auth.tokenHelper, address)));
    if (!token && auth.agent) return { token: "", ttlSeconds: 0, renewable: false };
    if (!token) throw missingToken(auth.tokenFile, auth.tokenHelper?.path);
    if (!auth.renewGiven) return { token, ttlSeconds: 0, renewable: false };
    const op: Operation = { action: "renew", address };
    const body = client.check(
      await client.send("GET", ["auth", "token", "lookup-self"], op, { token }),
      op,
    );
    const data = body.data ?? {};
    return {
      token,
      ttlSeconds: typeof data.ttl === "number" ? data.ttl : 0,
      renewable: data.renewable === true,
    };
  };

  const schedule = (lease: Lease) => {
    if (closed || !lease.renewable || lease.ttlSeconds <= 0) return;
    clearTimeout(timer);
    timer = setTimeout(() => void renew(lease), (lease.ttlSeconds * 1000 * 2) / 3);
    timer.unref();
  };

  const renew = async (lease: Lease) => {
    const op: Operation = { action: "renew", address };
    try {
      const body = client.check(
        await client.send("POST", ["auth", "token", "renew-self"], op, { token: lease.token }),
        op,
      );
      const next: Lease = {
        token: lease.token,
        ttlSeconds: body.auth?.lease_duration ?? 0,
        renewable: body.auth?.renewable ?? false,
      };
      current = Promise.resolve(next);
      resolved = next;
      schedule(next);
    } catch {
      // Not renewable any more (max TTL): a login method logs in again on the next request.
      if (auth.method !== "token") current = undefined;
    }
  };

  const start = (): Promise<Lease> => {
    const lease = (auth.method === "token" ? given() : login()).then((value) => {
      resolved = value;
      schedule(value);
      return value;
    });
    // A failed login is not cached: the next call tries again.
    lease.catch(() => {
      if (current === lease) current = undefined;
    });
    return lease;
  };

  return {
    async token() {
      current ??= start();
      return (await current).token;
    },
    describe() {
      if (auth.method !== "token") return `the ${auth.method} login at auth/${auth.mount}`;
      if (auth.tokenHelper && !auth.token) return `the token helper ${auth.tokenHelper.path}`;
      if (!auth.token && auth.agent) return AGENT_TOKEN;
      return auth.tokenFile ?? "VAULT_TOKEN";
    },
    invalidate(token) {
      if (auth.method !== "token" && resolved?.token === token) {
        current = undefined;
        resolved = undefined;
      }
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
