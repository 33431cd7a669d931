/**
 * The labels and annotations of an owned Secret: s5 manages those it sets (from the S5Secret's
 * `spec.metadata`, and its own label), and leaves everyone else's alone — `kubectl annotate`,
 * Reloader-style or backup tools, Argo CD's tracking — so a resync neither strips them nor fights
 * their writers. A key s5 set earlier that the S5Secret no longer asks for is removed.
 *
 * Which keys s5 set is recorded on the Secret itself, in one annotation, because nothing else
 * says it: the Secret alone cannot tell an old s5 label from someone else's. Server-side apply
 * would track it in managedFields instead, but it needs a `patch` right on Secrets, makes every
 * resync a write, shares (and so never removes) a key another manager also set, and would not
 * remove the keys of Secrets written by earlier versions (their fields belong to an Update
 * manager) — while the read, compare and replace of today (resourceVersion preconditions,
 * finalizers kept, the dry-run replace that puts the old Secret back) stay as they are.
 */
import { MANAGED_LABEL, type SecretObject } from "./resource.ts";

/** Annotation holding the label and annotation keys s5 set: `{"labels":[…],"annotations":[…]}`. */
export const MANAGED_METADATA = "s5.dev/managed-metadata";

interface ManagedKeys {
  labels: string[];
  annotations: string[];
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((key): key is string => typeof key === "string") : [];

/**
 * The keys s5 recorded on `secret`. None when there is no record (a Secret of an earlier
 * version, or one whose record someone removed): then only what the S5Secret asks for now is
 * s5's, and every other key is kept — a stale key stays rather than someone else's going.
 */
function recorded(secret: SecretObject | undefined): ManagedKeys {
  const text = secret?.metadata?.annotations?.[MANAGED_METADATA];
  if (typeof text !== "string") return { labels: [], annotations: [] };
  try {
    const parsed = JSON.parse(text) as { labels?: unknown; annotations?: unknown } | null;
    return { labels: strings(parsed?.labels), annotations: strings(parsed?.annotations) };
  } catch {
    return { labels: [], annotations: [] };
  }
}

/** `map` without the keys in `drop`. */
const without = (map: Record<string, string> | undefined, drop: Iterable<string>) => {
  const dropped = new Set(drop);
  return Object.fromEntries(Object.entries(map ?? {}).filter(([key]) => !dropped.has(key)));
};

/**
 * The labels and annotations the Secret should have: those of `current` that s5 did not set,
 * then what the S5Secret asks for (`wanted`; s5 wins a key both set), s5's label and the record.
 */
export function mergeMetadata(
  current: SecretObject | undefined,
  wanted: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined,
): { labels: Record<string, string>; annotations: Record<string, string> } {
  const previous = recorded(current);
  const labels = { ...wanted?.labels };
  const annotations = { ...wanted?.annotations };
  const record: ManagedKeys = {
    labels: Object.keys(labels)
      .filter((key) => key !== MANAGED_LABEL)
      .sort(),
    annotations: Object.keys(annotations)
      .filter((key) => key !== MANAGED_METADATA)
      .sort(),
  };
  return {
    labels: {
      ...without(current?.metadata?.labels, previous.labels),
      ...labels,
      [MANAGED_LABEL]: "s5-controller",
    },
    annotations: {
      ...without(current?.metadata?.annotations, previous.annotations),
      ...annotations,
      [MANAGED_METADATA]: JSON.stringify(record),
    },
  };
}
