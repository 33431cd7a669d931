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
    // Nor a Unix socket's (a Vault Agent's).
    expect(via(env, "unix:///run/vault/agent.sock")).toBeUndefined();
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
    expect(at("2001:db8::1", "https://[2001:db8:0::1]")).toBeUndefined();
    expect(at("[2001:db8::1]:8200", "https://[2001:db8::1]:8200")).toBeUndefined();
    // "]" must come right before the port's colon (Go's SplitHostPort), else no IP.
    expect(at("[2001:db8::1]x:443", "https://[2001:db8::1]")).toBe("HTTPS_PROXY");
    // Brackets without a port make no IP for Go: never matched.
    expect(at("[2001:db8::1]", "https://[2001:db8::1]")).toBe("HTTPS_PROXY");
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
    // A proxy reached over TLS is one too.
    expect(
      proxyFor(readProxies({ HTTPS_PROXY: "https://proxy.corp.test:3129" }), "https://v.test"),
    ).toEqual({ url: "https://proxy.corp.test:3129", name: "HTTPS_PROXY" });
    const refused = (env: Record<string, string>, address = "https://v.test") => {
      try {
        return proxyFor(readProxies(env), address)?.name ?? "direct";
      } catch (error) {
        return String(error);
      }
    };
    const socks = refused({ HTTPS_PROXY: "socks5://alice:s3cret@proxy:1080" });
    expect(socks).toContain("HTTPS_PROXY names a SOCKS proxy (not shown)");
    expect(socks).not.toContain("s3cret");
    const bad = refused({ VAULT_PROXY_ADDR: "http://alice:s3cret@" });
    expect(bad).toContain("VAULT_PROXY_ADDR is not an http(s) proxy URL (not shown)");
    expect(bad).not.toContain("s3cret");
    expect(refused({ http_proxy: "ftp://proxy:21" }, "http://v.test")).toContain(
      "http_proxy is not an http(s)",
    );
    // Refused only where a request would go through it, as the CLI is not stopped by a proxy
    // variable it does not use: another scheme's, a loopback Vault, a host NO_PROXY exempts.
    const socks5 = "socks5://proxy:1080";
    expect(refused({ HTTP_PROXY: socks5, HTTPS_PROXY: P }, "https://v.test")).toBe("HTTPS_PROXY");
    expect(refused({ HTTPS_PROXY: socks5 }, "http://v.test")).toBe("direct");
    expect(refused({ HTTPS_PROXY: socks5, VAULT_PROXY_ADDR: "x:y:z" }, "https://[::1]")).toBe(
      "direct",
    );
    expect(refused({ HTTPS_PROXY: socks5, NO_PROXY: "v.test" }, "https://v.test")).toBe("direct");
    expect(refused({ HTTPS_PROXY: socks5, VAULT_PROXY_ADDR: P }, "https://v.test")).toBe(
      "VAULT_PROXY_ADDR",
    );
  });
});

// What Go's net/http.ProxyFromEnvironment (go1.26.8, the httpproxy it vendors) answered for these
// environments, one process per case (it reads the environment once): the Vault CLI's proxy.
// Made by a throwaway Go program run beside s5's proxyFor over every NO_PROXY entry below
// against every address (docs/decisions.md, "NO_PROXY as Go reads it"); fixed here, as CI cannot
// fetch Go. GO_NO_PROXY: each entry and the addresses it exempts (HTTPS_PROXY and HTTP_PROXY
// set); every other address of ADDRESSES goes through the proxy. LOOPBACK: direct for Go and s5.
const ADDRESSES =
  "https://corp.test https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test. https://corp.test. https://notcorp.test https://xcorp.test https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://11.0.0.1 https://192.168.5.255 https://192.168.6.0 https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1] https://[2001:db8::2] https://[2001:db9::1] https://[fd12::1] https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://xn--bcher-kva.test https://vault.xn--bcher-kva.test https://bücher.test https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test https://10.1.2.2 https://[fd12::1]:8200 https://[fd12:0::1] https://[fd12::2] https://0.0.0.0 https://[::]".split(
    " ",
  );
const LOOPBACK =
  "https://[::ffff:127.0.0.1] https://127.1.2.3 https://localhost https://[::1]".split(" ");
const GO_NO_PROXY: [string, string][] = [
  [
    "corp.test",
    "https://corp.test https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test",
  ],
  [
    ".corp.test",
    "https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test",
  ],
  [
    "*.corp.test",
    "https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test",
  ],
  ["*corp.test", ""],
  [
    "*",
    "https://corp.test https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test. https://corp.test. https://notcorp.test https://xcorp.test https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://11.0.0.1 https://192.168.5.255 https://192.168.6.0 https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1] https://[2001:db8::2] https://[2001:db9::1] https://[fd12::1] https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://xn--bcher-kva.test https://vault.xn--bcher-kva.test https://bücher.test https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test https://10.1.2.2 https://[fd12::1]:8200 https://[fd12:0::1] https://[fd12::2] https://0.0.0.0 https://[::]",
  ],
  [
    " * ",
    "https://corp.test https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test. https://corp.test. https://notcorp.test https://xcorp.test https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://11.0.0.1 https://192.168.5.255 https://192.168.6.0 https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1] https://[2001:db8::2] https://[2001:db9::1] https://[fd12::1] https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://xn--bcher-kva.test https://vault.xn--bcher-kva.test https://bücher.test https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test https://10.1.2.2 https://[fd12::1]:8200 https://[fd12:0::1] https://[fd12::2] https://0.0.0.0 https://[::]",
  ],
  [
    "*,corp.test",
    "https://corp.test https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test. https://corp.test. https://notcorp.test https://xcorp.test https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://11.0.0.1 https://192.168.5.255 https://192.168.6.0 https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1] https://[2001:db8::2] https://[2001:db9::1] https://[fd12::1] https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://xn--bcher-kva.test https://vault.xn--bcher-kva.test https://bücher.test https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test https://10.1.2.2 https://[fd12::1]:8200 https://[fd12:0::1] https://[fd12::2] https://0.0.0.0 https://[::]",
  ],
  [
    "a.test,*",
    "https://corp.test https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test. https://corp.test. https://notcorp.test https://xcorp.test https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://11.0.0.1 https://192.168.5.255 https://192.168.6.0 https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1] https://[2001:db8::2] https://[2001:db9::1] https://[fd12::1] https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://xn--bcher-kva.test https://vault.xn--bcher-kva.test https://bücher.test https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test https://10.1.2.2 https://[fd12::1]:8200 https://[fd12:0::1] https://[fd12::2] https://0.0.0.0 https://[::]",
  ],
  ["*.", "https://vault.corp.test. https://corp.test."],
  [".", "https://vault.corp.test. https://corp.test."],
  ["*.*", ""],
  [
    "CORP.Test",
    "https://corp.test https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test",
  ],
  [
    " corp.test ",
    "https://corp.test https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test",
  ],
  [
    ",,corp.test,,",
    "https://corp.test https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test",
  ],
  [
    "other.test, corp.test",
    "https://corp.test https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test",
  ],
  ["other.test;corp.test", ""],
  ["corp.test.", "https://vault.corp.test. https://corp.test."],
  [".corp.test.", "https://vault.corp.test."],
  [
    "vault.corp.test",
    "https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443",
  ],
  ["vault.corp.test:8200", "https://vault.corp.test:8200 http://vault.corp.test:8200"],
  [
    "vault.corp.test:443",
    "https://vault.corp.test https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443",
  ],
  ["vault.corp.test:80", "http://vault.corp.test"],
  [
    "vault.corp.test:",
    "https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443",
  ],
  ["vault.corp.test:abc", ""],
  ["corp.test:8200", "https://vault.corp.test:8200 http://vault.corp.test:8200"],
  [".corp.test:8200", "https://vault.corp.test:8200 http://vault.corp.test:8200"],
  ["*.corp.test:8200", "https://vault.corp.test:8200 http://vault.corp.test:8200"],
  [":8200", ""],
  ["vault.corp.test:08200", ""],
  [
    "10.1.2.3",
    "https://10.1.2.3 https://10.1.2.3:8200 https://[::ffff:10.1.2.3] https://[::ffff:a01:203]",
  ],
  ["10.1.2.3:8200", "https://10.1.2.3:8200"],
  ["10.1.2.3:443", "https://10.1.2.3 https://[::ffff:10.1.2.3] https://[::ffff:a01:203]"],
  ["010.1.2.3", ""],
  ["10.1.2.03", ""],
  ["1.2.3", ""],
  [".1.2.3", ""],
  ["2.3", ""],
  ["10.1.2.3.", ""],
  ["10.1.2", ""],
  [
    "10.0.0.0/8",
    "https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://10.1.2.2",
  ],
  [
    "10.1.2.3/8",
    "https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://10.1.2.2",
  ],
  [
    "10.0.0.0/08",
    "https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://10.1.2.2",
  ],
  ["10.0.0.0/", ""],
  ["10.0.0.0/0x8", ""],
  ["10.0.0.0/8.0", ""],
  ["10.0.0.0/ 8", ""],
  ["10.0.0.0/33", ""],
  ["10.0.0.0/8:8200", ""],
  [
    "0.0.0.0/0",
    "https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://11.0.0.1 https://192.168.5.255 https://192.168.6.0 https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://10.1.2.2 https://0.0.0.0",
  ],
  ["192.168.4.0/23", "https://192.168.5.255"],
  [
    "10.0.0.0/8,",
    "https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://10.1.2.2",
  ],
  ["10/8", ""],
  ["2001:db8::1", "https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1]"],
  ["[2001:db8::1]", ""],
  ["[2001:db8::1]:8200", "https://[2001:db8::1]:8200"],
  ["[2001:db8::1]:443", "https://[2001:db8::1] https://[2001:db8:0::1]"],
  ["[2001:db8::1]:", "https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1]"],
  ["2001:DB8::1", "https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1]"],
  [
    "2001:db8:0:0:0:0:0:1",
    "https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1]",
  ],
  [
    "2001:db8::/32",
    "https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1] https://[2001:db8::2]",
  ],
  ["2001:db8::1/128", "https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1]"],
  ["[2001:db8::]/32", ""],
  [
    "::/0",
    "https://[2001:db8::1] https://[2001:db8::1]:8200 https://[2001:db8:0::1] https://[2001:db8::2] https://[2001:db9::1] https://[fd12::1] https://[fd12::1]:8200 https://[fd12:0::1] https://[fd12::2] https://[::]",
  ],
  ["fd00::/8", "https://[fd12::1] https://[fd12::1]:8200 https://[fd12:0::1] https://[fd12::2]"],
  [
    "::ffff:10.1.2.3",
    "https://10.1.2.3 https://10.1.2.3:8200 https://[::ffff:10.1.2.3] https://[::ffff:a01:203]",
  ],
  [
    "::ffff:10.0.0.0/104",
    "https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://10.1.2.2",
  ],
  [
    "::ffff:0:0/96",
    "https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://11.0.0.1 https://192.168.5.255 https://192.168.6.0 https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://10.1.2.2 https://0.0.0.0",
  ],
  ["10.1.2.3:8200:1", ""],
  ["fe80::1%eth0", ""],
  [
    "bücher.test",
    "https://xn--bcher-kva.test https://vault.xn--bcher-kva.test https://bücher.test",
  ],
  [".bücher.test", "https://vault.xn--bcher-kva.test"],
  [
    "BÜCHER.test",
    "https://xn--bcher-kva.test https://vault.xn--bcher-kva.test https://bücher.test",
  ],
  [
    "xn--bcher-kva.test",
    "https://xn--bcher-kva.test https://vault.xn--bcher-kva.test https://bücher.test",
  ],
  ["localhost", ""],
  ["[::1]", ""],
  ["127.0.0.1", ""],
  ["[fd12::1]:8200", "https://[fd12::1]:8200"],
  ["[fd12::1]:443", "https://[fd12::1] https://[fd12:0::1]"],
  ["[::ffff:10.1.2.3]:443", "https://10.1.2.3 https://[::ffff:10.1.2.3] https://[::ffff:a01:203]"],
  ["[::ffff:10.1.2.3]", ""],
  [
    "::ffff:a01:203",
    "https://10.1.2.3 https://10.1.2.3:8200 https://[::ffff:10.1.2.3] https://[::ffff:a01:203]",
  ],
  ["10.0.0.0/8/9", ""],
  [
    "10.0.0.0/000000008",
    "https://10.1.2.3 https://10.1.2.3:8200 https://10.1.2.4 https://10.200.0.9 https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://10.1.2.2",
  ],
  ["::", "https://[::]"],
  ["::/128", "https://[::]"],
  ["fd12::/16", "https://[fd12::1] https://[fd12::1]:8200 https://[fd12:0::1] https://[fd12::2]"],
  ["fd12::1/64", "https://[fd12::1] https://[fd12::1]:8200 https://[fd12:0::1] https://[fd12::2]"],
  ["fd12:0:0:0:0:0:0:1", "https://[fd12::1] https://[fd12::1]:8200 https://[fd12:0::1]"],
  ["FD12::1", "https://[fd12::1] https://[fd12::1]:8200 https://[fd12:0::1]"],
  ["fd12::01", "https://[fd12::1] https://[fd12::1]:8200 https://[fd12:0::1]"],
  ["fd12::00001", ""],
  ["[fd12::1]x:80", ""],
  ["[[fd12::1]]:80", ""],
  ["*.*.corp.test", ""],
  ["a.*.corp.test", ""],
  [
    "corp.test:8200,vault.corp.test:443",
    "https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443",
  ],
  ["vault.corp.test:443:1", ""],
  ["vault.corp.test:+443", ""],
  [
    "\tcorp.test\n",
    "https://corp.test https://vault.corp.test https://vault.corp.test:8200 http://vault.corp.test http://vault.corp.test:8200 https://VAULT.CORP.TEST https://vault.corp.test:443 http://vault.corp.test:443 https://a.b.corp.test",
  ],
  ["255.255.255.255/32", ""],
  [
    "10.1.2.3/32",
    "https://10.1.2.3 https://10.1.2.3:8200 https://[::ffff:10.1.2.3] https://[::ffff:a01:203]",
  ],
  [
    "10.1.2.3/31",
    "https://10.1.2.3 https://10.1.2.3:8200 https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://10.1.2.2",
  ],
  [
    "10.1.2.2/31",
    "https://10.1.2.3 https://10.1.2.3:8200 https://[::ffff:10.1.2.3] https://[::ffff:a01:203] https://10.1.2.2",
  ],
  ["10.1.2.3/33", ""],
  [
    "::ffff:10.1.2.3/128",
    "https://10.1.2.3 https://10.1.2.3:8200 https://[::ffff:10.1.2.3] https://[::ffff:a01:203]",
  ],
  ["::ffff:0:0/95", ""],
  ["10.1.2.3%eth0", ""],
  ["fd12::1%eth0", ""],
  ["1.2.3.4.5", ""],
  ["256.1.1.1", ""],
  ["[10.1.2.3]", ""],
  ["[10.1.2.3]:443", "https://10.1.2.3 https://[::ffff:10.1.2.3] https://[::ffff:a01:203]"],
  ["corp.test:0443", ""],
];
const GO_VARIABLES: [Record<string, string>, string, string][] = [
  [{ HTTPS_PROXY: "http://hu:1" }, "https://vault.corp.test:8200", "HTTPS_PROXY"],
  [{ HTTPS_PROXY: "http://hu:1" }, "http://vault.corp.test:8200", "direct"],
  [{ https_proxy: "http://hl:2" }, "https://vault.corp.test:8200", "https_proxy"],
  [{ https_proxy: "http://hl:2" }, "http://vault.corp.test:8200", "direct"],
  [
    { HTTPS_PROXY: "http://hu:1", https_proxy: "http://hl:2" },
    "https://vault.corp.test:8200",
    "HTTPS_PROXY",
  ],
  [
    { HTTPS_PROXY: "http://hu:1", https_proxy: "http://hl:2" },
    "http://vault.corp.test:8200",
    "direct",
  ],
  [{ HTTPS_PROXY: "", https_proxy: "http://hl:2" }, "https://vault.corp.test:8200", "https_proxy"],
  [{ HTTPS_PROXY: "", https_proxy: "http://hl:2" }, "http://vault.corp.test:8200", "direct"],
  [{ HTTP_PROXY: "http://pu:3" }, "https://vault.corp.test:8200", "direct"],
  [{ HTTP_PROXY: "http://pu:3" }, "http://vault.corp.test:8200", "HTTP_PROXY"],
  [{ http_proxy: "http://pl:4" }, "https://vault.corp.test:8200", "direct"],
  [{ http_proxy: "http://pl:4" }, "http://vault.corp.test:8200", "http_proxy"],
  [
    { HTTP_PROXY: "http://pu:3", http_proxy: "http://pl:4" },
    "https://vault.corp.test:8200",
    "direct",
  ],
  [
    { HTTP_PROXY: "http://pu:3", http_proxy: "http://pl:4" },
    "http://vault.corp.test:8200",
    "HTTP_PROXY",
  ],
  [{ HTTP_PROXY: "", http_proxy: "http://pl:4" }, "https://vault.corp.test:8200", "direct"],
  [{ HTTP_PROXY: "", http_proxy: "http://pl:4" }, "http://vault.corp.test:8200", "http_proxy"],
  [
    { HTTPS_PROXY: "http://hu:1", HTTP_PROXY: "http://pu:3", REQUEST_METHOD: "GET" },
    "https://vault.corp.test:8200",
    "HTTPS_PROXY",
  ],
  [
    { HTTPS_PROXY: "http://hu:1", HTTP_PROXY: "http://pu:3", REQUEST_METHOD: "GET" },
    "http://vault.corp.test:8200",
    "error",
  ],
  [{ http_proxy: "http://pl:4", REQUEST_METHOD: "POST" }, "https://vault.corp.test:8200", "direct"],
  [{ http_proxy: "http://pl:4", REQUEST_METHOD: "POST" }, "http://vault.corp.test:8200", "error"],
  [
    { HTTPS_PROXY: "http://hu:1", HTTP_PROXY: "http://pu:3", REQUEST_METHOD: "" },
    "https://vault.corp.test:8200",
    "HTTPS_PROXY",
  ],
  [
    { HTTPS_PROXY: "http://hu:1", HTTP_PROXY: "http://pu:3", REQUEST_METHOD: "" },
    "http://vault.corp.test:8200",
    "HTTP_PROXY",
  ],
  [
    {
      HTTPS_PROXY: "http://hu:1",
      HTTP_PROXY: "http://pu:3",
      NO_PROXY: "corp.test",
      REQUEST_METHOD: "GET",
    },
    "https://vault.corp.test:8200",
    "direct",
  ],
  [
    {
      HTTPS_PROXY: "http://hu:1",
      HTTP_PROXY: "http://pu:3",
      NO_PROXY: "corp.test",
      REQUEST_METHOD: "GET",
    },
    "http://vault.corp.test:8200",
    "error",
  ],
  [
    {
      HTTPS_PROXY: "http://hu:1",
      HTTP_PROXY: "http://pu:3",
      NO_PROXY: "other.test",
      no_proxy: "corp.test",
    },
    "https://vault.corp.test:8200",
    "HTTPS_PROXY",
  ],
  [
    {
      HTTPS_PROXY: "http://hu:1",
      HTTP_PROXY: "http://pu:3",
      NO_PROXY: "other.test",
      no_proxy: "corp.test",
    },
    "http://vault.corp.test:8200",
    "HTTP_PROXY",
  ],
  [
    { HTTPS_PROXY: "http://hu:1", HTTP_PROXY: "http://pu:3", NO_PROXY: "", no_proxy: "corp.test" },
    "https://vault.corp.test:8200",
    "direct",
  ],
  [
    { HTTPS_PROXY: "http://hu:1", HTTP_PROXY: "http://pu:3", NO_PROXY: "", no_proxy: "corp.test" },
    "http://vault.corp.test:8200",
    "direct",
  ],
  [
    { HTTPS_PROXY: "http://hu:1", HTTP_PROXY: "http://pu:3", no_proxy: "corp.test" },
    "https://vault.corp.test:8200",
    "direct",
  ],
  [
    { HTTPS_PROXY: "http://hu:1", HTTP_PROXY: "http://pu:3", no_proxy: "corp.test" },
    "http://vault.corp.test:8200",
    "direct",
  ],
  [
    { HTTPS_PROXY: "http://hu:1", HTTP_PROXY: "http://pu:3", NO_PROXY: " ", no_proxy: "corp.test" },
    "https://vault.corp.test:8200",
    "HTTPS_PROXY",
  ],
  [
    { HTTPS_PROXY: "http://hu:1", HTTP_PROXY: "http://pu:3", NO_PROXY: " ", no_proxy: "corp.test" },
    "http://vault.corp.test:8200",
    "HTTP_PROXY",
  ],
];

describe("agrees with Go's ProxyFromEnvironment on a fixed table", () => {
  it.each(GO_NO_PROXY)("NO_PROXY=%j", (entry, exempted) => {
    const env = { HTTPS_PROXY: P, HTTP_PROXY: `${P}1`, NO_PROXY: entry };
    const direct = exempted === "" ? [] : exempted.split(" ");
    for (const address of [...ADDRESSES, ...LOOPBACK]) {
      const go = direct.includes(address) || LOOPBACK.includes(address) ? undefined : "proxy";
      expect(via(env, address) && "proxy", address).toBe(go);
    }
  });

  it("picks the variable Go picks; goes direct where Go refuses HTTP_PROXY under CGI", () => {
    const names: Record<string, string> = {
      "http://hu:1": "HTTPS_PROXY",
      "http://hl:2": "https_proxy",
      "http://pu:3": "HTTP_PROXY",
      "http://pl:4": "http_proxy",
    };
    for (const [env, address, go] of GO_VARIABLES) {
      const name = via(env, address);
      // Go fails the request ("refusing to use HTTP_PROXY value in CGI environment"); s5 goes
      // direct (docs/decisions.md), never through the proxy a request header may have named.
      const expected = go === "error" || go === "direct" ? undefined : go;
      expect(name, `${JSON.stringify(env)} ${address}`).toBe(expected);
      if (name) expect(names[env[name]!]).toBe(name);
    }
  });
});
