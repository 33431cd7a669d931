/**
 * Debug switches that would make this process print what the Vault transport sends — the
 * `X-Vault-Token` header and the values: `NODE_DEBUG` (Node's net/http/tls logs) and
 * `NODE_DEBUG_NATIVE`. The CLI and the loader's worker drop them for themselves; a host process s5
 * runs inside (a bundler, Pulumi) cannot, so there s5 refuses. `DEBUG` (the `debug` package's
 * switch) is not one: s5's transport loads no library that reads it (node-vault gets a no-op
 * logger, and axios and follow-redirects are not bundled: build/transport.ts).
 */

/** Node's debug sections that see requests, sockets or their data. */
const NODE_SECTIONS = ["net", "http", "https", "tls", "http2", "undici", "fetch", "stream"];

function wildcard(pattern: string): RegExp {
  const body = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*?");
  return new RegExp(`^${body}$`, "i");
}

/**
 * Whether a `NODE_DEBUG` value (names and `*` wildcards, comma-separated) turns on one of `names`.
 * Split at commas only, as Node's debuglog does: a space stays part of the name, so
 * `http, child_process` turns on `http` alone (and is not refused for `child_process`).
 */
function nodeDebugCovers(value: string, names: readonly string[]): boolean {
  const sections = value.split(",").filter(Boolean);
  return sections.some((section) => names.some((name) => wildcard(section).test(name)));
}

/**
 * The `NODE_DEBUG` (as `NAME=value`) that turns on one of `sections`, or undefined. `live`: also
 * ask Node. Node reads NODE_DEBUG once, at start-up: a host that deletes or blanks
 * `process.env.NODE_DEBUG` afterwards (to "clean" its environment, or from a .env file with
 * override) still prints, so the variable alone cannot be trusted. `debuglog(…).enabled` asks Node
 * and prints nothing; `=(at start-up)`: the value it had is gone from the environment, Node kept it.
 */
export function nodeDebugSwitch(
  env: Readonly<Record<string, string | undefined>>,
  live: boolean,
  sections: readonly string[],
): string | undefined {
  const node = env.NODE_DEBUG;
  if (node && nodeDebugCovers(node, sections)) return `NODE_DEBUG=${node}`;
  if (!live) return undefined;
  const { debuglog } = process.getBuiltinModule("node:util");
  return sections.some((section) => debuglog(section).enabled)
    ? "NODE_DEBUG=(at start-up)"
    : undefined;
}

/**
 * The switch (as `NAME=value`) that would print Vault requests here, or undefined. `live`: also
 * ask Node whether it logs them (this process's own switches, whatever its environment says now).
 */
export function leakingDebugSwitch(
  env: Readonly<Record<string, string | undefined>> = process.env,
  live = env === process.env,
): string | undefined {
  const node = nodeDebugSwitch(env, live, NODE_SECTIONS);
  if (node) return node;
  if (env.NODE_DEBUG_NATIVE) return `NODE_DEBUG_NATIVE=${env.NODE_DEBUG_NATIVE}`;
  return undefined;
}
