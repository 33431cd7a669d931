// One controller, many teams, local keys: `--namespace-private-keys DIR` (the chart's
// `namespacePrivateKeysSecret`) opens an S5Secret's local-key tokens only with its namespace's own
// key file, DIR/NAMESPACE, and the team's project config DIR/NAMESPACE.json. Real API server; the
// key directory laid out as the kubelet mounts the chart's projected volume of two Secrets
// (`namespacePrivateKeysSecrets`: one directory, `..data` links), changed while the controller
// runs. The admin makes each key with `s5 keys generate`, each team admits it with
// `s5 keys add` and seals with `s5 seal`, as users do. No Vault: none is needed.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sandbox } from "../cli/run.ts";
import { describeKube, type Kube, startKube } from "../setup/kube.ts";
import { kubeletWrite } from "../setup/kubelet-volume.ts";
import { tempDir, unique } from "../vault/helpers.ts";
import {
  type ControllerProcess,
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

const passwords = {
  billing: `billing-pass-${unique("b")}`,
  shop: `shop-pass-${unique("s")}`,
  dev: `dev-pass-${unique("d")}`,
};
type Team = keyof typeof passwords;

describeKube("the controller with a key file per namespace (--namespace-private-keys)", () => {
  let kube: Kube;
  let controller: ControllerProcess;
  let kubeconfig: string;
  const box = sandbox();
  const keyDir = tempDir("s5-ns-keys-");
  /**
   * What the two mounted Secrets hold, in the chart's order (file name → content): billing and
   * shop in keys-a, dev and ops in keys-b.
   */
  const secretsData: Record<"keys-a" | "keys-b", Record<string, string>> = {
    "keys-a": {},
    "keys-b": {},
  };
  const keys: Record<string, { secret: string; public: string }> = {};
  const tokens: Partial<Record<Team, string>> = {};
  const kubectl = async (...args: string[]) => ok(await kube.kubectl(args));
  /**
   * The Secrets' files as the kubelet writes a projected volume: the Secrets' keys merged in
   * order (a later Secret's replaces an earlier one's of the same name, without an error).
   * `modes`: of one file, to test.
   */
  const publish = (modes: Record<string, number> = {}) =>
    kubeletWrite(keyDir, Object.assign({}, ...Object.values(secretsData)), { mode: 0o400, modes });

  /** Runs s5 as one team's member (their own HOME: their own identity). */
  const s5 = (team: string, args: string[], input?: string) => {
    const home = join(box.dir, `home-${team}`);
    mkdirSync(home, { recursive: true });
    return box.s5(args, {
      cwd: join(box.dir, team),
      env: { HOME: home, XDG_CONFIG_HOME: join(home, ".config") },
      input,
    });
  };

  /** The admin: `s5 keys generate` for a namespace (secret on stdout, public key on stderr). */
  const generate = async (namespace: string) => {
    mkdirSync(join(box.dir, "admin"), { recursive: true });
    const run = await s5("admin", ["keys", "generate"]);
    expect(run.code, run.stderr).toBe(0);
    const publicKey = /s5pk-[\w-]+/.exec(run.stderr)?.[0];
    expect(publicKey).toBeDefined();
    keys[namespace] = { secret: run.stdout.toString(), public: publicKey! };
  };

  /** A team's project: `s5 init`, the namespace's key admitted, one value sealed. */
  const team = async (name: Team) => {
    mkdirSync(join(box.dir, name), { recursive: true });
    const init = await s5(name, ["init", "--name", "dev"]);
    expect(init.code, init.stderr).toBe(0);
    const add = await s5(name, ["keys", "add", `k8s-${name}`, keys[name]!.public]);
    expect(add.code, add.stderr).toBe(0);
    writeFileSync(join(box.dir, name, "value.txt"), `{{ s5:seal ${passwords[name]} }}`);
    const seal = await s5(name, ["seal", "-i", "value.txt"]);
    expect(seal.code, seal.stderr).toBe(0);
    tokens[name] = readFileSync(join(box.dir, name, "value.txt"), "utf8");
    expect(tokens[name]).toMatch(/^\{\{ s5:local:/);
  };
  const configOf = (name: Team) => readFileSync(join(box.dir, name, ".s5.json"), "utf8");

  const { apply, secret, password, refused } = namespacedSecrets(() => kube);

  beforeAll(async () => {
    kube = await startKube();
    kubeconfig = await installChart(kube, NS);
    for (const namespace of ["billing", "shop", "dev", "ops"]) {
      await kubectl("create", "namespace", namespace);
    }
    for (const name of ["billing", "shop", "dev"] as const) {
      await generate(name);
      await team(name);
    }
    // Billing and shop are set up; dev is not yet.
    for (const name of ["billing", "shop"] as const) {
      secretsData["keys-a"][name] = keys[name]!.secret;
      secretsData["keys-a"][`${name}.json`] = configOf(name);
    }
    publish();
    controller = startController(
      kubeconfig,
      { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tempDir("s5-ctl-home-") },
      ["--namespace-private-keys", keyDir],
    );
    await untilReady(controller);
  });
  afterAll(async () => {
    await controller?.stop();
    await kube?.stop();
  });

  /** The namespace-keys volume of the chart rendered with `set`, and the rendered text. */
  const keysVolume = async (set: string[]) => {
    const rendered = await renderChart(kube, NS, set);
    expect(rendered).toContain("- --namespace-private-keys=/etc/s5/namespace-keys");
    expect(rendered).toMatch(
      /- name: namespace-keys\n\s*mountPath: \/etc\/s5\/namespace-keys\n\s*readOnly: true\n/,
    );
    const volume = rendered.slice(rendered.lastIndexOf("- name: namespace-keys"));
    expect(volume).toMatch(
      /^- name: namespace-keys\n(\s*#[^\n]*\n)*\s*projected:\n\s*defaultMode: 0400\n/,
    );
    const sources = [...volume.matchAll(/- secret:\n\s*name: (\S+)\n/g)].map((match) => match[1]);
    const run = await kube.kubectl(["apply", "--dry-run=server", "-f", "-"], { input: rendered });
    expect(run.code, run.stderr).toBe(0);
    return { rendered, sources };
  };

  it("the chart mounts namespacePrivateKeysSecret (kubectl apply --dry-run=server)", async () => {
    const { sources } = await keysVolume(["namespacePrivateKeysSecret=s5-namespace-keys"]);
    expect(sources).toEqual(["s5-namespace-keys"]);
  });

  it("the chart mounts namespacePrivateKeysSecrets as one directory, in order", async () => {
    const { sources } = await keysVolume(["namespacePrivateKeysSecrets={keys-a,keys-b}"]);
    expect(sources).toEqual(["keys-a", "keys-b"]);
    // With the single value too: it comes first, and a name given twice is mounted once.
    const both = await keysVolume([
      "namespacePrivateKeysSecret=keys-a",
      "namespacePrivateKeysSecrets={keys-b,keys-a,keys-c}",
    ]);
    expect(both.sources).toEqual(["keys-a", "keys-b", "keys-c"]);
    const none = await renderChart(kube, NS);
    expect(none).not.toContain("namespace-keys");
  });

  it("a Secret of 300 namespaces' files: server-side apply writes it, client-side apply does not", async () => {
    // docs/kubernetes.md's sizes: a client-side apply copies the Secret, base64, into an annotation
    // of at most 256 KiB; the Secret itself may hold 1 MiB. Files of a real key file's and a real
    // .s5.json's sizes (one key, two recipients); what they hold does not matter here.
    const keySize = keys.billing!.secret.length;
    const configSize = configOf("billing").length;
    expect(keySize + configSize).toBeGreaterThan(1000);
    const manifest = async (count: number) => {
      const dir = join(box.dir, `many-${count}`);
      mkdirSync(dir);
      for (let i = 0; i < count; i++) {
        writeFileSync(join(dir, `team-${i}`), "k".repeat(keySize));
        writeFileSync(join(dir, `team-${i}.json`), "c".repeat(configSize));
      }
      const args = ["-n", NS, "create", "secret", "generic", `keys-${count}`, `--from-file=${dir}`];
      return ok(await kube.kubectl([...args, "--dry-run=client", "-o", "yaml"]));
    };
    const many = await manifest(300);
    const client = await kube.kubectl(["apply", "-f", "-"], { input: many });
    expect(client.code).not.toBe(0);
    expect(client.stderr).toContain("metadata.annotations: Too long");
    ok(await kube.kubectl(["apply", "--server-side", "-f", "-"], { input: many }));
    ok(await kube.kubectl(["apply", "-f", "-"], { input: await manifest(150) }));
    for (const name of ["keys-300", "keys-150"]) await kubectl("-n", NS, "delete", "secret", name);
  });

  it("each team's S5Secret opens with its namespace's key file", async () => {
    ok(await apply("billing", "db", tokens.billing!));
    ok(await apply("shop", "db", tokens.shop!));
    expect(await until("billing's Secret", () => password("billing", "db"))).toBe(
      passwords.billing,
    );
    expect(await until("shop's Secret", () => password("shop", "db"))).toBe(passwords.shop);
  });

  it("billing's token copied into shop gives no Secret: Ready=False naming shop's key file", async () => {
    ok(await apply("shop", "stolen", tokens.billing!));
    const ready = await refused("shop", "stolen");
    expect(ready.reason).toBe("DecryptFailed");
    expect(ready.message).toContain("S5_K8S_NAMESPACE_KEY");
    expect(ready.message).toContain(join(keyDir, "shop"));
    expect(await secret("shop", "stolen")).toBeUndefined();
  });

  it("the copy attack: shop's .s5.json holding billing's key entry opens nothing", async () => {
    // Shop's team copies billing's key (and its entries, sealed to billing's key file) into its
    // own project config, which the admin mounts as shop.json.
    const shop = JSON.parse(configOf("shop"));
    shop.local.keys.push(...JSON.parse(configOf("billing")).local.keys);
    secretsData["keys-a"]["shop.json"] = JSON.stringify(shop);
    publish();
    ok(await apply("shop", "copied", tokens.billing!));
    const ready = await refused("shop", "copied");
    expect(ready.reason).toBe("DecryptFailed");
    expect(ready.message).toContain("S5_K8S_NAMESPACE_KEY");
    expect(await secret("shop", "copied")).toBeUndefined();
    secretsData["keys-a"]["shop.json"] = configOf("shop");
    publish();
  });

  it("a namespace without a key file waits, then turns Ready once the file is there (no restart)", async () => {
    ok(await apply("dev", "db", tokens.dev!));
    const waiting = await refused("dev", "db");
    expect(waiting.reason).toBe("KeyMissing");
    expect(waiting.message).toContain("S5_K8S_NAMESPACE_KEY_FILE");
    expect(waiting.message).toContain(join(keyDir, "dev"));
    expect(waiting.message).toContain("--from-file=dev=");
    secretsData["keys-b"].dev = keys.dev!.secret;
    secretsData["keys-b"]["dev.json"] = configOf("dev");
    publish();
    expect(await until("dev's Secret", () => password("dev", "db"))).toBe(passwords.dev);
  });

  it("the same key in two namespaces' files is refused, naming both and not the key", async () => {
    // An admin's slip: ops given billing's key (with billing's config, ops would open its tokens),
    // in the other Secret than billing's.
    secretsData["keys-b"].ops = keys.billing!.secret;
    secretsData["keys-b"]["ops.json"] = configOf("billing");
    publish();
    ok(await apply("ops", "db", tokens.billing!));
    const ready = await refused("ops", "db");
    expect(ready.reason).toBe("ConfigInvalid");
    expect(ready.message).toContain("S5_K8S_NAMESPACE_KEY_SHARED");
    expect(ready.message).toContain("namespaces ops and billing");
    expect(ready.message).not.toContain(keys.billing!.public);
    expect(ready.message).not.toContain(keys.billing!.secret.trim());
    expect(await secret("ops", "db")).toBeUndefined();
    delete secretsData["keys-b"].ops;
    delete secretsData["keys-b"]["ops.json"];
    publish();
  });

  it("the same key in two files is refused while the other namespace's .s5.json is broken", async () => {
    // Billing's team ships a config that does not parse, while ops holds billing's key and config.
    secretsData["keys-b"].ops = keys.billing!.secret;
    secretsData["keys-b"]["ops.json"] = configOf("billing");
    secretsData["keys-a"]["billing.json"] = "{";
    publish();
    ok(await apply("ops", "broken", tokens.billing!));
    const ready = await refused("ops", "broken");
    expect(ready.reason).toBe("ConfigInvalid");
    expect(ready.message).toContain("S5_K8S_NAMESPACE_KEY_SHARED");
    expect(await secret("ops", "broken")).toBeUndefined();
    delete secretsData["keys-b"].ops;
    delete secretsData["keys-b"]["ops.json"];
    secretsData["keys-a"]["billing.json"] = configOf("billing");
    publish();
  });

  it("a key file others can read is refused until its mode is fixed", async () => {
    publish({ billing: 0o644 });
    ok(await apply("billing", "mode", tokens.billing!));
    const ready = await refused("billing", "mode");
    expect(ready.reason).toBe("KeyMissing");
    expect(ready.message).toContain("accessible by group or others (mode 0644)");
    publish();
    expect(await until("billing's Secret", () => password("billing", "mode"))).toBe(
      passwords.billing,
    );
  });

  it("a Vault token is refused without --namespace-key; no plaintext anywhere", async () => {
    ok(await apply("billing", "vault", "{{ s5:vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA }}"));
    const ready = await refused("billing", "vault");
    expect(ready.reason).toBe("DecryptFailed");
    expect(ready.message).toContain("a Vault token is not opened by this controller");
    await expectNoPlaintext(kube, [controller], Object.values(passwords));
    for (const key of Object.values(keys)) {
      expect(controller.output()).not.toContain(key.secret.trim());
    }
  });
}, ["etcd", "kube-apiserver", "kubectl", "helm"]);
