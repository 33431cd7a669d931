// The s5 controller when the API server refuses the Secret an S5Secret makes (a type whose keys
// are missing, a value that is not JSON, over 1 MiB, an admission policy), against a real API
// server: the Secret it owns stays as it was — also on the replace path (a new type, an immutable
// Secret), which deletes and creates — and the S5Secret says so (Ready=False for its generation, a
// Warning Event) without a value. Also: a key named __proto__ is written like any other.
// Local keys only (no Vault): the controller reads the project's config and identity files.
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sandbox } from "../cli/run.ts";
import { describeKube, type Kube, startKube } from "../setup/kube.ts";
import { tempDir, unique } from "../vault/helpers.ts";
import {
  type ControllerProcess,
  expectNoPlaintext,
  installChart,
  ok,
  renderChart,
  sleep,
  startController,
  until,
  untilReady,
} from "./controller-harness.ts";

const NS = "s5-system";
const APP = "shop";
const first = `first-${unique("v")}`;
const notJson = `not-json-${unique("j")}`;
const protoValue = `proto-${unique("p")}`;
const kept = `kept-${unique("k")}`;
// A valid Secret key; as a literal key `__proto__: x` would set the prototype instead.
const PROTO = "__proto__";

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration: number;
}
interface SecretJson {
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
  metadata: {
    uid: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: unknown[];
  };
}

describeKube("the s5 controller when the API server refuses a Secret", () => {
  let kube: Kube;
  let controller: ControllerProcess;
  const box = sandbox();
  const kubectl = async (...args: string[]) => ok(await kube.kubectl(args));
  const encrypt = async (plaintext: string) => {
    const run = await box.s5(["cipher", "--no-trim"], { input: plaintext });
    expect(run.code, run.stderr).toBe(0);
    return run.stdout.toString().trim();
  };
  // Server-side: a value over 1 MiB does not fit the last-applied annotation of a client apply.
  const apply = async (name: string, spec: object) =>
    ok(
      await kube.kubectl(["apply", "--server-side", "--force-conflicts", "-f", "-"], {
        input: JSON.stringify({
          apiVersion: "s5.dev/v1alpha1",
          kind: "S5Secret",
          metadata: { name, namespace: APP },
          spec,
        }),
      }),
    );
  const secret = async (name: string) => {
    const { status, body } = await kube.api("GET", `/api/v1/namespaces/${APP}/secrets/${name}`);
    return status === 200 ? (body as SecretJson) : undefined;
  };
  const resource = async (name: string) =>
    JSON.parse(await kubectl("get", "s5secret", name, "-n", APP, "-o", "json")) as {
      metadata: { generation: number };
      status?: { observedGeneration?: number; conditions?: Condition[] };
    };
  /** The Ready condition once it speaks of the S5Secret's current generation. */
  const settled = (name: string) =>
    until(`${name}: Ready for its generation`, async () => {
      const object = await resource(name);
      const ready = object.status?.conditions?.find((c) => c.type === "Ready");
      return ready?.observedGeneration === object.metadata.generation &&
        object.status?.observedGeneration === object.metadata.generation
        ? ready
        : undefined;
    });
  const warnings = async (name: string) =>
    (
      JSON.parse(await kubectl("get", "events", "-n", APP, "-o", "json")).items as {
        type: string;
        reason: string;
        message: string;
        involvedObject: { name: string };
      }[]
    ).filter((e) => e.type === "Warning" && e.involvedObject.name === name);
  const decoded = (value: string | undefined) => Buffer.from(value ?? "", "base64").toString();
  const own = (data: Record<string, string> | undefined, key: string) =>
    data && Object.hasOwn(data, key) ? data[key] : undefined;
  /** Created by the controller and reported Ready=True. */
  const synced = async (name: string, spec: object) => {
    await apply(name, spec);
    const ready = await settled(name);
    expect(ready, ready.message).toMatchObject({ status: "True", reason: "Synced" });
    const written = await secret(name);
    expect(written).toBeDefined();
    return written as SecretJson;
  };
  /** Applies `spec`, and expects the Secret as it was, and Ready=False saying why. */
  const refused = async (name: string, spec: object, before: SecretJson) => {
    await apply(name, spec);
    const ready = await settled(name);
    expect(ready.status, ready.message).toBe("False");
    expect(ready.reason).toBe("SecretRefused");
    expect(ready.message).toContain("(S5_K8S_SECRET_WRITE)");
    expect((await warnings(name)).map((w) => w.reason)).toContain("SecretRefused");
    // A resync (3 s) tries again: still refused, and still the same Secret.
    await sleep(3_500);
    expect(await secret(name)).toEqual(before);
    return ready;
  };

  beforeAll(async () => {
    kube = await startKube();
    const kubeconfig = await installChart(kube, NS);
    await kubectl("create", "namespace", APP);
    const init = await box.s5(["init", "--name", "dev"]);
    expect(init.code, init.stderr).toBe(0);
    // An admission policy, as a webhook would: one type refused everywhere, and one refused only
    // under a given name (so that a dry run under another name passes, and the create after the
    // delete fails).
    ok(
      await kube.kubectl(["apply", "-f", "-"], {
        input: JSON.stringify({
          apiVersion: "v1",
          kind: "List",
          items: [
            {
              apiVersion: "admissionregistration.k8s.io/v1",
              kind: "ValidatingAdmissionPolicy",
              metadata: { name: "s5-test-refuse" },
              spec: {
                failurePolicy: "Fail",
                matchConstraints: {
                  resourceRules: [
                    {
                      apiGroups: [""],
                      apiVersions: ["v1"],
                      operations: ["CREATE", "UPDATE"],
                      resources: ["secrets"],
                    },
                  ],
                },
                validations: [
                  { expression: "object.type != 'example.com/refused'", message: "refused type" },
                  {
                    expression:
                      "!(object.metadata.name == 'comeback' && object.type == 'example.com/late')",
                    message: "refused under this name",
                  },
                ],
              },
            },
            {
              apiVersion: "admissionregistration.k8s.io/v1",
              kind: "ValidatingAdmissionPolicyBinding",
              metadata: { name: "s5-test-refuse" },
              spec: { policyName: "s5-test-refuse", validationActions: ["Deny"] },
            },
          ],
        }),
      }),
    );
    await until("the admission policy to refuse", async () => {
      const run = await kube.kubectl([
        "create",
        "secret",
        "generic",
        "probe",
        "-n",
        APP,
        "--type=example.com/refused",
        "--dry-run=server",
      ]);
      return run.code !== 0 ? true : undefined;
    });
    controller = startController(kubeconfig, {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: tempDir("s5-ctl-home-"),
      S5_CONFIG: join(box.dir, ".s5.json"),
      S5_PRIVATE_KEY_FILE: join(box.env.XDG_CONFIG_HOME ?? "", "s5", "identity.txt"),
    });
    await untilReady(controller);
  });
  afterAll(async () => {
    await controller?.stop();
    await kube?.stop();
  });

  it("a new type whose keys are missing (kubernetes.io/tls): the Secret stays, Ready=False, then the fix replaces it", async () => {
    const stringData = { password: await encrypt(first) };
    const before = await synced("web", { type: "Opaque", stringData });
    const ready = await refused("web", { type: "kubernetes.io/tls", stringData }, before);
    expect(ready.message).toContain("was left as it was");
    expect(ready.message).toContain("data[tls.crt] FieldValueRequired");
    expect(ready.message).toContain("data[tls.key] FieldValueRequired");
    // The keys added: the replace goes through, Ready=True again.
    const after = await synced("web", {
      type: "kubernetes.io/tls",
      stringData: { ...stringData, "tls.crt": await encrypt("crt"), "tls.key": "key" },
    });
    expect(after.type).toBe("kubernetes.io/tls");
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(decoded(after.data?.password)).toBe(first);
  });

  it("a dockerconfigjson value that is not JSON: refused before the delete, its value never shown", async () => {
    const stringData = { ".dockerconfigjson": await encrypt(notJson) };
    const before = await synced("registry", { stringData });
    const ready = await refused(
      "registry",
      { type: "kubernetes.io/dockerconfigjson", stringData },
      before,
    );
    expect(ready.message).toContain("data[.dockerconfigjson] FieldValueInvalid");
    // The API server's own message quotes the value's first character; none of it is repeated.
    expect(ready.message).not.toContain("invalid character");
  });

  it("over 1 MiB: refused both in place and for an immutable Secret (replaced), the Secret as it was", async () => {
    const big = "x".repeat(1024 * 1024 + 1);
    const token = await encrypt(first);
    const opaque = await synced("large", { stringData: { v: token } });
    const inPlace = await refused("large", { stringData: { v: token, big } }, opaque);
    expect(inPlace.message).toContain("could not be updated; it was left as it was");
    expect(inPlace.message).toContain("data FieldValueTooLong");

    const frozen = await synced("frozen", { immutable: true, stringData: { v: token } });
    const replaced = await refused(
      "frozen",
      { immutable: true, stringData: { v: token, big } },
      frozen,
    );
    expect(replaced.message).toContain("cannot be replaced by the new one");
  });

  it("an admission policy refusing the new type: the dry run hears it, the Secret stays", async () => {
    const stringData = { v: await encrypt(first) };
    const before = await synced("policed", { stringData });
    const ready = await refused("policed", { type: "example.com/refused", stringData }, before);
    // The policy's message is the policy's: not repeated (a webhook may quote the object).
    expect(ready.message).toContain("HTTP 422 Invalid");
    expect(ready.message).not.toContain("refused type");
  });

  it("refused only after the delete: the previous Secret is put back as it was, __proto__ included", async () => {
    const stringData = { [PROTO]: await encrypt(kept), other: await encrypt(first) };
    const spec = {
      metadata: { labels: { tier: "web" }, annotations: { note: "kept" } },
      stringData,
    };
    const before = await synced("comeback", spec);
    await apply("comeback", { ...spec, type: "example.com/late" });
    const ready = await settled("comeback");
    expect(ready).toMatchObject({ status: "False", reason: "SecretRefused" });
    expect(ready.message).toContain("the previous one was put back");
    const after = await secret("comeback");
    expect(after?.type).toBe(before.type);
    expect(after?.data).toEqual(before.data);
    expect(after?.metadata.labels).toEqual(before.metadata.labels);
    expect(after?.metadata.annotations).toEqual(before.metadata.annotations);
    expect(after?.metadata.ownerReferences).toEqual(before.metadata.ownerReferences);
    expect(decoded(own(after?.data, PROTO))).toBe(kept);
  });

  it("a new S5Secret whose Secret is refused: Ready=False and a Warning, not only a log line", async () => {
    await apply("fresh-tls", {
      type: "kubernetes.io/tls",
      stringData: { a: await encrypt(first) },
    });
    const ready = await settled("fresh-tls");
    expect(ready).toMatchObject({ status: "False", reason: "SecretRefused" });
    expect(ready.message).toContain("could not be created");
    expect((await warnings("fresh-tls")).map((w) => w.reason)).toContain("SecretRefused");
    expect(await secret("fresh-tls")).toBeUndefined();
  });

  it("a key named __proto__ is written like any other, and a resync leaves it alone", async () => {
    const written = await synced("proto", {
      stringData: { [PROTO]: await encrypt(protoValue), other: await encrypt(first) },
    });
    expect(Object.keys(written.data ?? {}).sort()).toEqual(["__proto__", "other"]);
    expect(decoded(own(written.data, PROTO))).toBe(protoValue);
    expect((await settled("proto")).message).toContain("holds 2 keys");
    // Compared with what is there (the key included): unchanged, so not written again.
    await sleep(3_500);
    expect((await secret("proto"))?.metadata.resourceVersion).toBe(
      written.metadata.resourceVersion,
    );
  });

  // Finalizers: someone else's hold on the Secret (a backup, a revocation, a protection).
  const HOLD = "example.com/hold";
  const hold = (name: string, finalizers: string[] | null) =>
    kubectl(
      "patch",
      "secret",
      name,
      "-n",
      APP,
      "--type=merge",
      "-p",
      JSON.stringify({ metadata: { finalizers } }),
    );
  /** The Ready condition once `accept` takes it. */
  const readyWhen = (name: string, accept: (ready: Condition) => boolean) =>
    until(`${name}: the Ready condition expected`, async () => {
      const ready = (await resource(name)).status?.conditions?.find((c) => c.type === "Ready");
      return ready && accept(ready) ? ready : undefined;
    });

  it("a new type for a Secret that holds finalizers: not deleted, Ready=False naming them; once removed, replaced", async () => {
    const stringData = { password: await encrypt(first) };
    await synced("held", { stringData });
    await hold("held", [HOLD]);
    const before = (await secret("held")) as SecretJson;
    await apply("held", { type: "example.com/other", stringData });
    const ready = await settled("held");
    expect(ready.status, ready.message).toBe("False");
    expect(ready.reason).toBe("SecretHasFinalizers");
    expect(ready.message).toContain(`holds finalizers ${HOLD}`);
    expect(ready.message).toContain("its type changes (Opaque to example.com/other)");
    expect(ready.message).toContain("it was left as it was");
    expect(ready.message).toContain("(S5_K8S_SECRET_FINALIZERS)");
    expect((await warnings("held")).map((w) => w.reason)).toContain("SecretHasFinalizers");
    // Retries (backoff, resyncs) never delete it: the same Secret, not terminating.
    await sleep(3_500);
    const still = (await secret("held")) as SecretJson & {
      metadata: { deletionTimestamp?: string; finalizers?: string[] };
    };
    expect(still.metadata.deletionTimestamp).toBeUndefined();
    expect(still).toEqual(before);
    expect((await settled("held")).reason).toBe("SecretHasFinalizers");
    // What the message says to do: the finalizers removed, the controller replaces the Secret.
    await hold("held", null);
    const synced2 = await readyWhen("held", (c) => c.status === "True");
    expect(synced2.reason).toBe("Synced");
    const after = (await secret("held")) as SecretJson;
    expect(after.type).toBe("example.com/other");
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(decoded(after.data?.password)).toBe(first);
  });

  it("a new value for a Secret that holds finalizers: updated in place, its finalizers kept", async () => {
    await synced("held-update", { stringData: { v: await encrypt(first) } });
    await hold("held-update", [HOLD]);
    const before = (await secret("held-update")) as SecretJson;
    await apply("held-update", { stringData: { v: await encrypt(kept) } });
    const ready = await settled("held-update");
    expect(ready, ready.message).toMatchObject({ status: "True", reason: "Synced" });
    const after = (await secret("held-update")) as SecretJson & {
      metadata: { finalizers?: string[] };
    };
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(decoded(after.data?.v)).toBe(kept);
    expect(after.metadata.finalizers).toEqual([HOLD]);
    await hold("held-update", null);
  });

  it("a Secret being deleted, held by a finalizer: not reported Synced nor written; created again once gone", async () => {
    await synced("going", { stringData: { v: await encrypt(first) } });
    await hold("going", [HOLD]);
    await kubectl("delete", "secret", "going", "-n", APP, "--wait=false");
    const before = (await secret("going")) as SecretJson & {
      metadata: { deletionTimestamp?: string };
    };
    expect(before.metadata.deletionTimestamp).toBeDefined();
    // The next resync sees it terminating.
    const ready = await readyWhen("going", (c) => c.status === "False");
    expect(ready.reason).toBe("SecretTerminating");
    expect(ready.message).toContain(`is being deleted, held by finalizers ${HOLD}`);
    expect(ready.message).toContain("the new one is created once it is gone");
    expect((await warnings("going")).map((w) => w.reason)).toContain("SecretTerminating");
    expect(await secret("going")).toEqual(before);
    // Its finalizer removed, it goes, and the controller creates the Secret again.
    await hold("going", null);
    const back = await readyWhen("going", (c) => c.status === "True");
    expect(back.reason).toBe("Synced");
    const after = (await secret("going")) as SecretJson;
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(decoded(after.data?.v)).toBe(first);
  });

  it("the chart's RBAC lets it set blockOwnerDeletion where OwnerReferencesPermissionEnforcement is on", async () => {
    // That admission plugin (on in OpenShift) refuses an ownerReference with blockOwnerDeletion
    // unless its writer may update the owner's finalizers: without it no Secret is ever created.
    const can = await kube.kubectl([
      "auth",
      "can-i",
      "update",
      "s5secrets.s5.dev",
      "--subresource=finalizers",
      "-n",
      APP,
      `--as=system:serviceaccount:${NS}:s5-controller`,
    ]);
    expect(can.stdout.trim(), can.stderr).toBe("yes");
    const namespaced = await renderChart(kube, NS, [`watchNamespace=${APP}`]);
    expect(namespaced).toContain('resources: ["s5secrets/finalizers"]');
  });

  // Other writers' labels and annotations (kubectl annotate, Reloader, a backup tool, Argo CD).
  it("labels and annotations others add survive resyncs; a label s5 set and no longer asks for goes", async () => {
    const stringData = { v: await encrypt(first) };
    await synced("tagged", {
      metadata: { labels: { tier: "web", team: "a" }, annotations: { note: "s5" } },
      stringData,
    });
    await kubectl("label", "secret", "tagged", "-n", APP, "backup.example.com/include=true");
    await kubectl("annotate", "secret", "tagged", "-n", APP, "example.com/reloaded=1");
    const before = (await secret("tagged")) as SecretJson;
    // Resyncs (every 3 s) leave them alone, and do not write at all: nobody fights.
    await sleep(7_000);
    const kept = (await secret("tagged")) as SecretJson;
    expect(kept.metadata.labels).toMatchObject({
      "backup.example.com/include": "true",
      tier: "web",
      team: "a",
    });
    expect(kept.metadata.annotations).toMatchObject({ "example.com/reloaded": "1", note: "s5" });
    expect(kept.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    // The S5Secret drops `team` and `note`: s5 removes what it set, and only that.
    await apply("tagged", { metadata: { labels: { tier: "web" } }, stringData });
    const after = await until("the label s5 set to go", async () => {
      const now = (await secret("tagged")) as SecretJson;
      return now.metadata.labels?.team === undefined ? now : undefined;
    });
    expect(after.metadata.labels).toEqual({
      "backup.example.com/include": "true",
      "s5.dev/managed-by": "s5-controller",
      tier: "web",
    });
    expect(after.metadata.annotations?.["example.com/reloaded"]).toBe("1");
    expect(after.metadata.annotations?.note).toBeUndefined();
    expect((await settled("tagged")).reason).toBe("Synced");
  });

  it("no plaintext in the controller's logs, events or status", async () => {
    await expectNoPlaintext(kube, [controller], [first, notJson, protoValue, kept]);
  });
}, ["etcd", "kube-apiserver", "kubectl", "helm"]);
