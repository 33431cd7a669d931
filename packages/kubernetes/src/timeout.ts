/**
 * Deadlines of our own on API requests. undici waits up to 300 s for headers and for the body, so
 * one request to a black-holing proxy or a stuck API server would hold a worker (or the Lease
 * loop) for five minutes while everything looks fine. Every request gets a fresh deadline when it
 * is sent; a stop can cut it short too.
 */
import {
  type ConfigurationOptions,
  Observable,
  type ObservableMiddleware,
} from "@kubernetes/client-node";

/** Default deadline of one API request (ms): the API server's own default is 60 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** A signal that fires after `ms`, or when `also` does (the process stopping). */
export function deadline(ms: number, also?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(Math.max(1, Math.round(ms)));
  return also ? AbortSignal.any([timeout, also]) : timeout;
}

/**
 * Call options of the generated clients (`api.readNamespacedLease(params, timeoutOptions(…))`):
 * the signal is made when the request leaves, after authentication, so the deadline is the
 * request's own. Other middleware (the User-Agent header) stays.
 */
export function timeoutOptions(ms: number, also?: AbortSignal): ConfigurationOptions {
  return signalOptions(() => deadline(ms, also));
}

/** Call options whose requests carry `signal()` (one deadline shared by several requests). */
export function signalOptions(signal: () => AbortSignal): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(signal());
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: "append" };
}

/** A request that ran out of time (ours), as opposed to an answer from the API server. */
export function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "TimeoutError";
}
