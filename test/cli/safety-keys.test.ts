// Key material is never written to, or read from, a file that group or others can access.
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

const mode = (file: string) => statSync(file).mode & 0o777;

describe("identity and private key files", () => {
  it("s5 init never writes the secret key into an existing file others can read", async () => {
    const box = sandbox();
    const identity = join(box.dir, "..", "identity.txt");
    writeFileSync(identity, "");
    chmodSync(identity, 0o644);
    const env = { S5_IDENTITY_FILE: identity };

    const refused = await box.s5(["init"], { env });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain("(mode 0644)");
    expect(refused.stderr).toContain(`chmod 600 ${identity}`);
    expect(readFileSync(identity, "utf8")).toBe("");

    chmodSync(identity, 0o600);
    const init = await box.s5(["init"], { env });
    expect(init.code).toBe(0);
    expect(init.stderr).toContain(`created your identity in ${identity} (mode 0600)`);
    expect(mode(identity)).toBe(0o600);
    expect(readFileSync(identity, "utf8")).toContain("S5-SECRET-KEY-");
  });

  it("refuses to read an identity or S5_PRIVATE_KEY_FILE that group or others can access", async () => {
    const box = sandbox();
    await box.s5(["init"]);
    const token = (await box.s5(["cipher", "key-file-secret"])).stdout.toString();
    writeFileSync(join(box.dir, "a.env"), `A=${token}\n`);
    const identity = join(box.env.XDG_CONFIG_HOME!, "s5", "identity.txt");

    chmodSync(identity, 0o640);
    const shared = await box.s5(["render", "a.env"]);
    expect(shared.code).toBe(7);
    expect(shared.stderr).toContain("S5_KEY_FILE_MODE");
    expect(shared.stderr).toContain(`chmod 600 ${identity}`);
    expect(shared.stdout.length).toBe(0);

    const keyFile = join(box.dir, "..", "ci.key");
    writeFileSync(keyFile, readFileSync(identity));
    chmodSync(identity, 0o600);
    chmodSync(keyFile, 0o604);
    const env = { S5_PRIVATE_KEY_FILE: keyFile, XDG_CONFIG_HOME: "/nonexistent" };
    const refused = await box.s5(["render", "a.env"], { env });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain(
      `the private key file ${keyFile} is accessible by group or others (mode 0604)`,
    );

    chmodSync(keyFile, 0o400);
    const ok = await box.s5(["render", "a.env"], { env });
    expect(ok.code).toBe(0);
    expect(ok.stdout.toString()).toBe("A=key-file-secret\n");
  });
});

describe("project key integrity", () => {
  const readProject = (dir: string) => JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8"));
  const writeProject = (dir: string, config: unknown) =>
    writeFileSync(join(dir, ".s5.json"), JSON.stringify(config, null, 2));

  it("a publicKey swapped under the same id is refused by cipher, seal, edit and render", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const token = (await alice.s5(["cipher", "before-swap"])).stdout.toString();
    writeFileSync(join(alice.dir, "a.yml"), `a: ${token}\nb: {{ s5:seal new-secret }}\n`);
    const attacker = sandbox();
    await attacker.s5(["init", "--name", "mallory"]);
    const evil = readProject(attacker.dir).local.keys[0];

    const config = readProject(alice.dir);
    config.local.keys[0].publicKey = evil.publicKey;
    writeProject(alice.dir, config);
    for (const args of [
      ["cipher", "new-secret"],
      ["seal", "a.yml"],
      ["render", "a.yml"],
    ]) {
      const result = await alice.s5(args);
      expect(result.code, args.join(" ")).toBe(7);
      expect(result.stderr).toContain("S5_KEY_LOCAL_MISMATCH");
      expect(result.stderr).toContain("its publicKey is not the one its id was made from");
      expect(result.stdout.length).toBe(0);
    }
    const edit = await alice.s5(["edit", "a.yml"], { env: { EDITOR: "true" } });
    expect(edit.code).toBe(7);
  });

  it("an id and publicKey both swapped (recipients kept) are caught when the key is unlocked", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const attacker = sandbox();
    await attacker.s5(["init", "--name", "mallory"]);
    const evil = readProject(attacker.dir).local.keys[0];
    const config = readProject(alice.dir);
    config.local.keys[0].id = evil.id;
    config.local.keys[0].publicKey = evil.publicKey;
    writeProject(alice.dir, config);
    const result = await alice.s5(["cipher", "new-secret"]);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain("the key sealed for you does not match its publicKey");
    expect(result.stdout.length).toBe(0);
  });

  it("keys remove refuses to remove the last recipient of a key", async () => {
    const box = sandbox();
    await box.s5(["init", "--name", "alice"]);
    const before = readFileSync(join(box.dir, ".s5.json"), "utf8");
    const result = await box.s5(["keys", "remove", "alice"]);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain("alice is the last recipient of local key");
    expect(readFileSync(join(box.dir, ".s5.json"), "utf8")).toBe(before);
    const unknown = await box.s5(["keys", "remove", "Sup3rS3cretPw"]);
    expect(unknown.code).toBe(7);
    expect(unknown.stderr).not.toContain("Sup3r");
  });
});
