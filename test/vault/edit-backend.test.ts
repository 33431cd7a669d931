// `s5 edit` seals a changed value with its token's backend: a Vault value an engineer edits in a
// project whose new tokens are local keys stays a Vault token of the same transit key (before, it
// became a local-key token that every recipient of `.s5.json` could read), and where that backend
// cannot encrypt the edit fails rather than choose another. Against a real OpenBao server.
import { spawn } from "node:child_process";
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import {
  admin,
  apiOk,
  bin,
  describeVault,
  newMount,
  s5,
  tempDir,
  tokenWithPolicy,
  vaultEnv,
} from "./helpers.ts";

const EDITOR = `"${process.execPath}" "${join(import.meta.dirname, "../fixtures/editor.mjs")}"`;

/** A local-keys project (new tokens: local) whose `.s5.json` also names a transit mount and key. */
async function project(env: Record<string, string>, mount: string, key: string) {
  const dir = tempDir();
  expect((await s5(["init", "--name", "dev"], { env, cwd: dir })).code).toBe(0);
  const config = JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8"));
  config.backend = "local";
  config.vault = { transitMount: mount, transitKey: key };
  writeFileSync(join(dir, ".s5.json"), `${JSON.stringify(config, null, 2)}\n`);
  return dir;
}

async function vaultDecrypt(mount: string, key: string, token: string): Promise<string> {
  const ciphertext = /\{\{ s5:(vault:v\d+:[A-Za-z0-9+/=]+) \}\}/.exec(token)![1]!;
  const body = await apiOk(admin, "POST", `${mount}/decrypt/${key}`, { ciphertext });
  return Buffer.from(body.data.plaintext, "base64").toString();
}

describeVault("s5 edit keeps a changed value's backend (Vault)", () => {
  it("a changed Vault value stays a token of the same transit key, in a project of local keys", async () => {
    const { mount, key } = await newMount("ci");
    const env = vaultEnv();
    const dir = await project(env, mount, key);
    const vault = (await s5(["cipher", "vault", "ci-only-1"], { env, cwd: dir })).stdout;
    expect(vault).toMatch(/^\{\{ s5:vault:v1:/);
    const local = (await s5(["cipher", "everyone-1"], { env, cwd: dir })).stdout;
    expect(local).toMatch(/^\{\{ s5:local:/);
    const file = join(dir, "app.yml");
    writeFileSync(file, `ci: ${vault}\nteam: ${local}\n`);
    const edit = await s5(["edit", "app.yml"], {
      env: {
        ...env,
        EDITOR,
        TEST_EDIT: JSON.stringify([
          ["ci-only-1", "ci-only-2"],
          ["everyone-1 }}\n", "everyone-2 }}\nnew: {{ s5:seal added }}\n"],
        ]),
      },
      cwd: dir,
    });
    // Where each went: the Vault value to its transit key, the local ones to the project key.
    const localKey = JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8")).local.keys[0].id;
    expect(edit.stderr).toContain(
      `app.yml: 3 new token(s): 1 to Vault transit key ${key} (mount ${mount}), 2 to local key ${localKey} (1 recipient); 0 kept\n`,
    );
    expect(edit.code).toBe(0);
    const [ci, team, added] = readFileSync(file, "utf8").split("\n");
    // Before: `ci: {{ s5:local:… }}`, readable by every recipient of .s5.json.
    expect(ci).toMatch(/^ci: \{\{ s5:vault:v1:\S+ \}\}$/);
    expect(await vaultDecrypt(mount, key, ci!)).toBe("ci-only-2");
    expect(team).toMatch(/^team: \{\{ s5:local:/);
    // A value the user adds takes the project's default, as before.
    expect(added).toMatch(/^new: \{\{ s5:local:/);
    const rendered = await s5(["render", "app.yml"], { env, cwd: dir });
    expect(rendered.stdout).toBe("ci: ci-only-2\nteam: everyone-2\nnew: added\n");
  });

  it("where the Vault key cannot encrypt, nothing is written, and the edits wait for a login", async () => {
    const { mount, key } = await newMount("ci");
    const env = vaultEnv();
    const dir = await project(env, mount, key);
    const vault = (await s5(["cipher", "vault", "ci-only-1"], { env, cwd: dir })).stdout;
    const file = join(dir, "app.yml");
    const before = `ci: ${vault}\n`;
    writeFileSync(file, before);
    // This engineer may decrypt with the key, not encrypt.
    const decryptOnly = await tokenWithPolicy(
      `path "${mount}/decrypt/${key}" { capabilities = ["update"] }`,
    );
    const engineer = { ...vaultEnv({ VAULT_TOKEN: undefined, HOME: env.HOME }), EDITOR };
    writeFileSync(join(env.HOME!, ".vault-token"), decryptOnly, { mode: 0o600 });
    const edit = { ...engineer, TEST_EDIT: JSON.stringify([["ci-only-1", "ci-only-2"]]) };

    // Nobody to answer: the edits (plaintext) are discarded, the file is as it was.
    const refused = await s5(["edit", "app.yml"], { env: edit, cwd: dir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("app.yml:1:5: a changed value is encrypted again with");
    expect(refused.stderr).toContain("(Vault, the same transit key), never another");
    expect(refused.stderr).toContain("encrypt again once that is fixed? (your edits wait)");
    expect(refused.stderr).toContain("your edits were discarded; app.yml is unchanged");
    expect(refused.stderr).not.toContain("ci-only");
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(readdirSync(dir).sort()).toEqual([".s5.json", "app.yml"]);

    // A login with the right while s5 asks: the same edits are sealed, with the same key.
    const child = spawn(process.execPath, [bin, "edit", "app.yml"], { env: edit, cwd: dir });
    let stderr = "";
    const asked = new Promise<void>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("your edits wait")) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await Promise.race([asked, exited]);
    expect(stderr).toContain("your edits wait");
    const both = await tokenWithPolicy(
      `path "${mount}/decrypt/${key}" { capabilities = ["update"] }\npath "${mount}/encrypt/${key}" { capabilities = ["update"] }`,
    );
    writeFileSync(join(env.HOME!, ".vault-token"), both);
    child.stdin.end("y\n");
    expect(await exited).toBe(0);
    const [ci] = readFileSync(file, "utf8").split("\n");
    expect(ci).toMatch(/^ci: \{\{ s5:vault:v1:\S+ \}\}$/);
    expect(await vaultDecrypt(mount, key, ci!)).toBe("ci-only-2");
  });
});

describeVault("a sub-project's own transit key, from the monorepo's top", () => {
  /** A local-keys project with `sub`, a project of its own transit key; `sub/x.yml` holds its token. */
  async function withSub() {
    const { mount, key } = await newMount("top");
    await apiOk(admin, "POST", `${mount}/keys/sub`, {});
    const env = vaultEnv();
    const dir = await project(env, mount, key);
    const sub = join(dir, "sub");
    mkdirSync(sub);
    expect((await s5(["init", "--dir", ".", "--name", "dev"], { env, cwd: sub })).code).toBe(0);
    const config = JSON.parse(readFileSync(join(sub, ".s5.json"), "utf8"));
    config.vault = { transitMount: mount, transitKey: "sub" };
    writeFileSync(join(sub, ".s5.json"), `${JSON.stringify(config, null, 2)}\n`);
    const token = (await s5(["cipher", "vault", "sub-value"], { env, cwd: sub })).stdout;
    expect(token).toMatch(/^\{\{ s5:vault:v1:/);
    writeFileSync(join(sub, "x.yml"), `a: ${token}\n`);
    return { mount, env, dir, sub };
  }

  it("rewrap and ls take each file's project (the nearest .s5.json)", async () => {
    const { mount, env, dir, sub } = await withSub();
    // Before: the top's key, which does not open the token.
    const listed = await s5(["ls", "sub/x.yml"], { env, cwd: dir });
    expect(listed.stdout).toBe("sub/x.yml:1:4 vault sub v1\n");

    await apiOk(admin, "POST", `${mount}/keys/sub/rotate`, {});
    // Before: compared with the top key's version (1), left at v1, "rewrapped 0 of 1", exit 0 —
    // and raising the sub key's min_decryption_version then made it unreadable.
    const rewrapped = await s5(["rewrap", "-i", "sub/x.yml"], { env, cwd: dir });
    expect(rewrapped.stderr).toContain("rewrapped 1 of 1 Vault tokens");
    expect(rewrapped.code).toBe(0);
    expect(readFileSync(join(sub, "x.yml"), "utf8")).toMatch(/^a: \{\{ s5:vault:v2:/);
    await apiOk(admin, "POST", `${mount}/keys/sub/config`, { min_decryption_version: 2 });
    const rendered = await s5(["render", "sub/x.yml"], { env, cwd: dir });
    expect(rendered.stdout).toBe("a: sub-value\n");
  });

  it("rewrap and ls through a symbolic link take the project where the file is", async () => {
    const { mount, env, dir, sub } = await withSub();
    symlinkSync("sub/x.yml", join(dir, "link.yml"));
    // Before: the top's key (the link's own directory), which does not open the token.
    const listed = await s5(["ls", "link.yml"], { env, cwd: dir });
    expect(listed.stdout).toBe("link.yml:1:4 vault sub v1\n");
    await apiOk(admin, "POST", `${mount}/keys/sub/rotate`, {});
    const rewrapped = await s5(["rewrap", "-i", "link.yml"], { env, cwd: dir });
    expect(rewrapped.stderr).toContain("rewrapped 1 of 1 Vault tokens");
    expect(rewrapped.code).toBe(0);
    expect(readFileSync(join(sub, "x.yml"), "utf8")).toMatch(/^a: \{\{ s5:vault:v2:/);
    expect(lstatSync(join(dir, "link.yml")).isSymbolicLink()).toBe(true);
  });
});

describeVault("a monorepo sealed in one run: one app with a Vault key, one with local keys", () => {
  /** A top without a project; `apps/v` seals with Vault (its own transit key), `apps/l` locally. */
  async function monorepo(env: Record<string, string>) {
    const { mount, key } = await newMount("apps");
    const top = tempDir();
    const v = join(top, "apps", "v");
    const l = join(top, "apps", "l");
    mkdirSync(v, { recursive: true });
    mkdirSync(l, { recursive: true });
    writeFileSync(
      join(v, ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: key } })}\n`,
    );
    expect((await s5(["init", "--dir", ".", "--name", "dev"], { env, cwd: l })).code).toBe(0);
    const config = JSON.parse(readFileSync(join(l, ".s5.json"), "utf8"));
    config.backend = "local";
    writeFileSync(join(l, ".s5.json"), `${JSON.stringify(config, null, 2)}\n`);
    return { mount, key, top, v, l, localKey: config.local.keys.at(-1).id as string };
  }

  it("seals each file with its project's backend; Vault refusing one writes neither", async () => {
    const env = vaultEnv();
    const { mount, key, top, v, l, localKey } = await monorepo(env);
    writeFileSync(join(l, "y.yml"), "y: {{ s5:seal for-everyone }}\n");
    writeFileSync(join(v, "x.yml"), "x: {{ s5:seal ci-only }}\n");
    const sealed = await s5(["seal", "-i", "apps/l/y.yml", "apps/v/x.yml"], { env, cwd: top });
    // Before: "one run seals with one project's keys" (S5_USAGE), exit 2. The Vault project's
    // first seal on this machine is said once (known-transit.test.ts); then each file's line
    // names where its values went.
    expect(sealed.stderr).toBe(
      `s5: warning: Vault transit key ${key} (mount ${mount}) now seals in ${join(v, ".s5.json")}, trusted as this machine's first Vault seal there; if you expected another key (a change to .s5.json may have brought this one), check \`git log -p .s5.json\`\n` +
        `apps/l/y.yml: 1 new token(s): 1 to local key ${localKey} (1 recipient)\n` +
        `apps/v/x.yml: 1 new token(s): 1 to Vault transit key ${key} (mount ${mount})\n`,
    );
    expect(sealed.code).toBe(0);
    const [x] = readFileSync(join(v, "x.yml"), "utf8").split("\n");
    expect(x).toMatch(/^x: \{\{ s5:vault:v1:\S+ \}\}$/);
    expect(await vaultDecrypt(mount, key, x!)).toBe("ci-only");
    expect(readFileSync(join(l, "y.yml"), "utf8")).toMatch(
      new RegExp(`^y: \\{\\{ s5:local:${localKey}:`),
    );
    const rendered = await s5(["render", "apps/l/y.yml", "apps/v/x.yml"], { env, cwd: top });
    expect(rendered.stdout).toBe("y: for-everyone\nx: ci-only\n");

    // A Vault token that may decrypt, not encrypt: the local file, sealed first, is not written.
    const decryptOnly = await tokenWithPolicy(
      `path "${mount}/decrypt/${key}" { capabilities = ["update"] }`,
    );
    const engineer = { ...env, VAULT_TOKEN: decryptOnly };
    const y = "y: {{ s5:seal again }}\n";
    const x2 = "x: {{ s5:seal ci-only-2 }}\n";
    writeFileSync(join(l, "y.yml"), y);
    writeFileSync(join(v, "x.yml"), x2);
    const refused = await s5(["seal", "-i", "apps/l/y.yml", "apps/v/x.yml"], {
      env: engineer,
      cwd: top,
    });
    const alone = await s5(["seal", "-i", "x.yml"], { env: engineer, cwd: v });
    expect(alone.code).not.toBe(0);
    expect(refused.code).toBe(alone.code);
    expect(refused.stderr).toContain("S5_");
    expect(refused.stderr).not.toContain("ci-only");
    expect(readFileSync(join(l, "y.yml"), "utf8")).toBe(y);
    expect(readFileSync(join(v, "x.yml"), "utf8")).toBe(x2);
    expect(readdirSync(l).sort()).toEqual([".s5.json", "y.yml"]);
    expect(readdirSync(v).sort()).toEqual([".s5.json", "x.yml"]);
  });
});

describeVault("the summary of `s5 edit` says where new values went", () => {
  it("a place whose Vault token a pull request swapped for a local-key token: the new value is seen going to the local key", async () => {
    const { mount, key } = await newMount("app");
    const env = vaultEnv();
    const dir = await project(env, mount, key);
    // Mallory is a recipient of the project's local key (she may encrypt, and read team values),
    // never of the Vault key `app`.
    const generated = await s5(["keys", "generate"], { env, cwd: dir });
    const mallorySecret = generated.stdout.trim();
    const malloryPublic = /public key: (s5pk-\S+)/.exec(generated.stderr)![1]!;
    expect((await s5(["keys", "add", "mallory", malloryPublic], { env, cwd: dir })).code).toBe(0);
    const localKey = JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8")).local.keys.at(-1).id;
    const prod = (await s5(["cipher", "vault", "prod-1"], { env, cwd: dir })).stdout;
    const team = (await s5(["cipher", "team-1"], { env, cwd: dir })).stdout;
    const file = join(dir, "values.yml");
    writeFileSync(file, `prod_password: ${prod}\nteam: ${team}\n`);
    const rotate = (from: string, to: string) =>
      s5(["edit", "values.yml"], {
        env: { ...env, EDITOR, TEST_EDIT: JSON.stringify([[from, to]]) },
        cwd: dir,
      });

    const kept = await rotate("prod-1", "prod-2");
    expect(kept.code).toBe(0);
    expect(kept.stderr).toBe(
      `values.yml: 1 new token(s): 1 to Vault transit key ${key} (mount ${mount}); 1 kept\n`,
    );

    // Mallory's pull request: the place's token becomes one of the local key, of a value she knows.
    const swapped = (await s5(["cipher", "rotate-me"], { env, cwd: dir })).stdout;
    writeFileSync(file, `prod_password: ${swapped}\nteam: ${team}\n`);
    // Alice rotates the production password: edit keeps the place's backend, as designed.
    const edit = await rotate("rotate-me", "prod-3");
    expect(edit.code).toBe(0);
    // Before: "values.yml: 1 new token(s), 1 kept" — nothing said of who can read it now.
    expect(edit.stderr).toBe(
      `values.yml: 1 new token(s): 1 to local key ${localKey} (2 recipients); 1 kept\n`,
    );
    expect(edit.stderr).not.toContain("prod-3");
    // What the line warns of: Mallory reads it.
    const read = await s5(["render", "values.yml"], {
      env: { ...env, S5_PRIVATE_KEY: mallorySecret, HOME: tempDir() },
      cwd: dir,
    });
    expect(read.stdout).toBe("prod_password: prod-3\nteam: team-1\n");
  });
});
