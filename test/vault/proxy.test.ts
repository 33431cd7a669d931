// Proxies, as the Vault CLI reads them: HTTPS_PROXY / HTTP_PROXY (lower case too) with NO_PROXY,
// and VAULT_PROXY_ADDR / VAULT_HTTP_PROXY for every request; never for a loopback Vault (node-vault's
// axios sent even those through the proxy, token and values included), never ALL_PROXY. The proxy
// here is a real forward proxy on 127.0.0.1 (absolute-form requests and CONNECT tunnels) that sends
// every host to this machine, records what it carried, and may ask for a login; Vault's names end
// in `.s5.test`, which resolves nowhere, so only a request that went through the proxy arrives.

import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startOpenBao } from "../../scripts/openbao.mjs";
import {
  admin,
  bin,
  describeVault,
  listenLoopback,
  newMount,
  s5,
  server,
  tempDir,
  vaultEncrypt,
  vaultEnv,
} from "./helpers.ts";

const PLAIN = "proxied-plaintext-Hy7";
const LOGIN = "alice:proxy-pw-Hy8";

interface ForwardProxy {
  url: string;
  /** What the proxy was asked: `POST http://…` or `CONNECT host:port`. */
  seen: string[];
  /** Every byte a client sent through a CONNECT tunnel (TLS records, if the client spoke TLS). */
  tunnelled: Buffer[];
  close(): Promise<void>;
}

/** A forward proxy sending every host to 127.0.0.1 on the asked port; `login` asks for Basic auth. */
async function startForwardProxy(login?: string): Promise<ForwardProxy> {
  const seen: string[] = [];
  const tunnelled: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const allowed = (request: http.IncomingMessage) =>
    !login ||
    request.headers["proxy-authorization"] === `Basic ${Buffer.from(login).toString("base64")}`;
  const proxy = http.createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    if (!allowed(request)) {
      response.writeHead(407, { "Proxy-Authenticate": 'Basic realm="s5-test"' }).end();
      return;
    }
    const url = new URL(request.url ?? "/");
    const headers = { ...request.headers, host: url.host };
    delete headers["proxy-authorization"];
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: url.port,
        method: request.method,
        path: url.pathname + url.search,
        headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on("error", () => response.destroy());
    request.pipe(upstream);
  });
  proxy.on("connect", (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${request.url}`);
    sockets.add(client);
    client.on("error", () => {});
    if (!allowed(request)) {
      client.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
      return;
    }
    const port = Number(new URL(`http://${request.url}`).port);
    const upstream = net.connect({ host: "127.0.0.1", port }, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      client.on("data", (chunk: Buffer) => tunnelled.push(Buffer.from(chunk)));
      client.pipe(upstream);
      upstream.pipe(client);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
  });
  const listening = await listenLoopback(proxy);
  return {
    url: listening.url,
    seen,
    tunnelled,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await listening.close();
    },
  };
}

describeVault("proxies", () => {
  let proxy: ForwardProxy;
  let locked: ForwardProxy;
  let env: Record<string, string>;
  let dir: string;
  let port: string;
  /** OpenBao's address under a name only the proxy can reach. */
  let remote: string;

  beforeAll(async () => {
    proxy = await startForwardProxy();
    locked = await startForwardProxy(LOGIN);
    const { mount, key } = await newMount("proxy");
    env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
    dir = tempDir();
    writeFileSync(join(dir, "a.yml"), `a: {{ s5:${await vaultEncrypt(mount, key, PLAIN)} }}\n`);
    port = new URL(admin.addr).port;
    remote = `http://vault.s5.test:${port}`;
  });
  afterAll(async () => {
    await proxy?.close();
    await locked?.close();
  });

  const render = (extra: Record<string, string>) =>
    s5(["render", "a.yml"], { cwd: dir, env: { ...env, VAULT_ADDR: remote, ...extra } });
  const decrypted = (url: string) =>
    new RegExp(`^POST ${url.replace(/\./g, "\\.")}/v1/[^ ]+/decrypt/[^ ]+$`);

  it("sends through HTTP_PROXY (or http_proxy) to a Vault the proxy alone can reach", async () => {
    for (const name of ["HTTP_PROXY", "http_proxy"]) {
      proxy.seen.length = 0;
      const result = await render({ [name]: proxy.url });
      expect(result.stderr, name).toBe("");
      expect(result.stdout).toBe(`a: ${PLAIN}\n`);
      expect(proxy.seen).toEqual([expect.stringMatching(decrypted(remote))]);
    }
  });

  it("sends through VAULT_PROXY_ADDR, else VAULT_HTTP_PROXY, whatever NO_PROXY and HTTP_PROXY say", async () => {
    proxy.seen.length = 0;
    const dead = "http://127.0.0.1:9";
    const first = await render({ VAULT_HTTP_PROXY: proxy.url, HTTP_PROXY: dead, NO_PROXY: "*" });
    expect(first.stdout).toBe(`a: ${PLAIN}\n`);
    const second = await render({
      VAULT_PROXY_ADDR: proxy.url,
      VAULT_HTTP_PROXY: dead,
      BAO_HTTP_PROXY: dead,
      NO_PROXY: "vault.s5.test",
    });
    expect(second.stderr).toBe("");
    expect(second.stdout).toBe(`a: ${PLAIN}\n`);
    expect(proxy.seen).toEqual([
      expect.stringMatching(decrypted(remote)),
      expect.stringMatching(decrypted(remote)),
    ]);
  });

  it("goes direct to hosts NO_PROXY names, and never through ALL_PROXY or a CGI's HTTP_PROXY", async () => {
    proxy.seen.length = 0;
    const cases: Record<string, string>[] = [
      { HTTP_PROXY: proxy.url, NO_PROXY: "vault.s5.test" },
      // no_proxy when NO_PROXY is empty (the helper sets NO_PROXY).
      { HTTP_PROXY: proxy.url, NO_PROXY: "", no_proxy: ".s5.test" },
      { http_proxy: proxy.url, NO_PROXY: `s5.test:${port}` },
      { HTTP_PROXY: proxy.url, NO_PROXY: "*" },
      { ALL_PROXY: proxy.url, all_proxy: proxy.url },
      // A CGI program's HTTP_PROXY may come from a request's `Proxy:` header ("httpoxy").
      { HTTP_PROXY: proxy.url, REQUEST_METHOD: "GET" },
    ];
    for (const extra of cases) {
      const result = await render({ ...extra, VAULT_MAX_RETRIES: "0" });
      // Direct, the name resolves nowhere: the request never left, and nothing reached the proxy.
      expect(result.code, JSON.stringify(extra)).toBe(8);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`cannot reach Vault at ${remote}`);
      expect(result.stderr).not.toContain("through the proxy");
    }
    // NO_PROXY for another port of the host does not exempt this one.
    const other = await render({ HTTP_PROXY: proxy.url, NO_PROXY: "vault.s5.test:1" });
    expect(other.stdout).toBe(`a: ${PLAIN}\n`);
    expect(proxy.seen).toEqual([expect.stringMatching(decrypted(remote))]);
  });

  it("never takes a proxy from a .env file: an s5 beneath s5 run leaves the file's proxy out", async () => {
    proxy.seen.length = 0;
    const project = tempDir();
    // A committed .env naming a proxy would choose who carries the Vault token.
    writeFileSync(
      join(project, ".env"),
      `HTTP_PROXY=${proxy.url}\nhttp_proxy=${proxy.url}\nNO_PROXY=\n`,
    );
    const sealed = readFileSync(join(dir, "a.yml"), "utf8").match(/\{\{ s5:(.+) \}\}/)![1]!;
    const inner = [process.execPath, bin, "decipher", sealed];
    // The token reaches the inner s5 only when asked (it is a credential).
    const nested = await s5(["run", "--pass-credentials", "--", ...inner], {
      cwd: project,
      env: { ...env, VAULT_ADDR: remote, VAULT_MAX_RETRIES: "0" },
    });
    expect(nested.code).toBe(8);
    expect(nested.stdout).toBe("");
    expect(nested.stderr).toContain(`cannot reach Vault at ${remote}`);
    expect(nested.stderr).not.toContain("through the proxy");
    expect(proxy.seen).toEqual([]);
    // The same proxy from the real environment is used.
    const real = await s5(["run", "--pass-credentials", "--", ...inner], {
      cwd: project,
      env: { ...env, VAULT_ADDR: remote, HTTP_PROXY: proxy.url },
    });
    expect(real.stdout).toBe(PLAIN);
    expect(proxy.seen).toHaveLength(1);
  });

  it("never sends a loopback Vault's requests through any proxy", async () => {
    proxy.seen.length = 0;
    const variables = {
      HTTP_PROXY: proxy.url,
      HTTPS_PROXY: proxy.url,
      ALL_PROXY: proxy.url,
      http_proxy: proxy.url,
      https_proxy: proxy.url,
      VAULT_HTTP_PROXY: proxy.url,
      VAULT_PROXY_ADDR: proxy.url,
      NO_PROXY: "",
      no_proxy: "",
      NODE_USE_ENV_PROXY: "1",
    };
    for (const address of [admin.addr, `http://localhost:${port}`]) {
      const direct = await s5(["render", "a.yml"], {
        cwd: dir,
        env: { ...env, ...variables, VAULT_ADDR: address },
      });
      expect(direct.stderr, address).toBe("");
      expect(direct.stdout).toBe(`a: ${PLAIN}\n`);
    }
    expect(proxy.seen).toEqual([]);
  });

  it("stops at a proxy variable s5 cannot use only when a request would go through it", async () => {
    proxy.seen.length = 0;
    const socks = "socks5://alice:socks-pw-Hy9@127.0.0.1:1080";
    // A SOCKS HTTPS_PROXY beside an http Vault; a SOCKS HTTP_PROXY beside a loopback one.
    const other = await render({ HTTPS_PROXY: socks, HTTP_PROXY: proxy.url });
    expect(other.stderr).toBe("");
    expect(other.stdout).toBe(`a: ${PLAIN}\n`);
    expect(proxy.seen.some((line) => decrypted(remote).test(line))).toBe(true);
    const local = await render({ HTTP_PROXY: socks, VAULT_ADDR: admin.addr });
    expect(local.stderr).toBe("");
    expect(local.stdout).toBe(`a: ${PLAIN}\n`);
    // The one that would carry the requests: refused before any, its value not shown.
    const used = await render({ HTTP_PROXY: socks });
    expect(used.code).toBe(12);
    expect(used.stderr).toContain("S5_CONFIG_VAULT_PROXY");
    expect(used.stderr).toContain("HTTP_PROXY names a SOCKS proxy (not shown)");
    expect(used.stderr).not.toContain("socks-pw-Hy9");
  });

  it("logs in to a proxy with the user and password in its URL; a 407 says what to do, without them", async () => {
    locked.seen.length = 0;
    const [user, password] = LOGIN.split(":");
    const url = locked.url.replace("http://", `http://${user}:${password}@`);
    const ok = await render({ HTTP_PROXY: url, S5_DEBUG: "1" });
    expect(ok.stdout).toBe(`a: ${PLAIN}\n`);
    expect(ok.stderr).not.toContain(password);
    const wrong = url.replace(password!, "wrong-pw-Hy9");
    for (const proxyUrl of [locked.url, wrong]) {
      const refused = await render({ HTTP_PROXY: proxyUrl, S5_DEBUG: "1" });
      expect(refused.code).toBe(12);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toContain(
        `the proxy HTTP_PROXY names asked for a login (HTTP 407) on the decrypt request to ${remote}`,
      );
      expect(refused.stderr).toContain("S5_CONFIG_VAULT_PROXY");
      expect(refused.stderr).toContain("or add its host to NO_PROXY to reach Vault directly");
      expect(refused.stderr).not.toContain("wrong-pw-Hy9");
    }
    expect(locked.seen).toHaveLength(3);
  });

  it("names the proxy when it cannot be reached, never its login, whatever the debug switch", async () => {
    const result = await render({
      HTTP_PROXY: "http://alice:dead-pw-Hy0@127.0.0.1:9",
      VAULT_MAX_RETRIES: "0",
      S5_DEBUG: "1",
    });
    expect(result.code).toBe(8);
    expect(result.stderr).toContain(
      `cannot reach Vault at ${remote} through the proxy HTTP_PROXY names (ECONNREFUSED)`,
    );
    expect(result.stderr).toContain("to reach Vault directly, add its host to NO_PROXY");
    expect(result.stderr).not.toContain("dead-pw-Hy0");
  });

  describeVault("https through a CONNECT tunnel", () => {
    let tls: Awaited<ReturnType<typeof startOpenBao>> | undefined;
    let tlsEnv: Record<string, string>;
    let secured: string;

    beforeAll(async () => {
      tls = await startOpenBao({ bin: server.bin, tls: true });
      const tlsPort = new URL(tls.addr).port;
      secured = `https://vault.s5.test:${tlsPort}`;
      tlsEnv = vaultEnv({
        VAULT_ADDR: secured,
        VAULT_TOKEN: tls.token,
        VAULT_CACERT: tls.caCert!,
        // The dev server's certificate names localhost; the proxy sends vault.s5.test there.
        VAULT_TLS_SERVER_NAME: "localhost",
        S5_VAULT_TRANSIT_KEY: "tunnelled",
      });
    });
    afterAll(async () => {
      await tls?.stop();
    });

    it("sends through HTTPS_PROXY inside TLS end to end: the proxy sees the host, never the token or a value", async () => {
      proxy.seen.length = 0;
      proxy.tunnelled.length = 0;
      const tlsPort = new URL(secured).port;
      const sealed = await s5(["cipher", "vault", PLAIN], {
        env: { ...tlsEnv, HTTPS_PROXY: proxy.url, HTTP_PROXY: "http://127.0.0.1:9" },
      });
      expect(sealed.stderr).toBe("");
      const opened = await s5(["decipher", sealed.stdout], {
        env: { ...tlsEnv, https_proxy: proxy.url },
      });
      expect(opened.stderr).toBe("");
      expect(opened.stdout).toBe(PLAIN);
      expect(proxy.seen).toEqual([
        `CONNECT vault.s5.test:${tlsPort}`,
        `CONNECT vault.s5.test:${tlsPort}`,
      ]);
      const carried = Buffer.concat(proxy.tunnelled);
      expect(carried.length).toBeGreaterThan(0);
      for (const secret of [tls!.token, PLAIN, Buffer.from(PLAIN).toString("base64")]) {
        expect(carried.includes(secret)).toBe(false);
      }
      // NO_PROXY exempts it as for http.
      const direct = await s5(["decipher", sealed.stdout], {
        env: { ...tlsEnv, HTTPS_PROXY: proxy.url, NO_PROXY: "s5.test", VAULT_MAX_RETRIES: "0" },
      });
      expect(direct.code).toBe(8);
      expect(proxy.seen).toHaveLength(2);
    });

    it("says the proxy refused the tunnel (a login it wants, a port it forbids), without its login", async () => {
      locked.seen.length = 0;
      const result = await s5(["cipher", "vault", PLAIN], {
        env: {
          ...tlsEnv,
          HTTPS_PROXY: locked.url.replace("http://", "http://alice:tunnel-pw-Hy1@"),
          VAULT_MAX_RETRIES: "0",
          S5_DEBUG: "1",
        },
      });
      expect(result.code).toBe(8);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(
        `cannot reach Vault at ${secured} through the proxy HTTPS_PROXY names (ERR_PROXY_TUNNEL)`,
      );
      expect(result.stderr).toContain("the proxy refused to connect to Vault's host and port");
      expect(result.stderr).not.toContain("tunnel-pw-Hy1");
      expect(locked.seen).toEqual([`CONNECT vault.s5.test:${new URL(secured).port}`]);
    });
  });
});
