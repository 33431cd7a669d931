/**
 * The controller: watches S5Secrets (an informer), queues their keys, and while this process
 * leads (a Lease) reconciles each: decrypt every value in one round, write the owned Secret,
 * set the Ready condition, record an Event. Failures keep the old Secret, say which key failed
 * and retry with backoff when waiting may help; a resync re-renders everything on an interval.
 */
import { hostname } from "node:os";
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
} from "@kubernetes/client-node";
import {
  type Backends,
  createBackends,
  resolveSettings,
  type S5Error,
  type Settings,
  toS5Error,
} from "@s5/core";
import { describeApiError, KubernetesError } from "./errors.ts";
import { type Cache, startInformer, type TrackedInformer } from "./informer.ts";
import { type LeaderElector, startLeaderElection } from "./leader.ts";
import { createLogger, type Logger } from "./log.ts";
import { Metrics } from "./metrics.ts";
import { parseNamespaceKey } from "./namespace-key.ts";
import { openNamespaceKeyDir } from "./namespace-private-keys.ts";
import { namespaceBackends } from "./namespace-scope.ts";
import { type BackoffOptions, WorkQueue } from "./queue.ts";
import { renderSecret } from "./render.ts";
import { GROUP, keyOf, PLURAL, type S5Secret, VERSION } from "./resource.ts";
import { NotLeadingError, writeFailure, writeSecret } from "./secret.ts";
import { secretsApi } from "./secret-api.ts";
import { readyCondition, recordEvent, setReady } from "./status.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS, timeoutOptions } from "./timeout.ts";

export interface LeaderElectionOptions {
  /** Namespace of the Lease (the controller's own). */
  namespace: string;
  /**
   * Name of the Lease.
   * @default "s5-controller"
   */
  name?: string | undefined;
  /**
   * This process's name in the Lease.
   * @default `$POD_NAME`, else `HOST_PID`
   */
  identity?: string | undefined;
  /** @default 15 */
  leaseDurationSeconds?: number | undefined;
  /** @default 10000 */
  renewDeadlineMs?: number | undefined;
  /** @default 2000 */
  retryPeriodMs?: number | undefined;
}

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  /** Watch only this namespace (default: every namespace). */
  namespace?: string | undefined;
  /**
   * Every S5Secret is rendered again this often (ms), so that changes outside the object (a key
   * rotated and rewrapped, a Secret edited by hand) are repaired.
   * @default 300000
   */
  resyncMs?: number | undefined;
  /** Backoff of a failing object. @default { baseMs: 1000, maxMs: 300000 } */
  backoff?: BackoffOptions | undefined;
  /**
   * Deadline of each API request (ms): Secrets, status, Events, the Lease, the list of
   * S5Secrets, and the longest a watch waits for data before it reconnects.
   * @default 30000
   */
  requestTimeoutMs?: number | undefined;
  /** Objects reconciled at once. @default 2 */
  workers?: number | undefined;
  /** Leader election; `false` for a single process that always leads. */
  leaderElection: LeaderElectionOptions | false;
  /** The s5 settings backends are made from (Vault address and auth, local keys). */
  settings?: (() => Settings) | undefined;
  /**
   * Each namespace's Vault transit key, `{namespace}` replaced (`s5-{namespace}`): an S5Secret's
   * tokens are opened only with its namespace's key, and tokens of other backends are refused.
   */
  namespaceKey?: string | undefined;
  /**
   * A directory of one private key file per namespace (`DIR/NAMESPACE`, with its project config
   * `DIR/NAMESPACE.json` when there is one): an S5Secret's local-key tokens are opened only with
   * its namespace's file, and tokens of other backends are refused (Vault's follow
   * `namespaceKey` when it is given too).
   */
  namespacePrivateKeys?: string | undefined;
  log?: Logger | undefined;
  metrics?: Metrics | undefined;
}

export interface Controller {
  readonly metrics: Metrics;
  /** True while this process leads (and so writes). */
  isLeader(): boolean;
  /** True once started: a leader has listed every S5Secret; a standby is ready at once. */
  isReady(): boolean;
  /**
   * What is stuck, if anything: the Lease loop finishing no round, or (while leading) the watch
   * of S5Secrets hearing nothing from the API server for several request deadlines.
   */
  problems(): string[];
  stop(): Promise<void>;
}

export function startController(options: ControllerOptions): Controller {
  const log = options.log ?? createLogger();
  const metrics = options.metrics ?? new Metrics();
  const kc = options.kubeConfig;
  const core = kc.makeApiClient(CoreV1Api);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const secrets = secretsApi(kc, { timeoutMs });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const resyncMs = options.resyncMs ?? 300_000;
  const identity =
    (options.leaderElection ? options.leaderElection.identity : undefined) ||
    process.env.POD_NAME ||
    `${hostname()}_${process.pid}`;
  const makeSettings = options.settings ?? (() => resolveSettings());

  let backends: Backends | undefined;
  /** The current backends have decrypted something (so a failure now may be a stale login). */
  let backendsWorked = false;
  const currentBackends = () => {
    if (!backends) {
      backends = createBackends(makeSettings());
      backendsWorked = false;
    }
    return backends;
  };
  /**
   * A backend that failed as a whole (Vault down, a login refused) starts afresh next time. The
   * old ones are closed a minute later: another worker may still be using them.
   */
  const resetBackends = () => {
    const old = backends;
    backends = undefined;
    if (!old) return;
    setTimeout(() => {
      Promise.resolve(old[Symbol.asyncDispose]()).catch(() => {});
    }, 60_000).unref();
  };

  const scope = {
    template: options.namespaceKey ? parseNamespaceKey(options.namespaceKey) : undefined,
    keyDir: options.namespacePrivateKeys
      ? openNamespaceKeyDir(options.namespacePrivateKeys)
      : undefined,
  };
  /** The backends an S5Secret's tokens are opened with: its namespace's keys, when scoped. */
  const backendsOf = (resource: S5Secret): Backends =>
    scope.template !== undefined || scope.keyDir
      ? namespaceBackends(currentBackends(), scope, resource.metadata.namespace ?? "")
      : currentBackends();

  let queue: WorkQueue | undefined;
  let informer: Cache | undefined;
  /** The running informer's record of the API server's answers. */
  let contact: Pick<TrackedInformer, "lastContact" | "stuckAfterMs"> | undefined;
  let resync: NodeJS.Timeout | undefined;
  let synced = false;
  let stopped = false;
  /** The last Warning recorded per object: the same failure is not recorded at each retry. */
  const lastWarning = new Map<string, string>();
  let leader: LeaderElector | undefined;
  const leading = () => !stopped && (leader ? leader.isLeader() : true);

  const fail = async (
    resource: S5Secret,
    error: S5Error,
    reason: string,
    transient: boolean,
    what = "reconcile failed; the Secret was left as it was",
  ) => {
    const key = keyOf(resource);
    const message = error.describe();
    metrics.reconciles.inc({ result: "error" });
    metrics.errors.inc({ reason });
    const retryInMs = transient ? queue?.retry(key) : undefined;
    log("warn", what, {
      object: key,
      reason,
      code: error.code,
      error: message,
      ...(retryInMs === undefined ? {} : { retryInMs }),
    });
    if (!leading()) return;
    // Telling the user may fail too (the API server busy): logged, and the retry above stands.
    try {
      await setReady(custom, resource, readyCondition(resource, false, reason, message), timeoutMs);
      if (lastWarning.get(key) !== `${reason}\n${message}`) {
        await recordEvent(core, resource, "Warning", reason, message, identity, timeoutMs);
        lastWarning.set(key, `${reason}\n${message}`);
      }
    } catch (error) {
      log("warn", "could not record the failure on the S5Secret", {
        object: key,
        error: describeApiError(error),
      });
      if (!transient) queue?.retry(key);
    }
  };

  const reconcile = async (key: string) => {
    const slash = key.indexOf("/");
    const resource = informer?.get(key.slice(slash + 1), key.slice(0, slash));
    if (!resource || resource.metadata.deletionTimestamp) {
      // Gone: the garbage collector deletes its Secret (ownerReferences).
      queue?.forget(key);
      lastWarning.delete(key);
      return;
    }
    if (!leading()) return;
    const started = performance.now();
    let rendered = await renderSecret(resource, backendsOf(resource));
    if (!rendered.ok && rendered.backendWide && backendsWorked) {
      // Backends that worked before and fail now: a login that expired (its max TTL), or Vault
      // restarted. Once at once with a fresh login (the token file is read again), then backoff.
      resetBackends();
      rendered = await renderSecret(resource, backendsOf(resource));
    }
    metrics.decrypt.observe((performance.now() - started) / 1000);
    if (rendered.ok) backendsWorked = true;
    if (!rendered.ok) {
      // A key missing or denied (not backendWide) is the key's once these backends have
      // decrypted something: their login and settings work. Before that it may be theirs (a
      // transit key or mount in S5_CONFIG's .s5.json, a token file, since corrected): fresh
      // backends read them again, as for any other failure that may pass.
      if (rendered.backendWide || (rendered.transient && !backendsWorked)) resetBackends();
      return fail(resource, rendered.error, rendered.reason, rendered.transient);
    }
    if (!leading()) return;
    let written: Awaited<ReturnType<typeof writeSecret>>;
    try {
      written = await writeSecret(secrets, resource, rendered.data, leading);
    } catch (error) {
      if (error instanceof NotLeadingError) {
        log("info", "stopped leading before writing the Secret; left to the new leader", {
          object: key,
        });
        return;
      }
      // Said on the S5Secret like a failed decrypt: Ready=False for this generation, an Event.
      const failure = writeFailure(error);
      return fail(
        resource,
        failure.error,
        failure.reason,
        failure.transient,
        "writing the Secret failed",
      );
    }
    const keys = Object.keys(rendered.data).length;
    const name = resource.metadata.name;
    if (written !== "unchanged") {
      metrics.writes.inc({ operation: written });
      log("info", `Secret ${written}`, { object: key, keys });
    } else {
      log("debug", "Secret up to date", { object: key });
    }
    await setReady(
      custom,
      resource,
      readyCondition(resource, true, "Synced", `Secret ${name} holds ${keys} keys`),
      timeoutMs,
    );
    queue?.forget(key);
    lastWarning.delete(key);
    metrics.reconciles.inc({ result: "success" });
    if (written !== "unchanged") {
      const message = `Secret ${name} ${written} with ${keys} keys`;
      await recordEvent(core, resource, "Normal", "Synced", message, identity, timeoutMs);
    }
  };

  const work = async (key: string) => {
    try {
      await reconcile(key);
    } catch (error) {
      // The status or an Event could not be written (a failed Secret write is said by `fail`):
      // its HTTP status only (a response can echo the request).
      const retryInMs = queue?.retry(key);
      metrics.reconciles.inc({ result: "error" });
      metrics.errors.inc({ reason: "ApiError" });
      const s5 = toS5Error(error);
      log("warn", "reconcile failed", {
        object: key,
        reason: "ApiError",
        error: error instanceof KubernetesError ? s5.describe() : describeApiError(error),
        retryInMs,
      });
    }
  };

  const watchPath = options.namespace
    ? `/apis/${GROUP}/${VERSION}/namespaces/${options.namespace}/${PLURAL}`
    : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
  const list = () =>
    options.namespace
      ? custom.listNamespacedCustomObject(
          { group: GROUP, version: VERSION, plural: PLURAL, namespace: options.namespace },
          timeoutOptions(timeoutMs),
        )
      : custom.listClusterCustomObject(
          { group: GROUP, version: VERSION, plural: PLURAL },
          timeoutOptions(timeoutMs),
        );

  const startWorking = () => {
    const current = new WorkQueue(options.backoff);
    queue = current;
    const tracked = startInformer(kc, watchPath, list, timeoutMs);
    const cache = tracked.cache;
    informer = cache;
    contact = tracked;
    const enqueue = (resource: S5Secret) => current.add(keyOf(resource));
    cache.on("add", enqueue);
    cache.on("update", (resource) => {
      // Our own status writes come back as updates: only a new generation needs rendering.
      if (resource.metadata.generation !== resource.status?.observedGeneration) enqueue(resource);
    });
    cache.on("delete", (resource) => {
      current.forget(keyOf(resource));
      lastWarning.delete(keyOf(resource));
    });
    cache.on("error", (error) => {
      if (informer !== cache) return;
      log("warn", "watch of S5Secrets failed; restarting", { error: describeApiError(error) });
      setTimeout(() => {
        if (informer === cache) cache.start().catch(() => {});
      }, 2_000);
    });
    cache
      .start()
      .then(() => {
        synced = true;
        log("info", "listed S5Secrets", { count: cache.list().length });
      })
      .catch((error) =>
        log("warn", "listing S5Secrets failed", { error: describeApiError(error) }),
      );
    resync = setInterval(() => {
      for (const resource of cache.list()) {
        const key = keyOf(resource);
        // An object waiting out its backoff keeps waiting.
        if (current.failures(key) === 0) current.add(key);
      }
    }, resyncMs);
    current.run(work, options.workers ?? 2).catch(() => {});
  };

  const stopWorking = () => {
    clearInterval(resync);
    queue?.stop();
    queue = undefined;
    informer?.stop().catch(() => {});
    informer = undefined;
    contact = undefined;
    synced = false;
  };

  if (options.leaderElection) {
    const election = options.leaderElection;
    leader = startLeaderElection({
      api: kc.makeApiClient(CoordinationV1Api),
      namespace: election.namespace,
      name: election.name ?? "s5-controller",
      identity,
      leaseDurationSeconds: election.leaseDurationSeconds,
      renewDeadlineMs: election.renewDeadlineMs,
      retryPeriodMs: election.retryPeriodMs,
      requestTimeoutMs: timeoutMs,
      onStartedLeading: () => {
        metrics.leader.set(1);
        startWorking();
      },
      onStoppedLeading: () => {
        metrics.leader.set(0);
        stopWorking();
      },
      log,
    });
  } else {
    metrics.leader.set(1);
    startWorking();
  }
  log("info", "controller started", {
    identity,
    namespace: options.namespace ?? "(all)",
    resyncMs,
    leaderElection: Boolean(options.leaderElection),
  });

  return {
    metrics,
    isLeader: leading,
    isReady: () => !stopped && (leading() ? synced : true),
    problems() {
      const found: string[] = [];
      const lease = leader?.stuck();
      if (lease) found.push(lease);
      const silent = contact ? Date.now() - contact.lastContact() : 0;
      if (!stopped && contact && silent > contact.stuckAfterMs) {
        found.push(
          `the watch of S5Secrets has heard nothing from the API server for ${Math.round(silent / 1000)}s`,
        );
      }
      return found;
    },
    async stop() {
      stopped = true;
      await leader?.stop();
      stopWorking();
      if (backends) await Promise.resolve(backends[Symbol.asyncDispose]()).catch(() => {});
      log("info", "controller stopped", { identity });
    },
  };
}
