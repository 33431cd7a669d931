// Redirects (a standby's 307 to the active node): s5 follows them itself, with the same method
// and body, and only to the cluster's addresses (VAULT_ADDR and S5_VAULT_CLUSTER_ADDRS). A redirect
// anywhere else fails with one error naming the target, and the token is never sent there.
// The "standby" here is a loopback proxy answering 307 (a real standby's 307s: ha-standby.test.ts).

import { rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type FaultProxy, type Seen, startFaultProxy } from "./fault-proxy.ts";
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

const isDecrypt = (seen: Seen) => seen.path.includes("/decrypt/");

/** A server outside the cluster that records every request's headers and answers 200 `{}`. */
async function startRecorder() {
  const requests: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((request, response) => {
    requests.push(request.headers);
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end("{}");
    });
  });
  return { ...(await listenLoopback(server)), requests };
}

describeVault("redirects", () => {
  let standby: FaultProxy;
  let active: FaultProxy;
  let outsider: Awaited<ReturnType<typeof startRecorder>>;
  let mount: string;
  let key: string;
  let dir: string;
  let file: string;
  let expected: string;
  const values = Array.from({ length: 300 }, (_, i) => `secret-${i}`);

  beforeAll(async () => {
    ({ mount, key } = await newMount());
    standby = await startFaultProxy(admin.addr);
    active = await startFaultProxy(admin.addr);
    outsider = await startRecorder();
    const lines = [];
    for (const [i, value] of values.entries()) {
      lines.push(`k${i}: {{ s5:${await vaultEncrypt(mount, key, value)} }}`);
    }
    dir = tempDir();
    file = join(dir, "redirected.yml");
    writeFileSync(file, `${lines.join("\n")}\n`);
    expected = `${values.map((value, i) => `k${i}: ${value}`).join("\n")}\n`;
  });
  afterEach(() => {
    standby.plan = () => undefined;
    standby.seen.length = 0;
    active.seen.length = 0;
    outsider.requests.length = 0;
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await standby?.close();
    await active?.close();
    await outsider?.close();
  });

  const env = (extra: Record<string, string | undefined> = {}) =>
    vaultEnv({
      VAULT_ADDR: standby.url,
      S5_VAULT_TRANSIT_MOUNT: mount,
      S5_VAULT_TRANSIT_KEY: key,
      ...extra,
    });

  /** The standby answers every decrypt with a 307 to the same path on `to`. */
  const redirectTo = (to: string, status = 307) => {
    standby.plan = (seen) =>
      isDecrypt(seen) ? { kind: "redirect", status, location: `${to}${seen.path}` } : undefined;
  };

  it("follows a 307 to a listed cluster address, sending the POST body again", async () => {
    redirectTo(active.url);
    const render = await s5(["render", file], {
      env: env({ S5_VAULT_CLUSTER_ADDRS: `http://127.0.0.1:1, ${active.url}` }),
    });
    expect(render.stderr).toBe("");
    expect(render.code).toBe(0);
    expect(render.stdout).toBe(expected);
    // 300 tokens: 2 batches of 150; each 307 once, then served by the "active node" in full.
    expect(standby.seen.map((seen) => [seen.status, seen.items])).toEqual([
      [307, 150],
      [307, 150],
    ]);
    expect(active.seen.map((seen) => [seen.method, seen.status, seen.items, seen.token])).toEqual([
      ["POST", 200, 150, true],
      ["POST", 200, 150, true],
    ]);
  });

  it("refuses a redirect to an address outside the cluster: one clear error, no token sent", async () => {
    redirectTo(outsider.url);
    const render = await s5(["render", file], {
      env: env({ S5_VAULT_CLUSTER_ADDRS: active.url }),
    });
    expect(render.code).toBe(8);
    expect(render.stdout).toBe("");
    expect(render.stderr).toContain("S5_VAULT_REDIRECT");
    expect(render.stderr).toContain(
      `Vault at ${standby.url} redirected the decrypt request (HTTP 307) to ${outsider.url}/v1/${mount}/decrypt/${key}, which is not one of the cluster's addresses; the token was not sent there`,
    );
    expect(render.stderr).toContain("S5_VAULT_CLUSTER_ADDRS");
    expect(render.stderr.match(/redirected the decrypt request/g)).toHaveLength(1);
    expect(outsider.requests).toEqual([]);
    expect(active.seen).toEqual([]);
  });

  it("without S5_VAULT_CLUSTER_ADDRS, follows no redirect to another host", async () => {
    redirectTo(active.url);
    const render = await s5(["render", file], { env: env() });
    expect(render.code).toBe(8);
    expect(render.stderr).toContain(
      `to ${active.url}/v1/${mount}/decrypt/${key}, which is not one`,
    );
    expect(active.seen).toEqual([]);
  });

  it("does not follow a 302 (it would turn the POST into a GET), even within the cluster", async () => {
    redirectTo(active.url, 302);
    const render = await s5(["render", file], {
      env: env({ S5_VAULT_CLUSTER_ADDRS: active.url }),
    });
    expect(render.code).toBe(8);
    expect(render.stderr).toContain("(HTTP 302)");
    expect(render.stderr).toContain("only 307 and 308 keep the method and body");
    expect(active.seen).toEqual([]);
  });

  it("stops after 3 redirects in a row, with one error", async () => {
    redirectTo(standby.url);
    const render = await s5(["render", file], { env: env() });
    expect(render.code).toBe(8);
    expect(render.stderr).toContain(
      `redirected the decrypt request (HTTP 307) to ${standby.url}/v1/${mount}/decrypt/${key}, after too many redirects`,
    );
    // Per batch: the first request and 3 redirects followed; the 4th redirect is not.
    expect(standby.seen.filter((seen) => seen.items === 150).length % 4).toBe(0);
    expect(active.seen).toEqual([]);
  });

  it("an address in S5_VAULT_CLUSTER_ADDRS that is not a URL is a configuration error", async () => {
    const render = await s5(["render", file], {
      env: env({ S5_VAULT_CLUSTER_ADDRS: `${active.url},vault-2:8200` }),
    });
    expect(render.code).toBe(12);
    expect(render.stderr).toContain(
      "an address in S5_VAULT_CLUSTER_ADDRS is not an http(s) URL: vault-2:8200",
    );
    expect(standby.seen).toEqual([]);
  });

  it("does not print a redirect's path that is not the request's own: a Location may quote the token", async () => {
    standby.plan = (seen) =>
      isDecrypt(seen)
        ? { kind: "redirect", status: 307, location: `${outsider.url}/v1/quoted/${admin.token}` }
        : undefined;
    const render = await s5(["render", file], { env: env() });
    expect(render.code).toBe(8);
    expect(render.stderr).toContain(`to ${outsider.url}/… (path not shown), which is not one`);
    expect(render.stderr).not.toContain(admin.token);
    expect(outsider.requests).toEqual([]);
  });

  it("a redirected login sends its credentials to no host outside the cluster", async () => {
    standby.plan = (seen) =>
      seen.path.includes("/login")
        ? { kind: "redirect", status: 307, location: `${outsider.url}${seen.path}` }
        : undefined;
    const secretId = "approle-secret-id-not-for-outsiders";
    const render = await s5(["render", file], {
      env: env({
        VAULT_TOKEN: undefined,
        S5_VAULT_AUTH_METHOD: "approle",
        S5_VAULT_ROLE_ID: "role-id-1",
        S5_VAULT_SECRET_ID: secretId,
      }),
    });
    expect(render.code).toBe(8);
    expect(render.stderr).toContain(
      `redirected the login request (HTTP 307) to ${outsider.url}/v1/auth/approle/login, which is not one of the cluster's addresses; the login credentials were not sent there`,
    );
    expect(render.stderr).not.toContain(secretId);
    expect(outsider.requests).toEqual([]);
    expect(standby.seen.map((seen) => seen.path)).toEqual(["/v1/auth/approle/login"]);
  });
});
