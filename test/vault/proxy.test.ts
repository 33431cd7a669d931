// Proxies: s5 sends through VAULT_HTTP_PROXY only, and never reads HTTP_PROXY / HTTPS_PROXY /
// ALL_PROXY (node-vault's default sender, axios, would send a loopback Vault's requests, token
// and values included, to whatever proxy the environment names). The proxy here is a loopback
// HTTP proxy that forwards to the test's OpenBao and records what it carried.

import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  admin,
  describeVault,
  listenLoopback,
  newMount,
  s5,
  tempDir,
  vaultEncrypt,
  vaultEnv,
} from "./helpers.ts";

const PLAIN = "proxied-plaintext-Hy7";

/** A forward proxy (absolute-form requests) that sends everything on to OpenBao. */
async function startForwardProxy() {
  const seen: string[] = [];
  const target = new URL(admin.addr);
  const server = http.createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    const url = new URL(request.url ?? "/");
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: url.pathname + url.search,
        headers: { ...request.headers, host: target.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on("error", () => response.destroy());
    request.pipe(upstream);
  });
  return { ...(await listenLoopback(server)), seen };
}

describeVault("proxies", () => {
  let proxy: Awaited<ReturnType<typeof startForwardProxy>>;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    proxy = await startForwardProxy();
    const { mount, key } = await newMount("proxy");
    env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
    dir = tempDir();
    writeFileSync(join(dir, "a.yml"), `a: {{ s5:${await vaultEncrypt(mount, key, PLAIN)} }}\n`);
  });
  afterAll(() => proxy?.close());

  it("sends through VAULT_HTTP_PROXY to a Vault the proxy alone can reach", async () => {
    proxy.seen.length = 0;
    // A name that resolves nowhere (.test is reserved): only the proxy gets the request through.
    const port = new URL(admin.addr).port;
    const result = await s5(["render", "a.yml"], {
      cwd: dir,
      env: { ...env, VAULT_ADDR: `http://vault.s5.test:${port}`, VAULT_HTTP_PROXY: proxy.url },
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`a: ${PLAIN}\n`);
    expect(proxy.seen).toEqual([
      expect.stringMatching(
        new RegExp(`^POST http://vault\\.s5\\.test:${port}/v1/[^ ]+/decrypt/[^ ]+$`),
      ),
    ]);
  });

  it("never uses HTTP_PROXY, HTTPS_PROXY or ALL_PROXY, nor VAULT_HTTP_PROXY for a loopback Vault", async () => {
    proxy.seen.length = 0;
    const variables = {
      HTTP_PROXY: proxy.url,
      HTTPS_PROXY: proxy.url,
      ALL_PROXY: proxy.url,
      http_proxy: proxy.url,
      https_proxy: proxy.url,
      NO_PROXY: "",
      no_proxy: "",
      NODE_USE_ENV_PROXY: "1",
    };
    const direct = await s5(["render", "a.yml"], { cwd: dir, env: { ...env, ...variables } });
    expect(direct.stdout).toBe(`a: ${PLAIN}\n`);
    const loopback = await s5(["render", "a.yml"], {
      cwd: dir,
      env: { ...env, ...variables, VAULT_HTTP_PROXY: proxy.url },
    });
    expect(loopback.stdout).toBe(`a: ${PLAIN}\n`);
    expect(proxy.seen).toEqual([]);
  });

  it("never uses HTTP_PROXY or HTTPS_PROXY for a Vault elsewhere either: only VAULT_HTTP_PROXY", async () => {
    proxy.seen.length = 0;
    // A name only the proxy could reach: through it, the request (token included) would arrive.
    const port = new URL(admin.addr).port;
    const result = await s5(["render", "a.yml"], {
      cwd: dir,
      env: {
        ...env,
        VAULT_ADDR: `http://vault.s5.test:${port}`,
        HTTP_PROXY: proxy.url,
        HTTPS_PROXY: proxy.url,
        http_proxy: proxy.url,
        https_proxy: proxy.url,
        ALL_PROXY: proxy.url,
        NO_PROXY: "",
        NODE_USE_ENV_PROXY: "1",
      },
    });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(proxy.seen).toEqual([]);
  });
});
