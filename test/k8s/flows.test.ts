// The seed's flows against a real API server (etcd + kube-apiserver), kubectl, helm 3 and helm 4:
// `s5 render secret.yml | kubectl apply -f -`, `s5 check` before applying, `s5 render -i values.yml
// && helm upgrade --install`, and the helm downloader plugin that never writes plaintext to disk.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runChild } from "../child.ts";
import { s5OnPath, sandbox } from "../cli/run.ts";
import { describeKube, type Kube, kubeTool, startKube } from "../setup/kube.ts";

const chart = fileURLToPath(new URL("../../apps/k8s-chart", import.meta.url));
const helmPlugin = fileURLToPath(new URL("../../packages/cli/helm-plugin", import.meta.url));

// Bytes that break naive quoting: newlines, both quotes, `$`, backslashes, non-ASCII.
const tricky = `line one\nsay "hi" and 'bye' for $HOME \${X} \\n ünïcödé ✓ 🔑\n`;
const binary = Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 0x0a, 0x0d, 0x22, 0x24]);

describeKube("the seed's flows: kubectl and helm against a real API server", () => {
  let kube: Kube;
  let box: ReturnType<typeof sandbox>;
  let env: Record<string, string>;

  const sh = (script: string) =>
    runChild("bash", ["-c", script], { cwd: box.dir, env: kube.env(env) });
  const cipher = async (value: string | Buffer, filter: string) => {
    const out = await box.s5(["cipher", "--no-trim", "-f", filter], { input: value });
    expect(out.code, out.stderr).toBe(0);
    return out.stdout.toString();
  };

  beforeAll(async () => {
    kube = await startKube();
    box = sandbox();
    await box.s5(["init", "--name", "dev"]);
    // `s5` on PATH, as a user has it; helm and kubectl from the tools the harness found. This
    // Node first: the helm plugin runs its package's CLI with the `node` on PATH, and kubectl's
    // directory (/usr/bin, from Debian) may hold an older one.
    const bin = s5OnPath(box.dir);
    const tools = [
      join(kubeTool("helm"), ".."),
      join(kubeTool("helm4"), ".."),
      join(kubeTool("kubectl"), ".."),
    ];
    env = { ...box.env, PATH: [dirname(process.execPath), bin, ...tools, box.env.PATH].join(":") };
  });
  afterAll(async () => {
    await kube?.stop();
  });

  it("s5 render secret.yml | kubectl apply -f -: data (| base64) and stringData (| yaml) exact", async () => {
    const manifest = [
      "apiVersion: v1",
      "kind: Secret",
      "metadata:",
      "  name: mysecret",
      "type: Opaque",
      "data:",
      `  foo: ${await cipher(tricky, "base64")}`,
      `  bin: ${await cipher(binary, "base64")}`,
      "stringData:",
      `  bar: ${await cipher(tricky, "yaml")}`,
      "",
    ].join("\n");
    writeFileSync(join(box.dir, "secret.yml"), manifest);
    const apply = await sh("set -o pipefail; s5 render secret.yml | kubectl apply -f -");
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain("secret/mysecret created");
    expect(apply.stderr).not.toContain("ünïcödé");

    const get = (key: string) =>
      sh(`kubectl get secret mysecret -o json | jq -r .data.${key} | base64 --decode`);
    expect((await get("foo")).stdoutBytes.equals(Buffer.from(tricky))).toBe(true);
    expect((await get("bin")).stdoutBytes.equals(binary)).toBe(true);
    expect((await get("bar")).stdoutBytes.equals(Buffer.from(tricky))).toBe(true);
  });

  it("s5 k8s wrap | unwrap | render | kubectl apply: kubectl reads what the file said", async () => {
    // A token followed by a digit, a value ending in a line break, and a Deployment beside the
    // Secret whose octal defaultMode (YAML 1.1 for kubectl) must not be written again as 440.
    const pin = (await box.s5(["cipher"], { input: "PIN" })).stdout.toString().trim();
    const file = [
      "apiVersion: v1",
      "kind: Secret",
      "metadata: {name: wrapped}",
      "stringData:",
      `  pin: "${pin}7"`,
      `  key: ${await cipher(tricky, "yaml")}`,
      "---",
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: wrapped}",
      "spec:",
      "  selector: {matchLabels: {app: wrapped}}",
      "  template:",
      "    metadata: {labels: {app: wrapped}}",
      "    spec:",
      "      containers: [{name: app, image: nginx}]",
      "      volumes:",
      "        - name: db",
      "          secret: {secretName: wrapped, defaultMode: 0440}",
      "",
    ].join("\n");
    writeFileSync(join(box.dir, "wrap-me.yml"), file);
    const apply = await sh(
      "set -o pipefail; s5 k8s wrap wrap-me.yml > wrapped.s5.yml && " +
        "s5 k8s unwrap wrapped.s5.yml | s5 render - | kubectl apply -f -",
    );
    expect(apply.code, apply.stderr).toBe(0);
    const deployment = JSON.parse((await sh("kubectl get deployment wrapped -o json")).stdout);
    expect(deployment.spec.template.spec.volumes[0].secret.defaultMode).toBe(0o440);
    const data = JSON.parse((await sh("kubectl get secret wrapped -o json")).stdout).data;
    expect(Buffer.from(data.pin, "base64").toString()).toBe("PIN7");
    expect(Buffer.from(data.key, "base64").toString()).toBe(tricky);
  });

  it("a failing token applies nothing (with pipefail the pipeline fails)", async () => {
    const good = await cipher("fine", "base64");
    const broken = good.replace(
      /:([A-Za-z0-9_-]{20})/,
      (_, run: string) => `:${run.split("").reverse().join("")}`,
    );
    writeFileSync(
      join(box.dir, "broken.yml"),
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: notapplied\ndata:\n  a: ${good}\n  b: ${broken}\n`,
    );
    const apply = await sh("set -o pipefail; s5 render broken.yml | kubectl apply -f -");
    expect(apply.code).not.toBe(0);
    expect(apply.stderr).toMatch(/broken\.yml:7:6: .*\(S5_/);
    const missing = await sh("kubectl get secret notapplied");
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("NotFound");
  });

  it("s5 check before applying stops a manifest with a plaintext secret", async () => {
    writeFileSync(
      join(box.dir, "leaky.yml"),
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaky\nstringData:\n  a: ${await cipher("x1", "yaml")}\n  password: Hunter2Hunter2!\n`,
    );
    const run = await sh("s5 check leaky.yml && s5 render leaky.yml | kubectl apply -f -");
    expect(run.code).toBe(10);
    expect(run.stdout).toContain("leaky.yml:7:");
    expect((await sh("kubectl get secret leaky")).code).not.toBe(0);
  });

  // helm 3 and helm 4 (as `helm4`), each its own releases and plugin directory.
  for (const tool of ["helm", "helm4"] as const) {
    const release = tool === "helm" ? "" : "4";

    it(`s5 render -i values.yml && ${tool} upgrade --install: the Secret holds the exact values`, async () => {
      const file = `values${release}.yml`;
      writeFileSync(
        join(box.dir, file),
        `secrets:\n  db: ${await cipher(tricky, "yaml")}\n  api: ${await cipher("api-key-$1", "yaml")}\n`,
      );
      const install = await sh(
        `s5 render -i ${file} && ${tool} upgrade --install app${release} ` +
          `"${chart}" -f ${file} --wait=false`,
      );
      expect(install.code, install.stderr).toBe(0);
      const secret = await sh(`kubectl get secret app${release}-secrets -o json`);
      const data = JSON.parse(secret.stdout).data;
      expect(Buffer.from(data.db, "base64").toString()).toBe(tricky);
      expect(Buffer.from(data.api, "base64").toString()).toBe("api-key-$1");
    });

    it(`the helm plugin with ${tool} renders s5://values.yml in memory: nothing decrypted on disk`, async () => {
      const values = `secrets:\n  db: ${await cipher(tricky, "yaml")}\n`;
      writeFileSync(join(box.dir, "plugin-values.yml"), values);
      // helm 4.3 installs a local plugin into $HELM_DATA_HOME/plugins whatever HELM_PLUGINS says
      // (helm issue #32646): both point at one directory of this tool's own.
      const data = join(box.dir, "..", `helm-data-${tool}`);
      const plugins = join(data, "plugins");
      mkdirSync(plugins, { recursive: true });
      const helm = `HELM_DATA_HOME="${data}" HELM_PLUGINS="${plugins}" ${tool}`;
      const added = await sh(`${helm} plugin install "${helmPlugin}"`);
      expect(added.code, added.stderr).toBe(0);
      const name = `viaplugin${release}`;
      const install = await sh(
        `${helm} upgrade --install ${name} "${chart}" -f s5://plugin-values.yml`,
      );
      expect(install.code, install.stderr).toBe(0);
      const secret = JSON.parse((await sh(`kubectl get secret ${name}-secrets -o json`)).stdout);
      expect(Buffer.from(secret.data.db, "base64").toString()).toBe(tricky);
      expect(readFileSync(join(box.dir, "plugin-values.yml"), "utf8")).toBe(values);

      // helm's own output, which docs/kubernetes.md warns of: `--debug` prints the values it was
      // given on stdout (a CI log), and `helm get values` reads them back from the release.
      const debug = await sh(
        `${helm} upgrade ${name} "${chart}" -f s5://plugin-values.yml --debug`,
      );
      expect(debug.code, debug.stderr).toBe(0);
      expect(debug.stdout).toContain("USER-SUPPLIED VALUES:");
      expect(debug.stdout).toContain("ünïcödé ✓");
      expect((await sh(`${tool} get values ${name}`)).stdout).toContain("ünïcödé ✓");

      // A token that fails stops helm: nothing is installed.
      writeFileSync(
        join(box.dir, "bad-values.yml"),
        "secrets:\n  db: {{ s5:local:AbCdEfGh:bm9wZQ }}\n",
      );
      const bad = await sh(
        `${helm} upgrade --install badrelease${release} "${chart}" -f s5://bad-values.yml`,
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).not.toContain("ünïcödé");
      expect((await sh(`kubectl get secret badrelease${release}-secrets`)).code).not.toBe(0);
    });
  }
});
