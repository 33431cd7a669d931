// Which proxy a Vault request takes: the Vault CLI's rules (Go's ProxyFromEnvironment, then
// VAULT_PROXY_ADDR / VAULT_HTTP_PROXY for everything), loopback never. Pure functions over an
// environment; test/vault/proxy.test.ts sends real requests through real proxies.
import { describe, expect, it } from "vitest";
import { isLoopback, proxyFor, readProxies } from "../src/vault/proxy.ts";

const P = "http://proxy.corp.test:3128";
const via = (env: Record<string, string>, address: string) =>
  proxyFor(readProxies(env), address)?.name;

describe("proxyFor", () => {
  it("takes HTTPS_PROXY for https servers and HTTP_PROXY for http ones, upper case first", () => {
    const env = { HTTPS_PROXY: P, HTTP_PROXY: `${P}1` };
    expect(proxyFor(readProxies(env), "https://vault.corp.test:8200")).toEqual({
      url: P,
      name: "HTTPS_PROXY",
    });
    expect(via(env, "http://vault.corp.test:8200")).toBe("HTTP_PROXY");
    expect(via({ https_proxy: P }, "https://vault.corp.test")).toBe("https_proxy");
    expect(via({ https_proxy: P, HTTPS_PROXY: P }, "https://vault.corp.test")).toBe("HTTPS_PROXY");
    expect(via({ HTTPS_PROXY: "", https_proxy: P }, "https://vault.corp.test")).toBe("https_proxy");
    // Neither falls back to the other, and ALL_PROXY is not read (as Go).
    expect(via({ HTTP_PROXY: P }, "https://vault.corp.test")).toBeUndefined();
    expect(via({ HTTPS_PROXY: P }, "http://vault.corp.test")).toBeUndefined();
    expect(via({ ALL_PROXY: P, all_proxy: P }, "https://vault.corp.test")).toBeUndefined();
  });

  it("drops HTTP_PROXY under CGI (REQUEST_METHOD set), where a request header may set it", () => {
    expect(via({ HTTP_PROXY: P, REQUEST_METHOD: "GET" }, "http://vault.corp.test")).toBeUndefined();
    expect(via({ HTTPS_PROXY: P, REQUEST_METHOD: "GET" }, "https://vault.corp.test")).toBe(
      "HTTPS_PROXY",
    );
  });

  it("never proxies localhost or a loopback address, whichever variable names the proxy", () => {
    const env = { HTTPS_PROXY: P, HTTP_PROXY: P, VAULT_PROXY_ADDR: P };
    for (const address of [
      "http://127.0.0.1:8200",
      "https://127.9.9.9:8200",
      "http://localhost:8200",
      "http://LOCALHOST.:8200",
      "http://vault.localhost:8200",
      "http://[::1]:8200",
      "http://[::ffff:127.0.0.1]:8200",
      "http://0x7f.1:8200",
    ]) {
      expect(via(env, address), address).toBeUndefined();
    }
    expect(isLoopback("128.0.0.1")).toBe(false);
    expect(isLoopback("::2")).toBe(false);
    expect(isLoopback("localhost.corp.test")).toBe(false);
  });

  it("exempts NO_PROXY's hosts as Go reads them: domains, dots, stars, ports, IPs, ranges", () => {
    const at = (noProxy: string, address: string) =>
      via({ HTTPS_PROXY: P, HTTP_PROXY: P, NO_PROXY: noProxy }, address);
    // A name: itself and its subdomains; with a leading dot or "*.", its subdomains only.
    expect(at("corp.test", "https://corp.test")).toBeUndefined();
    expect(at("corp.test", "https://vault.corp.test")).toBeUndefined();
    expect(at("corp.test", "https://notcorp.test")).toBe("HTTPS_PROXY");
    expect(at(".corp.test", "https://corp.test")).toBe("HTTPS_PROXY");
    expect(at(".corp.test", "https://vault.corp.test")).toBeUndefined();
    expect(at("*.corp.test", "https://vault.corp.test")).toBeUndefined();
    expect(at("*.corp.test", "https://corp.test")).toBe("HTTPS_PROXY");
    // Case and spaces do not matter; a list; "*" alone exempts all.
    expect(at(" other.test , VAULT.Corp.Test ", "https://vault.corp.test")).toBeUndefined();
    expect(at("*", "https://anything.test")).toBeUndefined();
    expect(at("a.test,*", "https://anything.test")).toBeUndefined();
    // A port: only that port (the scheme's default when the address has none).
    expect(at("vault.corp.test:8200", "https://vault.corp.test:8200")).toBeUndefined();
    expect(at("vault.corp.test:8200", "https://vault.corp.test:8201")).toBe("HTTPS_PROXY");
    expect(at("vault.corp.test:443", "https://vault.corp.test")).toBeUndefined();
    expect(at("vault.corp.test:80", "http://vault.corp.test")).toBeUndefined();
    // IPs and ranges, v4 and v6.
    expect(at("10.1.2.3", "https://10.1.2.3:8200")).toBeUndefined();
    expect(at("10.1.2.3", "https://10.1.2.4:8200")).toBe("HTTPS_PROXY");
    expect(at("10.1.2.3:8200", "https://10.1.2.3:8200")).toBeUndefined();
    expect(at("10.0.0.0/8", "https://10.200.0.9:8200")).toBeUndefined();
    expect(at("10.0.0.0/8", "https://11.0.0.1:8200")).toBe("HTTPS_PROXY");
    expect(at("192.168.4.0/23", "https://192.168.5.255")).toBeUndefined();
    expect(at("192.168.4.0/23", "https://192.168.6.0")).toBe("HTTPS_PROXY");
    expect(at("fd00::/8", "https://[fd12::1]:8200")).toBeUndefined();
    expect(at("fd00::/8", "https://[fe80::1]:8200")).toBe("HTTPS_PROXY");
    expect(at("[2001:db8::1]", "https://[2001:db8:0::1]")).toBeUndefined();
    expect(at("2001:db8::1", "https://[2001:db8::1]:8200")).toBeUndefined();
    // A name never matches an IP's text, nor an IP a name.
    expect(at("10.0.0.0/8", "https://ten.corp.test")).toBe("HTTPS_PROXY");
    // no_proxy when NO_PROXY is unset or empty.
    expect(
      via({ HTTPS_PROXY: P, no_proxy: "corp.test" }, "https://vault.corp.test"),
    ).toBeUndefined();
  });

  it("sends everything through VAULT_PROXY_ADDR, else VAULT_HTTP_PROXY, whatever NO_PROXY says (as the CLI)", () => {
    const env = { VAULT_HTTP_PROXY: `${P}1`, HTTPS_PROXY: `${P}2`, NO_PROXY: "*" };
    expect(via(env, "https://vault.corp.test")).toBe("VAULT_HTTP_PROXY");
    expect(via(env, "http://vault.corp.test")).toBe("VAULT_HTTP_PROXY");
    expect(via({ ...env, VAULT_PROXY_ADDR: P }, "https://vault.corp.test")).toBe(
      "VAULT_PROXY_ADDR",
    );
    expect(via({ ...env, BAO_PROXY_ADDR: P, VAULT_PROXY_ADDR: P }, "https://v.test")).toBe(
      "BAO_PROXY_ADDR",
    );
    expect(via({ BAO_HTTP_PROXY: P }, "http://v.test")).toBe("BAO_HTTP_PROXY");
  });

  it("reads a bare host:port as http, and refuses what is no HTTP proxy without showing it", () => {
    expect(
      proxyFor(readProxies({ HTTPS_PROXY: "proxy.corp.test:3128" }), "https://v.test"),
    ).toEqual({
      url: "http://proxy.corp.test:3128",
      name: "HTTPS_PROXY",
    });
    expect(
      proxyFor(readProxies({ HTTPS_PROXY: "alice:pw@proxy:3128" }), "https://v.test")?.url,
    ).toBe("http://alice:pw@proxy:3128");
    const refused = (env: Record<string, string>) => {
      try {
        readProxies(env);
      } catch (error) {
        return String(error);
      }
      return "accepted";
    };
    const socks = refused({ HTTPS_PROXY: "socks5://alice:s3cret@proxy:1080" });
    expect(socks).toContain("HTTPS_PROXY names a SOCKS proxy (not shown)");
    expect(socks).not.toContain("s3cret");
    const bad = refused({ VAULT_PROXY_ADDR: "http://alice:s3cret@" });
    expect(bad).toContain("VAULT_PROXY_ADDR is not an http(s) proxy URL (not shown)");
    expect(bad).not.toContain("s3cret");
    expect(refused({ http_proxy: "ftp://proxy:21" })).toContain("http_proxy is not an http(s)");
  });
});
