// One controller, many teams: `--namespace-key s5-{namespace}` (the chart's `namespaceKey`) opens
// an S5Secret's tokens only with its namespace's own transit key, so a token copied from another
// namespace's S5Secret (tokens sit in Git) gives no Secret — sealed-secrets' namespace scope. Real
// API server and OpenBao; each team seals with `s5 seal` in a project whose .s5.json names its key.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sandbox } from "../cli/run.ts";
import { describeKube, type Kube, startKube } from "../setup/kube.ts";
import { type FaultProxy, startFaultProxy } from "../vault/fault-proxy.ts";
import { admin, apiOk, describeVault, newMount, unique, vaultEnv } from "../vault/helpers.ts";
import {
  type ControllerProcess,
  controllerEnv,
  controllerLogin,
  expectNoPlaintext,
  installChart,
  namespacedSecrets,
  ok,
  renderChart,
  startController,
  until,
  untilReady,
} from "./controller-harness.ts";

const NS = "s5-system";
const billingPassword = `billing-pass-${unique("b")}`;
const shopPassword = `shop-pass-${unique("s")}`;

describeVault("the controller with a transit key per namespace (--namespace-key)", () => {
  describeKube("(etcd + kube-apiserver; controller as a local process)", () => {
    let kube: Kube;
    let controller: ControllerProcess;
    let proxy: FaultProxy;
    let kubeconfig: string;
    let login: Awaited<ReturnType<typeof controllerLogin>>;
    let auth: string;
    let mount: string;
    let billingToken: string;
    let shopToken: string;
    const box = sandbox();
    const kubectl = async (...args: string[]) => ok(await kube.kubectl(args));

    /** `s5 seal -i` of one value in team `namespace`'s project (its .s5.json names its key). */
    const seal = async (namespace: string, value: string) => {
      const dir = join(box.dir, namespace);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, ".s5.json"),
        JSON.stringify({
          backend: "vault",
          vault: { transitKey: `s5-${namespace}`, transitMount: mount },
        }),
      );
      writeFileSync(join(dir, "value.txt"), `{{ s5:seal ${value} }}`);
      const run = await box.s5(["seal", "-i", "value.txt"], { cwd: dir, env: vaultEnv() });
      expect(run.code, run.stderr).toBe(0);
      return readFileSync(join(dir, "value.txt"), "utf8");
    };
    const { apply, secret, password, refused } = namespacedSecrets(() => kube);

    beforeAll(async () => {
      kube = await startKube();
      kubeconfig = await installChart(kube, NS);
      for (const namespace of ["billing", "shop", "dev"]) {
        await kubectl("create", "namespace", namespace);
      }
      // A mount with one key per team (none for dev), and one policy for every team's key.
      ({ mount } = await newMount("s5-billing"));
      await apiOk(admin, "POST", `${mount}/keys/s5-shop`, {});
      login = await controllerLogin(
        kube,
        NS,
        `path "${mount}/decrypt/s5-*" { capabilities = ["update"] }`,
      );
      auth = login.auth;
      // Between the controller and OpenBao, to count its logins.
      proxy = await startFaultProxy(admin.addr);
      controller = startController(
        kubeconfig,
        controllerEnv(proxy.url, login, { S5_VAULT_TRANSIT_MOUNT: mount }),
        ["--namespace-key", "s5-{namespace}"],
      );
      await untilReady(controller);
    });
    afterAll(async () => {
      await controller?.stop();
      await proxy?.close();
      await kube?.stop();
    });

    it("the chart passes namespaceKey to the controller (kubectl apply --dry-run=server)", async () => {
      const rendered = await renderChart(kube, NS, ["namespaceKey=s5-{namespace}"]);
      expect(rendered).toContain('- "--namespace-key=s5-{namespace}"');
      const run = await kube.kubectl(["apply", "--dry-run=server", "-f", "-"], {
        input: rendered,
      });
      expect(run.code, run.stderr).toBe(0);
    });

    it("each team's S5Secret opens with its namespace's key", async () => {
      billingToken = await seal("billing", billingPassword);
      ok(await apply("billing", "db", billingToken));
      shopToken = await seal("shop", shopPassword);
      ok(await apply("shop", "db", shopToken));
      expect(await until("billing's Secret", () => password("billing", "db"))).toBe(
        billingPassword,
      );
      expect(await until("shop's Secret", () => password("shop", "db"))).toBe(shopPassword);
    });

    it("billing's token copied into shop gives no Secret: Ready=False naming shop's key", async () => {
      ok(await apply("shop", "stolen", billingToken));
      const ready = await refused("shop", "stolen");
      expect(ready.reason).toBe("DecryptFailed");
      expect(ready.message).toContain("S5_K8S_NAMESPACE_KEY");
      expect(ready.message).toContain("stringData.password");
      expect(ready.message).toContain("s5-shop");
      expect(await secret("shop", "stolen")).toBeUndefined();
      // The same token in a namespace without a key: the key is missing (retried), no Secret.
      ok(await apply("dev", "stolen", billingToken));
      const missing = await refused("dev", "stolen");
      expect(missing.reason).toBe("KeyMissing");
      expect(missing.message).toContain(`bao write -f ${mount}/keys/s5-dev`);
      expect(await secret("dev", "stolen")).toBeUndefined();
      // One namespace's missing key is no reason for a fresh login at each retry: the login
      // of every other namespace is the same (backoff 250 ms to 2 s: several retries by now).
      const logins = () =>
        proxy.seen.filter((seen) => seen.path === `/v1/auth/${auth}/login`).length;
      const before = logins();
      const retried = () =>
        controller.logs().filter((l) => l.object === "dev/stolen" && l.level === "warn").length;
      const seenRetries = retried();
      await until("three more retries of dev/stolen", async () =>
        retried() >= seenRetries + 3 ? true : undefined,
      );
      expect(logins()).toBe(before);
      await expectNoPlaintext(kube, [controller], [billingPassword, shopPassword]);
    });

    it("the Go tool's bare form and another key version of billing's token: still billing's key", async () => {
      // Bare (`{{ s5:BASE64 }}`): core reads it as a Vault body, the namespace's key opens it.
      const bare = billingToken.replace("s5:vault:v1:", "s5:");
      expect(bare).not.toBe(billingToken);
      ok(await apply("billing", "bare", bare));
      expect(await until("billing's bare Secret", () => password("billing", "bare"))).toBe(
        billingPassword,
      );
      ok(await apply("shop", "bare", bare));
      const ready = await refused("shop", "bare");
      expect(ready.message).toContain("S5_K8S_NAMESPACE_KEY");
      // A version shop's key does not have: refused as well, never another key tried.
      ok(await apply("shop", "v9", billingToken.replace("s5:vault:v1:", "s5:vault:v9:")));
      const v9 = await refused("shop", "v9");
      expect(v9.message).toContain("S5_K8S_NAMESPACE_KEY");
      expect(await secret("shop", "bare")).toBeUndefined();
      expect(await secret("shop", "v9")).toBeUndefined();
    });

    it("a local-key token is refused: it has no namespace key", async () => {
      const project = join(box.dir, "local");
      mkdirSync(project, { recursive: true });
      expect((await box.s5(["init", "--name", "dev"], { cwd: project })).code).toBe(0);
      const cipher = await box.s5(["cipher"], { cwd: project, input: "local value" });
      expect(cipher.code, cipher.stderr).toBe(0);
      ok(await apply("billing", "local", cipher.stdout.toString().trim()));
      const ready = await refused("billing", "local");
      expect(ready.reason).toBe("DecryptFailed");
      expect(ready.message).toContain("a local-key token is not opened by this controller");
      expect(await secret("billing", "local")).toBeUndefined();
    });

    // Not --namespace-key's, but its change: a key missing (or denied) no longer made fresh
    // backends, so a transit key corrected in S5_CONFIG's .s5.json (a ConfigMap) was never read
    // again: KeyMissing until a restart. Backends that have decrypted nothing start afresh.
    it("without it, a transit key corrected in S5_CONFIG's .s5.json is read again", async () => {
      await controller.stop();
      const config = join(box.dir, "controller.s5.json");
      const configure = (key: string) =>
        writeFileSync(
          config,
          JSON.stringify({ backend: "vault", vault: { transitKey: key, transitMount: mount } }),
        );
      configure("s5-typo");
      // Only ops: another namespace's failure (billing's local-key token) would reset them anyway.
      controller = startController(
        kubeconfig,
        controllerEnv(proxy.url, login, { S5_CONFIG: config }),
        ["--namespace", "ops"],
      );
      await untilReady(controller);
      await kubectl("create", "namespace", "ops");
      ok(await apply("ops", "db", shopToken));
      const missing = await refused("ops", "db");
      expect(missing.reason).toBe("KeyMissing");
      expect(missing.message).toContain("s5-typo");
      configure("s5-shop");
      expect(await until("ops's Secret", () => password("ops", "db"))).toBe(shopPassword);
    });
  });
});
