// The Vault backend over another transit key (`forTransitKey`, what the controller's
// `--namespace-key` uses): the same login and connections, requests to that key's path, decrypt
// and rewrap only, and a key name checked before it reaches a URL.
import type { Backend } from "@s5/core";
import { parseBody } from "@s5/core";
import { forTransitKey } from "@s5/core/internal";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.ts";
import { admin, apiOk, coreBackends, describeVault, newMount, vaultEnv } from "./helpers.ts";

describeVault("the Vault backend over another transit key", () => {
  let proxy: FaultProxy;
  let backends: ReturnType<typeof coreBackends>;
  let vault: Backend;
  let mount: string;
  const ciphertextOf = async (key: string, value: string) => {
    const body = await apiOk(admin, "POST", `${mount}/encrypt/${key}`, {
      plaintext: Buffer.from(value).toString("base64"),
    });
    return parseBody(body.data.ciphertext as string);
  };

  beforeAll(async () => {
    ({ mount } = await newMount("team-a"));
    await apiOk(admin, "POST", `${mount}/keys/team-b`, {});
    proxy = await startFaultProxy(admin.addr);
    backends = coreBackends(
      vaultEnv({
        VAULT_ADDR: proxy.url,
        S5_VAULT_TRANSIT_MOUNT: mount,
        S5_VAULT_TRANSIT_KEY: "team-a",
      }),
    );
    vault = await backends.get("vault");
  });
  afterAll(async () => {
    await backends?.[Symbol.asyncDispose]();
    await proxy?.close();
  });

  it("decrypts with its key only, at that key's path", async () => {
    const ofB = await ciphertextOf("team-b", "b's value");
    const ofA = await ciphertextOf("team-a", "a's value");
    const teamB = forTransitKey(vault, "team-b");
    proxy.seen.length = 0;
    const results = await teamB.decrypt([ofB, ofA]);
    expect(results[0]).toEqual({ ok: true, value: Buffer.from("b's value") });
    expect(results[1]!.ok).toBe(false);
    if (!results[1]!.ok) {
      expect(results[1]!.error.code).toBe("S5_DECRYPT_VAULT");
      expect(results[1]!.error.message).toContain("team-b");
    }
    expect(proxy.seen.map((seen) => seen.path)).toEqual([`/v1/${mount}/decrypt/team-b`]);
    // The base backend keeps its own key, and still works after the other is disposed.
    await teamB[Symbol.asyncDispose]();
    expect(await vault.decrypt([ofA])).toEqual([{ ok: true, value: Buffer.from("a's value") }]);
    expect((await vault.decrypt([ofB]))[0]!.ok).toBe(false);
  });

  it("rewraps with its key, refuses to encrypt, and takes only a key name", async () => {
    const teamB = forTransitKey(vault, "team-b");
    const [rewrapped] = await teamB.rewrap!([await ciphertextOf("team-b", "b again")]);
    expect(rewrapped!.ok).toBe(true);
    await expect(teamB.encrypt([Buffer.from("x")])).rejects.toMatchObject({
      code: "S5_CONFIG_TRANSIT_KEY_READ_ONLY",
    });
    expect(teamB.destination?.()).toMatchObject({ backend: "vault", key: "team-b", mount });
    for (const bad of ["", "../sys/policies", "a/b", "a b"]) {
      expect(() => forTransitKey(vault, bad)).toThrow(
        expect.objectContaining({ code: "S5_CONFIG_VAULT_NAME" }),
      );
    }
  });
});
