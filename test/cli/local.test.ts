// Local keys end to end: init, cipher, render, a CI recipient, rotation.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

describe("local keys (the embedded default)", () => {
  it("s5 init creates a private identity and a committed project key; cipher and render work", async () => {
    const box = sandbox();
    const init = await box.s5(["init", "--name", "alice"]);
    expect(init.code).toBe(0);
    const publicKey = init.stdout.toString().trim();
    expect(publicKey).toMatch(/^s5pk-/);
    const identityFile = join(box.env.XDG_CONFIG_HOME!, "s5", "identity.txt");
    expect(statSync(identityFile).mode & 0o777).toBe(0o600);
    const project = JSON.parse(readFileSync(join(box.dir, ".s5.json"), "utf8"));
    expect(project.backend).toBe("local");
    expect(project.local.keys[0].recipients[0]).toMatchObject({ name: "alice", publicKey });
    expect(JSON.stringify(project)).not.toContain("S5-SECRET-KEY");

    const token = (await box.s5(["cipher", "abcdefghijklmnopqrstuvwx"])).stdout.toString();
    expect(token).toMatch(/^\{\{ s5:local:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]+ \}\}$/);
    expect(token.length).toBeLessThan(130);
    writeFileSync(join(box.dir, "secret.yml"), `password: ${token}\n`);
    const out = await box.s5(["render", "secret.yml"]);
    expect(out.stdout.toString()).toBe("password: abcdefghijklmnopqrstuvwx\n");

    const again = await box.s5(["init"]);
    expect(again.stderr).toContain("already set up");
  });

  it("a CI recipient decrypts with S5_PRIVATE_KEY only; a stranger gets a clear error", async () => {
    const box = sandbox();
    await box.s5(["init", "--name", "alice"]);
    const token = (await box.s5(["cipher", "db-password"])).stdout.toString();
    writeFileSync(join(box.dir, "app.env"), `DB=${token}\n`);

    const generated = await box.s5(["keys", "generate"]);
    const ciSecret = generated.stdout.toString().trim();
    const ciPublic = /public key: (s5pk-\S+)/.exec(generated.stderr)![1]!;
    const ciEnv = {
      S5_PRIVATE_KEY: ciSecret,
      HOME: "/nonexistent",
      XDG_CONFIG_HOME: "/nonexistent",
    };

    const before = await box.s5(["render", "app.env"], { env: ciEnv });
    expect(before.code).toBe(7);
    expect(before.stderr).toContain("you are not a recipient");
    expect(before.stderr).toContain(ciPublic);

    expect((await box.s5(["keys", "add", "ci", ciPublic])).code).toBe(0);
    expect(readFileSync(join(box.dir, "app.env"), "utf8")).toBe(`DB=${token}\n`);
    const after = await box.s5(["render", "app.env"], { env: ciEnv });
    expect(after.stdout.toString()).toBe("DB=db-password\n");

    const list = (await box.s5(["keys", "list"])).stdout.toString();
    expect(list).toContain("alice");
    expect(list).toContain("ci");
  });

  it("rotation: new tokens use the new key, old tokens still render", async () => {
    const box = sandbox();
    await box.s5(["init"]);
    const old = (await box.s5(["cipher", "old"])).stdout.toString();
    expect((await box.s5(["keys", "rotate"])).code).toBe(0);
    const fresh = (await box.s5(["cipher", "new"])).stdout.toString();
    expect(fresh.split(":")[2]).not.toBe(old.split(":")[2]);
    const out = await box.s5(["render"], { input: `${old} ${fresh}` });
    expect(out.stdout.toString()).toBe("old new");
  });

  it("rewrap after keys rotate says the local-key tokens were left as they are", async () => {
    const box = sandbox();
    await box.s5(["init"]);
    const old = (await box.s5(["cipher", "old"])).stdout.toString();
    expect((await box.s5(["keys", "rotate"])).code).toBe(0);
    const file = `a: ${old}\nb: ${old}\n`;
    writeFileSync(join(box.dir, "a.yml"), file);
    // Before: "rewrapped 0 of 0 Vault tokens", exit 0, and nothing about the two tokens still
    // sealed to the old key — read as the rotation's step done.
    const rewrap = await box.s5(["rewrap", "-i", "a.yml"]);
    expect(rewrap.code).toBe(0);
    expect(rewrap.stderr).toBe(
      "s5: rewrapped 0 of 0 Vault tokens in 1 file\n" +
        "s5: note: 2 local-key tokens left as they are: rewrap moves only Vault tokens; a local-key token keeps the key it was sealed with (it still decrypts), so change a value that a removed recipient may know (s5 edit) to seal it to the newest key\n",
    );
    expect(readFileSync(join(box.dir, "a.yml"), "utf8")).toBe(file);
  });

  it("finds the project config upward from a subdirectory", async () => {
    const box = sandbox();
    await box.s5(["init"]);
    const token = (await box.s5(["cipher", "deep"])).stdout.toString();
    const { mkdirSync } = await import("node:fs");
    const sub = join(box.dir, "a", "b");
    mkdirSync(sub, { recursive: true });
    const out = await box.s5(["decipher", token], { cwd: sub });
    expect(out.stdout.toString()).toBe("deep");
  });
});
