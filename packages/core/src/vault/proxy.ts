/**
 * Which proxy a Vault request goes through: the Vault CLI's rules (its Go client), so a machine
 * where `vault`/`bao` reach the server reaches it from s5 too.
 * - `VAULT_PROXY_ADDR`, else `VAULT_HTTP_PROXY` (`BAO_` first): every request, whatever NO_PROXY
 *   says — as the CLI's `http.ProxyURL`.
 * - Otherwise Go's `ProxyFromEnvironment`: `HTTPS_PROXY` (or `https_proxy`) for an https server,
 *   `HTTP_PROXY` (or `http_proxy`) for an http one, the upper-case name first; `HTTP_PROXY` not
 *   under CGI (`REQUEST_METHOD` set: a request header could set it, "httpoxy"); `NO_PROXY` (or
 *   `no_proxy`) exempts hosts. `ALL_PROXY` is not read (neither Go nor the CLI reads it).
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

/** One `NO_PROXY` entry: a domain (with its subdomains unless it starts with a dot), an IP, a range. */
type Exemption =
  | { kind: "domain"; suffix: string; itself: boolean; port: string }
  | { kind: "ip"; ip: string; port: string }
  | { kind: "range"; bytes: number[]; bits: number; v6: boolean };

export interface Proxies {
  /** `VAULT_PROXY_ADDR` / `VAULT_HTTP_PROXY`: for every non-loopback server. */
  vault?: Proxy | undefined;
  http?: Proxy | undefined;
  https?: Proxy | undefined;
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
function proxyUrl(value: string, name: string): Proxy {
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
  throw new ConfigError(
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

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The bytes of an IPv4 or IPv6 address, or undefined. */
function ipBytes(text: string): number[] | undefined {
  const host = text.replace(/^\[|\]$/g, "");
  const v4 = IPV4.exec(host);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    return bytes.every((b) => b <= 255) ? bytes : undefined;
  }
  if (!host.includes(":")) return undefined;
  try {
    // The URL parser writes IPv6 in its one canonical form, which is easy to expand.
    const canonical = new URL(`http://[${host}]/`).hostname.slice(1, -1);
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

/** One NO_PROXY entry, as Go's httpproxy reads it. */
function exemption(entry: string): Exemption | undefined {
  const slash = entry.indexOf("/");
  if (slash > 0) {
    const bytes = ipBytes(entry.slice(0, slash));
    const bits = Number(entry.slice(slash + 1));
    if (bytes && Number.isInteger(bits) && bits >= 0 && bits <= bytes.length * 8) {
      return { kind: "range", bytes, bits, v6: bytes.length === 16 };
    }
    return undefined;
  }
  if (ipBytes(entry)) return { kind: "ip", ip: ipBytes(entry)!.join("."), port: "" };
  const colon = entry.lastIndexOf(":");
  const hasPort = colon > 0 && !entry.endsWith("]") && /^\d+$/.test(entry.slice(colon + 1));
  let host = hasPort ? entry.slice(0, colon) : entry;
  const port = hasPort ? entry.slice(colon + 1) : "";
  if (ipBytes(host)) return { kind: "ip", ip: ipBytes(host)!.join("."), port };
  if (host.startsWith("*.")) host = host.slice(1);
  if (host === "") return undefined;
  const itself = !host.startsWith(".");
  return { kind: "domain", suffix: itself ? `.${host}` : host, itself, port };
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

function exempt(proxies: Proxies, host: string, port: string): boolean {
  if (proxies.none) return true;
  const ip = ipBytes(host);
  return proxies.exemptions.some((entry) => {
    if (entry.kind === "range") return ip !== undefined && inRange(ip, entry);
    if (entry.port && entry.port !== port) return false;
    if (entry.kind === "ip") return ip !== undefined && ip.join(".") === entry.ip;
    return host.endsWith(entry.suffix) || (entry.itself && host === entry.suffix.slice(1));
  });
}

/** Whether `host` is this machine: localhost or a loopback address (127/8, ::1). */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const ip = ipBytes(name);
  if (!ip) return false;
  if (ip.length === 4) return ip[0] === 127;
  const mapped = ip.slice(0, 10).every((b) => b === 0) && ip[10] === 255 && ip[11] === 255;
  if (mapped) return ip[12] === 127;
  return ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1;
}

/** The proxy a request to `address` (a Vault base URL) goes through, or none. */
export function proxyFor(proxies: Proxies, address: string): Proxy | undefined {
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
  return exempt(proxies, host.replace(/\.$/, ""), port) ? undefined : proxy;
}
