// localBackendOfFiles: a local backend from a key file (read as S5_PRIVATE_KEY_FILE is) and an
// optional project config — what the Kubernetes controller opens each namespace's tokens with.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ProjectConfig } from "../src/config.ts";
import { decodePublicKey, encodeSecretKey } from "../src/local/encoding.ts";
import { localBackendOfFiles } from "../src/local/key-files.ts";
import { createProjectKey } from "../src/local/keyring.ts";
import { addProjectKey, generateIdentity } from "../src/local/manage.ts";
import { loadSodium } from "../src/local/sodium.ts";

const setting = "--namespace-private-keys";

describe("localBackendOfFiles", () => {
  it("makes a local backend and returns the public halves of every key in the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-key-files-"));
    const [a, b] = [await generateIdentity(), await generateIdentity()];
    const keyFile = join(dir, "billing");
    writeFileSync(keyFile, `# two keys, for a rotation\n${a.secretKey}\n${b.secretKey}\n`, {
      mode: 0o600,
    });
    const { backend, publicKeys } = localBackendOfFiles({ keyFile, setting });
    expect(publicKeys).toEqual([a.publicKey, b.publicKey]);
    expect(backend.name).toBe("local");
  });

  it("refuses an empty key file and one others can read, never showing a key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-key-files-"));
    const empty = join(dir, "empty");
    writeFileSync(empty, "# nothing yet\n", { mode: 0o600 });
    expect(() => localBackendOfFiles({ keyFile: empty, setting })).toThrow(
      expect.objectContaining({
        code: "S5_KEY_FILE",
        message: expect.stringContaining("holds no"),
      }),
    );
    const open = join(dir, "open");
    const { secretKey } = await generateIdentity();
    writeFileSync(open, `${secretKey}\n`, { mode: 0o644 });
    let said = "";
    try {
      localBackendOfFiles({ keyFile: open, setting });
    } catch (error) {
      said = String((error as Error).message);
      expect(error).toMatchObject({ code: "S5_KEY_FILE_MODE" });
    }
    expect(said).toContain("mode 0644");
    expect(said).not.toContain(secretKey);
  });

  it("lists the config's project keys that the file opens, not an entry copied or made up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-key-files-"));
    const sodium = await loadSodium();
    const [mine, other] = [await generateIdentity(), await generateIdentity()];
    const keyFile = join(dir, "billing");
    writeFileSync(keyFile, `${mine.secretKey}\n`, { mode: 0o600 });
    const config: ProjectConfig = { local: { keys: [] } };
    const opened = await addProjectKey(config, [
      { name: "k8s-billing", publicKey: mine.publicKey },
    ]);
    // Another project's key, sealed to another identity; and an entry made up: another key's
    // public half, listing this file's key as a recipient with a sealed key of something else.
    const foreign = await addProjectKey(config, [{ name: "ops", publicKey: other.publicKey }]);
    const { key: made } = createProjectKey(sodium, [{ name: "x", publicKey: other.publicKey }]);
    made.publicKey = other.publicKey;
    made.recipients[0]!.publicKey = mine.publicKey;
    config.local!.keys.push(made);
    const configFile = join(dir, "billing.json");
    writeFileSync(configFile, JSON.stringify(config));
    const { unlocks, publicKeys } = localBackendOfFiles({ keyFile, configFile, setting });
    expect(publicKeys).toEqual([mine.publicKey]);
    expect(unlocks(opened.publicKey)).toBe(true);
    expect(unlocks(foreign.publicKey)).toBe(false);
    expect(unlocks(other.publicKey)).toBe(false);
    expect(unlocks(mine.publicKey)).toBe(false);
    expect(localBackendOfFiles({ keyFile, setting }).unlocks(opened.publicKey)).toBe(false);
    // A project key itself in the file: its own public half.
    const { pair } = createProjectKey(sodium, [{ name: "x", publicKey: other.publicKey }]);
    writeFileSync(keyFile, `${encodeSecretKey(pair.secretKey)}\n`, { mode: 0o600 });
    const itself = localBackendOfFiles({ keyFile, configFile, setting });
    expect(decodePublicKey(itself.publicKeys[0]!)).toEqual(pair.publicKey);
    expect(itself.unlocks(opened.publicKey)).toBe(false);
  });

  it("a key file that is not there, and a config that does not parse, are errors, not no keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-key-files-"));
    const none = join(dir, "none");
    expect(() => localBackendOfFiles({ keyFile: none, setting })).toThrow(
      expect.objectContaining({
        code: "S5_KEY_FILE",
        message: `cannot read the private key file ${none} (ENOENT)`,
      }),
    );
    const keyFile = join(dir, "billing");
    writeFileSync(keyFile, `${(await generateIdentity()).secretKey}\n`, { mode: 0o600 });
    const configFile = join(dir, "billing.json");
    writeFileSync(configFile, "{");
    expect(() => localBackendOfFiles({ keyFile, configFile, setting })).toThrow(
      expect.objectContaining({ code: "S5_CONFIG_PARSE" }),
    );
  });
});
