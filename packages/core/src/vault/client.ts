/**
 * The HTTP transport: `node-vault`'s generic `request`, with its defects neutralised
 * (see docs/vault.md). s5 owns the environment, TLS, agents, timeouts, retries and URL paths;
 * node-vault only sends the request and tells a 2xx from an error status.
 */

import type * as Http from "node:http";
import type https from "node:https";
import createNodeVault from "node-vault";
import { BackendError, ConfigError, ExitCode, type S5Error } from "../errors.ts";
import { socketPathOf, type VaultConfig } from "./config.ts";
import { leakingDebugSwitch } from "./debug-switch.ts";
import { diagnosePlainAnswer, diagnoseTransport } from "./diagnose.ts";
import {
  gatewayRefusal,
  isRetryableCode,
  type Operation,
  redirectError,
  responseError,
  type Tried,
  transportError,
} from "./errors.ts";
import { proxyFor } from "./proxy.ts";
import {
  type AnswerHeaders,
  requestCheck,
  retryAfterMs,
  SendError,
  type SentRequest,
  sender,
} from "./transport.ts";

export type { Tried } from "./errors.ts";

// Not `import http from "node:http"`: in ESM that builds the module's ESM facade, which reads its
// lazy WebSocket exports and so loads Node's fetch implementation (undici, ~30 ms) for nothing.
const http = process.getBuiltinModule("node:http");

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
  /** `Retry-After` and `Location`, when the server sent them. */
  headers?: AnswerHeaders | undefined;
  /** The variable that named the proxy the answer came through, if any. */
  proxy?: string | undefined;
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

/** Node's agents take `proxyEnv` from 22.21 and 24.5 on (23 never got it). */
export function agentsTakeProxy(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > 24 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21);
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

/**
 * The wait a `Retry-After` asks for, never shorter, plus up to 20 % (at most 2 s) of jitter so that
 * clients told the same time do not all come back at once.
 */
export function afterJitter(ms: number): number {
  return ms + Math.random() * Math.min(ms * 0.2, 2000);
}

/** The least time a retry is given, however little of the retry budget is left. */
const RETRY_TIMEOUT_FLOOR_MS = 2000;

/** Redirects followed per request: a standby's 307 to the active node needs one. */
const MAX_REDIRECTS = 3;

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

/** Failures that mean the request never reached a server. */
const NEVER_SENT = /^(?:ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN)$/;

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
      `${leak.split("=")[0]} was set when this process started, and Node prints Vault requests (the token and the values) with it`,
      {
        hint:
          "start this process without it (the s5 CLI drops it by itself); Node reads it once at " +
          "start-up, so unsetting it later does not help",
      },
    );
  }
  // Every node a request may go to is known now (redirects are followed only among them): each
  // one's proxy is chosen, and refused on a Node that cannot send through one, before any request.
  const proxies = new Map(
    config.clusterAddresses.map((node) => [node, proxyFor(config.proxies, node)]),
  );
  for (const proxy of proxies.values()) {
    if (proxy && !agentsTakeProxy()) {
      throw new ConfigError(
        "S5_CONFIG_VAULT_PROXY",
        `${proxy.name} names a proxy for Vault, and this Node (${process.version}) cannot send through one`,
        {
          hint: `use Node >= 22.21 or >= 24.5, or reach Vault directly: unset ${proxy.name}${/^(?:VAULT|BAO)_/.test(proxy.name) ? "" : " or add Vault's host to NO_PROXY"}`,
        },
      );
    }
  }
  // Our own agents, one per protocol and proxy: keep-alive even with TLS options (defect 2), a real
  // boolean for VAULT_SKIP_VERIFY (defect 1), the CA / client certificate / server name (defect 11),
  // and a `proxyEnv` of ours, never the process environment's (defect 4).
  const agents = new Map<string, Http.Agent>();
  const agentFor = (endpoint: string, secure: boolean): Http.Agent => {
    const proxy = proxies.has(endpoint)
      ? proxies.get(endpoint)
      : proxyFor(config.proxies, endpoint);
    const id = `${secure}|${proxy?.url ?? ""}`;
    let agent = agents.get(id);
    if (agent) return agent;
    const options = {
      keepAlive: true,
      maxSockets: Math.max(config.parallelism, 2),
      proxyEnv: proxy ? { [secure ? "HTTPS_PROXY" : "HTTP_PROXY"]: proxy.url } : {},
    };
    // https is loaded for the first https:// node only: it loads tls and crypto (~8–10 ms in the
    // loader's worker).
    agent = secure
      ? new (process.getBuiltinModule("node:https").Agent)({
          ...options,
          ca: config.tls.ca,
          cert: config.tls.cert,
          key: config.tls.key,
          servername: config.tls.servername,
          rejectUnauthorized: config.tls.rejectUnauthorized,
        })
      : new http.Agent(options);
    agents.set(id, agent);
    return agent;
  };

  const vaultAt = (endpoint: string) => {
    const vault = createNodeVault({
      // A socket's requests are plain HTTP to "localhost" over the socket (as the Vault CLI's).
      endpoint: endpoint.startsWith("unix:") ? "http://localhost" : endpoint,
      apiVersion: "v1",
      noCustomHTTPVerbs: true,
      // A no-op logger: `DEBUG=node-vault` would print request bodies, i.e. plaintexts (defect 6).
      debug: () => {},
      // Sends with headers seen and redirects not followed (transport.ts); our agents decide TLS
      // (defect 1: node-vault reads VAULT_SKIP_VERIFY as "any non-empty value").
      "request-promise": sender,
      // s5 uses only the generic `request`: none of node-vault's ~100 generated commands, so
      // neither their schemas nor the libraries that build and check them are loaded
      // (build/transport.ts keeps them out of the bundle).
      commands: {},
      // Typed as a function in node-vault's declarations; node-vault reads `.validate`/`.error`.
      tv4: requestCheck as unknown as NonNullable<Parameters<typeof createNodeVault>[0]>["tv4"],
    });
    // node-vault falls back to process.env (VAULT_TOKEN, VAULT_NAMESPACE, VAULT_PREFIX) for empty
    // options; s5 reads settings.env and sends the token per request instead.
    vault.token = "";
    Object.assign(vault, { namespace: config.namespace ?? "", pathPrefix: "" });
    return vault;
  };
  // One node-vault per node a redirect led to (its endpoint is fixed); the agents are shared.
  const clients = new Map<string, ReturnType<typeof vaultAt>>();
  const clientAt = (endpoint: string) => {
    let vault = clients.get(endpoint);
    if (!vault) {
      vault = vaultAt(endpoint);
      clients.set(endpoint, vault);
    }
    return vault;
  };

  /** One request to one node; any HTTP answer resolves, a failure to get one rejects. */
  const at = async (
    endpoint: string,
    method: "GET" | "POST",
    path: string,
    options: SendOptions,
    timeout: number,
  ): Promise<VaultResponse> => {
    if (stats) stats.requests++;
    const request: SentRequest = {
      method,
      path,
      headers: options.token
        ? { ...config.headers, "X-Vault-Token": options.token }
        : { ...config.headers },
      ...(options.body ? { json: options.body } : {}),
      // A timeout (defect 3) and our agents (defect 2).
      timeout,
      httpAgent: agentFor(endpoint, false),
      socketPath: endpoint.startsWith("unix:") ? socketPathOf(endpoint) : undefined,
      httpsAgent: /^https:/i.test(endpoint) ? (agentFor(endpoint, true) as https.Agent) : undefined,
    };
    try {
      const body = await clientAt(endpoint).request(request);
      if (!body || typeof body !== "object") throw notVaultJson(endpoint, body);
      return { status: request.status ?? 200, body: body as VaultBody, headers: request.answer };
    } catch (error) {
      // node-vault's error classes are not exported (defect 7): duck-type the status.
      const status = statusOf(error);
      if (status === undefined) throw error;
      const body = (error as { response: { body?: unknown } }).response.body;
      // A TLS port's plain-text 400 to an http:// address (as Node 22 reads it: Node 24 fails).
      if (status === 400 && typeof body === "string" && !proxies.get(endpoint)) {
        const cause = await diagnosePlainAnswer(endpoint);
        if (cause) throw cause;
      }
      return {
        status,
        body: (body && typeof body === "object" ? body : {}) as VaultBody,
        headers: request.answer,
        proxy: proxies.get(endpoint)?.name,
      };
    }
  };

  /**
   * One request, following a standby's redirect (307/308: same method, body sent again) to
   * another node — only to one of the cluster's addresses, so the token never leaves them.
   */
  const once = async (
    start: string,
    method: "GET" | "POST",
    path: string,
    op: Operation,
    options: SendOptions,
    timeout: number,
  ): Promise<VaultResponse> => {
    let endpoint = start;
    let current = path;
    for (let hop = 0; ; hop++) {
      const response = await at(endpoint, method, current, options, timeout);
      const location = response.headers?.location;
      if (response.status < 300 || response.status >= 400 || !location) return response;
      const asked = new URL(`${endpoint}/v1${current}`);
      const url = new URL(location, asked);
      // A Location is the server's own text, and one that quotes the request could carry the
      // token or a value: its path is shown only when it is the request's own (a standby's 307).
      const target = `${url.origin}${url.pathname === asked.pathname ? url.pathname : "/… (path not shown)"}`;
      if (response.status !== 307 && response.status !== 308) {
        throw redirectError(op, response.status, target, "kind");
      }
      if (hop >= MAX_REDIRECTS) throw redirectError(op, response.status, target, "loop");
      // As Vault's own client: never from https to http, where anyone on the path reads the token.
      if (asked.protocol === "https:" && url.protocol !== "https:") {
        throw redirectError(op, response.status, target, "downgrade");
      }
      const next = config.clusterAddresses.find((base) => url.href.startsWith(`${base}/v1/`));
      if (!next) throw redirectError(op, response.status, target, "outside");
      endpoint = next;
      current = url.href.slice(`${next}/v1`.length);
    }
  };

  // One note per process that a request is being retried: a server that is down otherwise holds
  // the command for seconds without a word before its error.
  let noted = false;
  const noteRetrying = (node: string, what: string) => {
    if (noted || !config.note) return;
    noted = true;
    let most = 0;
    for (let attempt = 0; attempt < config.maxRetries; attempt++) {
      most += Math.min(10_000, config.retryBaseMs * 2 ** attempt * 1.5);
    }
    const budget = Math.min(most, config.retryTimeoutMs) / 1000;
    config.note(
      `Vault at ${node} ${what}; retrying for up to ${budget.toFixed(1)} s ` +
        "(VAULT_MAX_RETRIES, S5_VAULT_RETRY_TIMEOUT)",
    );
  };

  // Where requests start: VAULT_ADDR, until a node does not answer at all (down, refused); then
  // the next of the cluster's addresses, for every later request of this process.
  const nodes = config.clusterAddresses;
  let preferred = 0;
  const moveOn = (used: number) => {
    if (nodes.length > 1 && preferred === used) preferred = (used + 1) % nodes.length;
  };

  return {
    config,
    async send(method, segments, op, options = {}) {
      const path = toPath(segments);
      // The retry budget: a count and a total time, whichever ends first (a leader election
      // takes seconds; a server that stays down must fail within the budget, never hang).
      const started = Date.now();
      // An earlier attempt that may have been carried out without an answer reaching s5: a login
      // retried after it may find its single-use credential spent (errors.ts says so).
      let unanswered: string | undefined;
      for (let attempt = 0; ; attempt++) {
        let delay = backoff(attempt, config.retryBaseMs);
        const left = () => config.retryTimeoutMs - (Date.now() - started);
        // Checked again after the attempt: a retry that took long may have used up the budget.
        const last = () => attempt >= config.maxRetries || delay > left();
        const tried = (): Tried => ({
          attempts: attempt + 1,
          ms: Date.now() - started,
          unanswered,
        });
        const used = preferred;
        try {
          // A retry never outlives the budget by more than RETRY_TIMEOUT_FLOOR_MS: the first
          // attempt has VAULT_CLIENT_TIMEOUT, a retry at most what is left (a request stalled in a
          // leader election would otherwise hold the command for the whole client timeout).
          const timeout =
            attempt === 0
              ? config.timeoutMs
              : Math.min(config.timeoutMs, Math.max(left(), RETRY_TIMEOUT_FLOOR_MS));
          const response = await once(nodes[used]!, method, path, op, options, timeout);
          if (
            (response.status === 401 || response.status === 403) &&
            !Array.isArray(response.body.errors)
          ) {
            throw gatewayRefusal(response.status, { ...op, proxy: response.proxy });
          }
          if (response.status < 500 && response.status !== 429) {
            return attempt > 0 ? { ...response, tried: tried() } : response;
          }
          // 503 (sealed, a standby) and 429 (a quota) say the request was not carried out.
          if (response.status !== 503 && response.status !== 429) {
            unanswered ??= `HTTP ${response.status}`;
          }
          // A server that says how long to wait (a rate-limit quota's 429) is waited for at least
          // that long; a wait past the budget fails now instead of sleeping into a failure.
          const asked = retryAfterMs(response.headers?.retryAfter);
          if (asked !== undefined && asked > 0) {
            if (attempt >= config.maxRetries) return { ...response, tried: tried() };
            if (asked > left()) return { ...response, tried: { ...tried(), retryAfterMs: asked } };
            delay = Math.min(afterJitter(asked), Math.max(asked, left()));
          } else if (last()) {
            return { ...response, tried: tried() };
          }
          if (attempt === 0 && asked === undefined) {
            noteRetrying(nodes[used]!, `answered HTTP ${response.status}`);
          }
        } catch (error) {
          if (error instanceof BackendError || error instanceof ConfigError) throw error;
          // Never keep the failure as a cause: a client's error may hold the request (plaintexts).
          const code = codeOf(error);
          const cutOff = error instanceof SendError && error.cutOff;
          if (!NEVER_SENT.test(code)) unanswered ??= code;
          // A protocol mismatch (http:// to a TLS port…) is found on the first failure, not retried.
          const final = last();
          // Through a proxy, a direct look at the server would not see what the request met.
          const proxy = proxies.get(nodes[used]!);
          const local = nodes[used]!.startsWith("unix:");
          if (!proxy && !local && (attempt === 0 || final || !isRetryableCode(code))) {
            const cause = await diagnoseTransport(nodes[used]!, code);
            if (cause) throw cause;
          }
          if (final || !isRetryableCode(code)) {
            throw transportError(code, { ...op, proxy: proxy?.name }, tried(), cutOff);
          }
          if (attempt === 0) {
            noteRetrying(
              nodes[used]!,
              `${cutOff ? "cut its answer off" : "is not answering"} (${code})`,
            );
          }
          moveOn(used);
        }
        if (stats) stats.retries++;
        await sleep(delay);
      }
    },
    check(response, op) {
      if (response.status >= 200 && response.status < 300) return response.body;
      throw responseError(
        response.status,
        response.body,
        { ...op, proxy: response.proxy },
        response.tried,
      );
    },
    close() {
      for (const agent of agents.values()) agent.destroy();
    },
  };
}
