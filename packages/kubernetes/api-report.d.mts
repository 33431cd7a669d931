// The public API of this package, from its built declarations (scripts/api-report.mjs).

// ---- index.d.mts ----
/**
 * `@s5/kubernetes`: s5 for GitOps. The `S5Secret` resource (a Secret whose values are s5 tokens),
 * the controller that decrypts it into a Secret in the cluster, and the manifest conversions
 * behind `s5 k8s wrap` / `unwrap`. The controller runs as `s5-controller` (see the Helm chart in
 * this package's `chart/`).
 *
 * @example
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { startController } from "@s5/kubernetes";
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const controller = startController({ kubeConfig, leaderElection: { namespace: "s5-system" } });
 */
import { unwrapManifest, wrapManifest } from "./manifest.mjs";
import { KubeConfig } from "@kubernetes/client-node";
import { Backends, ExitCodeValue, S5Error, S5ErrorOptions, Settings } from "@s5/core";
/**
 * Structured logs: one JSON object per line on stderr. Fields hold names, reasons and codes —
 * never a value: the controller logs nothing it decrypted, and no API response body.
 */
type Level = "debug" | "info" | "warn" | "error";
type Logger = (level: Level, msg: string, fields?: Record<string, unknown>) => void;
/**
 * Prometheus metrics in the text exposition format, written by hand: a few counters, one gauge
 * and one histogram need no client library. Labels hold reasons and results, never object data.
 */
type Labels = Record<string, string>;
declare class Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge";
  readonly values: Map<string, {
    labels: Labels;
    value: number;
  }>;
  constructor(name: string, help: string, type: "counter" | "gauge");
  inc(labels?: Labels, by?: number): void;
  set(value: number, labels?: Labels): void;
  render(): string;
}
declare class Histogram {
  readonly name: string;
  readonly help: string;
  readonly buckets: readonly number[];
  readonly counts: number[];
  sum: number;
  count: number;
  constructor(name: string, help: string, buckets: readonly number[]);
  observe(value: number): void;
  render(): string;
}
/** The controller's metrics. */
export declare class Metrics {
  readonly reconciles: Family;
  readonly errors: Family;
  readonly writes: Family;
  readonly leader: Family;
  readonly decrypt: Histogram;
  constructor();
  render(): string;
}
/**
 * A work queue of object keys, as client-go's: a key is queued at most once, never processed by
 * two workers at once (a change while it is processed queues it again), and a key that keeps
 * failing waits longer each time — base × 2^failures, capped — so a Vault outage is not hammered.
 */
interface BackoffOptions {
  /**
   * First delay after a failure (ms).
   * @default 1000
   */
  baseMs?: number | undefined;
  /**
   * Longest delay between two attempts (ms).
   * @default 300000
   */
  maxMs?: number | undefined;
}
interface LeaderElectionOptions {
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
interface ControllerOptions {
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
interface Controller {
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
export declare function startController(options: ControllerOptions): Controller;
/** A failure of the Kubernetes integration: a resource that cannot work, or the API refusing. */
export declare class KubernetesError extends S5Error {
  name: string;
  constructor(code: `S5_K8S_${string}`, message: string, options?: S5ErrorOptions & {
    exitCode?: ExitCodeValue;
  });
}
/**
 * The `S5Secret` resource: a Secret whose values are s5 tokens. Its spec is a Secret's (`type`,
 * `immutable`, `data`, `stringData`, and the labels and annotations the Secret gets); the
 * controller writes a Secret of the same name and namespace, owned by it.
 */
/** API group of the resource. */
export declare const GROUP = "s5.dev";
/** API version of the resource. */
export declare const VERSION = "v1alpha1";
/** `apiVersion` of an S5Secret. */
export declare const API_VERSION = "s5.dev/v1alpha1";
/** `kind` of the resource. */
export declare const KIND = "S5Secret";
/** Plural resource name (the path segment). */
export declare const PLURAL = "s5secrets";
/** Label the controller puts on every Secret it writes. */
export declare const MANAGED_LABEL = "s5.dev/managed-by";
/** What the user writes: the generated Secret, with tokens where its values go. */
interface S5SecretSpec {
  /**
   * The Secret's type.
   * @default "Opaque"
   */
  type?: string | undefined;
  /** Makes the Secret immutable (it is then replaced, never updated, when its values change). */
  immutable?: boolean | undefined;
  /** Labels and annotations of the Secret (no tokens here: metadata is readable by many). */
  metadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  } | undefined;
  /** Base64 values after rendering: write tokens as `{{ s5:… | base64 }}`. */
  data?: Record<string, string> | undefined;
  /** Text values: a token (or text with tokens) renders to the exact plaintext. */
  stringData?: Record<string, string> | undefined;
}
/** A status condition, as Kubernetes conventions describe them. */
interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration?: number | undefined;
  lastTransitionTime: string;
}
interface S5SecretStatus {
  observedGeneration?: number | undefined;
  conditions?: Condition[] | undefined;
  /** Name of the Secret written. */
  secretName?: string | undefined;
}
interface ObjectMeta {
  name?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  generation?: number | undefined;
  resourceVersion?: string | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  ownerReferences?: OwnerReference[] | undefined;
  [key: string]: unknown;
}
interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean | undefined;
  blockOwnerDeletion?: boolean | undefined;
}
interface S5Secret {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: S5SecretSpec | undefined;
  status?: S5SecretStatus | undefined;
}
/** The values of the Secret (base64, as `data` holds them), or every failure. */
type Rendered = {
  ok: true;
  data: Record<string, string>;
} | {
  ok: false;
  error: S5Error;
  /** The status condition's reason. */
  reason: string;
  /** Trying again without a change to the object may work (see {@link isTransient}). */
  transient: boolean;
  /**
   * A failure that a fresh login or connection may mend (Vault down, a login refused), as
   * opposed to one of a key alone (missing, or denied by policy), which fresh backends for
   * every other S5Secret would not.
   */
  backendWide: boolean;
};
/** Decrypts every value of `resource` in one round and returns the Secret's `data`. */
export declare function renderSecret(resource: S5Secret, backends: Backends): Promise<Rendered>;
export { type BackoffOptions, type Condition, type Controller, type ControllerOptions, type LeaderElectionOptions, type Level, type Logger, type ObjectMeta, type OwnerReference, type Rendered, type S5Secret, type S5SecretSpec, type S5SecretStatus, unwrapManifest, wrapManifest };

// ---- main.d.mts ----
/** Runs the controller until SIGTERM or SIGINT; resolves with the exit code. */
export declare function main(argv?: readonly string[]): Promise<number>;

// ---- manifest.d.mts ----
/**
 * `s5 k8s wrap` and `unwrap`: a Secret manifest with s5 tokens ⇄ an S5Secret, comments kept.
 *
 * Tokens are set aside before the YAML is read (`manifest-aside.ts`; core finds them, nothing
 * here reads a token's insides), the converted documents are written again with every one-line
 * scalar as its source text, and every other document is copied as it was (`manifest-yaml.ts`).
 * In an S5Secret the values are YAML strings, so a token is quoted, and the `| yaml` (or `| json`)
 * filter that made a Secret's `stringData` value a YAML scalar is dropped; `unwrap` puts it back.
 * `data` keeps `| base64`: a Secret's `data` is base64 either way.
 */
import { BackendName } from "@s5/core";
/**
 * Turns every `v1` `Secret` of a manifest (one or several YAML documents) into an `S5Secret`;
 * other documents are left as they are. `goToolBackend` names the backend of the Go tool's bare
 * tokens (`{{s5:…}}`), as `--backend` does for the CLI; without it they are an error. `warn`
 * hears of every value that holds no token (it would be committed as plaintext).
 */
export declare function wrapManifest(text: string, name?: string, goToolBackend?: BackendName | undefined, warn?: (message: string) => void): string;
/** Turns every `S5Secret` of a manifest back into the `Secret` with tokens it stands for. */
export declare function unwrapManifest(text: string, name?: string, goToolBackend?: BackendName | undefined): string;
