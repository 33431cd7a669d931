/**
 * Debug switches that would make this process print what the Vault transport sends — the
 * `X-Vault-Token` header and the values: `DEBUG` (follow-redirects, inside axios, logs request
 * options) and `NODE_DEBUG` (Node's net/http/tls logs). The CLI and the loader's worker drop them
 * for themselves; a host process s5 runs inside (a bundler, Pulumi) cannot, so there s5 refuses.
 */

/** Node's debug sections that see requests, sockets or their data. */
const NODE_SECTIONS = ["net", "http", "https", "tls", "http2", "undici", "fetch", "stream"];

function wildcard(pattern: string): RegExp {
  const body = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*?");
  return new RegExp(`^${body}$`, "i");
}

/** The `debug` package's rule: names and `-skips`, comma or space separated, `*` wildcards. */
function debugEnables(value: string, namespace: string): boolean {
  const names = value.split(/[\s,]+/).filter(Boolean);
  if (names.some((name) => name.startsWith("-") && wildcard(name.slice(1)).test(namespace))) {
    return false;
  }
  return names.some((name) => !name.startsWith("-") && wildcard(name).test(namespace));
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
  if (env.DEBUG && debugEnables(env.DEBUG, "follow-redirects")) return `DEBUG=${env.DEBUG}`;
  return undefined;
}
