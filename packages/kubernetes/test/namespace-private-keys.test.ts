// `--namespace-private-keys DIR` with real key files and core's local backend (no cluster): each
// namespace's local-key tokens open with its own file only, the copy of another team's key entry
// opens nothing, a file that appears or changes is read without a restart, one key in two
// namespaces' files is refused, and a kubelet-mounted Secret's layout works. The same against a
// real API server: test/k8s/controller-namespace-private-keys.test.ts.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cipherValues, createBackends, type ProjectConfig, resolveSettings } from "@s5/core";
import { addProjectKey, generateIdentity, type Identity } from "@s5/core/internal";
import { describe, expect, it } from "vitest";
import { openNamespaceKeyDir } from "../src/namespace-private-keys.ts";
import { namespaceBackends } from "../src/namespace-scope.ts";
import { renderSecret } from "../src/render.ts";
import type { S5Secret } from "../src/resource.ts";

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const home = temp("s5-nsk-home-");
const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
const base = createBackends(resolveSettings({ cwd: temp("s5-nsk-cwd-"), env }));

interface Team {
  /** The namespace's key, made by the cluster admin. */
  key: Identity;
  /** The team's project config (public), with the namespace's key as a recipient. */
  config: ProjectConfig;
  seal(value: string): Promise<string>;
}

/** A team's project: a member's identity and the namespace's key, recipients of one key. */
async function team(namespace: string): Promise<Team> {
  const key = await generateIdentity();
  const member = await generateIdentity();
  const config: ProjectConfig = { local: { keys: [] } };
  await addProjectKey(config, [
    { name: "dev", publicKey: member.publicKey },
    { name: `k8s-${namespace}`, publicKey: key.publicKey },
  ]);
  const dir = temp(`s5-nsk-${namespace}-`);
  writeFileSync(join(dir, ".s5.json"), JSON.stringify(config));
  const seal = async (value: string) => {
    // The first use of the project's key on this machine is trusted with a warning: not shown.
    const settings = resolveSettings({
      cwd: dir,
      env: { ...env, S5_PRIVATE_KEY: member.secretKey },
      warn: () => {},
    });
    await using backends = createBackends(settings);
    const [token] = await cipherValues(backends, "local", [Buffer.from(value)]);
    return token!;
  };
  return { key, config, seal };
}

/** The admin's files for `namespace`: its key (mode 0600) and its team's config. */
function admit(dir: string, namespace: string, team: Team, key = team.key) {
  writeFileSync(join(dir, namespace), `${key.secretKey}\n`, { mode: 0o600 });
  writeFileSync(join(dir, `${namespace}.json`), JSON.stringify(team.config));
}

/**
 * What the kubelet writes for a Secret volume, and for a projected volume of several Secrets
 * (their keys merged in order, a later Secret's file replacing an earlier one's of the same
 * name, no error): the files in a new timestamped directory, `..data` swapped to it by a rename,
 * a link `NAME -> ..data/NAME` per file, then the links of files no longer there removed.
 */
function kubeletWrite(dir: string, ...secrets: Record<string, string>[]) {
  const files: Record<string, string> = Object.assign({}, ...secrets);
  const data = `..2026_12_02_08_00_${String(kubeletWrites++).padStart(2, "0")}.000000001`;
  mkdirSync(join(dir, data));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, data, name), content, { mode: 0o400 });
    if (!lstatSync(join(dir, name), { throwIfNoEntry: false })) {
      symlinkSync(`..data/${name}`, join(dir, name));
    }
  }
  symlinkSync(data, join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  for (const name of readdirSync(dir)) {
    if (!name.startsWith("..") && !(name in files)) unlinkSync(join(dir, name));
  }
}
let kubeletWrites = 0;

const resource = (namespace: string, token: string): S5Secret => ({
  apiVersion: "s5.dev/v1alpha1",
  kind: "S5Secret",
  metadata: { name: "db", namespace, generation: 1 },
  spec: { stringData: { password: token } },
});

const render = (dir: ReturnType<typeof openNamespaceKeyDir>, namespace: string, token: string) =>
  renderSecret(resource(namespace, token), namespaceBackends(base, { keyDir: dir }, namespace));

const password = (rendered: Awaited<ReturnType<typeof renderSecret>>) =>
  rendered.ok ? Buffer.from(rendered.data.password ?? "", "base64").toString() : undefined;

describe("--namespace-private-keys", async () => {
  const billing = await team("billing");
  const shop = await team("shop");
  const billingToken = await billing.seal("billing-pass");
  const shopToken = await shop.seal("shop-pass");

  it("opens a namespace's tokens with its own key; another namespace's token is refused", async () => {
    const dir = temp("s5-nsk-dir-");
    admit(dir, "billing", billing);
    admit(dir, "shop", shop);
    const keys = openNamespaceKeyDir(dir);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
    expect(password(await render(keys, "shop", shopToken))).toBe("shop-pass");
    const stolen = await render(keys, "shop", billingToken);
    expect(stolen).toMatchObject({ ok: false, reason: "DecryptFailed", transient: false });
    if (stolen.ok) return;
    const said = stolen.error.describe();
    expect(said).toContain("S5_K8S_NAMESPACE_KEY");
    expect(said).toContain("stringData.password");
    expect(said).toContain(join(dir, "shop"));
    expect(said).toContain("s5 keys add k8s-shop");
    expect(said).not.toContain("billing-pass");
    expect(said).not.toContain(billing.key.secretKey);
  });

  it("the copy attack: shop's config holding billing's key entry opens nothing", async () => {
    const dir = temp("s5-nsk-copy-");
    admit(dir, "billing", billing);
    admit(dir, "shop", shop);
    const copied = structuredClone(shop.config);
    copied.local!.keys.push(...structuredClone(billing.config.local!.keys));
    writeFileSync(join(dir, "shop.json"), JSON.stringify(copied));
    const rendered = await render(openNamespaceKeyDir(dir), "shop", billingToken);
    expect(rendered).toMatchObject({ ok: false, reason: "DecryptFailed" });
    if (rendered.ok) return;
    expect(rendered.error.describe()).toContain("S5_K8S_NAMESPACE_KEY");
  });

  it("a namespace without a file waits (KeyMissing, retried), then opens once the file is there", async () => {
    const dir = temp("s5-nsk-wait-");
    const keys = openNamespaceKeyDir(dir);
    const waiting = await render(keys, "billing", billingToken);
    expect(waiting).toMatchObject({
      ok: false,
      reason: "KeyMissing",
      transient: true,
      // No fresh Vault login for one namespace's missing file.
      backendWide: false,
    });
    if (waiting.ok) return;
    const said = waiting.error.describe();
    expect(said).toContain("S5_K8S_NAMESPACE_KEY_FILE");
    expect(said).toContain(join(dir, "billing"));
    expect(said).toContain("--from-file=billing=");
    admit(dir, "billing", billing);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
  });

  it("refuses one key in two namespaces' files, naming both and not the key", async () => {
    const dir = temp("s5-nsk-shared-");
    admit(dir, "billing", billing);
    const keys = openNamespaceKeyDir(dir);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
    // An admin's slip: shop given billing's key, so that shop's team could copy billing's entry.
    admit(dir, "shop", shop, billing.key);
    for (const namespace of ["billing", "shop"]) {
      const rendered = await render(keys, namespace, billingToken);
      expect(rendered).toMatchObject({ ok: false, reason: "ConfigInvalid", transient: true });
      if (rendered.ok) return;
      const said = rendered.error.describe();
      expect(said).toContain("S5_K8S_NAMESPACE_KEY_SHARED");
      expect(said).toContain("namespaces");
      expect(said).toMatch(/billing and shop|shop and billing/);
      expect(said).not.toContain(billing.key.secretKey);
      expect(said).not.toContain(billing.key.publicKey);
    }
    // Fixed: shop gets its own key, and both open again without a restart.
    admit(dir, "shop", shop);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
    expect(password(await render(keys, "shop", shopToken))).toBe("shop-pass");
  });

  it("refuses a key file others can read, until its mode is fixed", async () => {
    const dir = temp("s5-nsk-mode-");
    admit(dir, "billing", billing);
    chmodSync(join(dir, "billing"), 0o644);
    const keys = openNamespaceKeyDir(dir);
    const rendered = await render(keys, "billing", billingToken);
    expect(rendered).toMatchObject({ ok: false, reason: "KeyMissing", backendWide: false });
    if (rendered.ok) return;
    expect(rendered.error.describe()).toContain("accessible by group or others (mode 0644)");
    // Core's advice kept, not replaced by the namespace's generic one.
    expect(rendered.error.describe()).toContain(`chmod 600 ${join(dir, "billing")}`);
    chmodSync(join(dir, "billing"), 0o600);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
  });

  it("reads a kubelet-mounted Secret (..data links) and a key rotated in it", async () => {
    const dir = temp("s5-nsk-kubelet-");
    const files = (key: Identity) => ({
      billing: `${key.secretKey}\n`,
      "billing.json": JSON.stringify(billing.config),
    });
    kubeletWrite(dir, files(shop.key));
    const keys = openNamespaceKeyDir(dir);
    expect((await render(keys, "billing", billingToken)).ok).toBe(false);
    kubeletWrite(dir, files(billing.key));
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
    expect(readFileSync(join(dir, "billing"), "utf8")).toContain("S5-SECRET-KEY-");
  });

  it("reads a projected volume of two Secrets: each one's namespaces open, one key in both is refused", async () => {
    // The chart's namespacePrivateKeysSecrets: [keys-a, keys-b], mounted as one directory.
    const dir = temp("s5-nsk-projected-");
    const keysA = {
      billing: `${billing.key.secretKey}\n`,
      "billing.json": JSON.stringify(billing.config),
    };
    const keysB: Record<string, string> = {
      shop: `${shop.key.secretKey}\n`,
      "shop.json": JSON.stringify(shop.config),
    };
    kubeletWrite(dir, keysA, keysB);
    const keys = openNamespaceKeyDir(dir);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
    expect(password(await render(keys, "shop", shopToken))).toBe("shop-pass");
    // An admin's slip in keys-b: ops given billing's key, which keys-a holds.
    keysB.ops = `${billing.key.secretKey}\n`;
    kubeletWrite(dir, keysA, keysB);
    for (const namespace of ["ops", "billing"]) {
      const rendered = await render(keys, namespace, billingToken);
      expect(rendered).toMatchObject({ ok: false, reason: "ConfigInvalid" });
      if (!rendered.ok) {
        expect(rendered.error.describe()).toContain("S5_K8S_NAMESPACE_KEY_SHARED");
        expect(rendered.error.describe()).toContain("namespaces");
      }
    }
    delete keysB.ops;
    kubeletWrite(dir, keysA, keysB);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
    expect(password(await render(keys, "shop", shopToken))).toBe("shop-pass");
  });

  it("refuses AES and Vault tokens, and a namespace name that is a path", async () => {
    const dir = temp("s5-nsk-other-");
    admit(dir, "billing", billing);
    const keys = openNamespaceKeyDir(dir);
    const vault = await render(keys, "billing", "{{ s5:vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA }}");
    expect(vault).toMatchObject({ ok: false, reason: "DecryptFailed" });
    if (!vault.ok) {
      expect(vault.error.describe()).toContain("a Vault token is not opened by this controller");
      expect(vault.error.describe()).toContain(join(dir, "billing"));
    }
    // With --namespace-key too: local-key tokens still open with the key file.
    const both = namespaceBackends(base, { template: "s5-{namespace}", keyDir: keys }, "billing");
    expect(password(await renderSecret(resource("billing", billingToken), both))).toBe(
      "billing-pass",
    );
    const path = await render(keys, "../billing", billingToken);
    expect(path.ok).toBe(false);
    if (!path.ok) expect(path.error.describe()).toContain("is no namespace name");
    expect(() => openNamespaceKeyDir(join(dir, "billing"))).toThrow(
      expect.objectContaining({ code: "S5_K8S_FLAG" }),
    );
  });

  it("finds one key in two files when the other namespace's config is broken", async () => {
    const dir = temp("s5-nsk-broken-");
    admit(dir, "billing", billing);
    // Billing's team ships a config that does not parse: billing's tokens wait for a fix...
    writeFileSync(join(dir, "billing.json"), "{");
    // ...while the admin's slip gave shop billing's key, and shop's team copied billing's entry.
    admit(dir, "shop", shop, billing.key);
    const copied = structuredClone(shop.config);
    copied.local!.keys.push(...structuredClone(billing.config.local!.keys));
    writeFileSync(join(dir, "shop.json"), JSON.stringify(copied));
    const rendered = await render(openNamespaceKeyDir(dir), "shop", billingToken);
    expect(password(rendered)).toBeUndefined();
    expect(rendered).toMatchObject({ ok: false, reason: "ConfigInvalid" });
    if (!rendered.ok) expect(rendered.error.describe()).toContain("S5_K8S_NAMESPACE_KEY_SHARED");
  });

  it("names a broken team config as the namespace's, with what the admin does", async () => {
    const dir = temp("s5-nsk-team-config-");
    admit(dir, "billing", billing);
    writeFileSync(join(dir, "billing.json"), '{\n  "local": {\n');
    const keys = openNamespaceKeyDir(dir);
    const broken = await render(keys, "billing", billingToken);
    expect(broken).toMatchObject({ ok: false, reason: "ConfigInvalid", backendWide: false });
    if (broken.ok) return;
    const said = broken.error.describe();
    expect(said).toContain(
      `${join(dir, "billing.json")}:3:1: namespace billing's team config ${join(dir, "billing.json")} is not valid JSON`,
    );
    expect(said).toContain("S5_K8S_NAMESPACE_KEY_FILE");
    expect(said).toContain("mounted as key billing.json: have the team fix it");
    expect(said).not.toContain("--config");
    expect(said).not.toContain("the project config");
    // One the schema refuses, and a directory in its place: worded alike.
    writeFileSync(join(dir, "billing.json"), JSON.stringify({ local: { keys: 3 } }));
    const invalid = await render(keys, "billing", billingToken);
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) {
      expect(invalid.error.describe()).toContain("in namespace billing's team config");
      expect(invalid.error.describe()).toContain("mounted as key billing.json");
    }
    rmSync(join(dir, "billing.json"));
    mkdirSync(join(dir, "billing.json"));
    const directory = await render(keys, "billing", billingToken);
    expect(directory.ok).toBe(false);
    if (!directory.ok) {
      const text = directory.error.describe();
      expect(text).toContain("cannot read namespace billing's team config");
      expect(text).toContain("not a directory");
      expect(text).not.toContain("--config");
    }
    rmSync(join(dir, "billing.json"), { recursive: true });
    admit(dir, "billing", billing);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
  });

  it("reads no FIFO: a pipe in the directory stops only its own namespace", async () => {
    const dir = temp("s5-nsk-fifo-");
    admit(dir, "billing", billing);
    const fifo = join(dir, "shop");
    execFileSync("mkfifo", ["-m", "600", fifo]);
    // A writer that opens and closes the pipe once someone reads it: a read would not hang forever.
    const writer = spawn("sh", ["-c", `exec 3>"${fifo}"`], { stdio: "ignore" });
    try {
      const keys = openNamespaceKeyDir(dir);
      expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
      const rendered = await render(keys, "shop", shopToken);
      expect(rendered).toMatchObject({ ok: false, reason: "KeyMissing", backendWide: false });
      if (!rendered.ok) expect(rendered.error.describe()).toContain("is not a regular file");
    } finally {
      writer.kill();
    }
  });

  it("sees a key written into another namespace's file in place, and its removal", async () => {
    const dir = temp("s5-nsk-inplace-");
    admit(dir, "billing", billing);
    admit(dir, "shop", shop);
    const keys = openNamespaceKeyDir(dir);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
    expect(password(await render(keys, "shop", shopToken))).toBe("shop-pass");
    // Written in place (the directory itself unchanged): shop's next token finds it, then billing's.
    writeFileSync(join(dir, "shop"), `${billing.key.secretKey}\n`);
    for (const namespace of ["shop", "billing"]) {
      const rendered = await render(keys, namespace, billingToken);
      expect(rendered).toMatchObject({ ok: false, reason: "ConfigInvalid" });
    }
    // Shop's file removed: billing opens again, though no S5Secret of shop is rendered since.
    rmSync(join(dir, "shop"));
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
  });

  it("a directory replaced by a file: the namespace's own error, with its code", async () => {
    const dir = temp("s5-nsk-gone-");
    admit(dir, "billing", billing);
    const keys = openNamespaceKeyDir(dir);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
    rmSync(dir, { recursive: true });
    writeFileSync(dir, "");
    const rendered = await render(keys, "billing", billingToken);
    expect(rendered).toMatchObject({ ok: false, reason: "KeyMissing", backendWide: false });
    if (!rendered.ok) expect(rendered.error.describe()).toContain("S5_K8S_NAMESPACE_KEY_FILE");
  });

  it("reads no FIFO as a namespace's config either", async () => {
    const dir = temp("s5-nsk-fifo-config-");
    admit(dir, "billing", billing);
    rmSync(join(dir, "billing.json"));
    const fifo = join(dir, "billing.json");
    execFileSync("mkfifo", ["-m", "600", fifo]);
    // As above: a read would end (an empty config) rather than hang.
    const writer = spawn("sh", ["-c", `exec 3>"${fifo}"`], { stdio: "ignore" });
    try {
      const rendered = await render(openNamespaceKeyDir(dir), "billing", billingToken);
      expect(rendered).toMatchObject({ ok: false, reason: "KeyMissing", backendWide: false });
      if (!rendered.ok)
        expect(rendered.error.describe()).toContain(`${fifo} is not a regular file`);
    } finally {
      writer.kill();
    }
  });

  it("a key file that cannot be looked at is core's error, not a missing file", async () => {
    const dir = temp("s5-nsk-loop-");
    symlinkSync("billing", join(dir, "billing"));
    const rendered = await render(openNamespaceKeyDir(dir), "billing", billingToken);
    expect(rendered).toMatchObject({ ok: false, reason: "KeyMissing", backendWide: false });
    if (rendered.ok) return;
    expect(rendered.error.describe()).toContain("S5_K8S_NAMESPACE_KEY_FILE");
    expect(rendered.error.describe()).not.toContain("has no private key file");
  });

  it("a key file without a config opens no project's token: not a config error", async () => {
    const dir = temp("s5-nsk-noconfig-");
    admit(dir, "billing", billing);
    rmSync(join(dir, "billing.json"));
    const rendered = await render(openNamespaceKeyDir(dir), "billing", billingToken);
    expect(rendered).toMatchObject({ ok: false, reason: "DecryptFailed", transient: false });
    if (rendered.ok) return;
    expect(rendered.error.describe()).toContain("S5_K8S_NAMESPACE_KEY");
    expect(rendered.error.describe()).not.toContain("S5_K8S_NAMESPACE_KEY_FILE");
  });

  it("a config fixed in place is read again (its own stamp), without a restart", async () => {
    const dir = temp("s5-nsk-config-fixed-");
    admit(dir, "billing", billing);
    const config = readFileSync(join(dir, "billing.json"));
    writeFileSync(join(dir, "billing.json"), "{");
    const keys = openNamespaceKeyDir(dir);
    const broken = await render(keys, "billing", billingToken);
    expect(broken).toMatchObject({ ok: false, reason: "ConfigInvalid", backendWide: false });
    if (!broken.ok) expect(broken.error.describe()).toContain("S5_K8S_NAMESPACE_KEY_FILE");
    writeFileSync(join(dir, "billing.json"), config);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
  });

  it("a file that is no namespace name is no namespace: a copy of billing's key beside it", async () => {
    const dir = temp("s5-nsk-backup-");
    admit(dir, "billing", billing);
    writeFileSync(join(dir, "billing.old"), `${billing.key.secretKey}\n`, { mode: 0o600 });
    const keys = openNamespaceKeyDir(dir);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
    // Nor is it opened as one: a name with a dot, `..`, a config's name.
    for (const name of ["billing.old", "..", "billing.json", "Billing"]) {
      const rendered = await render(keys, name, billingToken);
      expect(rendered.ok, name).toBe(false);
      if (!rendered.ok) expect(rendered.error.describe(), name).toContain("is no namespace name");
    }
  });

  it("both files changed in place to one key: the namespace read again compares with every other", async () => {
    const dir = temp("s5-nsk-both-");
    admit(dir, "billing", billing);
    admit(dir, "shop", shop);
    const keys = openNamespaceKeyDir(dir);
    expect(password(await render(keys, "billing", billingToken))).toBe("billing-pass");
    // Written in place, the directory unchanged: shop's file takes billing's key, and billing's
    // own file is written again (same key). Billing's next token reads its file, so all of them.
    writeFileSync(join(dir, "shop"), `${billing.key.secretKey}\n`);
    writeFileSync(join(dir, "billing"), `${billing.key.secretKey}\n`);
    const rendered = await render(keys, "billing", billingToken);
    expect(password(rendered)).toBeUndefined();
    expect(rendered).toMatchObject({ ok: false, reason: "ConfigInvalid" });
  });

  it("tokens of another namespace stopped by one cause are told once, with their number", async () => {
    const dir = temp("s5-nsk-group-");
    admit(dir, "billing", billing);
    admit(dir, "shop", shop);
    const two: S5Secret = {
      ...resource("shop", billingToken),
      spec: { stringData: { a: billingToken, b: await billing.seal("other") } },
    };
    const rendered = await renderSecret(
      two,
      namespaceBackends(base, { keyDir: openNamespaceKeyDir(dir) }, "shop"),
    );
    expect(rendered.ok).toBe(false);
    if (!rendered.ok) expect(rendered.error.describe()).toContain("(and 1 more tokens)");
  });

  // Root lists every directory: the controller's user, one that may look a file up but not list
  // the directory (mode 0711), is a child process of another uid.
  it.runIf(process.getuid?.() === 0)(
    "a directory that cannot be listed opens no token, though the namespace's own files read",
    () => {
      const dir = temp("s5-nsk-unlisted-");
      admit(dir, "billing", billing);
      for (const file of ["billing", "billing.json"]) chownSync(join(dir, file), 65534, 65534);
      chmodSync(dir, 0o711);
      const module = new URL("../src/namespace-private-keys.ts", import.meta.url).pathname;
      const code = `import { openNamespaceKeyDir } from ${JSON.stringify(module)};
        const keys = openNamespaceKeyDir(${JSON.stringify(dir)});
        for (let i = 0; i < 2; i++) {
          try { keys.backendOf("billing"); console.log("opened"); }
          catch (error) { console.log(error.code, error.message); }
        }`;
      const child = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
        uid: 65534,
        gid: 65534,
        encoding: "utf8",
      });
      // uid 65534 reads the module from this checkout: one under a 0700 home cannot be run so.
      expect(child.stderr, `as uid 65534 (is ${module} readable by it?)`).toBe("");
      const lines = child.stdout.trim().split("\n");
      expect(lines).toHaveLength(2);
      for (const line of lines) {
        expect(line).toContain("S5_K8S_NAMESPACE_KEY_FILE");
        expect(line).toContain(`cannot list ${dir} (EACCES)`);
      }
    },
  );
});
