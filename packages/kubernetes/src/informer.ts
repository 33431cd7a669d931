/**
 * The S5Secret informer (list, then watch), with deadlines and a record of when the API server
 * last answered it. The client's watch already gives up after a spell without data (and then
 * reconnects); the list had no deadline of its own. Neither says whether anything comes through:
 * against a black-holing proxy the watch reconnects forever, each time in vain, and nothing else
 * would notice. `lastContact` moves only when the API server answers (a list, a watch's
 * response, an event), so a health check can tell a quiet watch from a stuck one.
 */
import {
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  ListWatch,
  type ObjectCache,
  Watch,
} from "@kubernetes/client-node";
import type { S5Secret } from "./resource.ts";

export type Cache = Informer<S5Secret> & ObjectCache<S5Secret>;

export interface TrackedInformer {
  cache: Cache;
  /** When the API server last answered the list or the watch (`Date.now()`). */
  lastContact(): number;
  /**
   * Silence longer than this is a stuck watch, not a quiet one: a healthy watch with nothing to
   * say still reconnects (and is answered) once per watch deadline; this is three of them.
   */
  stuckAfterMs: number;
}

export function startInformer(
  kc: KubeConfig,
  path: string,
  list: () => Promise<KubernetesListObject<S5Secret>>,
  timeoutMs: number,
): TrackedInformer {
  let contact = Date.now();
  const touch = () => {
    contact = Date.now();
  };
  const watch = new Watch(kc);
  // The watch's own limit: no response, or no data, for this long ends it (it then reconnects).
  // Private in client-node's types, a plain field in its code (30 s); left alone if it is gone.
  const limits = watch as unknown as { requestTimeoutMs?: unknown };
  if (typeof limits.requestTimeoutMs === "number") limits.requestTimeoutMs = timeoutMs;
  const watchTimeoutMs =
    typeof limits.requestTimeoutMs === "number" ? limits.requestTimeoutMs : 30_000;
  const tracked = {
    async watch(...args: Parameters<Watch["watch"]>) {
      const [watchPath, query, callback, done] = args;
      let failed = false;
      const controller = await watch.watch(
        watchPath,
        query,
        (phase, object, raw) => {
          touch();
          callback(phase, object, raw);
        },
        (error) => {
          if (error) failed = true;
          done(error);
        },
      );
      // `watch` resolves once the response's headers came, or after `done` with the failure.
      if (!failed) touch();
      return controller;
    },
  } as Watch;
  const listed = async () => {
    const result = await list();
    touch();
    return result;
  };
  const cache = new ListWatch<S5Secret>(path, tracked, listed, false);
  return {
    cache,
    lastContact: () => contact,
    stuckAfterMs: 3 * Math.max(timeoutMs, watchTimeoutMs),
  };
}
