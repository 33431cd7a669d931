/**
 * Writing the owned Secret: created when missing, updated when its values, type, labels or
 * annotations differ, replaced when Kubernetes forbids the change in place (an immutable Secret,
 * a new type). A Secret of that name that this S5Secret does not own is left alone.
 */
import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import { KubernetesError, statusOf } from "./errors.ts";
import { MANAGED_LABEL, ownerReferenceOf, type S5Secret } from "./resource.ts";

export type WriteResult = "created" | "updated" | "replaced" | "unchanged";

/** The Secret `resource` stands for, with these values. */
export function desiredSecret(resource: S5Secret, data: Record<string, string>): V1Secret {
  const spec = resource.spec ?? {};
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: resource.metadata.name,
      namespace: resource.metadata.namespace,
      labels: { ...spec.metadata?.labels, [MANAGED_LABEL]: "s5-controller" },
      annotations: { ...spec.metadata?.annotations },
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
  return left.length === Object.keys(right).length && left.every(([k, v]) => right[k] === v);
};

const ownedBy = (secret: V1Secret, resource: S5Secret) =>
  (secret.metadata?.ownerReferences ?? []).some(
    (ref) => ref.controller && ref.uid === resource.metadata.uid,
  );

export async function writeSecret(
  api: CoreV1Api,
  resource: S5Secret,
  data: Record<string, string>,
): Promise<WriteResult> {
  const desired = desiredSecret(resource, data);
  const name = desired.metadata!.name!;
  const namespace = desired.metadata!.namespace!;
  let current: V1Secret;
  try {
    current = await api.readNamespacedSecret({ name, namespace });
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    await api.createNamespacedSecret({ namespace, body: desired });
    return "created";
  }
  if (!ownedBy(current, resource)) {
    throw new KubernetesError(
      "S5_K8S_SECRET_NOT_OWNED",
      `a Secret named ${name} already exists and does not belong to this S5Secret`,
      { hint: "delete or rename that Secret, or give the S5Secret another name" },
    );
  }
  const unchanged =
    same(current.data, desired.data) &&
    (current.type ?? "Opaque") === desired.type &&
    Boolean(current.immutable) === Boolean(desired.immutable) &&
    same(current.metadata?.labels, desired.metadata?.labels) &&
    same(current.metadata?.annotations, desired.metadata?.annotations);
  if (unchanged) return "unchanged";
  if (current.immutable || (current.type ?? "Opaque") !== desired.type) {
    // Neither an immutable Secret nor a Secret's type can change in place.
    await api.deleteNamespacedSecret({
      name,
      namespace,
      body: { preconditions: { uid: current.metadata?.uid } },
    });
    await api.createNamespacedSecret({ namespace, body: desired });
    return "replaced";
  }
  desired.metadata!.resourceVersion = current.metadata?.resourceVersion;
  await api.replaceNamespacedSecret({ name, namespace, body: desired });
  return "updated";
}
