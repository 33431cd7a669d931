// Smoke test of the real control plane from test/setup/kube.ts: Secrets keep exact bytes through
// kubectl, service account tokens are issued and reviewed, and helm installs a chart.
import { createPublicKey, verify } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ChildResult } from "../child.ts";
import { runChild } from "../child.ts";
import { describeKube, type Kube, kubeTool, startKube } from "../setup/kube.ts";

const chart = fileURLToPath(new URL("../../apps/k8s-chart", import.meta.url));

// Bytes that break naive quoting: a newline, both quotes, `$`, backslash, non-ASCII.
const tricky = `line one\nsay "hi" and 'bye' for $HOME \${X} \\n ünïcödé ✓ 🔑`;
const binary = Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 0x0a, 0x0d]);

function ok(run: ChildResult): string {
  expect(run.code, `exit ${run.code}\n${run.stderr}${run.stdout}`).toBe(0);
  return run.stdout;
}

/** The decoded bytes of every key of a Secret's data. */
async function secretData(kube: Kube, name: string): Promise<Record<string, Buffer>> {
  const secret = JSON.parse(ok(await kube.kubectl(["get", "secret", name, "-o", "json"])));
  return Object.fromEntries(
    Object.entries(secret.data as Record<string, string>).map(([key, value]) => [
      key,
      Buffer.from(value, "base64"),
    ]),
  );
}

describeKube("a real Kubernetes control plane (etcd + kube-apiserver)", () => {
  let kube: Kube;
  beforeAll(async () => {
    kube = await startKube();
  });
  afterAll(async () => {
    await kube?.stop();
  });

  it("stores a Secret from kubectl apply with exact bytes (stringData and data)", async () => {
    const manifest = JSON.stringify({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "smoke" },
      type: "Opaque",
      stringData: { tricky, empty: "" },
      data: { binary: binary.toString("base64") },
    });
    ok(await kube.kubectl(["apply", "-f", "-"], { input: manifest }));
    // The same values as YAML, the way they are usually written (a block scalar keeps the newline).
    const yaml = [
      "apiVersion: v1",
      "kind: Secret",
      "metadata:",
      "  name: smoke-yaml",
      "stringData:",
      "  multiline: |",
      '    first "line"',
      "    second $line ✓",
      `  quoted: ${JSON.stringify(tricky)}`,
      "",
    ].join("\n");
    ok(await kube.kubectl(["apply", "-f", "-"], { input: yaml }));

    const data = await secretData(kube, "smoke");
    expect(data.tricky).toEqual(Buffer.from(tricky));
    expect(data.binary).toEqual(binary);
    expect(data.empty ?? Buffer.alloc(0)).toEqual(Buffer.alloc(0));
    const fromYaml = await secretData(kube, "smoke-yaml");
    expect(fromYaml.multiline?.toString()).toBe('first "line"\nsecond $line ✓\n');
    expect(fromYaml.quoted).toEqual(Buffer.from(tricky));
  });

  it("issues a service account token that TokenReview authenticates", async () => {
    ok(await kube.kubectl(["create", "serviceaccount", "s5-reader"]));
    const jwt = ok(await kube.kubectl(["create", "token", "s5-reader"])).trim();
    const parts = jwt.split(".");
    expect(parts).toHaveLength(3);
    const [header, payload, signature] = parts as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    expect(claims.iss).toBe("https://kubernetes.default.svc");
    expect(claims.sub).toBe("system:serviceaccount:default:s5-reader");
    // Signed with the key pair the harness generated.
    expect(
      verify(
        "RSA-SHA256",
        Buffer.from(`${header}.${payload}`),
        createPublicKey(kube.serviceAccountPublicKey),
        Buffer.from(signature, "base64url"),
      ),
    ).toBe(true);

    const review = (token: string) =>
      kube.api("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token },
      });
    const accepted = await review(jwt);
    expect(accepted.status).toBe(201);
    const status = (accepted.body as { status: { authenticated?: boolean; user?: unknown } })
      .status;
    expect(status.authenticated).toBe(true);
    expect(status.user).toMatchObject({ username: "system:serviceaccount:default:s5-reader" });

    const tampered = await review(`${header}.${payload}.${signature.slice(0, -4)}AAAA`);
    expect(
      (tampered.body as { status: { authenticated?: boolean } }).status.authenticated,
    ).not.toBe(true);
  });

  describeKube("helm", () => {
    it("installs apps/k8s-chart: the Secret holds the exact values", async () => {
      const home = join(kube.dir, "helm");
      const dirs = ["cache", "config", "data"].map((name) => join(home, name));
      for (const dir of dirs) mkdirSync(dir, { recursive: true });
      const [cache, config, data] = dirs as [string, string, string];
      const env = kube.env({
        HELM_CACHE_HOME: cache,
        HELM_CONFIG_HOME: config,
        HELM_DATA_HOME: data,
      });
      const secrets = { password: tricky, token: "abc$def", multiline: "a\nb\n" };
      // JSON is YAML, and keeps every byte of the values as they are.
      const values = join(home, "values.json");
      writeFileSync(values, JSON.stringify({ secrets }));
      const helm = (args: string[]) => runChild(kubeTool("helm"), args, { env, cwd: home });

      ok(await helm(["install", "smoke", chart, "--namespace", "default", "-f", values]));
      const stored = await secretData(kube, "smoke-secrets");
      expect(Object.keys(stored).sort()).toEqual(Object.keys(secrets).sort());
      for (const [name, value] of Object.entries(secrets)) {
        expect(stored[name]?.toString(), name).toBe(value);
        expect(stored[name]).toEqual(Buffer.from(value));
      }
      expect(ok(await helm(["list", "--namespace", "default", "-q"])).trim()).toBe("smoke");
      ok(await helm(["uninstall", "smoke", "--namespace", "default"]));
      const gone = await kube.kubectl(["get", "secret", "smoke-secrets"]);
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toContain("NotFound");
    });
  }, ["helm"]);
});
