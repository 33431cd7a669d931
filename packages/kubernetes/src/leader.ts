/**
 * Leader election with a coordination.k8s.io/v1 Lease, as client-go does it: the leader renews
 * the Lease every `retryPeriod`; the others take it over only once it has not changed for
 * `leaseDuration` by their own clock (no trust in another machine's clock). Every write to the
 * Lease carries the resourceVersion read just before, so two candidates never both win.
 *
 * A leader that cannot renew within `renewDeadline` (< leaseDuration) stops leading before
 * anyone else may start: {@link LeaderElector.isLeader} turns false, and `onStoppedLeading` runs.
 */
import { type CoordinationV1Api, type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import { describeApiError, statusOf } from "./errors.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS, deadline, signalOptions } from "./timeout.ts";

export interface LeaderOptions {
  api: CoordinationV1Api;
  namespace: string;
  /** Name of the Lease. */
  name: string;
  /** This process (pod name, or host and pid). */
  identity: string;
  /**
   * How long a Lease holds without renewal before others take it (seconds).
   * @default 15
   */
  leaseDurationSeconds?: number | undefined;
  /**
   * How long the leader keeps leading without a successful renewal (ms).
   * @default 10000
   */
  renewDeadlineMs?: number | undefined;
  /**
   * Time between two attempts to acquire or renew (ms).
   * @default 2000
   */
  retryPeriodMs?: number | undefined;
  /**
   * Deadline of one Lease request (ms); a leader's renewal is cut at its renew deadline too.
   * @default 30000
   */
  requestTimeoutMs?: number | undefined;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  log(level: "info" | "warn", msg: string, fields?: Record<string, unknown>): void;
}

export interface LeaderElector {
  /** True while this process holds the Lease and renewed it within the renew deadline. */
  isLeader(): boolean;
  /**
   * Why the Lease loop looks stuck (no round finished for far longer than a round can take), or
   * undefined. Rounds that fail (the API server unreachable) are not stuck: they end on time.
   */
  stuck(): string | undefined;
  /** Stops; a leader gives the Lease up so that another takes over at once. */
  stop(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

export function startLeaderElection(options: LeaderOptions): LeaderElector {
  const { api, namespace, name, identity } = options;
  const duration = options.leaseDurationSeconds ?? 15;
  const renewDeadline = options.renewDeadlineMs ?? 10_000;
  const retryPeriod = options.retryPeriodMs ?? 2_000;
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (renewDeadline >= duration * 1000) {
    throw new Error("the renew deadline must be shorter than the lease duration");
  }
  const abort = new AbortController();
  let leading = false;
  /** When this process last renewed the Lease (its own clock). */
  let renewedAt = 0;
  /** The record last seen, and when it was first seen (this process's clock). */
  let observed = "";
  let observedAt = 0;
  /** When the loop last finished a round (its progress, for health checks). */
  let roundAt = Date.now();
  /** A round is at most two requests and a pause; far beyond that, the loop is stuck. */
  const stuckAfter = 2 * requestTimeout + retryPeriod + duration * 1000;

  const spec = (previous: V1Lease["spec"], now: Date): V1Lease["spec"] => {
    const acquiring = previous?.holderIdentity !== identity;
    return {
      holderIdentity: identity,
      leaseDurationSeconds: duration,
      acquireTime: new V1MicroTime(
        acquiring || !previous?.acquireTime
          ? now.getTime()
          : new Date(previous.acquireTime).getTime(),
      ),
      renewTime: new V1MicroTime(now.getTime()),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (acquiring && previous ? 1 : 0),
    };
  };

  /**
   * One attempt; true when this process holds the Lease afterwards. A leader's attempt ends by
   * its renew deadline at the latest: a renewal that hangs (a stuck API server, a black-holing
   * proxy) must not keep it leading — and writing — past the point where others may take over.
   */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const now = new Date();
    const left = leading ? renewedAt + renewDeadline - now.getTime() : requestTimeout;
    const signal = deadline(Math.min(requestTimeout, left), abort.signal);
    const call = signalOptions(() => signal);
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace }, call);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      await api.createNamespacedLease(
        {
          namespace,
          body: {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name, namespace },
            spec: spec(undefined, now),
          },
        },
        call,
      );
      return true;
    }
    const holder = lease.spec?.holderIdentity ?? "";
    const record = `${holder}|${String(lease.spec?.renewTime ?? "")}|${lease.metadata?.resourceVersion}`;
    if (record !== observed) {
      observed = record;
      observedAt = Date.now();
    }
    const held = holder !== "" && holder !== identity;
    const leaseMs = (lease.spec?.leaseDurationSeconds ?? duration) * 1000;
    if (held && observedAt + leaseMs > Date.now()) return false;
    await api.replaceNamespacedLease(
      { name, namespace, body: { ...lease, spec: spec(lease.spec, now) } },
      call,
    );
    return true;
  };

  const stopLeading = (why: string, fields: Record<string, unknown> = {}) => {
    if (!leading) return;
    leading = false;
    options.log("warn", `stopped leading: ${why}`, { lease: `${namespace}/${name}`, ...fields });
    options.onStoppedLeading();
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      // The attempt's start, not its end: a slow renewal must not lengthen the renew deadline.
      const started = Date.now();
      try {
        if (await tryAcquireOrRenew()) {
          renewedAt = started;
          if (!leading && !abort.signal.aborted) {
            leading = true;
            options.log("info", "started leading", { lease: `${namespace}/${name}`, identity });
            options.onStartedLeading();
          }
        } else if (leading) {
          stopLeading("another process holds the Lease");
        }
      } catch (error) {
        // 409 Conflict: someone else wrote the Lease first; the next round sees who.
        if (leading && Date.now() - renewedAt >= renewDeadline) {
          stopLeading("could not renew the Lease within the renew deadline", {
            error: describeApiError(error),
          });
        } else if (statusOf(error) !== 409) {
          options.log("warn", "Lease request failed", { error: describeApiError(error) });
        }
      }
      roundAt = Date.now();
      await sleep(retryPeriod, abort.signal);
    }
  })();

  return {
    isLeader: () => leading && Date.now() - renewedAt < renewDeadline,
    stuck: () => {
      const since = Date.now() - roundAt;
      return !abort.signal.aborted && since > stuckAfter
        ? `the Lease loop has not finished a round for ${Math.round(since / 1000)}s`
        : undefined;
    },
    async stop() {
      abort.abort();
      await loop;
      if (!leading) return;
      leading = false;
      options.onStoppedLeading();
      // Give the Lease up: the next candidate need not wait for it to expire.
      // Bounded too: a process asked to stop must not wait minutes for a hung API server.
      const signal = deadline(requestTimeout);
      const call = signalOptions(() => signal);
      try {
        const lease = await api.readNamespacedLease({ name, namespace }, call);
        if (lease.spec?.holderIdentity === identity) {
          await api.replaceNamespacedLease(
            {
              name,
              namespace,
              body: {
                ...lease,
                spec: {
                  ...lease.spec,
                  holderIdentity: "",
                  leaseDurationSeconds: 1,
                  acquireTime: undefined,
                  renewTime: new V1MicroTime(Date.now()),
                },
              },
            },
            call,
          );
        }
      } catch (error) {
        options.log("warn", "could not release the Lease", { error: describeApiError(error) });
      }
    },
  };
}
