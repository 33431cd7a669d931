// Vault's Kubernetes auth for real: a ServiceAccount token from this API server (`kubectl create
// token`), checked by OpenBao's kubernetes auth method through the API server's TokenReview with a
// token-reviewer JWT and the cluster's CA. s5 logs in with the pod's token file.
import { createPrivateKey, randomUUID, sign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ChildResult } from "../child.ts";
import { createTokenReviewer, describeKube, type Kube, startKube } from "../setup/kube.ts";
import {
  admin,
  apiOk,
  describeVault,
  newMount,
  s5,
  tempDir,
  unique,
  vaultEncrypt,
  vaultEnv,
} from "../vault/helpers.ts";

const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

function ok(run: ChildResult): string {
  expect(run.code, `exit ${run.code}\n${run.stderr}`).toBe(0);
  return run.stdout;
}

describeVault("Vault Kubernetes auth against a real API server", () => {
  describeKube("(etcd + kube-apiserver, OpenBao's kubernetes auth method)", () => {
    let kube: Kube;
    let env: Record<string, string>;
    let token: string;
    const kubectl = async (...args: string[]) => ok(await kube.kubectl(args));
    const tokenFile = (jwt: string) => {
      const file = join(tempDir(), "token");
      writeFileSync(file, jwt, { mode: 0o600 });
      return file;
    };

    beforeAll(async () => {
      kube = await startKube();
      await kubectl("create", "namespace", "billing");
      await kubectl("create", "serviceaccount", "api", "-n", "billing");
      // The reviewer: a ServiceAccount allowed to ask the API server about other tokens.
      const reviewer = await createTokenReviewer(kubectl);

      const { mount, key } = await newMount("app");
      token = `{{ s5:${await vaultEncrypt(mount, key, "k8s-auth-secret")} }}`;
      const policy = unique("k8s-policy");
      await apiOk(admin, "POST", `sys/policies/acl/${policy}`, {
        policy: `path "${mount}/decrypt/${key}" { capabilities = ["update"] }`,
      });
      const k8s = unique("k8s");
      await apiOk(admin, "POST", `sys/auth/${k8s}`, { type: "kubernetes" });
      await apiOk(admin, "POST", `auth/${k8s}/config`, {
        kubernetes_host: kube.server,
        kubernetes_ca_cert: readFileSync(kube.caFile, "utf8"),
        token_reviewer_jwt: reviewer,
        disable_local_ca_jwt: true,
      });
      await apiOk(admin, "POST", `auth/${k8s}/role/billing`, {
        bound_service_account_names: ["api", "gone"],
        bound_service_account_namespaces: ["billing"],
        audience: "vault",
        token_policies: [policy],
      });
      env = vaultEnv({
        VAULT_TOKEN: undefined,
        S5_VAULT_AUTH_METHOD: "kubernetes",
        S5_VAULT_AUTH_MOUNT: k8s,
        S5_VAULT_ROLE: "billing",
        S5_VAULT_TRANSIT_MOUNT: mount,
        S5_VAULT_TRANSIT_KEY: key,
      });
    });
    afterAll(async () => {
      await kube?.stop();
    });

    const decipher = (jwt: string) =>
      s5(["decipher", token], { env: { ...env, S5_VAULT_JWT_FILE: tokenFile(jwt) } });

    it("a ServiceAccount token (kubectl create token) logs in and decrypts", async () => {
      const jwt = (
        await kubectl("create", "token", "api", "-n", "billing", "--audience=vault")
      ).trim();
      const run = await decipher(jwt);
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe("k8s-auth-secret");
    });

    it("a token for another audience is refused with Vault's reason", async () => {
      const jwt = (await kubectl("create", "token", "api", "-n", "billing")).trim();
      const run = await decipher(jwt);
      expect(run.code).toBe(9);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain("Vault refused the kubernetes login");
      expect(run.stderr).toMatch(/aud/i);
      expect(run.stderr).not.toContain(jwt);
    });

    it("an expired token (signed by this cluster's key) is refused", async () => {
      const uid = JSON.parse(await kubectl("get", "sa", "api", "-n", "billing", "-o", "json"))
        .metadata.uid as string;
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
      const claims = b64url(
        JSON.stringify({
          iss: "https://kubernetes.default.svc",
          aud: ["vault"],
          sub: "system:serviceaccount:billing:api",
          iat: now - 7200,
          nbf: now - 7200,
          exp: now - 3600,
          jti: randomUUID(),
          "kubernetes.io": { namespace: "billing", serviceaccount: { name: "api", uid } },
        }),
      );
      const key = createPrivateKey(readFileSync(join(kube.dir, "sa.key")));
      const signature = b64url(sign("sha256", Buffer.from(`${header}.${claims}`), key));
      const run = await decipher(`${header}.${claims}.${signature}`);
      expect(run.code).toBe(9);
      expect(run.stderr).toContain("Vault refused the kubernetes login");
    });

    it("a token of a deleted ServiceAccount is refused", async () => {
      await kubectl("create", "serviceaccount", "gone", "-n", "billing");
      const jwt = (
        await kubectl("create", "token", "gone", "-n", "billing", "--audience=vault")
      ).trim();
      expect((await decipher(jwt)).stdout).toBe("k8s-auth-secret");
      await kubectl("delete", "serviceaccount", "gone", "-n", "billing");
      // kube-apiserver keeps a successful token authentication for 10 s (its token cache).
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      const run = await decipher(jwt);
      expect(run.code).toBe(9);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain("Vault refused the kubernetes login");
      expect(run.stderr).toContain("service account still exists");
    });
  });
});
