/**
 * The HTTP transport: `node-vault`'s generic `request`, with its defects neutralised
 * (see docs/vault.md). s5 owns the environment, TLS, agents, timeouts, retries and URL paths;
 * node-vault only sends the request and tells a 2xx from an error status.
 */
import type * as Http from "node:http";
import createNodeVault from "node-vault";
import { BackendError, ConfigError, ExitCode, type S5Error } from "../errors.ts";
import type { VaultConfig } from "./config.ts";
import { leakingDebugSwitch } from "./debug-switch.ts";
import { diagnoseTransport } from "./diagnose.ts";
import { isRetryableCode, type Operation, responseError, transportError } from "./errors.ts";

// Not `import http from "node:http"`: in ESM that builds the module's ESM facade, which reads its
// lazy WebSocket exports and so loads Node's fetch implementation (undici, ~30 ms) for nothing.
const http = process.getBuiltinModule("node:http");
const https = process.getBuiltinModule("node:https");

/** Vault's response envelope (the parts s5 reads). */
export interface VaultBody {
  data?: Record<string, unknown> | null;
  auth?: { client_token?: string; lease_duration?: number; renewable?: boolean } | null;
  errors?: string[];
  warnings?: string[] | null;
}

export interface VaultResponse {
  status: number;
  body: VaultBody;
  /** Attempts made and time spent, when the last answer is a failure after retries. */
  tried?: Tried | undefined;
}

/** How hard a request was tried, for messages. */
export interface Tried {
  attempts: number;
  ms: number;
}

export interface SendOptions {
  /** `X-Vault-Token`; none for logins. */
  token?: string | undefined;
  body?: object | undefined;
}

export interface VaultClient {
  readonly config: VaultConfig;
  /**
   * Sends one request, retrying 5xx, 429 and connection failures with backoff and jitter.
   * Resolves with any HTTP answer (the caller reads per-item results even from a 400);
   * rejects with a typed {@link S5Error} when no answer came.
   */
  send(
    method: "GET" | "POST",
    path: readonly string[],
    op: Operation,
    options?: SendOptions,
  ): Promise<VaultResponse>;
  /** Throws the typed error for a non-2xx answer. */
  check(response: VaultResponse, op: Operation): VaultBody;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

/** Counts of what went over the wire, for tests and the benchmark. */
export interface ClientStats {
  requests: number;
  retries: number;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Proxy settings for our own agents. Node ≥ 22.21 / 24.5 agents take `proxyEnv`, and axios (inside
 * node-vault) then leaves proxying to the agent instead of reading `HTTP(S)_PROXY` — even for
 * 127.0.0.1 (defect 4). Only `VAULT_HTTP_PROXY` is honoured, never for a loopback address.
 * On older Node, axios still reads the proxy variables: set NO_PROXY there.
 */
function proxyEnv(config: VaultConfig): Http.ProxyEnv {
  const host = new URL(config.address).hostname;
  if (!config.proxy || LOOPBACK.test(host)) return {};
  return { HTTP_PROXY: config.proxy, HTTPS_PROXY: config.proxy };
}

/** A 2xx answer that is not Vault's JSON: an HTML page, a truncated body (never quoted). */
function notVaultJson(address: string, body: unknown): S5Error {
  const text = typeof body === "string" ? body.trimStart() : "";
  const what = text.startsWith("<")
    ? "an HTML page"
    : text === ""
      ? "an empty body"
      : "text that is not JSON (or truncated JSON)";
  return new BackendError(
    "S5_VAULT_RESPONSE",
    ExitCode.unavailable,
    `the server at ${address} answered with ${what}, not Vault's JSON`,
    {
      hint:
        "check that VAULT_ADDR is Vault's API address, not a web page, a login portal or a " +
        "proxy in between; a truncated answer: try again",
    },
  );
}

/** Resolves after `ms` (a referenced timer: a CLI waiting to retry must not exit). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Full jitter around an exponential step: base·2ⁿ·[0.5, 1.5), at most 10 s. */
export function backoff(attempt: number, baseMs: number): number {
  return Math.min(10_000, baseMs * 2 ** attempt * (0.5 + Math.random()));
}

/** `mount` may hold `/`; every segment is validated by config and encoded here (defect 9). */
function toPath(segments: readonly string[]): string {
  return `/${segments
    .flatMap((segment) => segment.split("/"))
    .map(encodeURIComponent)
    .join("/")}`;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { response?: { statusCode?: unknown } } | null)?.response?.statusCode;
  return typeof status === "number" ? status : undefined;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code !== "") return code;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === "string" ? cause : "ERR_NETWORK";
}

export function createVaultClient(config: VaultConfig, stats?: ClientStats): VaultClient {
  // The real environment of this process (Node read NODE_DEBUG from it at start-up).
  const leak = leakingDebugSwitch(process.env);
  if (leak) {
    throw new ConfigError(
      "S5_CONFIG_DEBUG_SWITCH",
      `${leak.split("=")[0]} is set in this process and would print Vault requests (the token and the values)`,
      {
        hint:
          "unset it for this process (the s5 CLI drops it by itself); with DEBUG, exclude the " +
          "transport: DEBUG=*,-follow-redirects",
      },
    );
  }
  const agentOptions = {
    keepAlive: true,
    maxSockets: Math.max(config.parallelism, 2),
    proxyEnv: proxyEnv(config),
  };
  // Our own agents: keep-alive even with TLS options (defect 2), a real boolean for
  // VAULT_SKIP_VERIFY (defect 1), and the CA / client certificate / server name (defect 11).
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent({
    ...agentOptions,
    ca: config.tls.ca,
    cert: config.tls.cert,
    key: config.tls.key,
    servername: config.tls.servername,
    rejectUnauthorized: config.tls.rejectUnauthorized,
  });

  const vault = createNodeVault({
    endpoint: config.address,
    apiVersion: "v1",
    noCustomHTTPVerbs: true,
    // A no-op logger: `DEBUG=node-vault` would print request bodies, i.e. plaintexts (defect 6).
    debug: () => {},
    // node-vault reads VAULT_SKIP_VERIFY itself as "any non-empty value" (defect 1); our agent
    // decides instead, and this keeps node-vault from building a second, keep-alive-less agent.
    ...({ rpDefaults: { strictSSL: true } } as object),
  });
  // node-vault falls back to process.env (VAULT_TOKEN, VAULT_NAMESPACE, VAULT_PREFIX) for empty
  // options; s5 reads settings.env and sends the token per request instead.
  vault.token = "";
  Object.assign(vault, { namespace: config.namespace ?? "", pathPrefix: "" });

  const once = async (
    method: "GET" | "POST",
    path: string,
    options: SendOptions,
  ): Promise<VaultResponse> => {
    if (stats) stats.requests++;
    try {
      const body = await vault.request({
        method,
        path,
        headers: options.token ? { "X-Vault-Token": options.token } : {},
        ...(options.body ? { json: options.body } : {}),
        // Forwarded to axios by node-vault: a timeout (defect 3) and our agents (defect 2).
        timeout: config.timeoutMs,
        httpAgent,
        httpsAgent,
      });
      if (!body || typeof body !== "object") throw notVaultJson(config.address, body);
      return { status: 200, body: body as VaultBody };
    } catch (error) {
      // node-vault's error classes are not exported (defect 7): duck-type the status.
      const status = statusOf(error);
      if (status === undefined) throw error;
      const body = (error as { response: { body?: unknown } }).response.body;
      return { status, body: (body && typeof body === "object" ? body : {}) as VaultBody };
    }
  };

  return {
    config,
    async send(method, segments, op, options = {}) {
      const path = toPath(segments);
      // The retry budget: a count and a total time, whichever ends first (a leader election
      // takes seconds; a server that stays down must fail within the budget, never hang).
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        const delay = backoff(attempt, config.retryBaseMs);
        const last =
          attempt >= config.maxRetries || Date.now() - started + delay > config.retryTimeoutMs;
        const tried = () => ({ attempts: attempt + 1, ms: Date.now() - started });
        try {
          const response = await once(method, path, options);
          if (response.status < 500 && response.status !== 429) return response;
          if (last) return { ...response, tried: tried() };
        } catch (error) {
          if (error instanceof BackendError) throw error;
          // The axios error holds the request body (a plaintext): never keep it as a cause.
          const code = codeOf(error);
          // A protocol mismatch (http:// to a TLS port…) is found on the first failure, not retried.
          if (attempt === 0 || last || !isRetryableCode(code)) {
            const cause = await diagnoseTransport(config.address, code);
            if (cause) throw cause;
          }
          if (last || !isRetryableCode(code)) throw transportError(code, op, tried());
        }
        if (stats) stats.retries++;
        await sleep(delay);
      }
    },
    check(response, op) {
      if (response.status >= 200 && response.status < 300) return response.body;
      throw responseError(response.status, response.body, op, response.tried);
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
