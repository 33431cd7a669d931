// `--namespace-private-keys DIR` when a key file holds a project key itself (hand-made: the CLI
// never prints one) that another namespace's team config opens: the two namespaces would open
// each other's tokens, as with one key in two files, so both are refused. A project shared on
// purpose (both namespaces recipients) still opens in both, and an entry a team made up stops no
// other namespace. No cluster: the controller's key directory and renderer with real key files;
// core's sources make the project key, as no command shows it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cipherValues, createBackends, type ProjectConfig, resolveSettings } from "@s5/core";
import { addProjectRecipient, generateIdentity } from "@s5/core/internal";
import { describe, expect, it } from "vitest";
import { decodeSecretKey, encodeSecretKey } from "../../packages/core/src/local/encoding.ts";
import { createProjectKey } from "../../packages/core/src/local/keyring.ts";
import { loadSodium } from "../../packages/core/src/local/sodium.ts";
import { openNamespaceKeyDir } from "../../packages/kubernetes/src/namespace-private-keys.ts";
import { namespaceBackends } from "../../packages/kubernetes/src/namespace-scope.ts";
import { renderSecret } from "../../packages/kubernetes/src/render.ts";

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const home = temp("s5-nspk-home-");
const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
const base = createBackends(resolveSettings({ cwd: temp("s5-nspk-cwd-"), env }));

describe("--namespace-private-keys: a project key in a key file", async () => {
  const sodium = await loadSodium();
  const [billingKey, stagingKey, opsKey, member] = await Promise.all(
    [0, 1, 2, 3].map(() => generateIdentity()),
  );
  // Billing's project: its key sealed to a member and to namespace billing's key.
  const { key, pair } = createProjectKey(sodium, [
    { name: "dev", publicKey: member!.publicKey },
    { name: "k8s-billing", publicKey: billingKey!.publicKey },
  ]);
  const config: ProjectConfig = { local: { keys: [key] } };
  const projectDir = temp("s5-nspk-project-");
  writeFileSync(join(projectDir, ".s5.json"), JSON.stringify(config));
  const settings = resolveSettings({
    cwd: projectDir,
    env: { ...env, S5_PRIVATE_KEY: member!.secretKey },
    warn: () => {},
  });
  const [token] = await cipherValues(createBackends(settings), "local", [Buffer.from("b-pass")]);

  const render = (dir: string, namespace: string) =>
    renderSecret(
      {
        apiVersion: "s5.dev/v1alpha1",
        kind: "S5Secret",
        metadata: { name: "db", namespace, generation: 1 },
        spec: { stringData: { password: token! } },
      },
      namespaceBackends(base, { keyDir: openNamespaceKeyDir(dir) }, namespace),
    );
  const password = (rendered: Awaited<ReturnType<typeof renderSecret>>) =>
    rendered.ok ? Buffer.from(rendered.data.password ?? "", "base64").toString() : undefined;
  const write = (dir: string, name: string, text: string) =>
    writeFileSync(join(dir, name), text, { mode: 0o600 });

  it("refuses both namespaces when one's file holds the project key that the other's config opens", async () => {
    const dir = temp("s5-nspk-dir-");
    write(dir, "billing", `${billingKey!.secretKey}\n`);
    write(dir, "billing.json", JSON.stringify(config));
    expect(password(await render(dir, "billing"))).toBe("b-pass");
    // An admin's slip: billing's project key itself (not an identity) given to ops.
    write(dir, "ops", `${encodeSecretKey(pair.secretKey)}\n`);
    for (const namespace of ["ops", "billing"]) {
      const rendered = await render(dir, namespace);
      expect(password(rendered)).toBeUndefined();
      expect(rendered).toMatchObject({ ok: false, reason: "ConfigInvalid" });
      if (rendered.ok) continue;
      const said = rendered.error.describe();
      expect(said).toContain("S5_K8S_NAMESPACE_KEY_SHARED");
      expect(said).toMatch(/namespaces (ops and billing|billing and ops) share a project key/);
      expect(said).toContain("put no project key in a key file");
      expect(said).not.toContain(key.publicKey);
      expect(said).not.toContain(encodeSecretKey(pair.secretKey));
    }
  });

  it("opens in both namespaces of a project shared on purpose, and a made-up entry stops none", async () => {
    const dir = temp("s5-nspk-shared-");
    const shared = structuredClone(config);
    await addProjectRecipient(shared, [decodeSecretKey(member!.secretKey)], {
      name: "k8s-staging",
      publicKey: stagingKey!.publicKey,
    });
    write(dir, "billing", `${billingKey!.secretKey}\n`);
    write(dir, "billing.json", JSON.stringify(shared));
    write(dir, "staging", `${stagingKey!.secretKey}\n`);
    write(dir, "staging.json", JSON.stringify(shared));
    // Ops's team claims billing's namespace key as a project key of its own, listing ops's key
    // as a recipient with a sealed key copied from billing's entry: it opens nothing.
    const made = structuredClone(key);
    made.publicKey = billingKey!.publicKey;
    made.recipients = [{ ...key.recipients[1]!, publicKey: opsKey!.publicKey }];
    write(dir, "ops", `${opsKey!.secretKey}\n`);
    write(dir, "ops.json", JSON.stringify({ local: { keys: [made] } }));
    expect(password(await render(dir, "billing"))).toBe("b-pass");
    expect(password(await render(dir, "staging"))).toBe("b-pass");
  });
});
