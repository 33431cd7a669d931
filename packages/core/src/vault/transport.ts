/**
 * The sender node-vault uses: node-vault takes a `request-promise` option, the function that sends
 * its requests; node-vault builds each request (URL, headers, namespace) and reads each answer.
 * This one sends them with Node's own http/https and our agents, and differs from node-vault's
 * default (axios) where s5 needs it to:
 * - redirects are answers, never followed here (s5 follows them itself, only within the cluster,
 *   see client.ts);
 * - `Retry-After` and `Location` reach the caller;
 * - no proxy is read from the environment (only the agents' `proxyEnv`, from VAULT_HTTP_PROXY);
 * - a failure carries the socket's error code and never the request (whose body holds plaintexts).
 * Not loading axios saves every Vault start ~25 ms (docs/decisions.md, "Third pass").
 */
import type http from "node:http";
import type https from "node:https";

/** The headers s5 reads from an answer. */
export interface AnswerHeaders {
  /** `Retry-After`: seconds or an HTTP date (429 from a rate-limit quota, some 503s). */
  retryAfter?: string | undefined;
  /** `Location` of a redirect (a standby sends 307 to the active node). */
  location?: string | undefined;
}

/** The options s5 hands to node-vault's `request`, which node-vault passes on to the sender. */
export interface SentRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  json?: object | undefined;
  timeout: number;
  httpAgent: http.Agent;
  /** Only for an https:// node (built on first use, see client.ts). */
  httpsAgent?: https.Agent | undefined;
  /** A Unix socket to send over (a `unix://` address); the URL's host is then `localhost`. */
  socketPath?: string | undefined;
  /** Set by node-vault: the full URL. */
  uri?: string;
  /** Set by the sender once an answer came. */
  answer?: AnswerHeaders;
  /**
   * The answer's HTTP status, set by the sender: node-vault resolves some non-2xx answers as
   * successes (every `sys/health` answer: 429 standby, 503 sealed…), so its result cannot tell.
   */
  status?: number;
}

/** What node-vault expects back from its sender. */
interface SenderResult {
  statusCode: number;
  body: unknown;
  request: { path: string };
}

/** Vault's answers are small; a larger one is not Vault (a proxy's download, an endless body). */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * The code of an answer over {@link MAX_ANSWER_BYTES}: an answer, not a network failure, so it is
 * neither retried (each retry would download 64 MB again) nor probed as a protocol mismatch.
 */
export const TOO_LARGE = "S5_ANSWER_TOO_LARGE";

/** A failure without an answer: a code (ECONNREFUSED, ETIMEDOUT…) and no request data. */
export class SendError extends Error {
  readonly code: string;
  /** The server had begun to answer (status and headers came): the answer was cut off. */
  readonly cutOff: boolean;
  constructor(code: string, message: string, cutOff = false) {
    super(message);
    this.name = "SendError";
    this.code = code;
    this.cutOff = cutOff;
  }
}

const header = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/** JSON when the body parses as JSON, else the text (a proxy's HTML page, a truncated body). */
function parseBody(text: string): unknown {
  if (text === "") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One request over Node's http or https; any HTTP answer resolves. */
export function send(options: SentRequest): Promise<SenderResult> {
  const url = new URL(options.uri ?? "");
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") {
    return Promise.reject(new SendError("ERR_INVALID_URL", `unsupported protocol ${url.protocol}`));
  }
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers: Record<string, string | number> = {
    Accept: "application/json",
    "User-Agent": "s5",
    ...options.headers,
  };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    headers["Content-Length"] = Buffer.byteLength(body);
  }
  const client = process.getBuiltinModule(secure ? "node:https" : "node:http");
  return new Promise((resolve, reject) => {
    let settled = false;
    let answering = false;
    const fail = (code: string, message: string) => {
      if (settled) return;
      settled = true;
      // A pending timer would keep the process alive for the rest of VAULT_CLIENT_TIMEOUT.
      clearTimeout(timer);
      request.destroy();
      reject(new SendError(code, message, answering && code !== TOO_LARGE));
    };
    const request = client.request(
      url,
      {
        method: options.method,
        headers,
        agent: secure ? options.httpsAgent : options.httpAgent,
        ...(options.socketPath ? { socketPath: options.socketPath } : {}),
      },
      (response) => {
        answering = true;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            fail(TOO_LARGE, `the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
          } else chunks.push(chunk);
        });
        response.on("error", (error: NodeJS.ErrnoException) =>
          fail(error.code ?? "ECONNRESET", "the answer was cut off"),
        );
        response.on("end", () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          options.answer = {
            retryAfter: header(response.headers["retry-after"]),
            location: header(response.headers.location),
          };
          options.status = response.statusCode ?? 0;
          resolve({
            statusCode: response.statusCode ?? 0,
            body: parseBody(Buffer.concat(chunks).toString("utf8")),
            request: { path: url.pathname },
          });
        });
      },
    );
    // The whole exchange, from sending to the last byte of the answer.
    const timer = setTimeout(
      () => fail("ETIMEDOUT", `no answer within ${options.timeout} ms`),
      options.timeout,
    );
    request.on("error", (error: NodeJS.ErrnoException) =>
      fail(error.code ?? "ERR_NETWORK", "the request failed"),
    );
    request.end(body);
  });
}

/** The value of node-vault's `request-promise` option. */
export const sender = { defaults: () => send };

/**
 * What node-vault checks of each request before sending it (its `tv4` option): the schema it
 * passes asks for `path` and `method`, both strings. s5 builds every request itself, so this
 * stands in for the JSON-schema library node-vault would otherwise load.
 */
export const requestCheck = {
  error: null as Error | null,
  validate(data: unknown, schema: { required?: string[] }): boolean {
    const object = data as Record<string, unknown> | null;
    const missing = (schema.required ?? []).find((key) => typeof object?.[key] !== "string");
    requestCheck.error = missing ? new Error(`the request has no ${missing}`) : null;
    return missing === undefined;
  },
};

/**
 * `Retry-After` in milliseconds: whole seconds (`30`) or an HTTP date; undefined when absent or
 * not understood (then s5's own backoff applies).
 */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
