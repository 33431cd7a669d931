// `s5 doctor` against a real OpenBao: what it says of the settings, the server, the token and the
// transit key's rights, its exit code, and that no line holds a token, a login or a header's value.

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort, startOpenBao } from "../../scripts/openbao.mjs";
import {
  admin,
  api,
  apiOk,
  describeVault,
  listenLoopback,
  newMount,
  s5,
  server,
  tempDir,
  tokenWithPolicy,
  vaultEnv,
} from "./helpers.ts";

describeVault("s5 doctor", () => {
  let mount: string;
  let key: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    ({ mount, key } = await newMount("doctor"));
    env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
  });

  it("says all is well with a token that may do everything, and what the key is", async () => {
    const run = await s5(["doctor"], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`     address    ${admin.addr} (VAULT_ADDR)`);
    expect(run.stdout).toContain("     proxy      none: requests go to Vault directly");
    expect(run.stdout).toContain("     tls        none (http:// to this machine)");
    expect(run.stdout).toContain("     token from VAULT_TOKEN");
    expect(run.stdout).toMatch(
      /ok {3}server {5}answers: Vault v?\d+\.\d+\.\d+\S*, unsealed, active/,
    );
    expect(run.stdout).toMatch(/ok {3}token {6}valid; policies: root; no expiry/);
    expect(run.stdout).toContain(
      `ok   transit    ${mount}/…/${key}: may encrypt, decrypt, rewrap, read\n`,
    );
    expect(run.stdout).toContain(
      `ok   key        ${mount}/keys/${key}: aes256-gcm96, latest version 1`,
    );
    expect(run.stdout).not.toContain(admin.token);
  });

  it("reads an encrypt-only token as the split means it, and exits 0", async () => {
    const token = await tokenWithPolicy(
      `path "${mount}/encrypt/${key}" { capabilities = ["update"] }`,
    );
    const run = await s5(["doctor"], { env: { ...env, VAULT_TOKEN: token } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /ok {3}token {6}valid; policies: default, policy-\S+; expires in (59|60) min \(renewable\)/,
    );
    expect(run.stdout).toContain(
      `ok   transit    ${mount}/…/${key}: may encrypt; may not decrypt, rewrap, read (an encrypt-only token: right for engineers, not for CI)`,
    );
    // Without `read` on the key, whether it exists is not asked.
    expect(run.stdout).not.toContain(" key ");
    expect(run.stdout).not.toContain(token);
  });

  it("takes a decrypt-only token (CI's) as fit, and warns of one about to expire", async () => {
    const policy = `path "${mount}/decrypt/${key}" { capabilities = ["update"] }`;
    const ci = await tokenWithPolicy(policy);
    const run = await s5(["doctor"], { env: { ...env, VAULT_TOKEN: ci } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `ok   transit    ${mount}/…/${key}: may decrypt; may not encrypt, rewrap, read\n`,
    );
    const name = `doctor-short-${key}`;
    await apiOk(admin, "POST", `sys/policies/acl/${name}`, { policy });
    const body = await apiOk(admin, "POST", "auth/token/create", { policies: [name], ttl: "5m" });
    const short = await s5(["doctor"], { env: { ...env, VAULT_TOKEN: body.auth.client_token } });
    expect(short.code).toBe(0);
    expect(short.stdout).toMatch(
      /warn token {6}valid; policies: default, doctor-short-\S+; expires in [45] min/,
    );
  });

  it("fails with the code s5 would stop with: a bad token, no rights, a missing key, no server", async () => {
    const bad = await s5(["doctor"], { env: { ...env, VAULT_TOKEN: "s.not-a-token-Dq1" } });
    expect(bad.code).toBe(7);
    expect(bad.stdout).toContain("FAIL token");
    expect(bad.stdout).toContain("(S5_KEY_VAULT_TOKEN_INVALID)");
    expect(bad.stdout).not.toContain("s.not-a-token-Dq1");

    const none = await tokenWithPolicy(`path "other/encrypt/x" { capabilities = ["update"] }`);
    const denied = await s5(["doctor"], { env: { ...env, VAULT_TOKEN: none } });
    expect(denied.code).toBe(9);
    expect(denied.stdout).toContain(
      `FAIL transit    ${mount}/…/${key}: may nothing; may not encrypt, decrypt, rewrap, read (S5_VAULT_DENIED)`,
    );

    const missing = await s5(["doctor"], { env: { ...env, S5_VAULT_TRANSIT_KEY: "absent" } });
    expect(missing.code).toBe(7);
    expect(missing.stdout).toContain(
      `FAIL key        ${mount}/keys/absent does not exist (S5_KEY_VAULT_NOT_FOUND)`,
    );
    expect(missing.stdout).toContain(
      `hint: an admin creates it (\`bao write -f ${mount}/keys/absent\`)`,
    );

    const down = await s5(["doctor"], { env: { ...env, VAULT_ADDR: "http://127.0.0.1:9" } });
    expect(down.code).toBe(8);
    expect(down.stdout).toContain(
      "FAIL server     cannot reach Vault at http://127.0.0.1:9 (ECONNREFUSED) (S5_VAULT_UNAVAILABLE)",
    );
    // Nothing is asked of a server that is not there: no other failure, no token line follows.
    expect(down.stdout.match(/FAIL/g)).toHaveLength(1);
    expect(down.stdout).not.toMatch(/ (token|transit|key) {2,}/);

    // A proxy s5 cannot use, chosen for this Vault: that is the failure, and nothing is sent.
    const socks = await s5(["doctor"], {
      env: {
        ...env,
        VAULT_ADDR: "https://vault.s5.test:8200",
        HTTPS_PROXY: "socks5://alice:socks-pw-Dq4@127.0.0.1:1080",
      },
    });
    expect(socks.code).toBe(12);
    expect(socks.stdout).toContain(
      "FAIL proxy      HTTPS_PROXY names a SOCKS proxy (not shown), and s5 sends to Vault through HTTP proxies only (S5_CONFIG_VAULT_PROXY)",
    );
    expect(socks.stdout).not.toMatch(/ (client|server|token) {2,}/);
    expect(socks.stdout).not.toContain("socks-pw-Dq4");
  });

  it("shows proxies and headers without their logins and values; --json for scripts", async () => {
    const run = await s5(["doctor", "--json"], {
      env: {
        ...env,
        VAULT_ADDR: "http://vault.s5.test:8200",
        HTTP_PROXY: "http://alice:proxy-pw-Dq2@127.0.0.1:9/gate?token=proxy-query-Dq5",
        VAULT_HEADERS: JSON.stringify({ "CF-Access-Client-Secret": "header-secret-Dq3" }),
      },
    });
    expect(run.stdout).not.toContain("proxy-pw-Dq2");
    expect(run.stdout).not.toContain("proxy-query-Dq5");
    expect(run.stdout).not.toContain("header-secret-Dq3");
    expect(run.stdout).toContain("the token and the values cross the network in clear");
    const items = JSON.parse(run.stdout) as {
      status: string;
      topic: string;
      text: string;
      code: string | null;
    }[];
    expect(items.find((item) => item.topic === "proxy")?.text).toBe(
      "http://127.0.0.1:9 (its path and query not shown) (HTTP_PROXY)",
    );
    expect(items.find((item) => item.topic === "headers")?.text).toBe(
      "CF-Access-Client-Secret (VAULT_HEADERS; values not shown)",
    );
    const server = items.find((item) => item.topic === "server");
    expect(server).toMatchObject({ status: "fail", code: "S5_VAULT_UNAVAILABLE" });
    expect(server?.text).toContain("through the proxy HTTP_PROXY names");
    expect(run.code).toBe(8);
  });

  it("shows what a server says with its control characters escaped", async () => {
    // The server's version, the token's policies and the key's type were printed as sent: a
    // hostile or broken server could move the cursor, retitle the terminal or hide a line.
    const ESC = "\u001b";
    const fake = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        const url = request.url ?? "";
        const json = (value: unknown) => {
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify(value));
        };
        if (url.startsWith("/v1/sys/health")) {
          json({
            initialized: true,
            sealed: false,
            standby: false,
            version: `2.0${ESC}]0;pwned\u0007`,
          });
        } else if (url === "/v1/auth/token/lookup-self") {
          json({ data: { policies: [`default${ESC}[2K${ESC}[1A`], ttl: 0 } });
        } else if (url === "/v1/sys/capabilities-self") {
          const { paths } = JSON.parse(body) as { paths: string[] };
          json({ data: Object.fromEntries(paths.map((path) => [path, ["update", "read"]])) });
        } else {
          json({ data: { type: `aes256-gcm96${ESC}[31m`, latest_version: 1 } });
        }
      });
    });
    const { url, close } = await listenLoopback(fake);
    try {
      const run = await s5(["doctor"], { env: { ...env, VAULT_ADDR: url } });
      expect(run.stdout).not.toContain(ESC);
      expect(run.stdout).not.toContain("\u0007");
      expect(run.stdout).toContain("answers: Vault 2.0\\u001b]0;pwned\\u0007, unsealed, active");
      expect(run.stdout).toContain("policies: default\\u001b[2K\\u001b[1A;");
      expect(run.stdout).toContain(": aes256-gcm96\\u001b[31m, latest version 1");
      expect(run.code).toBe(0);
    } finally {
      await close();
    }
  });

  it("says when no Vault is set up, and when a configuration is wrong", async () => {
    const local = await s5(["doctor"], {
      env: vaultEnv({ VAULT_ADDR: undefined, VAULT_TOKEN: undefined }),
    });
    expect(local.code).toBe(0);
    expect(local.stdout).toContain("no Vault address is set");
    const wrong = await s5(["doctor"], { env: { ...env, VAULT_SKIP_VERIFY: "maybe" } });
    expect(wrong.code).toBe(12);
    expect(wrong.stdout).toContain("FAIL settings");
  });

  it("says when the server is not initialised (a real bao server on fresh raft storage)", async () => {
    const dir = tempDir("s5-doctor-uninit-");
    const [port, cluster] = [await freePort(), await freePort()];
    mkdirSync(join(dir, "data"));
    writeFileSync(
      join(dir, "config.hcl"),
      [
        `storage "raft" {\n  path = "${join(dir, "data")}"\n  node_id = "n1"\n}`,
        `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  cluster_address = "127.0.0.1:${cluster}"\n  tls_disable = true\n}`,
        `api_addr = "http://127.0.0.1:${port}"`,
        `cluster_addr = "https://127.0.0.1:${cluster}"`,
        "",
      ].join("\n"),
    );
    const bao = spawn(server.bin!, ["server", `-config=${join(dir, "config.hcl")}`], {
      stdio: "ignore",
      env: { PATH: process.env.PATH, HOME: dir },
    });
    try {
      const addr = `http://127.0.0.1:${port}`;
      for (let tries = 0; ; tries++) {
        const health = await fetch(`${addr}/v1/sys/health`).catch(() => undefined);
        if (health?.status === 501) break;
        if (tries > 200) throw new Error("the uninitialised server did not answer");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const run = await s5(["doctor"], { env: { ...env, VAULT_ADDR: addr } });
      expect(run.code).toBe(8);
      expect(run.stdout).toMatch(
        /FAIL server {5}Vault v?\S+ at http:\/\/127\.0\.0\.1:\d+ answers, but is not initialised \(S5_VAULT_UNAVAILABLE\)/,
      );
      expect(run.stdout).toContain("hint: an admin initialises it (`bao operator init`)");
      // Nothing is asked after a server failure.
      expect(run.stdout).not.toMatch(/ token {6}/);
    } finally {
      bao.kill("SIGKILL");
    }
  });

  describeVault("over TLS", () => {
    let tls: Awaited<ReturnType<typeof startOpenBao>> | undefined;
    beforeAll(async () => {
      tls = await startOpenBao({ bin: server.bin, tls: true });
    });
    afterAll(async () => {
      await tls?.stop();
    });

    it("says which CA verifies the server, warns when nothing does, and sees a sealed server", async () => {
      const base = vaultEnv({
        VAULT_ADDR: tls!.addr,
        VAULT_TOKEN: tls!.token,
        S5_VAULT_TRANSIT_KEY: "t",
      });
      const verified = await s5(["doctor"], { env: { ...base, VAULT_CACERT: tls!.caCert! } });
      expect(verified.stdout).toContain("ok   tls        verified with VAULT_CACERT");
      const unverified = await s5(["doctor"], { env: { ...base, VAULT_SKIP_VERIFY: "true" } });
      expect(unverified.stdout).toContain("warn tls        NOT verified (VAULT_SKIP_VERIFY)");
      await apiOk(tls!, "POST", "sys/seal", {});
      // Sealing completes after the answer: wait until the server says so itself.
      for (let tries = 0; (await api(tls!, "GET", "sys/health")).status !== 503; tries++) {
        if (tries > 100) throw new Error("the server did not seal");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const sealed = await s5(["doctor"], { env: { ...base, VAULT_CACERT: tls!.caCert! } });
      expect(sealed.code).toBe(8);
      expect(sealed.stdout).toMatch(
        /FAIL server {5}Vault v?\S+ at https:\S+ is sealed: .* \(S5_VAULT_SEALED\)/,
      );
      expect(sealed.stdout).toContain("hint: ask an operator to unseal it");
    });
  });
});
