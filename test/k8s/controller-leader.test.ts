// Two s5 controller processes with one Lease against a real API server: only the leader writes;
// SIGKILL it (no chance to give the Lease up) and the other takes over once the Lease expires.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKube, type Kube, startKube } from "../setup/kube.ts";
import { admin, apiOk, describeVault, newMount, tempDir, unique } from "../vault/helpers.ts";
import {
  type ControllerProcess,
  expectNoPlaintext,
  installChart,
  ok,
  startController,
  until,
} from "./controller-harness.ts";

const NS = "s5-system";
const first = `first-${unique("v")}`;
const later = `later-${unique("v")}`;

describeVault("two s5 controllers: leader election with a Lease", () => {
  describeKube("(etcd + kube-apiserver, two controller processes)", () => {
    let kube: Kube;
    let a: ControllerProcess;
    let b: ControllerProcess;
    let encrypt: (plaintext: string) => Promise<string>;
    const leaderOf = async () =>
      (
        JSON.parse(
          ok(await kube.kubectl(["get", "lease", "s5-controller", "-n", NS, "-o", "json"])),
        ) as {
          spec: { holderIdentity?: string };
        }
      ).spec.holderIdentity;
    const value = async () => {
      const { status, body } = await kube.api("GET", "/api/v1/namespaces/default/secrets/shared");
      if (status !== 200) return undefined;
      return Buffer.from((body as { data: { v: string } }).data.v, "base64").toString();
    };
    const apply = async (plaintext: string) =>
      ok(
        await kube.kubectl(["apply", "-f", "-"], {
          input: JSON.stringify({
            apiVersion: "s5.dev/v1alpha1",
            kind: "S5Secret",
            metadata: { name: "shared", namespace: "default" },
            spec: { stringData: { v: `{{ s5:${await encrypt(plaintext)} }}` } },
          }),
        }),
      );
    const writes = (c: ControllerProcess) =>
      c.logs().filter((l) => typeof l.msg === "string" && (l.msg as string).startsWith("Secret "));

    beforeAll(async () => {
      kube = await startKube();
      const kubeconfig = await installChart(kube, NS);
      const { mount, key } = await newMount("app");
      encrypt = async (plaintext) =>
        (
          await apiOk(admin, "POST", `${mount}/encrypt/${key}`, {
            plaintext: Buffer.from(plaintext).toString("base64"),
          })
        ).data.ciphertext as string;
      const env = (name: string) => ({
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: tempDir("s5-ctl-home-"),
        NO_PROXY: "127.0.0.1,localhost",
        POD_NAME: name,
        VAULT_ADDR: admin.addr,
        VAULT_TOKEN: admin.token,
        S5_VAULT_TRANSIT_MOUNT: mount,
        S5_VAULT_TRANSIT_KEY: key,
      });
      a = startController(kubeconfig, env("controller-a"));
      await until("controller-a to lead", async () =>
        (await leaderOf().catch(() => "")) === "controller-a" ? true : undefined,
      );
      b = startController(kubeconfig, env("controller-b"));
      await b.url();
    });
    afterAll(async () => {
      await a?.stop("SIGKILL");
      await b?.stop();
      await kube?.stop();
    });

    it("only the leader writes; the other stands by", async () => {
      await apply(first);
      await until("the Secret", async () => ((await value()) === first ? true : undefined));
      expect(await a.metrics(), a.output()).toMatch(/^s5_leader 1$/m);
      expect(await b.metrics(), b.output()).toMatch(/^s5_leader 0$/m);
      // Resyncs (every 3 s) come and go: still only the leader has reconciled anything.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(writes(a).length, a.output()).toBeGreaterThan(0);
      expect(writes(b), b.output()).toEqual([]);
      expect(await b.metrics(), b.output()).not.toMatch(/^s5_reconcile_total/m);
      expect((await fetch(`${await b.url()}/readyz`)).status).toBe(200);
    });

    it("kill the leader (SIGKILL): the other takes over once the Lease expires", async () => {
      await a.stop("SIGKILL");
      await apply(later);
      await until("controller-b to lead", async () =>
        (await leaderOf()) === "controller-b" ? true : undefined,
      );
      await until("the Secret to follow", async () =>
        (await value()) === later ? true : undefined,
      );
      expect(await b.metrics(), b.output()).toMatch(/^s5_leader 1$/m);
      expect(
        b.logs().some((l) => l.msg === "started leading"),
        b.output(),
      ).toBe(true);
      // The Secret is written before the log line is: wait for it rather than race it.
      await until("controller-b's write in its log", async () =>
        writes(b).length > 0 ? true : undefined,
      );
      await expectNoPlaintext(kube, [a, b], [first, later]);
    });

    it("a leader stopped with SIGTERM gives the Lease up at once", async () => {
      await b.stop("SIGTERM");
      expect(await b.exited).toBe(0);
      const lease = JSON.parse(
        ok(await kube.kubectl(["get", "lease", "s5-controller", "-n", NS, "-o", "json"])),
      );
      expect(lease.spec.holderIdentity ?? "").toBe("");
      expect(b.logs().some((l) => l.msg === "controller stopped")).toBe(true);
    });
  });
});
