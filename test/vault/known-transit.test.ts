// A `.s5.json` that names another Vault transit key or mount: each machine remembers, per project,
// the mount and key it sealed new values with, and refuses one a change to `.s5.json` brought.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { admin, apiOk, describeVault, newMount, s5, tempDir, vaultEnv } from "./helpers.ts";

/** Every file under `dir` (the project's, not git's), with its bytes. */
function snapshot(dir: string, files: readonly string[]): string[] {
  return files.map((file) => readFileSync(join(dir, file), "latin1"));
}

describeVault("the transit key a project seals with is remembered", () => {
  let mount: string;

  beforeAll(async () => {
    ({ mount } = await newMount("app"));
    // Mallory's key, on the same mount: she may decrypt with it.
    await apiOk(admin, "POST", `${mount}/keys/mallory`, {});
  });

  /** A project sealed with Vault transit key `app`, and Alice's home (her record of known keys). */
  function project(
    config: object = { backend: "vault", vault: { transitMount: mount, transitKey: "app" } },
  ) {
    const dir = tempDir("s5-known-transit-");
    execFileSync("git", ["init", "-q", dir]);
    writeFileSync(join(dir, ".s5.json"), `${JSON.stringify(config)}\n`);
    const env = vaultEnv({ XDG_CONFIG_HOME: join(tempDir("s5-home-"), "config") });
    const run = (args: string[], extra: Record<string, string> = {}, cwd = dir) =>
      s5(args, { env: { ...env, ...extra }, cwd });
    return { dir, env, run };
  }

  /** What Vault's decrypt of `token` with `key` answers: the value, or undefined. */
  async function decryptWith(key: string, token: string): Promise<string | undefined> {
    const ciphertext = /s5:(vault:v\d+:[A-Za-z0-9+/=]+)/.exec(token)?.[1];
    const response = await fetch(`${admin.addr}/v1/${mount}/decrypt/${key}`, {
      method: "POST",
      headers: { "X-Vault-Token": admin.token },
      body: JSON.stringify({ ciphertext }),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { data: { plaintext: string } };
    return Buffer.from(body.data.plaintext, "base64").toString();
  }

  it("a project's first Vault seal on a machine is recorded and said once", async () => {
    const { dir, run } = project();
    writeFileSync(join(dir, "a.yml"), "password: {{ s5:seal pw-1 }}\n");
    const first = await run(["seal", "-i", "a.yml"]);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(
      `s5: warning: Vault transit key app (mount ${mount}) now seals in ${join(dir, ".s5.json")}, trusted as this machine's first Vault seal there; if you expected another key (a change to .s5.json may have brought this one), check \`git log -p .s5.json\`\n` +
        `a.yml: 1 new token(s): 1 to Vault transit key app (mount ${mount})\n`,
    );
    const token = readFileSync(join(dir, "a.yml"), "utf8");
    expect(await decryptWith("app", token)).toBe("pw-1");
    writeFileSync(join(dir, "b.yml"), "password: {{ s5:seal pw-2 }}\n");
    const again = await run(["seal", "-i", "b.yml"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(
      `b.yml: 1 new token(s): 1 to Vault transit key app (mount ${mount})\n`,
    );
  });

  it("a transit key or mount changed in .s5.json is refused, nothing written, until s5 keys trust", async () => {
    const { dir, run } = project();
    expect((await run(["cipher", "before"])).code).toBe(0);
    // Mallory's pull request: the same project now names her key, and asks for a value.
    writeFileSync(
      join(dir, ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: "mallory" } })}\n`,
    );
    writeFileSync(join(dir, "values.yml"), "password: {{ s5:seal prod-pw }}\n");
    const files = [".s5.json", "values.yml"];
    const before = snapshot(dir, files);
    const refused = await run(["seal", "-i", "values.yml"]);
    // Before: exit 0, silent, and Vault's decrypt with `mallory` gave the value.
    expect(refused.code).toBe(7);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("S5_KEY_VAULT_UNTRUSTED");
    expect(refused.stderr).toContain(
      `${join(dir, ".s5.json")} names Vault transit key ${mount}/mallory, and this machine does not trust it there (it sealed with ${mount}/app)`,
    );
    expect(refused.stderr).toContain(`s5 keys trust ${mount}/mallory`);
    expect(refused.stderr).not.toContain("prod-pw");
    expect(snapshot(dir, files)).toEqual(before);
    // `cipher` too; decrypting is not judged (a wrong key only fails).
    expect((await run(["cipher", "x"])).code).toBe(7);

    // Another mount of a key named `app` is no better.
    const other = await newMount("app");
    writeFileSync(
      join(dir, ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: other.mount, transitKey: "app" } })}\n`,
    );
    const mounted = await run(["cipher", "x"]);
    expect(mounted.code).toBe(7);
    expect(mounted.stderr).toContain(`names Vault transit key ${other.mount}/app`);
    // Nor is a `.s5.json` that no longer names a key (the default one seals).
    writeFileSync(
      join(dir, ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount } })}\n`,
    );
    expect((await run(["cipher", "x"])).code).toBe(7);

    // Trusted by its user after checking: it seals, and is what this machine expects from now on.
    writeFileSync(
      join(dir, ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: "mallory" } })}\n`,
    );
    const wrong = await run(["keys", "trust", `${mount}/app`]);
    expect(wrong.code).toBe(7);
    expect(wrong.stderr).toContain(
      `seals in ${join(dir, ".s5.json")}, not ${mount}/app; nothing was trusted`,
    );
    const trust = await run(["keys", "trust", `${mount}/mallory`]);
    expect(trust.code).toBe(0);
    expect(trust.stderr).toBe(
      `this machine now seals with Vault transit key mallory (mount ${mount}) in ${join(dir, ".s5.json")}\n`,
    );
    const sealed = await run(["seal", "-i", "values.yml"]);
    expect(sealed.code).toBe(0);
    expect(sealed.stderr).toBe(
      `values.yml: 1 new token(s): 1 to Vault transit key mallory (mount ${mount})\n`,
    );
    expect(await decryptWith("mallory", readFileSync(join(dir, "values.yml"), "utf8"))).toBe(
      "prod-pw",
    );
    // And the old key is now the changed one.
    writeFileSync(
      join(dir, ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: "app" } })}\n`,
    );
    expect((await run(["cipher", "x"])).code).toBe(7);
  });

  it("a new .s5.json beside a project this machine sealed in names another key: refused", async () => {
    const { dir, run } = project();
    expect((await run(["cipher", "before"])).code).toBe(0);
    // The change adds services/new/.s5.json naming Mallory's key, with a value to fill in.
    mkdirSync(join(dir, "services", "new"), { recursive: true });
    writeFileSync(
      join(dir, "services", "new", ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: "mallory" } })}\n`,
    );
    const sub = join(dir, "services", "new");
    writeFileSync(join(sub, "values.yml"), "password: {{ s5:seal prod-pw }}\n");
    const refused = await run(["seal", "-i", "values.yml"], {}, sub);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain(
      `(it never sealed here, and sealed in ${join(dir, ".s5.json")} with ${mount}/app)`,
    );
    expect(readFileSync(join(sub, "values.yml"), "utf8")).toBe("password: {{ s5:seal prod-pw }}\n");
    // A sub-project that names the same key is its first use, said once.
    writeFileSync(
      join(sub, ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: "app" } })}\n`,
    );
    const same = await run(["seal", "-i", "values.yml"], {}, sub);
    expect(same.code).toBe(0);
    expect(same.stderr).toContain("trusted as this machine's first Vault seal there");
  });

  it("s5 keys list shows the transit key this machine remembers, marked as no project key", async () => {
    const { dir, env, run } = project();
    const file = join(dir, ".s5.json");
    // Nothing remembered yet: nothing listed.
    const none = await run(["keys", "list"]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("");
    expect(JSON.parse((await run(["keys", "list", "--json"])).stdout)).toEqual([]);
    expect((await run(["cipher", "before"])).code).toBe(0);
    const remembered = `vault  Vault transit key app (mount ${mount})  (remembered on this machine for this project: not a project key, not in .s5.json)\n`;
    const listed = await run(["keys", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe(remembered);
    const item = {
      kind: "vault",
      id: null,
      publicKey: null,
      encrypts: false,
      created: null,
      recipients: [],
      mount,
      key: "app",
      rememberedFor: file,
      refused: null,
    };
    expect(JSON.parse((await run(["keys", "list", "--json"])).stdout)).toEqual([item]);

    // Mallory's change: the seal is refused, and the list says which key is trusted and which refused.
    writeFileSync(
      file,
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: "mallory" } })}\n`,
    );
    const record = join(env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    const recordBefore = readFileSync(record, "utf8");
    expect((await run(["cipher", "x"])).code).toBe(7);
    const refused = await run(["keys", "list"]);
    expect(refused.code).toBe(0);
    expect(refused.stdout).toBe(
      remembered +
        `  .s5.json now names ${mount}/mallory: seals here are refused (S5_KEY_VAULT_UNTRUSTED); check \`git log -p .s5.json\`, then \`s5 keys trust ${mount}/mallory\` if it is meant\n`,
    );
    expect(JSON.parse((await run(["keys", "list", "--json"])).stdout)).toEqual([
      { ...item, refused: `${mount}/mallory` },
    ]);
    // Listing writes nothing.
    expect(readFileSync(record, "utf8")).toBe(recordBefore);

    // A new sub-project of the same repository is judged by the key sealed with beside it.
    const sub = join(dir, "services", "new");
    mkdirSync(sub, { recursive: true });
    writeFileSync(
      join(sub, ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: "mallory" } })}\n`,
    );
    const beside = await run(["keys", "list", "--json"], {}, sub);
    expect(JSON.parse(beside.stdout)).toEqual([{ ...item, refused: `${mount}/mallory` }]);
    expect((await run(["keys", "list"], {}, sub)).stdout).toContain(
      `(remembered on this machine for ${file} (same git repository): not a project key`,
    );

    // Beside local keys: listed after them, and the local items keep their members.
    writeFileSync(
      file,
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: "app" } })}\n`,
    );
    expect((await run(["init", "--backend", "local"])).code).toBe(0);
    const both = JSON.parse((await run(["keys", "list", "--json"])).stdout) as { kind: string }[];
    expect(both.map((entry) => entry.kind)).toEqual(["local", "vault"]);
    expect(both[0]).toMatchObject({ encrypts: true, recipients: [{}] });
    const text = (await run(["keys", "list"])).stdout;
    expect(text.split("\n").at(-2)).toBe(remembered.trimEnd());
  });

  it("a key or mount the user chose (flag, S5_VAULT_TRANSIT_KEY) is not judged; CI's fresh home records", async () => {
    const { dir, run } = project();
    expect((await run(["cipher", "before"])).code).toBe(0);
    writeFileSync(
      join(dir, ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: "mallory" } })}\n`,
    );
    const pinned = await run(["cipher", "x"], { S5_VAULT_TRANSIT_KEY: "app" });
    expect(pinned.code).toBe(0);
    expect(pinned.stderr).toBe("");
    expect(await decryptWith("app", pinned.stdout)).toBe("x");
    const flag = await run(["cipher", "--transit-key", "app", "x"]);
    expect(flag.code).toBe(0);
    expect(flag.stderr).toBe("");
    // The variable names the key, .s5.json still the mount: a mount it changed is refused.
    const other = await newMount("app");
    writeFileSync(
      join(dir, ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: other.mount, transitKey: "mallory" } })}\n`,
    );
    const mounted = await run(["cipher", "x"], { S5_VAULT_TRANSIT_KEY: "app" });
    expect(mounted.code).toBe(7);
    expect(mounted.stderr).toContain(`names Vault transit key ${other.mount}/app`);
    const both = await run(["cipher", "x"], {
      S5_VAULT_TRANSIT_KEY: "app",
      S5_VAULT_TRANSIT_MOUNT: mount,
    });
    expect(both.code).toBe(0);
    // A CI job with a fresh home and the key in its variables: sealing says nothing.
    const ci = await run(["cipher", "x"], {
      XDG_CONFIG_HOME: join(tempDir("s5-ci-"), "config"),
      S5_VAULT_TRANSIT_KEY: "app",
      S5_VAULT_TRANSIT_MOUNT: mount,
    });
    expect(ci.code).toBe(0);
    expect(ci.stderr).toBe("");
    // A home that pinned the key and left the mount to .s5.json: the mount is recorded, and the
    // key the first time .s5.json decides it — said, as a first use.
    const home = { XDG_CONFIG_HOME: join(tempDir("s5-home-"), "config") };
    writeFileSync(
      join(dir, ".s5.json"),
      `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: "mallory" } })}\n`,
    );
    const mountOnly = await run(["cipher", "x"], { ...home, S5_VAULT_TRANSIT_KEY: "app" });
    expect(mountOnly.code).toBe(0);
    expect(mountOnly.stderr).toContain("trusted as this machine's first Vault seal there");
    const keyToo = await run(["cipher", "x"], home);
    expect(keyToo.code).toBe(0);
    expect(keyToo.stderr).toContain(`Vault transit key mallory (mount ${mount}) now seals`);
    expect((await run(["cipher", "x"], home)).stderr).toBe("");
    // A record that cannot be written: said at each seal, which goes on (as for local keys).
    writeFileSync(join(dir, "not-a-dir"), "");
    const unwritable = await run(["cipher", "x"], {
      S5_KNOWN_KEYS_FILE: join(dir, "not-a-dir", "known-keys.json"),
    });
    expect(unwritable.code).toBe(0);
    expect(unwritable.stderr).toMatch(
      /^s5: warning: cannot write .*will not notice if \.s5\.json names another \(S5_KEY_KNOWN_WRITE; set S5_KNOWN_KEYS_FILE to a file in a directory of yours that you can write\)\n$/,
    );
  });

  it("keeps what an older or newer s5 wrote in the record, byte for byte", async () => {
    const { dir, env, run } = project();
    const record = join(env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    mkdirSync(join(env.XDG_CONFIG_HOME!, "s5"), { recursive: true, mode: 0o700 });
    const unknown = '{"revoked":[ "s5pk-x" ],  "n": 1.50}';
    writeFileSync(
      record,
      `{\n  "future": ${unknown},\n  "version": 1,\n  "projects": {\n    "/elsewhere/.s5.json": ["s5pk-old"]\n  }\n}\n`,
      { mode: 0o600 },
    );
    expect((await run(["cipher", "x"])).code).toBe(0);
    const text = readFileSync(record, "utf8");
    expect(text).toContain(`"future": ${unknown},`);
    const parsed = JSON.parse(text);
    expect(parsed.projects).toEqual({ "/elsewhere/.s5.json": ["s5pk-old"] });
    expect(parsed.vault[join(dir, ".s5.json")]).toEqual({ mount, key: "app" });
  });
});
