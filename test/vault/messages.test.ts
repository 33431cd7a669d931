// No message holds a credential or a plaintext, even when one is put where a path or a name goes,
// or when the server (or whatever answers in its place) quotes the request back.
import { mkdirSync, readFileSync, renameSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localProject } from "../loader/helpers.ts";
import {
  admin,
  apiOk,
  describeVault,
  listenLoopback,
  newMount,
  s5,
  vaultEncrypt,
  vaultEnv,
} from "./helpers.ts";

const VAULT_TOKEN_SHAPE = `{{ s5:vault:v1:${Buffer.alloc(28, 7).toString("base64")} }}`;

describe("a credential where its file's path goes", () => {
  it("is never printed: the CLI, s5 run and the loader name the setting only", async () => {
    const project = await localProject();
    const identity = join(project.home, ".config/s5/identity.txt");
    const secretKey = readFileSync(identity, "utf8")
      .split("\n")
      .find((line) => line && !line.startsWith("#"))!;
    const [token] = await project.encrypt(["file-setting-Pw7"]);
    // CI: no identity file, the key in a variable of the wrong kind (a value, not a file).
    renameSync(identity, `${identity}.away`);
    project.write({
      ".env": `DB=${token}\n`,
      "app.mjs": 'import "s5/config";\nconsole.log("started");\n',
    });
    const extra = { S5_PRIVATE_KEY_FILE: secretKey };
    const runs = [
      await project.s5(["decipher", token!], extra),
      await project.s5(["decipher", "--private-key-file", secretKey, token!], {}),
      await project.s5(["run", "--", "true"], extra),
      await project.node(["app.mjs"], extra),
    ];
    for (const result of runs) {
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("names no file (ENOENT); its value is not shown");
      expect(result.stderr).toContain("S5_PRIVATE_KEY_FILE");
      expect(result.stderr).not.toContain(secretKey.slice(14, 40));
      expect(result.stdout).not.toContain("started");
    }
    // A path that exists is still named, so a wrong mode or a directory is easy to find.
    const dir = join(project.home, "private-dir");
    mkdirSync(dir, { mode: 0o700 });
    const named = await project.s5(["decipher", token!], { S5_PRIVATE_KEY_FILE: dir });
    expect(named.stderr).toContain(
      `the private key file ${dir} is a directory: point S5_PRIVATE_KEY_FILE (or --private-key-file) at the key file`,
    );
  });

  it("Vault's file settings, VAULT_ADDR and others: their values are not shown", async () => {
    const pem =
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-Pem-Body-Kq8\n-----END PRIVATE KEY-----";
    const base = { VAULT_ADDR: "http://127.0.0.1:9", VAULT_TOKEN: "x" };
    const cases: [Record<string, string>, string, string][] = [
      [{ VAULT_CLIENT_KEY: pem }, "Pem-Body-Kq8", "VAULT_CLIENT_KEY names no file"],
      [{ VAULT_CACERT: "hvs.CAESI-Cacert-Zx4" }, "Cacert-Zx4", "VAULT_CACERT names no file"],
      [
        {
          S5_VAULT_AUTH_METHOD: "approle",
          S5_VAULT_ROLE_ID: "r",
          S5_VAULT_SECRET_ID_FILE: "6f1c-Secret-Id-Q1",
        },
        "Secret-Id-Q1",
        "S5_VAULT_SECRET_ID_FILE names no file",
      ],
      [
        {
          S5_VAULT_AUTH_METHOD: "jwt",
          S5_VAULT_ROLE: "ci",
          S5_VAULT_JWT_FILE: "eyJhbGciOi.Jwt-Body-W2.sig",
        },
        "Jwt-Body-W2",
        "S5_VAULT_JWT_FILE names no file",
      ],
      [
        { VAULT_ADDR: "https://ci:Proxy-Pass-M3@vault.example.com" },
        "Proxy-Pass-M3",
        "VAULT_ADDR holds a user name or password (not shown)",
      ],
      [
        { VAULT_ADDR: "hvs.Swapped-Token-R5" },
        "Swapped-Token-R5",
        "VAULT_ADDR is not an http(s) URL (not shown",
      ],
      [
        { VAULT_SKIP_VERIFY: "Skip-Verify-T6" },
        "Skip-Verify-T6",
        "VAULT_SKIP_VERIFY must be true or false",
      ],
      [
        { VAULT_CLIENT_TIMEOUT: "Timeout-Y7" },
        "Timeout-Y7",
        "VAULT_CLIENT_TIMEOUT must be a duration",
      ],
      [
        // A proxy is refused only where a request would go through it: never to a loopback Vault.
        { VAULT_ADDR: "http://vault.s5.test:8200", VAULT_HTTP_PROXY: "http://u:Proxy-Bad-U8@[bad" },
        "Proxy-Bad-U8",
        "VAULT_HTTP_PROXY is not an http(s) proxy URL (not shown) (S5_CONFIG_VAULT_PROXY)",
      ],
      [
        {
          VAULT_ADDR: "https://vault.s5.test:8200",
          HTTPS_PROXY: "socks5://u:Proxy-Socks-U9@proxy.corp.test:1080",
        },
        "Proxy-Socks-U9",
        "HTTPS_PROXY names a SOCKS proxy (not shown), and s5 sends to Vault through HTTP proxies only (S5_CONFIG_VAULT_PROXY)",
      ],
    ];
    for (const [env, secret, message] of cases) {
      const result = await s5(["decipher", VAULT_TOKEN_SHAPE], {
        env: vaultEnv({ ...base, ...env }),
      });
      expect(result.code, message).toBe(12);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain(secret);
    }
    // A transit key or mount that is no name, given where a name goes.
    for (const args of [
      ["-k", "Tr0ub4dor&3-Xk"],
      ["--transit-mount", "p@ss-Xk!"],
    ]) {
      const result = await s5(["decipher", ...args, VAULT_TOKEN_SHAPE], { env: vaultEnv(base) });
      expect(result.stderr).toMatch(/invalid transit (key|mount) \(not shown\)/);
      expect(result.stderr).not.toContain("-Xk");
    }
  });
});

describeVault("what the server says", () => {
  let mount: string;
  let key: string;

  beforeAll(async () => {
    ({ mount, key } = await newMount("msg"));
  });

  it("a valid name that is a key (an AES key given to -k) is not shown; plain names are", async () => {
    const aesKey = "0123456789abcdef".repeat(4);
    const env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount });
    // (decipher: an encrypt would create the key, with this token's policy.)
    const token = `{{ s5:${await vaultEncrypt(mount, key, "x")} }}`;
    const hidden = await s5(["decipher", "-k", aesKey, token], { env });
    expect(hidden.code).toBe(7);
    expect(hidden.stderr).toContain("transit key `(name not shown)`");
    expect(hidden.stderr).not.toContain("0123456789abcdef");
    const plain = await s5(["decipher", "-k", "no-such-key", token], { env });
    expect(plain.stderr).toContain(`transit key \`no-such-key\` at \`${mount}/\` does not exist`);
  });

  it("encrypting to a mistyped key creates it (upsert) unless the mount disables upsert", async () => {
    // docs/vault.md, "A mistyped key name": a root token may create; disable_upsert refuses.
    const { mount: open } = await newMount("app");
    const env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: open });
    expect((await s5(["cipher", "vault", "-k", "ap", "v"], { env })).code).toBe(0);
    const { mount: strict } = await newMount("app");
    await apiOk(admin, "POST", `${strict}/config/keys`, { disable_upsert: true });
    const refused = await s5(["cipher", "vault", "-k", "ap", "v"], {
      env: vaultEnv({ S5_VAULT_TRANSIT_MOUNT: strict }),
    });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain(`transit key \`ap\` at \`${strict}/\` does not exist`);
    expect(refused.stderr).toContain("S5_KEY_VAULT_NOT_FOUND");
  });

  it("a real OpenBao's messages in plain words are shown", async () => {
    // A derived key needs a context s5 does not send: OpenBao says so in plain words.
    const derived = `derived-${key}`;
    const created = await fetch(`${admin.addr}/v1/${mount}/keys/${derived}`, {
      method: "POST",
      headers: { "x-vault-token": admin.token },
      body: JSON.stringify({ derived: true }),
    });
    expect(created.ok).toBe(true);
    const env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount });
    const result = await s5(["cipher", "vault", "-k", derived, "v"], { env });
    expect(result.stderr).toMatch(/missing 'context' for key derivation/);
    // A text that is not shown is still understood: its route names a mount with a digit.
    const mountless = await s5(
      ["cipher", "vault", "--transit-mount", "transit2", "-k", "app1", "v"],
      {
        env,
      },
    );
    expect(mountless.code).toBe(7);
    expect(mountless.stderr).toContain("no transit engine at `transit2/` (S5_CONFIG_VAULT_MOUNT)");
  });

  describe("a server that quotes the request back", () => {
    let close: () => Promise<void>;
    let url: string;
    const PLAIN = "quoted-plaintext-Hq5";
    const b64 = Buffer.from(PLAIN).toString("base64");
    let mode: "400" | "500" | "item" | "garbage" | "cut" = "400";

    beforeAll(async () => {
      // Stands in for a broken proxy or server: OpenBao never echoes a request, so no real part
      // can show this; the answers are built from what s5 sent.
      const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", () => {
          const echo = `bad request ${req.headers["x-vault-token"]} ${body}`;
          res.setHeader("content-type", "application/json");
          const input = (JSON.parse(body || "{}").batch_input ?? []) as { reference: string }[];
          const results = (item: Record<string, string>) =>
            JSON.stringify({
              data: { batch_results: input.map(({ reference }) => ({ reference, ...item })) },
            });
          if (mode === "cut") {
            // Headers, half the body, then the connection ends (a proxy that drops it).
            res.writeHead(200, { "content-length": "4096" });
            res.write(results({ ciphertext: "vault:v1:" }).slice(0, 20));
            setTimeout(() => res.socket?.destroy(), 20);
          } else if (mode === "garbage") res.end(results({ plaintext: "%%not base64%%" }));
          else if (mode === "item") res.end(results({ error: echo }));
          else {
            res.statusCode = Number(mode);
            res.end(JSON.stringify({ errors: [echo] }));
          }
        });
      });
      ({ url, close } = await listenLoopback(server));
    });
    afterAll(() => close());

    it("an answer cut off half-way is named as such, not as a server that cannot be reached", async () => {
      mode = "cut";
      const env = vaultEnv({ VAULT_ADDR: url, VAULT_TOKEN: "t", VAULT_MAX_RETRIES: "1" });
      const result = await s5(["cipher", "vault", PLAIN], { env });
      expect(result.code).toBe(8);
      expect(result.stderr).toContain(
        "began to answer the encrypt request, but the answer was cut off",
      );
      expect(result.stderr).not.toContain("cannot reach Vault");
      expect(result.stderr).not.toContain(PLAIN);
    });

    it("its text is not shown when it holds more than plain words", async () => {
      const env = vaultEnv({
        VAULT_ADDR: url,
        VAULT_TOKEN: "hvs.Quoted-Token-J9",
        VAULT_MAX_RETRIES: "0",
      });
      for (const each of ["400", "500", "item"] as const) {
        mode = each;
        const result = await s5(["cipher", "vault", PLAIN], { env });
        expect(result.code, each).not.toBe(0);
        expect(result.stderr).toContain("its message is not shown");
        for (const secret of [PLAIN, b64, "Quoted-Token-J9"]) {
          expect(result.stderr, each).not.toContain(secret);
        }
      }
      // A "plaintext" that is not base64 is an error, not other bytes.
      mode = "garbage";
      const token = `{{ s5:${await vaultEncrypt(mount, key, "x")} }}`;
      const garbage = await s5(["decipher", token], { env });
      expect(garbage.code).toBe(8);
      expect(garbage.stderr).toContain("Vault answered with a plaintext that is not base64");
      expect(garbage.stdout).toBe("");
    });
  });
});
