/**
 * What the controller tells users: the `Ready` condition in the S5Secret's status, and Events on
 * it. Messages name keys and locations (`data.password:1:1`) and error codes — never a value.
 */
import { randomBytes } from "node:crypto";
import {
  type CoreV1Api,
  type CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import {
  API_VERSION,
  type Condition,
  GROUP,
  KIND,
  PLURAL,
  type S5Secret,
  VERSION,
} from "./resource.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS, timeoutOptions } from "./timeout.ts";

/** Status messages are for people; a long list of failures is cut here. */
const MAX_MESSAGE = 4096;

export function readyCondition(
  resource: S5Secret,
  ready: boolean,
  reason: string,
  message: string,
): Condition {
  const previous = resource.status?.conditions?.find((c) => c.type === "Ready");
  const status = ready ? "True" : "False";
  return {
    type: "Ready",
    status,
    reason,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
    observedGeneration: resource.metadata.generation,
    // The time of the last change of status, not of the last reconcile.
    lastTransitionTime:
      previous?.status === status ? previous.lastTransitionTime : new Date().toISOString(),
  };
}

/** Writes the Ready condition when it differs from what the object already says. */
export async function setReady(
  api: CustomObjectsApi,
  resource: S5Secret,
  condition: Condition,
  timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): Promise<boolean> {
  const current = resource.status;
  const previous = current?.conditions?.find((c) => c.type === "Ready");
  if (
    previous &&
    current?.observedGeneration === resource.metadata.generation &&
    previous.status === condition.status &&
    previous.reason === condition.reason &&
    previous.message === condition.message &&
    previous.observedGeneration === condition.observedGeneration
  ) {
    return false;
  }
  const others = current?.conditions?.filter((c) => c.type !== "Ready") ?? [];
  await api.patchNamespacedCustomObjectStatus(
    {
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: resource.metadata.namespace ?? "",
      name: resource.metadata.name ?? "",
      body: {
        status: {
          observedGeneration: resource.metadata.generation,
          secretName: condition.status === "True" ? resource.metadata.name : current?.secretName,
          conditions: [...others, condition],
        },
      },
    },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch, timeoutOptions(timeoutMs)),
  );
  return true;
}

/** Records an Event on the S5Secret (core/v1, so `kubectl describe` shows it). */
export async function recordEvent(
  api: CoreV1Api,
  resource: S5Secret,
  type: "Normal" | "Warning",
  reason: string,
  message: string,
  instance: string,
  timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): Promise<void> {
  const now = new Date();
  const namespace = resource.metadata.namespace ?? "default";
  await api.createNamespacedEvent(
    {
      namespace,
      body: {
        metadata: {
          name: `${resource.metadata.name}.${randomBytes(8).toString("hex")}`,
          namespace,
        },
        involvedObject: {
          apiVersion: API_VERSION,
          kind: KIND,
          name: resource.metadata.name,
          namespace,
          uid: resource.metadata.uid,
          resourceVersion: resource.metadata.resourceVersion,
        },
        type,
        reason,
        message: message.length > 1024 ? `${message.slice(0, 1023)}…` : message,
        source: { component: "s5-controller" },
        reportingComponent: "s5.dev/s5-controller",
        reportingInstance: instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    },
    timeoutOptions(timeoutMs),
  );
}
