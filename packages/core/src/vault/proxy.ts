/**
 * Which proxy a Vault request goes through: the Vault CLI's rules (its Go client), so a machine
 * where `vault`/`bao` reach the server reaches it from s5 too.
 * - `VAULT_PROXY_ADDR`, else `VAULT_HTTP_PROXY` (`BAO_` first): every request, whatever NO_PROXY
 *   says — as the CLI's `http.ProxyURL`.
 * - Otherwise Go's `ProxyFromEnvironment`: `HTTPS_PROXY` (or `https_proxy`) for an https server,
 *   `HTTP_PROXY` (or `http_proxy`) for an http one, the upper-case name first; `HTTP_PROXY` not
 *   under CGI (`REQUEST_METHOD` set: a request header could set it, "httpoxy"); `NO_PROXY` (or
 *   `no_proxy`) exempts hosts, matched exactly as Go matches them (packages/core/test/proxy.test.ts
 *   holds Go's own answers). `ALL_PROXY` is not read (neither Go nor the CLI reads it).
 * - Never for localhost or a loopback address (a local Vault, an agent, a test server), whichever
 *   variable names the proxy: node-vault's axios sent even those through it (defect 4).
 * Values are never shown in a message: a proxy URL may hold a user name and password.
 */
import { ConfigError } from "../errors.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** A proxy and the variable that named it (for messages). */
export interface Proxy {
  url: string;
  name: string;
}

/**
 * One `NO_PROXY` entry, read as Go's httpproxy reads it: a CIDR range, an IP (`[v6]` only with a
 * port), with a port or without (`host:` is any port), else a domain — with its subdomains, or
 * only those when it starts with `.` or `*.`, its Unicode labels in punycode. A domain never
 * matches an IP address; an IP written inside IPv6 (`::ffff:10.1.2.3`) is that IPv4 address.
 */
type Exemption =
  | { kind: "domain"; suffix: string; itself: boolean; port: string }
  | { kind: "ip"; ip: string; port: string }
  | { kind: "range"; bytes: number[]; bits: number };

/**
 * A variable's proxy, or why s5 cannot use it (a SOCKS proxy, no URL): refused only when a request
 * would go through it, as the CLI is not stopped by an `HTTP_PROXY` it never uses.
 */
type Named = Proxy | ConfigError;

export interface Proxies {
  /** `VAULT_PROXY_ADDR` / `VAULT_HTTP_PROXY`: for every non-loopback server. */
  vault?: Named | undefined;
  http?: Named | undefined;
  https?: Named | undefined;
  /** Every host exempted (`NO_PROXY=*`). */
  none: boolean;
  exemptions: Exemption[];
}

/** The first non-empty of `names` in `env`, with its name. */
function first(env: Env, names: readonly string[]): { value: string; name: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value) return { value, name };
  }
  return undefined;
}

/** A proxy URL (a bare `host:port` is http, as Go reads it); never echoed. */
function proxyUrl(value: string, name: string): Named {
  const text = /^[a-z][a-z\d+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (url && (url.protocol === "http:" || url.protocol === "https:") && url.hostname) {
    return { url: text, name };
  }
  const socks = url?.protocol.startsWith("socks");
  return new ConfigError(
    "S5_CONFIG_VAULT_PROXY",
    socks
      ? `${name} names a SOCKS proxy (not shown), and s5 sends to Vault through HTTP proxies only`
      : `${name} is not an http(s) proxy URL (not shown)`,
    {
      hint: socks
        ? `set VAULT_PROXY_ADDR to an HTTP proxy, or add Vault's host to NO_PROXY to reach it directly`
        : "a proxy looks like http://user:password@proxy.example.com:3128",
    },
  );
}

/** An IPv4 address as Go's netip reads it: four decimal bytes, no leading zeros. */
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * The bytes of an IP address written as Go's `net.ParseIP` takes it (no brackets, no zone), or
 * undefined: 4 for IPv4, 16 for IPv6.
 */
function ipBytes(text: string): number[] | undefined {
  if (IPV4.test(text)) return text.split(".").map(Number);
  if (!text.includes(":") || !/^[\da-f:.]+$/i.test(text)) return undefined;
  try {
    // The URL parser writes IPv6 in its one canonical form, which is easy to expand.
    const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
    const [head = "", tail = ""] = canonical.split("::");
    const part = (s: string) => (s ? s.split(":") : []);
    const words = [...part(head)];
    const rest = part(tail);
    if (canonical.includes("::")) words.push(...Array(8 - words.length - rest.length).fill("0"));
    words.push(...rest);
    return words.flatMap((w) => {
      const n = Number.parseInt(w, 16);
      return [n >> 8, n & 255];
    });
  } catch {
    return undefined;
  }
}

/** An IPv4 address written inside IPv6 (`::ffff:a.b.c.d`) as the IPv4 address: Go's `To4`. */
function to4(bytes: number[]): number[] {
  const mapped =
    bytes.length === 16 &&
    bytes.slice(0, 10).every((b) => b === 0) &&
    bytes[10] === 255 &&
    bytes[11] === 255;
  return mapped ? bytes.slice(12) : bytes;
}

/** Go's `net.SplitHostPort`: `host:port` or `[host]:port`, else undefined. */
function splitHostPort(text: string): { host: string; port: string } | undefined {
  const colon = text.lastIndexOf(":");
  if (colon < 0) return undefined;
  let host: string;
  let from = 0;
  let after = 0;
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    if (end + 1 !== colon) return undefined; // no "]", no port after it, or colons after it
    host = text.slice(1, end);
    from = 1;
    after = end + 1;
  } else {
    host = text.slice(0, colon);
    if (host.includes(":")) return undefined;
  }
  if (text.slice(from).includes("[") || text.slice(after).includes("]")) return undefined;
  return { host, port: text.slice(colon + 1) };
}

/** One NO_PROXY entry (trimmed, lower case), as Go's httpproxy reads it; undefined: ignored. */
function exemption(entry: string): Exemption | undefined {
  // A range: Go's ParseCIDR (an address, "/", decimal digits no more than its bits).
  const slash = entry.indexOf("/");
  if (slash >= 0) {
    const bytes = ipBytes(entry.slice(0, slash));
    const digits = entry.slice(slash + 1);
    const v4 = bytes !== undefined && IPV4.test(entry.slice(0, slash));
    if (bytes && /^\d+$/.test(digits) && Number(digits) <= (v4 ? 32 : 128)) {
      const bits = Number(digits);
      // Go compares an IPv4 range of IPv6 (::ffff:10.0.0.0/104) as the IPv4 one (10.0.0.0/8).
      const network = bytes.map((byte, i) =>
        i * 8 >= bits ? 0 : i * 8 + 8 <= bits ? byte : byte & (0xff << (8 - (bits - i * 8))),
      );
      const four = to4(network);
      return { kind: "range", bytes: four, bits: four === network ? bits : bits - 96 };
    }
  }
  const split = splitHostPort(entry);
  let host = split ? split.host : entry;
  const port = split ? split.port : "";
  const ip = ipBytes(host);
  if (ip) return { kind: "ip", ip: to4(ip).join("."), port };
  if (host === "") return undefined;
  if (host.startsWith("*.")) host = host.slice(1);
  const itself = !host.startsWith(".");
  let suffix = itself ? `.${host}` : host;
  // Unicode labels as punycode, as the URL parser writes the host (Go: IDNA's lookup profile).
  if (/[^\x00-\x7f]/.test(suffix)) {
    suffix = process.getBuiltinModule("node:url").domainToASCII(suffix) || suffix;
  }
  return { kind: "domain", suffix, itself, port };
}

/** The proxy settings of `env` (the real environment, never a `.env` file's). */
export function readProxies(env: Env): Proxies {
  const vault =
    first(env, ["BAO_PROXY_ADDR", "VAULT_PROXY_ADDR"]) ??
    first(env, ["BAO_HTTP_PROXY", "VAULT_HTTP_PROXY"]);
  const https = first(env, ["HTTPS_PROXY", "https_proxy"]);
  // Under CGI, HTTP_PROXY may come from a request's `Proxy:` header.
  const http = env.REQUEST_METHOD ? undefined : first(env, ["HTTP_PROXY", "http_proxy"]);
  const entries = (first(env, ["NO_PROXY", "no_proxy"])?.value ?? "")
    .split(",")
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  return {
    vault: vault && proxyUrl(vault.value, vault.name),
    https: https && proxyUrl(https.value, https.name),
    http: http && proxyUrl(http.value, http.name),
    none: entries.includes("*"),
    exemptions: entries.flatMap((entry) => exemption(entry) ?? []),
  };
}

function inRange(ip: number[], range: Extract<Exemption, { kind: "range" }>): boolean {
  if (ip.length !== range.bytes.length) return false;
  for (let bit = 0; bit < range.bits; bit++) {
    const mask = 128 >> (bit % 8);
    if ((ip[bit >> 3]! & mask) !== (range.bytes[bit >> 3]! & mask)) return false;
  }
  return true;
}

/** Whether NO_PROXY exempts `host` (as the URL parser writes it, no brackets) on `port`. */
function exempt(proxies: Proxies, host: string, port: string): boolean {
  if (proxies.none) return true;
  const bytes = ipBytes(host);
  const ip = bytes && to4(bytes);
  return proxies.exemptions.some((entry) => {
    if (entry.kind === "range") return ip !== undefined && inRange(ip, entry);
    if (entry.port && entry.port !== port) return false;
    if (entry.kind === "ip") return ip !== undefined && ip.join(".") === entry.ip;
    // A name never matches an address (Go's domainMatch), nor ignores a trailing dot.
    if (ip) return false;
    return host.endsWith(entry.suffix) || (entry.itself && host === entry.suffix.slice(1));
  });
}

/** Whether `host` is this machine: localhost or a loopback address (127/8, ::1). */
export function isLoopback(host: string): boolean {
  const name = host
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const bytes = ipBytes(name);
  if (!bytes) return false;
  const ip = to4(bytes);
  if (ip.length === 4) return ip[0] === 127;
  return ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1;
}

/**
 * The proxy a request to `address` (a Vault base URL) goes through, or none; throws
 * `S5_CONFIG_VAULT_PROXY` when that proxy is one s5 cannot use.
 */
export function proxyFor(proxies: Proxies, address: string): Proxy | undefined {
  const proxy = chosen(proxies, address);
  if (proxy instanceof ConfigError) throw proxy;
  return proxy;
}

function chosen(proxies: Proxies, address: string): Named | undefined {
  const url = new URL(address);
  // A Unix socket is this machine's (Node would not send it through a proxy either).
  if (url.protocol === "unix:") return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (isLoopback(host)) return undefined;
  if (proxies.vault) return proxies.vault;
  const secure = url.protocol === "https:";
  const proxy = secure ? proxies.https : proxies.http;
  if (!proxy) return undefined;
  const port = url.port || (secure ? "443" : "80");
  return exempt(proxies, host, port) ? undefined : proxy;
}
