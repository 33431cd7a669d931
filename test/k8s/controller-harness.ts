// The s5 controller as a local process (no container): the built bin with a kubeconfig holding a
// ServiceAccount token, its output kept for the tests to grep, and the chart applied to the API
// server so that the process has exactly the chart's RBAC.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { type ChildResult, runChild } from "../child.ts";
import { createTokenReviewer, type Kube, kubeTool } from "../setup/kube.ts";
import { admin, apiOk, tempDir, unique } from "../vault/helpers.ts";

export const chartDir = fileURLToPath(new URL("../../packages/kubernetes/chart", import.meta.url));
// S5_CONTROLLER_BIN: the same tests against another build (an older one, to see a test fail).
const bin =
  process.env.S5_CONTROLLER_BIN ||
  fileURLToPath(new URL("../../packages/kubernetes/bin/s5-controller.mjs", import.meta.url));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function ok(run: ChildResult): string {
  expect(run.code, `exit ${run.code}\n${run.stderr}`).toBe(0);
  return run.stdout;
}

/** Polls until `probe` returns a value (not undefined), or fails with `what`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** `helm template` of the chart (CRD included). */
export async function renderChart(kube: Kube, namespace: string, set: string[] = []) {
  const sets = set.flatMap((value) => ["--set", value]);
  const args = ["template", "s5", chartDir, "--namespace", namespace, "--include-crds", ...sets];
  return ok(await runChild(kubeTool("helm"), args, { env: kube.env(), cwd: kube.dir }));
}

/** Applies the chart for real and returns a kubeconfig holding the controller's own token. */
export async function installChart(kube: Kube, namespace: string): Promise<string> {
  ok(await kube.kubectl(["create", "namespace", namespace]));
  ok(await kube.kubectl(["apply", "-f", "-"], { input: await renderChart(kube, namespace) }));
  ok(
    await kube.kubectl([
      "wait",
      "--for=condition=Established",
      "crd/s5secrets.s5.dev",
      "--timeout=60s",
    ]),
  );
  const token = ok(
    await kube.kubectl(["create", "token", "s5-controller", "-n", namespace, "--duration=2h"]),
  ).trim();
  const kubeconfig = join(kube.dir, `controller-${namespace}.kubeconfig`);
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "s5", cluster: { server: kube.server, "certificate-authority": kube.caFile } },
    ],
    users: [{ name: "s5-controller", user: { token } }],
    contexts: [{ name: "s5", context: { cluster: "s5", user: "s5-controller", namespace } }],
    "current-context": "s5",
  };
  writeFileSync(kubeconfig, JSON.stringify(config), { mode: 0o600 });
  return kubeconfig;
}

export interface ControllerProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Parsed JSON log lines. */
  logs(): Record<string, unknown>[];
  /** `http://127.0.0.1:PORT` of /healthz, /readyz, /metrics (once listening). */
  url(): Promise<string>;
  metrics(): Promise<string>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts `s5-controller` with short intervals (flags can override them), on `node`. */
export function startController(
  kubeconfig: string,
  env: Record<string, string>,
  args: string[] = [],
  node = process.execPath,
): ControllerProcess {
  const child = spawn(
    node,
    [
      bin,
      "--kubeconfig",
      kubeconfig,
      "--listen",
      "127.0.0.1:0",
      "--resync",
      "3s",
      "--backoff-base",
      "250ms",
      "--backoff-max",
      "2s",
      // Short, yet wide enough for a loaded 2-core machine: a leader that misses its renew
      // deadline rightly stops leading, which would restart its backoff.
      "--lease-duration",
      "6s",
      "--renew-deadline",
      "4s",
      "--retry-period",
      "500ms",
      ...args,
    ],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  running.add(child);
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  const logs = () =>
    out
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const url = () =>
    until("the controller to listen", async () => {
      const line = logs().find((entry) => entry.msg === "listening");
      return line ? `http://${line.address as string}` : undefined;
    });
  return {
    child,
    output: () => out,
    logs,
    url,
    metrics: async () => (await fetch(`${await url()}/metrics`)).text(),
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Waits until the controller's /readyz says 200. */
export async function untilReady(controller: ControllerProcess): Promise<void> {
  await until("the controller to be ready", async () => {
    const res = await fetch(`${await controller.url()}/readyz`);
    return res.status === 200 ? true : undefined;
  });
}

/** Every place a plaintext must never appear, as one string: logs, events, S5Secret status. */
export async function everythingSaid(kube: Kube, controllers: ControllerProcess[]) {
  const events = ok(await kube.kubectl(["get", "events", "-A", "-o", "json"]));
  const resources = ok(await kube.kubectl(["get", "s5secrets", "-A", "-o", "json"]));
  const status = JSON.stringify(
    (JSON.parse(resources).items as { status?: unknown }[]).map((item) => item.status),
  );
  return { logs: controllers.map((c) => c.output()).join("\n"), events, status };
}

/** Fails when any of `plaintexts` (or its base64) shows in what the controller said. */
export async function expectNoPlaintext(
  kube: Kube,
  controllers: ControllerProcess[],
  plaintexts: (string | Buffer)[],
) {
  const said = await everythingSaid(kube, controllers);
  for (const [where, text] of Object.entries(said)) {
    expect(text.length, where).toBeGreaterThan(0);
    for (const plaintext of plaintexts) {
      const bytes = Buffer.from(plaintext);
      for (const form of [bytes.toString("utf8"), bytes.toString("base64")]) {
        expect(text.includes(form), `a plaintext shows in the ${where}`).toBe(false);
        expect(
          text.includes(JSON.stringify(form).slice(1, -1)),
          `a plaintext shows in the ${where}`,
        ).toBe(false);
      }
    }
  }
}

export interface ControllerLogin {
  /** The kubernetes auth method's mount. */
  auth: string;
  /** The ServiceAccount token a pod would have. */
  jwtFile: string;
}

/** The controller's environment: Vault at `vaultAddr` with `login`, short retries. */
export function controllerEnv(
  vaultAddr: string,
  login: ControllerLogin,
  extra: Record<string, string>,
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: tempDir("s5-ctl-home-"),
    NO_PROXY: "127.0.0.1,localhost",
    VAULT_ADDR: vaultAddr,
    S5_VAULT_AUTH_METHOD: "kubernetes",
    S5_VAULT_AUTH_MOUNT: login.auth,
    S5_VAULT_ROLE: "s5-controller",
    S5_VAULT_JWT_FILE: login.jwtFile,
    S5_VAULT_RETRY_TIMEOUT: "1s",
    S5_VAULT_RETRY_BASE_MS: "50",
    ...extra,
  };
}

/**
 * OpenBao's Kubernetes auth for the chart's ServiceAccount (`s5-controller` in `namespace`), with
 * a policy of `policy`'s text: the auth mount, and a file holding the token a pod would have.
 */
export async function controllerLogin(
  kube: Kube,
  namespace: string,
  policy: string,
): Promise<ControllerLogin> {
  const kubectl = async (...args: string[]) => ok(await kube.kubectl(args));
  const policyName = unique("ctl-policy");
  await apiOk(admin, "POST", `sys/policies/acl/${policyName}`, { policy });
  const reviewer = await createTokenReviewer(kubectl);
  const auth = unique("k8s");
  await apiOk(admin, "POST", `sys/auth/${auth}`, { type: "kubernetes" });
  await apiOk(admin, "POST", `auth/${auth}/config`, {
    kubernetes_host: kube.server,
    kubernetes_ca_cert: readFileSync(kube.caFile, "utf8"),
    token_reviewer_jwt: reviewer,
    disable_local_ca_jwt: true,
  });
  await apiOk(admin, "POST", `auth/${auth}/role/s5-controller`, {
    bound_service_account_names: ["s5-controller"],
    bound_service_account_namespaces: [namespace],
    audience: "vault",
    token_policies: [policyName],
  });
  // In a pod this is the projected token file; here the same token, made by the API server.
  const jwtFile = join(tempDir(), "token");
  const args = ["create", "token", "s5-controller", "-n", namespace, "--audience=vault"];
  writeFileSync(jwtFile, (await kubectl(...args, "--duration=1h")).trim(), { mode: 0o600 });
  return { auth, jwtFile };
}

/**
 * S5Secrets of one `password` value across namespaces, and what the controller made of them.
 * `cluster`: the API server, once started (in `beforeAll`).
 */
export function namespacedSecrets(cluster: () => Kube) {
  const secret = async (namespace: string, name: string) => {
    const path = `/api/v1/namespaces/${namespace}/secrets/${name}`;
    const { status, body } = await cluster().api("GET", path);
    return status === 200 ? (body as { data: Record<string, string> }) : undefined;
  };
  return {
    /** Applies an S5Secret whose `stringData.password` is `token`. */
    apply: (namespace: string, name: string, token: string) =>
      cluster().kubectl(["apply", "-f", "-"], {
        input: JSON.stringify({
          apiVersion: "s5.dev/v1alpha1",
          kind: "S5Secret",
          metadata: { name, namespace },
          spec: { stringData: { password: token } },
        }),
      }),
    secret,
    /** The Secret's `password`, decoded, once it is there. */
    async password(namespace: string, name: string) {
      const data = (await secret(namespace, name))?.data;
      return data ? Buffer.from(data.password ?? "", "base64").toString() : undefined;
    },
    /** The Ready condition once it is False for the object's current generation. */
    refused: (namespace: string, name: string) =>
      until(`Ready=False on ${namespace}/${name}`, async () => {
        const object = JSON.parse(
          ok(await cluster().kubectl(["get", "s5secret", name, "-n", namespace, "-o", "json"])),
        );
        const ready = (object.status?.conditions ?? []).find(
          (c: { type: string }) => c.type === "Ready",
        );
        return ready?.status === "False" && ready.observedGeneration === object.metadata.generation
          ? (ready as { reason: string; message: string })
          : undefined;
      }),
  };
}
