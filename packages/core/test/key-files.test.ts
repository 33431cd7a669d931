// localBackendOfFiles: a local backend from a key file (read as S5_PRIVATE_KEY_FILE is) and an
// optional project config — what the Kubernetes controller opens each namespace's tokens with.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localBackendOfFiles } from "../src/local/key-files.ts";
import { generateIdentity } from "../src/local/manage.ts";

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
});
