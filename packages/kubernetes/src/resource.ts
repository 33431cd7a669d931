/**
 * The `S5Secret` resource: a Secret whose values are s5 tokens. Its spec is a Secret's (`type`,
 * `immutable`, `data`, `stringData`, and the labels and annotations the Secret gets); the
 * controller writes a Secret of the same name and namespace, owned by it.
 */

/** API group of the resource. */
export const GROUP = "s5.dev";
/** API version of the resource. */
export const VERSION = "v1alpha1";
/** `apiVersion` of an S5Secret. */
export const API_VERSION = `${GROUP}/${VERSION}`;
/** `kind` of the resource. */
export const KIND = "S5Secret";
/** Plural resource name (the path segment). */
export const PLURAL = "s5secrets";
/** Label the controller puts on every Secret it writes. */
export const MANAGED_LABEL = "s5.dev/managed-by";

/** What the user writes: the generated Secret, with tokens where its values go. */
export interface S5SecretSpec {
  /**
   * The Secret's type.
   * @default "Opaque"
   */
  type?: string | undefined;
  /** Makes the Secret immutable (it is then replaced, never updated, when its values change). */
  immutable?: boolean | undefined;
  /** Labels and annotations of the Secret (no tokens here: metadata is readable by many). */
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
  /** Base64 values after rendering: write tokens as `{{ s5:… | base64 }}`. */
  data?: Record<string, string> | undefined;
  /** Text values: a token (or text with tokens) renders to the exact plaintext. */
  stringData?: Record<string, string> | undefined;
}

/** A status condition, as Kubernetes conventions describe them. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration?: number | undefined;
  lastTransitionTime: string;
}

export interface S5SecretStatus {
  observedGeneration?: number | undefined;
  conditions?: Condition[] | undefined;
  /** Name of the Secret written. */
  secretName?: string | undefined;
}

export interface ObjectMeta {
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

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean | undefined;
  blockOwnerDeletion?: boolean | undefined;
}

export interface S5Secret {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: S5SecretSpec | undefined;
  status?: S5SecretStatus | undefined;
}

/** The parts of a Secret the controller writes and compares. */
export interface SecretObject {
  apiVersion: "v1";
  kind: "Secret";
  metadata: ObjectMeta;
  type?: string | undefined;
  immutable?: boolean | undefined;
  data?: Record<string, string> | undefined;
}

/** `namespace/name` of an object. */
export function keyOf(object: { metadata?: ObjectMeta | undefined }): string {
  return `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
}

/** The ownerReference that ties a Secret to its S5Secret (garbage collection deletes it with it). */
export function ownerReferenceOf(owner: S5Secret): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}
