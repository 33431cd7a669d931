// Vault safety against a real OpenBao: credential files, and answers that must not mislead.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { admin, describeVault, newMount, s5, tempDir, vaultEnv } from "./helpers.ts";

describeVault("vault safety", () => {
  let mount: string;
  let key: string;

  beforeAll(async () => {
    ({ mount, key } = await newMount("app"));
  });

  it("warns when ~/.vault-token is readable by group or others, and still works", async () => {
    const home = tempDir("s5-home-");
    const tokenFile = join(home, ".vault-token");
    writeFileSync(tokenFile, `${admin.token}\n`);
    chmodSync(tokenFile, 0o644);
    const env = vaultEnv({ HOME: home, VAULT_TOKEN: undefined, S5_VAULT_TRANSIT_MOUNT: mount });
    const shared = await s5(["cipher", "vault", "-k", key, "v"], { env });
    expect(shared.code).toBe(0);
    expect(shared.stderr).toContain(
      `s5: warning: ${tokenFile} is readable by group or others (mode 0644)`,
    );
    expect(shared.stderr).toContain(`chmod 600 ${tokenFile}`);
    expect(shared.stderr).not.toContain(admin.token);

    chmodSync(tokenFile, 0o600);
    const quiet = await s5(["cipher", "vault", "-k", key, "v"], { env });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
  });
});
