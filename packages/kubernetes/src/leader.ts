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
  onStartedLeading(): void;
  onStoppedLeading(): void;
  log(level: "info" | "warn", msg: string, fields?: Record<string, unknown>): void;
}

export interface LeaderElector {
  /** True while this process holds the Lease and renewed it within the renew deadline. */
  isLeader(): boolean;
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

  /** One attempt; true when this process holds the Lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      await api.createNamespacedLease({
        namespace,
        body: {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace },
          spec: spec(undefined, now),
        },
      });
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
    await api.replaceNamespacedLease({
      name,
      namespace,
      body: { ...lease, spec: spec(lease.spec, now) },
    });
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
      try {
        if (await tryAcquireOrRenew()) {
          renewedAt = Date.now();
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
        if (leading && Date.now() - renewedAt > renewDeadline) {
          stopLeading("could not renew the Lease within the renew deadline", {
            error: describeApiError(error),
          });
        } else if (statusOf(error) !== 409) {
          options.log("warn", "Lease request failed", { error: describeApiError(error) });
        }
      }
      await sleep(retryPeriod, abort.signal);
    }
  })();

  return {
    isLeader: () => leading && Date.now() - renewedAt < renewDeadline,
    async stop() {
      abort.abort();
      await loop;
      if (!leading) return;
      leading = false;
      options.onStoppedLeading();
      // Give the Lease up: the next candidate need not wait for it to expire.
      try {
        const lease = await api.readNamespacedLease({ name, namespace });
        if (lease.spec?.holderIdentity === identity) {
          await api.replaceNamespacedLease({
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
          });
        }
      } catch (error) {
        options.log("warn", "could not release the Lease", { error: describeApiError(error) });
      }
    },
  };
}
