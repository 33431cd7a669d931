// The links rule (a committed link into another repository's project is refused) with Vault
// transit keys: two repositories whose `.s5.json` name different transit keys on different
// mounts, a real OpenBao, a token that may use A's key only and an admin token that may use both
// (a CI runner of several projects). Through every link a pull request to A can commit, s5 must
// never send B's ciphertext or A's plaintext to a key, nor write B's file: each request is seen
// by a recording proxy in front of the server.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.ts";
import {
  admin,
  describeVault,
  newMount,
  s5,
  tempDir,
  tokenWithPolicy,
  vaultEnv,
} from "./helpers.ts";

const refused =
  /^s5: error: .* (?:is a symbolic link|on its way leads) into a project out of its git repository, .*\/b\/\.s5\.json: s5 will not (?:read or seal it with that project's keys and settings|write its output there) \(S5_CONFIG_UNSAFE\)\n/;

describeVault("links into another repository's project with Vault transit keys", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(admin.addr);
  });
  afterAll(() => proxy.close());

  /** Repositories `a` and `b`, each `.s5.json` naming its own mount and transit key. */
  async function repositories() {
    const [ka, kb] = [await newMount("ka"), await newMount("kb")];
    const top = tempDir();
    const [a, b] = [join(top, "a"), join(top, "b")];
    const env = vaultEnv();
    for (const [dir, { mount, key }] of [
      [a, ka],
      [b, kb],
    ] as const) {
      mkdirSync(join(dir, "sub"), { recursive: true });
      spawnSync("git", ["init", "-q"], { cwd: dir });
      writeFileSync(
        join(dir, ".s5.json"),
        `${JSON.stringify({ backend: "vault", vault: { transitMount: mount, transitKey: key } })}\n`,
      );
    }
    writeFileSync(join(b, "prod.yml"), "db: {{ s5:seal prod-password }}\n");
    writeFileSync(join(b, "sub", "x.yml"), "x: {{ s5:seal sub-password }}\n");
    writeFileSync(join(a, "own.yml"), "a: {{ s5:seal a-secret }}\n");
    for (const [dir, files] of [
      [b, ["prod.yml", "sub/x.yml"]],
      [a, ["own.yml"]],
    ] as const) {
      const sealed = await s5(["seal", "-i", ...files], { env, cwd: dir });
      expect(sealed.code, sealed.stderr).toBe(0);
    }
    const token = (await s5(["cipher", "env-secret"], { env, cwd: b })).stdout.trim();
    writeFileSync(join(b, ".env"), `DB=${token}\n`);
    // B's work tree: a file with a marker still to seal, as someone in B is typing it.
    writeFileSync(join(b, "new.yml"), "n: {{ s5:seal b-typed }}\n");
    // A may encrypt, decrypt, rewrap with its own key and read it: nothing of B's.
    const own = `${ka.mount}/%s/${ka.key}`;
    const alice = await tokenWithPolicy(
      ["encrypt", "decrypt", "rewrap"]
        .map((op) => `path "${own.replace("%s", op)}" { capabilities = ["update"] }`)
        .concat(`path "${ka.mount}/keys/${ka.key}" { capabilities = ["read"] }`)
        .join("\n"),
    );
    return { a, b, ka, kb, alice };
  }

  /** B's files as they are, to compare after every attack. */
  const snapshot = (b: string) =>
    Object.fromEntries(
      ["prod.yml", "new.yml", ".env", "sub/x.yml"].map((f) => [
        f,
        readFileSync(join(b, f), "utf8"),
      ]),
    );

  it("every command through a committed link is refused before any request; the real path is read with B's key", async () => {
    const { a, b, ka, kb, alice } = await repositories();
    // What a pull request to A can commit: links to B's file, directory, .env, a file being typed.
    symlinkSync("../b/prod.yml", join(a, "leak.yml"));
    symlinkSync(join(b, "prod.yml"), join(a, "leak-abs.yml"));
    symlinkSync("../b/sub", join(a, "apps"));
    symlinkSync("../b/.env", join(a, ".env"));
    symlinkSync("../b/new.yml", join(a, "new.yml"));
    symlinkSync("../b/prod.yml", join(a, "out.yml"));
    symlinkSync("../b/sub", join(a, "sublink"));
    const before = snapshot(b);
    for (const token of [alice, admin.token]) {
      const env = vaultEnv({ VAULT_ADDR: proxy.url, VAULT_TOKEN: token, EDITOR: "true" });
      for (const args of [
        ["render", "leak.yml"],
        ["render", "leak-abs.yml"],
        ["render", "apps/x.yml"],
        ["render", "sublink/../prod.yml"],
        ["run", "-f", ".env", "--", "true"],
        ["check", "leak.yml"],
        ["ls", "leak.yml"],
        ["seal", "-i", "new.yml"],
        ["seal", "-i", "sublink/../new.yml"],
        ["rewrap", "-i", "leak.yml"],
        ["edit", "leak.yml"],
        ["render", "own.yml", "-o", "out.yml"],
        ["render", "own.yml", "-o", "apps/out.yml"],
      ]) {
        proxy.seen.length = 0;
        const out = await s5(args, { env, cwd: a });
        const what = `${args.join(" ")}: ${out.stderr}`;
        expect(out.code, what).toBe(12);
        expect(out.stderr, what).toMatch(refused);
        expect(out.stdout).not.toContain("password");
        // Refused before reading: no request to either key (the output's input, A's own file,
        // is not decrypted either: the output is judged first).
        expect(
          proxy.seen.map(({ path }) => path),
          what,
        ).toEqual([]);
      }
    }
    expect(snapshot(b)).toEqual(before);
    expect(readdirSync(join(b, "sub"))).toEqual(["x.yml"]);

    // A's own file with A's token: A's key only. B's named by its real path with the admin token
    // (the user's choice): B's key only; A's token may not use it, and says so.
    const asAlice = vaultEnv({ VAULT_ADDR: proxy.url, VAULT_TOKEN: alice });
    proxy.seen.length = 0;
    const own = await s5(["render", "own.yml"], { env: asAlice, cwd: a });
    expect(own.stdout).toBe("a: a-secret\n");
    expect(proxy.seen.map(({ path }) => path)).toEqual([`/v1/${ka.mount}/decrypt/${ka.key}`]);
    proxy.seen.length = 0;
    const real = await s5(["render", "../b/prod.yml"], {
      env: vaultEnv({ VAULT_ADDR: proxy.url }),
      cwd: a,
    });
    expect(real.stdout).toBe("db: prod-password\n");
    expect(proxy.seen.map(({ path }) => path)).toEqual([`/v1/${kb.mount}/decrypt/${kb.key}`]);
    const denied = await s5(["render", "../b/prod.yml"], { env: asAlice, cwd: a });
    expect(denied.code).not.toBe(0);
    expect(denied.stdout).toBe("");
    expect(denied.stderr).not.toContain("prod-password");
  });

  it("a .s5.json that is a link to B's is not A's project config: A's value is not sealed to B's key", async () => {
    const { a, kb } = await repositories();
    const c = join(a, "..", "c");
    mkdirSync(c);
    spawnSync("git", ["init", "-q"], { cwd: c });
    symlinkSync("../b/.s5.json", join(c, ".s5.json"));
    writeFileSync(join(c, "v.yml"), "v: {{ s5:seal c-secret }}\n");
    proxy.seen.length = 0;
    for (const args of [
      ["seal", "-i", "v.yml"],
      ["keys", "list"],
      ["ls", "v.yml"],
    ]) {
      const out = await s5(args, { env: vaultEnv({ VAULT_ADDR: proxy.url }), cwd: c });
      expect(out.code, out.stderr).toBe(12);
      expect(out.stderr).toContain("will not take it as the project config (S5_CONFIG_UNSAFE)");
    }
    expect(proxy.seen.filter(({ path }) => path.includes(kb.mount))).toEqual([]);
    expect(readFileSync(join(c, "v.yml"), "utf8")).toBe("v: {{ s5:seal c-secret }}\n");
  });
});
