// VAULT_HEADERS, as the Vault CLI sends it: headers on every request, for a gateway in front of
// Vault (here a real HTTP gateway on 127.0.0.1 that lets a request on to OpenBao only with a
// Cloudflare-Access-like service token, and records what it was sent).

import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  admin,
  bin,
  describeVault,
  listenLoopback,
  newMount,
  s5,
  tempDir,
  vaultEncrypt,
  vaultEnv,
} from "./helpers.ts";

const PLAIN = "gated-plaintext-Gq2";
const ID = "client-id-Gq3";
const SECRET = "client-secret-Gq4";
const HEADERS = JSON.stringify({ "CF-Access-Client-Id": ID, "CF-Access-Client-Secret": SECRET });

async function startGateway() {
  const seen: { url: string; id?: string; secret?: string; token?: string }[] = [];
  const target = new URL(admin.addr);
  const gateway = http.createServer((request, response) => {
    const id = request.headers["cf-access-client-id"] as string | undefined;
    const secret = request.headers["cf-access-client-secret"] as string | undefined;
    const token = request.headers["x-vault-token"] as string | undefined;
    seen.push({ url: request.url ?? "", id, secret, token });
    if (id !== ID || secret !== SECRET) {
      response.writeHead(403, { "content-type": "text/html" }).end("<html>Forbidden</html>");
      return;
    }
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
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
  return { ...(await listenLoopback(gateway)), seen };
}

describeVault("VAULT_HEADERS", () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    gateway = await startGateway();
    const { mount, key } = await newMount("headers");
    env = vaultEnv({
      VAULT_ADDR: gateway.url,
      S5_VAULT_TRANSIT_MOUNT: mount,
      S5_VAULT_TRANSIT_KEY: key,
      VAULT_MAX_RETRIES: "0",
    });
    dir = tempDir();
    const sealed = await vaultEncrypt(mount, key, PLAIN);
    writeFileSync(join(dir, "a.yml"), `a: {{ s5:${sealed} }}\nb: {{ s5:${sealed} }}\n`);
  });
  afterAll(() => gateway?.close());

  it("sends them with every request, beside the token; a gateway that wants them lets s5 through", async () => {
    gateway.seen.length = 0;
    const shut = await s5(["render", "a.yml"], { cwd: dir, env });
    expect(shut.code).not.toBe(0);
    expect(shut.stdout).toBe("");
    // Not "the token is invalid": the gateway's page is no answer of Vault's.
    expect(shut.code).toBe(9);
    expect(shut.stderr).toContain(
      `the server at ${gateway.url} refused the decrypt request (HTTP 403) with an answer that is not Vault's: something in front of Vault refused it (S5_VAULT_DENIED)`,
    );
    expect(shut.stderr).toContain("in VAULT_HEADERS");
    expect(gateway.seen.length).toBeGreaterThan(0);
    gateway.seen.length = 0;
    const open = await s5(["render", "a.yml"], {
      cwd: dir,
      env: { ...env, VAULT_HEADERS: HEADERS },
    });
    expect(open.stderr).toBe("");
    expect(open.stdout).toBe(`a: ${PLAIN}\nb: ${PLAIN}\n`);
    const sealed = await s5(["cipher", "vault", PLAIN], { env: { ...env, BAO_HEADERS: HEADERS } });
    expect(sealed.stderr).toBe("");
    expect(gateway.seen.length).toBeGreaterThanOrEqual(2);
    for (const request of gateway.seen) {
      expect(request).toMatchObject({ id: ID, secret: SECRET, token: admin.token });
    }
  });

  it("reads an empty VAULT_HEADERS as none, and an empty BAO_HEADERS as unset", async () => {
    const direct = await s5(["render", "a.yml"], {
      cwd: dir,
      env: { ...env, VAULT_ADDR: admin.addr, VAULT_HEADERS: "" },
    });
    expect(direct.stderr).toBe("");
    expect(direct.stdout).toBe(`a: ${PLAIN}\nb: ${PLAIN}\n`);
    const gated = await s5(["render", "a.yml"], {
      cwd: dir,
      env: { ...env, BAO_HEADERS: "", VAULT_HEADERS: HEADERS },
    });
    expect(gated.stderr).toBe("");
    expect(gated.stdout).toBe(`a: ${PLAIN}\nb: ${PLAIN}\n`);
  });

  it("takes BAO_HEADERS before VAULT_HEADERS", async () => {
    const wrong = JSON.stringify({ "CF-Access-Client-Id": ID, "CF-Access-Client-Secret": "nope" });
    const result = await s5(["render", "a.yml"], {
      cwd: dir,
      env: { ...env, BAO_HEADERS: HEADERS, VAULT_HEADERS: wrong },
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`a: ${PLAIN}\nb: ${PLAIN}\n`);
  });

  it("refuses what is no list of headers, and Vault's own or framing headers, never showing a value", async () => {
    const cases: [string, string][] = [
      [`{"CF-Access-Client-Secret": "${SECRET}"`, "VAULT_HEADERS is not a JSON object (not shown)"],
      [`["${SECRET}"]`, "VAULT_HEADERS is not a JSON object (not shown)"],
      [SECRET, "VAULT_HEADERS is not a JSON object (not shown)"],
      [
        JSON.stringify({ "X-Vault-Token": SECRET }),
        'VAULT_HEADERS sets "X-Vault-Token", which is Vault\'s own',
      ],
      [JSON.stringify({ Host: SECRET }), 'VAULT_HEADERS sets "Host", which s5 sets itself'],
      [
        JSON.stringify({ "CF-Access-Client-Secret": `${SECRET}\r\nX-Injected: 1` }),
        'VAULT_HEADERS gives "CF-Access-Client-Secret" a value that is not one line of text (not shown)',
      ],
      [
        JSON.stringify({ "CF-Access-Client-Secret": `${SECRET}\nX-Injected: 1` }),
        'VAULT_HEADERS gives "CF-Access-Client-Secret" a value that is not one line of text (not shown)',
      ],
      [
        JSON.stringify({ "CF-Access-Client-Secret": 42 }),
        'VAULT_HEADERS gives "CF-Access-Client-Secret" a value that is not one line of text (not shown)',
      ],
      [
        JSON.stringify({ [`${SECRET} x`]: "v" }),
        "VAULT_HEADERS holds a header name that is not one (not shown)",
      ],
    ];
    for (const [value, message] of cases) {
      const result = await s5(["render", "a.yml"], {
        cwd: dir,
        env: { ...env, VAULT_HEADERS: value, S5_DEBUG: "1" },
      });
      expect(result.code, message).toBe(12);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`${message}`);
      expect(result.stderr).toContain("S5_CONFIG_VAULT_HEADERS");
      expect(result.stderr).not.toContain(SECRET);
    }
  });

  it("stays with s5: s5 run's command does not get them unless --pass-credentials", async () => {
    const print = `process.stdout.write(JSON.stringify({ v: process.env.VAULT_HEADERS ?? null, b: process.env.BAO_HEADERS ?? null }))`;
    const vars = { ...env, VAULT_HEADERS: HEADERS, BAO_HEADERS: HEADERS };
    const kept = await s5(["run", "--", process.execPath, "-e", print], { cwd: dir, env: vars });
    expect(kept.stderr).toBe("");
    expect(JSON.parse(kept.stdout)).toEqual({ v: null, b: null });
    const passed = await s5(["run", "--pass-credentials", "--", process.execPath, "-e", print], {
      cwd: dir,
      env: vars,
    });
    expect(JSON.parse(passed.stdout)).toEqual({ v: HEADERS, b: HEADERS });
    // Nor from a .env file, to an s5 beneath s5 run: the file does not choose them.
    writeFileSync(join(dir, ".env"), `VAULT_HEADERS=${HEADERS}\n`);
    try {
      const nested = await s5(
        ["run", "--pass-credentials", "--", process.execPath, bin, "render", "a.yml"],
        { cwd: dir, env },
      );
      expect(nested.code).not.toBe(0);
      expect(nested.stdout).toBe("");
    } finally {
      writeFileSync(join(dir, ".env"), "");
    }
  });
});
