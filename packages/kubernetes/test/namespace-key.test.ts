// `--namespace-key`: the template's checks, and the refusal of tokens that have no namespace key
// (an AES token here; the Vault side runs against OpenBao in test/k8s/controller-namespace-key).
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cipherValues, createBackends, resolveSettings } from "@s5/core";
import { describe, expect, it } from "vitest";
import { namespaceKeyOf, parseNamespaceKey } from "../src/namespace-key.ts";
import { namespaceBackends } from "../src/namespace-scope.ts";
import { renderSecret } from "../src/render.ts";

describe("--namespace-key", () => {
  it("takes {namespace} once, among a key name's characters", () => {
    for (const good of ["s5-{namespace}", "{namespace}-s5", "team.{namespace}_key"]) {
      expect(parseNamespaceKey(good)).toBe(good);
    }
    for (const bad of [
      "s5",
      "{namespace}-{namespace}",
      "s5/{namespace}",
      "s5 {namespace}",
      "{ns}",
      // No key name: a key must start and end with a letter, digit or `_`. Accepted, every
      // S5Secret failed with S5_CONFIG_VAULT_NAME (a config error: a fresh login at each retry).
      ".{namespace}",
      "{namespace}-",
      "-{namespace}.",
      // Alone: namespace `default` would open s5's default transit key, `default`.
      "{namespace}",
    ]) {
      expect(() => parseNamespaceKey(bad)).toThrow(
        expect.objectContaining({ code: "S5_K8S_FLAG" }),
      );
    }
    expect(namespaceKeyOf("s5-{namespace}", "billing")).toBe("s5-billing");
    expect(() => namespaceKeyOf("s5-{namespace}", "")).toThrow(
      expect.objectContaining({ code: "S5_K8S_NAMESPACE_KEY" }),
    );
  });

  it("refuses a token of another backend, for good (not retried), naming the key to seal with", async () => {
    const settings = resolveSettings({
      cwd: mkdtempSync(join(tmpdir(), "s5-k8s-")),
      env: { S5_AES_KEY: randomBytes(32).toString("hex") },
    });
    await using backends = createBackends(settings);
    const [token] = await cipherValues(backends, "aes", [Buffer.from("aes value")]);
    const resource = {
      apiVersion: "s5.dev/v1alpha1" as const,
      kind: "S5Secret" as const,
      metadata: { name: "db", namespace: "shop", generation: 1 },
      spec: { stringData: { password: token! } },
    };
    expect((await renderSecret(resource, backends)).ok).toBe(true);
    const rendered = await renderSecret(
      resource,
      namespaceBackends(backends, { template: "s5-{namespace}" }, "shop"),
    );
    expect(rendered.ok).toBe(false);
    if (rendered.ok) return;
    expect(rendered).toMatchObject({ reason: "DecryptFailed", transient: false });
    const said = rendered.error.describe();
    expect(said).toContain("stringData.password");
    expect(said).toContain("S5_K8S_NAMESPACE_KEY");
    expect(said).toContain("s5-shop");
    expect(said).toContain("an AES token is not opened");
    expect(said).not.toContain("aes value");
  });
});
