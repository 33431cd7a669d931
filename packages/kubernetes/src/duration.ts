import { KubernetesError } from "./errors.ts";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `15s`, `5m`, `1h` (a bare number is seconds) → milliseconds. */
export function parseDuration(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) {
    throw new KubernetesError(
      "S5_K8S_FLAG",
      `${what} must be a duration such as 15s or 500ms, not \`${text}\``,
      {
        hint: "units: ms, s, m, h",
      },
    );
  }
  return Number(match[1]) * UNITS[match[2] ?? "s"]!;
}
