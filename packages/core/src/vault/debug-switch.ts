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

/** The switch (as `NAME=value`) that would print Vault requests here, or undefined. */
export function leakingDebugSwitch(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const node = env.NODE_DEBUG;
  if (node) {
    const sections = node.split(/[\s,]+/).filter(Boolean);
    if (sections.some((section) => NODE_SECTIONS.some((name) => wildcard(section).test(name)))) {
      return `NODE_DEBUG=${node}`;
    }
  }
  if (env.NODE_DEBUG_NATIVE) return `NODE_DEBUG_NATIVE=${env.NODE_DEBUG_NATIVE}`;
  return undefined;
}
