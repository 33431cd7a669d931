/**
 * Writing the owned Secret: created when missing, updated when its values, type, or the labels
 * and annotations s5 manages differ (others' are kept: see metadata.ts), replaced when Kubernetes forbids the change in place (an immutable Secret,
 * a new type). A Secret of that name that this S5Secret does not own is left alone, and one that
 * cannot be written is left as it was: a replacement is validated before the old Secret goes.
 *
 * Finalizers: someone else's promise to act when the Secret is deleted (a backup, a revocation,
 * a protection). A Secret that holds any is never deleted to be replaced — the delete would only
 * start its termination, and the Secret would then be gone whenever they are removed, with no way
 * to put it back — and an update keeps them. A Secret already being deleted is not written to:
 * the controller waits (with backoff) for it to be gone, then creates the new one.
 */
import type { S5Error } from "@s5/core";
import { describeApiError, KubernetesError, statusOf } from "./errors.ts";
import { mergeMetadata } from "./metadata.ts";
import { ownerReferenceOf, type S5Secret, type SecretObject } from "./resource.ts";
import type { SecretsApi } from "./secret-api.ts";

export type WriteResult = "created" | "updated" | "replaced" | "unchanged";

/**
 * The Secret `resource` stands for, with these values; `current` (the Secret there now) gives
 * the labels and annotations others set, which it keeps.
 */
export function desiredSecret(
  resource: S5Secret,
  data: Record<string, string>,
  current?: SecretObject,
): SecretObject {
  const spec = resource.spec ?? {};
  const { labels, annotations } = mergeMetadata(current, spec.metadata);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: resource.metadata.name,
      namespace: resource.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [ownerReferenceOf(resource)],
    },
    type: spec.type ?? "Opaque",
    ...(spec.immutable === undefined ? {} : { immutable: spec.immutable }),
    data,
  };
}

const same = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) => {
  const left = Object.entries(a ?? {});
  const right = b ?? {};
  return (
    left.length === Object.keys(right).length &&
    left.every(([k, v]) => Object.hasOwn(right, k) && right[k] === v)
  );
};

const ownedBy = (secret: SecretObject, resource: S5Secret) =>
  (secret.metadata?.ownerReferences ?? []).some(
    (ref) => ref.controller && ref.uid === resource.metadata.uid,
  );

/** A Secret that could not be written, said without a value (see {@link describeApiError}). */
export class SecretWriteError extends KubernetesError {
  /** The status condition's reason. */
  readonly reason: string;
  /** Trying again without a change to the S5Secret may work (an API server busy, a conflict). */
  readonly transient: boolean;

  constructor(what: string, error: unknown, options: { hint?: string; lost?: unknown } = {}) {
    const status = statusOf(error);
    // 400 and 422: the Secret itself is refused (invalid for its type, too large, an admission
    // policy); it waits for a new S5Secret (resyncs try it again).
    const refused = status === 400 || status === 422;
    const lost =
      options.lost === undefined
        ? ""
        : `; putting the previous Secret back failed too (${describeApiError(options.lost)}): there is no Secret until this is fixed`;
    super("S5_K8S_SECRET_WRITE", `${what} (${describeApiError(error)})${lost}`, {
      cause: error,
      hint:
        options.hint ??
        (refused
          ? "the API server refuses the Secret this S5Secret makes: check the keys spec.type requires, the format of their values, the 1 MiB limit and admission policies"
          : "the controller tries again with backoff"),
    });
    this.reason =
      options.lost !== undefined ? "SecretLost" : refused ? "SecretRefused" : "ApiError";
    this.transient = options.lost !== undefined || !refused;
  }
}

/**
 * A Secret the controller may not write now and that is not an API failure: it holds finalizers
 * and would have to be deleted, or it is being deleted. Waiting may help (someone removes them).
 */
export class SecretHeldError extends KubernetesError {
  readonly reason: "SecretHasFinalizers" | "SecretTerminating";
  readonly transient = true;

  constructor(
    reason: "SecretHasFinalizers" | "SecretTerminating",
    message: string,
    options: { hint: string },
  ) {
    super(
      reason === "SecretHasFinalizers" ? "S5_K8S_SECRET_FINALIZERS" : "S5_K8S_SECRET_TERMINATING",
      message,
      options,
    );
    this.reason = reason;
  }
}

/**
 * This process stopped leading between reading the Secret and writing it: another leader may
 * already have written a newer one, so nothing is written (not a failure of the S5Secret).
 */
export class NotLeadingError extends KubernetesError {
  constructor() {
    super("S5_K8S_NOT_LEADING", "this process no longer leads; the Secret was not written");
  }
}

/** Asked right before each write that starts a change (see {@link writeSecret}). */
export type StillLeading = () => boolean;

const mustLead = (stillLeading: StillLeading) => {
  if (!stillLeading()) throw new NotLeadingError();
};

/** The finalizers of a Secret (qualified names, no data). */
const finalizersOf = (secret: SecretObject): string[] =>
  Array.isArray(secret.metadata?.finalizers)
    ? (secret.metadata.finalizers as unknown[]).filter((f): f is string => typeof f === "string")
    : [];

/** `a, b and 3 more`: finalizers as a message shows them (names are at most 316 characters). */
const listed = (names: string[]) =>
  `${names
    .slice(0, 5)
    .map((n) => (n.length > 100 ? `${n.slice(0, 99)}…` : n))
    .join(", ")}${names.length > 5 ? ` and ${names.length - 5} more` : ""}`;

const terminating = (name: string, namespace: string, finalizers: string[], what: string) =>
  new SecretHeldError(
    "SecretTerminating",
    `Secret ${name} ${what}${finalizers.length > 0 ? `, held by finalizers ${listed(finalizers)}` : ""}; the new one is created once it is gone`,
    {
      hint: `whatever set the finalizers removes them when its work is done (kubectl get secret ${name} -n ${namespace} -o jsonpath='{.metadata.finalizers}'); the controller checks again with backoff`,
    },
  );

/** The parts of `secret` that make it again: no uid, resourceVersion or server fields. */
function recreatable(secret: SecretObject): SecretObject {
  const meta = secret.metadata ?? {};
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      ...(meta.ownerReferences ? { ownerReferences: meta.ownerReferences } : {}),
      ...(Array.isArray(meta.finalizers) ? { finalizers: meta.finalizers } : {}),
    },
    ...(secret.type === undefined ? {} : { type: secret.type }),
    ...(secret.immutable === undefined ? {} : { immutable: secret.immutable }),
    ...(secret.data === undefined ? {} : { data: secret.data }),
  };
}

/**
 * Delete then create — the only way to change a Secret's type or an immutable Secret — without
 * ever leaving no Secret: the new one is first validated and admitted by a dry run (under a
 * generated name: the real one is taken), the delete holds only if nobody changed the old one
 * since it was read, and if the create fails all the same the old one is made again as it was.
 */
async function replaceSecret(
  api: SecretsApi,
  current: SecretObject,
  desired: SecretObject,
  stillLeading: StillLeading,
): Promise<void> {
  const name = desired.metadata.name ?? "";
  const namespace = desired.metadata.namespace ?? "";
  const why = current.immutable
    ? "it is immutable"
    : `its type changes (${current.type ?? "Opaque"} to ${desired.type})`;
  const probe = {
    ...desired,
    metadata: { ...desired.metadata, name: undefined, generateName: `${name}-` },
  };
  try {
    await api.create(namespace, probe, true);
  } catch (error) {
    throw new SecretWriteError(
      `Secret ${name} cannot be replaced by the new one; it was left as it was`,
      error,
    );
  }
  // Checked on the Secret as read: the delete's preconditions refuse it if a finalizer came since.
  const finalizers = finalizersOf(current);
  if (finalizers.length > 0) {
    throw new SecretHeldError(
      "SecretHasFinalizers",
      `Secret ${name} must be deleted and created again (${why}) and it holds finalizers ${listed(finalizers)}: deleting it would leave it terminating until they are removed, then gone; it was left as it was`,
      {
        hint: `remove the finalizers once whatever set them agrees (kubectl patch secret ${name} -n ${namespace} --type=merge -p '{"metadata":{"finalizers":null}}') and the controller replaces the Secret; or keep the previous type and immutable in the S5Secret`,
      },
    );
  }
  // Once deleted, the create (or the put back) always follows, leading or not: never no Secret.
  mustLead(stillLeading);
  let deleted: "deleted" | "terminating";
  try {
    deleted = await api.delete(namespace, name, {
      uid: current.metadata?.uid,
      resourceVersion: current.metadata?.resourceVersion,
    });
  } catch (error) {
    throw new SecretWriteError(`Secret ${name} could not be deleted to be replaced`, error);
  }
  if (deleted === "terminating") {
    // Held after all (nothing should add a finalizer without changing the resourceVersion):
    // it is still there, a create would be refused, and the next reconcile waits for it.
    throw terminating(name, namespace, [], "was deleted to be replaced and is still terminating");
  }
  try {
    await api.create(namespace, desired);
  } catch (error) {
    try {
      await api.create(namespace, recreatable(current));
    } catch (lost) {
      throw new SecretWriteError(
        `Secret ${name} was deleted to be replaced and the new one was refused`,
        error,
        { lost },
      );
    }
    throw new SecretWriteError(
      `Secret ${name} could not be replaced; the previous one was put back`,
      error,
    );
  }
}

/**
 * Writes the Secret of `resource`. `stillLeading` is asked again after the Secret is read and
 * before each write that starts a change: a leader that lost its Lease meanwhile (a slow API
 * server, a paused process) must not write what it read before a new leader wrote its own.
 */
export async function writeSecret(
  api: SecretsApi,
  resource: S5Secret,
  data: Record<string, string>,
  stillLeading: StillLeading = () => true,
): Promise<WriteResult> {
  const name = resource.metadata.name ?? "";
  const namespace = resource.metadata.namespace ?? "";
  const attempt = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new SecretWriteError(what, error);
    }
  };
  const current = await attempt(`Secret ${name} could not be read`, () =>
    api.read(namespace, name),
  );
  if (!current) {
    mustLead(stillLeading);
    const created = desiredSecret(resource, data);
    await attempt(`Secret ${name} could not be created`, () => api.create(namespace, created));
    return "created";
  }
  if (!ownedBy(current, resource)) {
    throw new KubernetesError(
      "S5_K8S_SECRET_NOT_OWNED",
      `a Secret named ${name} already exists and does not belong to this S5Secret`,
      { hint: "delete or rename that Secret, or give the S5Secret another name" },
    );
  }
  if (current.metadata?.deletionTimestamp) {
    // Deleted by someone (its finalizers hold it): written to, it would still go; created again
    // once it is gone. Not reported Synced meanwhile.
    throw terminating(name, namespace, finalizersOf(current), "is being deleted");
  }
  // Others' labels and annotations kept, also when the Secret is replaced.
  const desired = desiredSecret(resource, data, current);
  const unchanged =
    same(current.data, desired.data) &&
    (current.type ?? "Opaque") === desired.type &&
    Boolean(current.immutable) === Boolean(desired.immutable) &&
    same(current.metadata?.labels, desired.metadata?.labels) &&
    same(current.metadata?.annotations, desired.metadata?.annotations);
  if (unchanged) return "unchanged";
  if (current.immutable || (current.type ?? "Opaque") !== desired.type) {
    // Neither an immutable Secret nor a Secret's type can change in place.
    mustLead(stillLeading);
    await replaceSecret(api, current, desired, stillLeading);
    return "replaced";
  }
  desired.metadata.resourceVersion = current.metadata?.resourceVersion;
  // An update replaces the whole object: finalizers someone else set would be dropped with it.
  const finalizers = finalizersOf(current);
  if (finalizers.length > 0) desired.metadata.finalizers = finalizers;
  mustLead(stillLeading);
  await attempt(`Secret ${name} could not be updated; it was left as it was`, () =>
    api.replace(namespace, name, desired),
  );
  return "updated";
}

/** The status reason and retry of a failed {@link writeSecret}. */
export function writeFailure(error: unknown): {
  error: S5Error;
  reason: string;
  transient: boolean;
} {
  if (error instanceof SecretWriteError || error instanceof SecretHeldError) {
    return { error, reason: error.reason, transient: error.transient };
  }
  if (error instanceof KubernetesError && error.code === "S5_K8S_SECRET_NOT_OWNED") {
    // Someone may delete or rename the other Secret: worth trying again, with backoff.
    return { error, reason: "SecretNotOwned", transient: true };
  }
  return writeFailure(new SecretWriteError("the Secret could not be written", error));
}
