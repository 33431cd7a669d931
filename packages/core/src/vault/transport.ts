/**
 * What node-vault's own sender hides: response headers and redirects. node-vault takes a
 * `request-promise` option, the function that sends its requests; this one sends them with axios
 * (node-vault's own HTTP library, with the options node-vault would pass) and two differences:
 * redirects are never followed by axios (s5 follows them itself, only within the cluster, see
 * client.ts), and `Retry-After` / `Location` reach the caller.
 */
import type http from "node:http";
import type https from "node:https";
// The very axios node-vault requires (its Node build, shared through the require cache): importing
// "axios" from ESM would load a second copy, its ESM build.
import axios from "axios/dist/node/axios.cjs";

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
  /** Set by node-vault: the full URL. */
  uri?: string;
  /** Set by the sender once an answer came. */
  answer?: AnswerHeaders;
}

/** What node-vault expects back from its sender. */
interface SenderResult {
  statusCode: number;
  body: unknown;
  request: { path: string };
}

const header = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/** The value of node-vault's `request-promise` option. */
export function headerAwareSender(): {
  defaults(): (options: SentRequest) => Promise<SenderResult>;
} {
  const instance = axios.create({
    // Every status is an answer (node-vault tells a 2xx from an error itself).
    validateStatus: () => true,
    // A redirect is an answer too: follow-redirects would resend X-Vault-Token to any host.
    maxRedirects: 0,
  });
  const send = async (options: SentRequest): Promise<SenderResult> => {
    const uri = options.uri ?? "";
    const response = await instance.request({
      method: options.method,
      url: uri,
      headers: options.headers,
      data: options.json,
      timeout: options.timeout,
      httpAgent: options.httpAgent,
      httpsAgent: options.httpsAgent,
    });
    options.answer = {
      retryAfter: header(response.headers["retry-after"]),
      location: header(response.headers.location),
    };
    return {
      statusCode: response.status,
      body: response.data,
      request: { path: new URL(uri).pathname },
    };
  };
  return { defaults: () => send };
}

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
