// The s5 controller when the API server stops answering (a black-holing proxy, a stuck API
// server): every request has a deadline of its own, so a hung request holds no worker and no
// Lease loop for minutes (undici's defaults: 300 s). A leader whose renewal hangs stops leading
// by its renew deadline, and a SIGTERM still ends it at once; a controller whose watch hears
// nothing says so on /healthz and /readyz, and recovers once the API server answers again.
// The controller reaches the real API server through a proxy on 127.0.0.1 (TLS verified) that
// turns into a black hole: handshakes complete, requests are never answered.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sandbox } from "../cli/run.ts";
import { describeKube, type Kube, startKube } from "../setup/kube.ts";
import { tempDir } from "../vault/helpers.ts";
import { type BlackholeProxy, startBlackholeProxy } from "./blackhole-proxy.ts";
import {
  type ControllerProcess,
  installChart,
  ok,
  startController,
  until,
} from "./controller-harness.ts";

const NS = "s5-system";
const APP = "timeouts";

describeKube("the s5 controller when the API server stops answering", () => {
  let kube: Kube;
  let proxy: BlackholeProxy;
  let kubeconfig: string;
  const controllers: ControllerProcess[] = [];
  const box = sandbox();
  const kubectl = async (...args: string[]) => ok(await kube.kubectl(args));
  const env = () => ({
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: tempDir("s5-ctl-home-"),
    S5_CONFIG: join(box.dir, ".s5.json"),
    S5_PRIVATE_KEY_FILE: join(box.env.XDG_CONFIG_HOME ?? "", "s5", "identity.txt"),
  });
  const start = (args: string[]) => {
    // Two seconds: short for the test, yet long for a loaded 2-core machine's API server.
    const controller = startController(kubeconfig, env(), ["--request-timeout", "2s", ...args]);
    controllers.push(controller);
    return controller;
  };
  const probe = async (controller: ControllerProcess, path: string) => {
    const res = await fetch(`${await controller.url()}${path}`);
    return { status: res.status, body: await res.text() };
  };
  const ready = (name: string) =>
    until(`${name}: Ready=True`, async () => {
      const object = JSON.parse(await kubectl("get", "s5secret", name, "-n", APP, "-o", "json"));
      const condition = object.status?.conditions?.find(
        (c: { type: string }) => c.type === "Ready",
      );
      return condition?.status === "True" &&
        condition.observedGeneration === object.metadata.generation
        ? condition
        : undefined;
    });

  beforeAll(async () => {
    kube = await startKube();
    const own = await installChart(kube, NS);
    await kubectl("create", "namespace", APP);
    const init = await box.s5(["init", "--name", "dev"]);
    expect(init.code, init.stderr).toBe(0);
    proxy = await startBlackholeProxy(kube.server, kube.certDir, kube.caFile);
    // The controller's own kubeconfig (its ServiceAccount's token), through the proxy.
    const config = JSON.parse(readFileSync(own, "utf8"));
    config.clusters[0].cluster.server = proxy.url;
    kubeconfig = join(kube.dir, "controller-proxied.kubeconfig");
    writeFileSync(kubeconfig, JSON.stringify(config), { mode: 0o600 });
    const cipher = await box.s5(["cipher", "--no-trim"], { input: "hunter2" });
    expect(cipher.code, cipher.stderr).toBe(0);
    ok(
      await kube.kubectl(["apply", "-f", "-"], {
        input: JSON.stringify({
          apiVersion: "s5.dev/v1alpha1",
          kind: "S5Secret",
          metadata: { name: "db", namespace: APP },
          spec: { stringData: { password: cipher.stdout.toString().trim() } },
        }),
      }),
    );
  });
  afterAll(async () => {
    for (const controller of controllers) await controller.stop("SIGKILL");
    await proxy?.close();
    await kube?.stop();
  });

  it("a stuck watch and hung Secret requests: timed out, said on /healthz and /readyz, recovered", async () => {
    proxy.blackhole(false);
    const controller = start(["--no-leader-elect"]);
    await until("the controller to be ready", async () =>
      (await probe(controller, "/readyz")).status === 200 ? true : undefined,
    );
    await ready("db");
    expect((await probe(controller, "/healthz")).status).toBe(200);

    proxy.blackhole(true);
    // Three deadlines (6 s) without an answer: the watch is stuck, and both probes say so.
    const stuck = await until(
      "/healthz to report the stuck watch",
      async () => {
        const health = await probe(controller, "/healthz");
        return health.status === 503 ? health.body : undefined;
      },
      30_000,
    );
    expect(stuck).toContain("the watch of S5Secrets has heard nothing from the API server");
    const readyz = await probe(controller, "/readyz");
    expect(readyz.status).toBe(503);
    // The resync (3 s) reconciles: the Secret read times out instead of holding the worker.
    await until("a reconcile to time out", async () =>
      controller
        .logs()
        .some((line) => line.object === `${APP}/db` && line.error === "request timed out")
        ? true
        : undefined,
    );

    proxy.blackhole(false);
    await until(
      "/healthz to be ok again",
      async () => ((await probe(controller, "/healthz")).status === 200 ? true : undefined),
      60_000,
    );
    await until("/readyz to be ok again", async () =>
      (await probe(controller, "/readyz")).status === 200 ? true : undefined,
    );
    await ready("db");
    await controller.stop();
  });

  it("a leader whose Lease renewal hangs stops leading by its renew deadline, and a SIGTERM ends it at once", async () => {
    proxy.blackhole(false);
    const controller = start([]);
    await until("it to lead", async () =>
      /^s5_leader 1$/m.test(await controller.metrics()) ? true : undefined,
    );

    proxy.blackhole(true);
    const since = Date.now();
    // --renew-deadline 4s (the harness's): it stops leading then, not when undici gives up.
    await until(
      "it to stop leading",
      async () => (/^s5_leader 0$/m.test(await controller.metrics()) ? true : undefined),
      30_000,
    );
    // By its renew deadline (4 s) plus a round; undici alone would wait 300 s, and the old
    // controller kept leading until then.
    expect(Date.now() - since).toBeLessThan(9_000);
    const stopped = controller
      .logs()
      .find((line) => String(line.msg).startsWith("stopped leading"));
    expect(stopped?.msg).toBe(
      "stopped leading: could not renew the Lease within the renew deadline",
    );
    expect(stopped?.error).toBe("request timed out");
    expect(controller.logs().some((line) => line.msg === "started leading")).toBe(true);

    // Asked to stop while the API server still answers nothing: it exits on its own, in time.
    const stopping = Date.now();
    controller.child.kill("SIGTERM");
    const code = await Promise.race([controller.exited, new Promise((r) => setTimeout(r, 8_000))]);
    expect(code, "exited after SIGTERM").toBe(0);
    expect(Date.now() - stopping).toBeLessThan(8_000);
    // Nothing it said holds the value or a bearer token.
    const token = JSON.parse(readFileSync(kubeconfig, "utf8")).users[0].user.token as string;
    for (const c of controllers) {
      expect(c.output()).not.toContain("hunter2");
      expect(c.output()).not.toContain(token);
    }
  });
}, ["etcd", "kube-apiserver", "kubectl", "helm"]);
