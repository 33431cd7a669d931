// The s5 controller against a real API server (etcd + kube-apiserver, with kube-controller-manager
// running its garbage collector) and a real OpenBao: the chart applied as is, the controller as a
// local process holding only its ServiceAccount's token (so the chart's RBAC is what it has), and
// Vault's Kubernetes auth with that ServiceAccount. A fault proxy between the controller and
// OpenBao plays "Vault is down" (every connection reset).
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sandbox } from "../cli/run.ts";
import { describeKube, type Kube, startKube } from "../setup/kube.ts";
import { type FaultProxy, startFaultProxy } from "../vault/fault-proxy.ts";
import { admin, apiOk, describeVault, newMount, unique } from "../vault/helpers.ts";
import {
  type ControllerProcess,
  controllerEnv,
  controllerLogin,
  expectNoPlaintext,
  installChart,
  ok,
  renderChart,
  startController,
  until,
  untilReady,
} from "./controller-harness.ts";

const NS = "s5-system";
const APP = "billing";
// Values that break naive quoting, and bytes that are not text.
const tricky = `ctl line one\nsay "hi" and 'bye' $HOME \\n ünï ✓ 🔑 ${unique("p")}\n`;
const binary = Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 0x0a, 0x0d, 0x22, 0x24, 0x5c, 0x99]);
const second = `second value ${unique("s")}`;
const third = `third value ${unique("t")}`;
const dbPassword = `db-pass-${unique("d")}`;
const fresh = `fresh-${unique("f")}`;
const localValue = `local-key value "${unique("l")}"\n`;
const handEdited = `hand-edited-${unique("h")}`;

describeVault("the s5 controller against a real API server and OpenBao", () => {
  describeKube("(etcd + kube-apiserver + garbage collector; controller as a local process)", () => {
    let kube: Kube;
    let proxy: FaultProxy;
    let controller: ControllerProcess;
    let mount: string;
    let key: string;
    let auth: string;
    // Local keys: a project (.s5.json, public) and its identity, both files for the controller.
    const box = sandbox();
    const kubectl = async (...args: string[]) => ok(await kube.kubectl(args));
    const encrypt = async (plaintext: string | Buffer) => {
      const body = await apiOk(admin, "POST", `${mount}/encrypt/${key}`, {
        plaintext: Buffer.from(plaintext).toString("base64"),
      });
      return body.data.ciphertext as string;
    };
    const apply = (manifest: object) =>
      kube.kubectl(["apply", "-f", "-"], { input: JSON.stringify(manifest) });
    const secret = async (name: string) => {
      const { status, body } = await kube.api("GET", `/api/v1/namespaces/${APP}/secrets/${name}`);
      return status === 200
        ? (body as { data: Record<string, string>; metadata: Record<string, unknown> })
        : undefined;
    };
    const resource = async (name: string) =>
      JSON.parse(await kubectl("get", "s5secret", name, "-n", APP, "-o", "json")) as {
        metadata: { uid: string; generation: number };
        status?: {
          observedGeneration?: number;
          conditions?: {
            type: string;
            status: string;
            reason: string;
            message: string;
            observedGeneration: number;
          }[];
        };
      };
    const ready = async (name: string) =>
      (await resource(name)).status?.conditions?.find((c) => c.type === "Ready");
    const s5secret = (name: string, spec: object) => ({
      apiVersion: "s5.dev/v1alpha1",
      kind: "S5Secret",
      metadata: { name, namespace: APP },
      spec,
    });
    const decoded = (value: string | undefined) => Buffer.from(value ?? "", "base64");

    beforeAll(async () => {
      kube = await startKube();
      const kubeconfig = await installChart(kube, NS);
      // After the CRD exists, so that the garbage collector knows S5Secrets from its start.
      kube.startGarbageCollector();
      await kubectl("create", "namespace", APP);

      // Vault: a transit key, a policy that only decrypts, and Kubernetes auth whose role is
      // bound to the controller's ServiceAccount.
      ({ mount, key } = await newMount("app"));
      const login = await controllerLogin(
        kube,
        NS,
        `path "${mount}/decrypt/${key}" { capabilities = ["update"] }`,
      );
      auth = login.auth;
      const init = await box.s5(["init", "--name", "dev"]);
      expect(init.code, init.stderr).toBe(0);
      proxy = await startFaultProxy(admin.addr);
      controller = startController(
        kubeconfig,
        controllerEnv(proxy.url, login, {
          S5_VAULT_TRANSIT_MOUNT: mount,
          S5_VAULT_TRANSIT_KEY: key,
          S5_CONFIG: join(box.dir, ".s5.json"),
          S5_PRIVATE_KEY_FILE: join(box.env.XDG_CONFIG_HOME ?? "", "s5", "identity.txt"),
        }),
      );
      await untilReady(controller);
    });
    afterAll(async () => {
      await controller?.stop();
      await proxy?.close();
      await kube?.stop();
    });

    it("helm template of the chart passes kubectl apply --dry-run=server (both RBAC modes)", async () => {
      for (const set of [
        [],
        ["watchNamespace=billing", "privateKeySecret=s5-key", "vaultCaConfigMap=vault-ca"],
      ]) {
        const run = await kube.kubectl(["apply", "--dry-run=server", "-f", "-"], {
          input: await renderChart(kube, NS, set),
        });
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toContain("deployment.apps/s5-s5-controller");
      }
    });

    it("apply an S5Secret: the Secret appears with the exact values, owned by it", async () => {
      const manifest = s5secret("db", {
        type: "Opaque",
        metadata: { labels: { app: "billing" }, annotations: { team: "payments" } },
        data: {
          bin: `{{ s5:${await encrypt(binary)} | base64 }}`,
          tricky: `{{ s5:${await encrypt(tricky)} | base64 }}`,
        },
        stringData: {
          password: `{{ s5:${await encrypt(dbPassword)} }}`,
          text: `{{ s5:${await encrypt(tricky)} }}`,
          url: `postgres://billing:{{ s5:${await encrypt(dbPassword)} }}@db:5432/billing`,
          plain: "not a secret",
        },
      });
      ok(await apply(manifest));
      const written = await until("the Secret", () => secret("db"));
      expect(decoded(written.data.bin).equals(binary)).toBe(true);
      expect(decoded(written.data.tricky).toString()).toBe(tricky);
      expect(decoded(written.data.text).toString()).toBe(tricky);
      expect(decoded(written.data.password).toString()).toBe(dbPassword);
      expect(decoded(written.data.url).toString()).toBe(
        `postgres://billing:${dbPassword}@db:5432/billing`,
      );
      expect(decoded(written.data.plain).toString()).toBe("not a secret");
      const meta = written.metadata as {
        labels: Record<string, string>;
        annotations: Record<string, string>;
        ownerReferences: unknown[];
      };
      expect(meta.labels).toMatchObject({ app: "billing", "s5.dev/managed-by": "s5-controller" });
      expect(meta.annotations).toMatchObject({ team: "payments" });
      const owner = await resource("db");
      expect(meta.ownerReferences).toEqual([
        {
          apiVersion: "s5.dev/v1alpha1",
          kind: "S5Secret",
          name: "db",
          uid: owner.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      const condition = await until("Ready=True", async () => {
        const c = await ready("db");
        return c?.status === "True" ? c : undefined;
      });
      expect(condition).toMatchObject({ reason: "Synced", observedGeneration: 1 });
    });

    it("change a token: the Secret follows", async () => {
      const current = JSON.parse(await kubectl("get", "s5secret", "db", "-n", APP, "-o", "json"));
      current.spec.stringData.password = `{{ s5:${await encrypt(second)} }}`;
      delete current.metadata.resourceVersion;
      ok(await apply(current));
      await until("the new value", async () =>
        decoded((await secret("db"))?.data.password).toString() === second ? true : undefined,
      );
      await until("observedGeneration 2", async () =>
        (await ready("db"))?.observedGeneration === 2 ? true : undefined,
      );
    });

    it("a revoked Vault login: the controller logs in again at once, no failure shown", async () => {
      const failures = () =>
        controller.logs().filter((l) => l.object === `${APP}/db` && l.level === "warn").length;
      const before = failures();
      // Every token the controller's Kubernetes login got is revoked, as at its max TTL.
      await apiOk(admin, "PUT", `sys/leases/revoke-prefix/auth/${auth}`, {});
      const current = JSON.parse(await kubectl("get", "s5secret", "db", "-n", APP, "-o", "json"));
      current.spec.stringData.password = `{{ s5:${await encrypt(third)} }}`;
      delete current.metadata.resourceVersion;
      ok(await apply(current));
      await until("the new value", async () =>
        decoded((await secret("db"))?.data.password).toString() === third ? true : undefined,
      );
      expect(failures()).toBe(before);
      expect((await ready("db"))?.status).toBe("True");
    });

    it("a bad token: Ready=False naming the key, a Warning event, and the old Secret intact", async () => {
      const before = await secret("db");
      const current = JSON.parse(await kubectl("get", "s5secret", "db", "-n", APP, "-o", "json"));
      const good = await encrypt("will be altered");
      // One character of the ciphertext changed: Vault refuses it (it is authenticated).
      const bad = good.slice(0, 12) + (good[12] === "A" ? "B" : "A") + good.slice(13);
      current.spec.stringData.password = `{{ s5:${bad} }}`;
      delete current.metadata.resourceVersion;
      ok(await apply(current));
      const condition = await until("Ready=False", async () => {
        const c = await ready("db");
        return c?.status === "False" && c.observedGeneration === 4 ? c : undefined;
      });
      expect(condition.reason).toBe("DecryptFailed");
      expect(condition.message).toContain("stringData.password:1:1:");
      expect(condition.message).toMatch(/\(S5_/);
      const events = JSON.parse(await kubectl("get", "events", "-n", APP, "-o", "json")).items as {
        type: string;
        reason: string;
        message: string;
        involvedObject: { name: string };
      }[];
      const warning = events.find((e) => e.type === "Warning" && e.involvedObject.name === "db");
      expect(warning?.reason).toBe("DecryptFailed");
      expect(warning?.message).toContain("stringData.password:1:1:");
      // Resyncs come and go: the Secret is still the last good one.
      const after = await secret("db");
      expect(after?.data).toEqual(before?.data);
      expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    });

    it("Vault down: retries with growing backoff, then recovers when it is back", async () => {
      proxy.plan = () => ({ kind: "reset" });
      ok(
        await apply(
          s5secret("late", { stringData: { token: `{{ s5:${await encrypt(fresh)} }}` } }),
        ),
      );
      const condition = await until("Ready=False while Vault is down", async () => {
        const c = await ready("late");
        return c?.status === "False" ? c : undefined;
      });
      expect(condition.reason).toBe("BackendUnavailable");
      expect(condition.message).toContain("stringData.token:1:1:");
      // Several attempts, each after a longer wait: 250 ms, 500 ms, 1 s, then the 2 s cap.
      const delays = await until(
        "four retries",
        async () => {
          const found = controller
            .logs()
            .filter((l) => l.object === `${APP}/late` && typeof l.retryInMs === "number")
            .map((l) => l.retryInMs as number);
          return found.length >= 4 ? found : undefined;
        },
        60_000,
      );
      expect(delays.slice(0, 4)).toEqual([250, 500, 1000, 2000]);
      expect(await secret("late")).toBeUndefined();
      proxy.plan = () => undefined;
      const written = await until("the Secret once Vault is back", () => secret("late"), 60_000);
      expect(decoded(written.data.token).toString()).toBe(fresh);
      await until("Ready=True", async () =>
        (await ready("late"))?.status === "True" ? true : undefined,
      );
    });

    it("delete the S5Secret: the garbage collector deletes its Secret", async () => {
      expect(await secret("late")).toBeDefined();
      await kubectl("delete", "s5secret", "late", "-n", APP);
      await until(
        "the Secret to be gone",
        async () => ((await secret("late")) === undefined ? true : undefined),
        60_000,
      );
    });

    it("local keys: a private key file and the project's public config decrypt too", async () => {
      const cipher = await box.s5(["cipher", "--no-trim"], { input: localValue });
      expect(cipher.code, cipher.stderr).toBe(0);
      ok(
        await apply(s5secret("local", { stringData: { value: cipher.stdout.toString().trim() } })),
      );
      const written = await until("the Secret", () => secret("local"));
      expect(decoded(written.data.value).toString()).toBe(localValue);
    });

    it("a TLS Secret through `s5 k8s wrap`: `s5 check` passes it, and the Secret comes back exact", async () => {
      const { privateKey } = generateKeyPairSync("ed25519");
      const tlsKey = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
      const tlsCrt = tlsKey.replaceAll("PRIVATE KEY", "CERTIFICATE");
      const cipher = async (value: string) => {
        const out = await box.s5(["cipher", "--no-trim", "-f", "yaml"], { input: value });
        expect(out.code, out.stderr).toBe(0);
        return out.stdout.toString().trim();
      };
      const file = join(box.dir, "web-tls.yml");
      writeFileSync(
        file,
        [
          "apiVersion: v1",
          "kind: Secret",
          "metadata:",
          "  name: web-tls",
          `  namespace: ${APP}`,
          "type: kubernetes.io/tls",
          "stringData:",
          `  tls.crt: ${await cipher(tlsCrt)}`,
          `  tls.key: ${await cipher(tlsKey)}`,
          `  note: ${await cipher(localValue)}`,
          "",
        ].join("\n"),
      );
      const wrap = await box.s5(["k8s", "wrap", "-i", "web-tls.yml"]);
      expect(wrap.code, wrap.stderr).toBe(0);
      const check = await box.s5(["check", "web-tls.yml"]);
      expect(check.code, check.stdout.toString() + check.stderr).toBe(0);
      ok(await kube.kubectl(["apply", "-f", file]));
      const written = await until("the Secret", () => secret("web-tls"));
      expect(decoded(written.data["tls.key"]).toString()).toBe(tlsKey);
      expect(decoded(written.data["tls.crt"]).toString()).toBe(tlsCrt);
      expect(decoded(written.data.note).toString()).toBe(localValue);
    });

    it("a Secret of that name the S5Secret does not own is left alone (SecretNotOwned)", async () => {
      await kubectl("create", "secret", "generic", "taken", "-n", APP, "--from-literal=mine=yes");
      ok(await apply(s5secret("taken", { stringData: { v: `{{ s5:${await encrypt(fresh)} }}` } })));
      const condition = await until("Ready=False", async () => {
        const c = await ready("taken");
        return c?.status === "False" ? c : undefined;
      });
      expect(condition.reason).toBe("SecretNotOwned");
      expect(decoded((await secret("taken"))?.data.mine).toString()).toBe("yes");
    });

    it("a Secret edited by hand is repaired at the next resync", async () => {
      const current = await secret("local");
      const patch = { data: { value: Buffer.from(handEdited).toString("base64") } };
      await kubectl(
        "patch",
        "secret",
        "local",
        "-n",
        APP,
        "--type=merge",
        "-p",
        JSON.stringify(patch),
      );
      await until("the repair", async () =>
        (await secret("local"))?.data.value === current?.data.value ? true : undefined,
      );
    });

    it("metrics and health endpoints answer; nothing they say holds a value", async () => {
      const base = await controller.url();
      expect(await (await fetch(`${base}/healthz`)).text()).toBe("ok\n");
      const metrics = await controller.metrics();
      expect(metrics).toMatch(/^s5_reconcile_total\{result="success"\} \d+$/m);
      expect(metrics).toMatch(/^s5_reconcile_errors_total\{reason="BackendUnavailable"\} \d+$/m);
      expect(metrics).toMatch(/^s5_decrypt_duration_seconds_count \d+$/m);
      expect(metrics).toMatch(/^s5_leader 1$/m);
      for (const plaintext of [tricky, dbPassword, second, fresh])
        expect(metrics).not.toContain(plaintext);
    });

    it("no plaintext in the controller's logs, events or status", async () => {
      await expectNoPlaintext(
        kube,
        [controller],
        [tricky, binary, dbPassword, second, fresh, "will be altered", localValue, third],
      );
    });
  }, ["etcd", "kube-apiserver", "kube-controller-manager", "kubectl", "helm"]);
});
