// The `vault` backend through the built CLI against a real OpenBao server.
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { lockDirectory } from "../cli/files.ts";
import { startFaultProxy } from "./fault-proxy.ts";
import {
  admin,
  apiOk,
  bin,
  describeVault,
  newMount,
  s5,
  tempDir,
  tokenWithPolicy,
  vaultEncrypt,
  vaultEnv,
} from "./helpers.ts";

describeVault("vault backend (CLI)", () => {
  let mount: string;
  let key: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    ({ mount, key } = await newMount("app"));
    env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
  });

  it("ciphers, deciphers and renders, keeping every other byte", async () => {
    const cipher = await s5(["cipher", "vault", "hunter2"], { env });
    expect(cipher.stderr).toBe("");
    expect(cipher.stdout).toMatch(/^\{\{ s5:vault:v1:[A-Za-z0-9+/=]+ \}\}$/);
    const decipher = await s5(["decipher", cipher.stdout], { env });
    expect(decipher.stdout).toBe("hunter2");

    const multi = await s5(["cipher", "vault", "--no-trim", "-f", "json"], {
      env,
      input: 'line 1\nline "2"\n',
    });
    const dir = tempDir();
    const file = join(dir, "app.yml");
    writeFileSync(file, `a: ${cipher.stdout}\r\nb: ${multi.stdout}\nc: ${cipher.stdout}`);
    const render = await s5(["render", file], { env });
    expect(render.code).toBe(0);
    expect(render.stdout).toBe('a: hunter2\r\nb: line 1\\nline \\"2\\"\\n\nc: hunter2');
  });

  it("reads the Go tool's tokens (vault:v1: stripped, either spacing)", async () => {
    const ciphertext = await vaultEncrypt(mount, key, "from-go");
    const body = ciphertext.slice("vault:v1:".length);
    const file = join(tempDir(), "legacy.yml");
    // 0.1.7+ `{{s5:…}}`, 0.1.1–0.1.6 `{{ s5:… }}`, and 0.1.0's `{{ vault:v1:… }}`.
    writeFileSync(file, `x: {{s5:${body}}}\ny: {{ s5:${body} }}\nz: {{ ${ciphertext} }}\n`);
    const render = await s5(["render", "vault", "-k", key, file], {
      env: vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount }),
    });
    expect(render.stderr).toBe("");
    expect(render.stdout).toBe("x: from-go\ny: from-go\nz: from-go\n");
    const inPlace = await s5(["render", "vault", "-k", key, "--transit-mount", mount, file, "-i"]);
    expect(inPlace.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("x: from-go\ny: from-go\nz: from-go\n");
  });

  it("takes the transit key the Go tool 0.1 took: S5_TRANSIT_KEY, -k / --vault-transit-key before the command", async () => {
    // A `default` key beside the named one: a setting that is ignored encrypts with it, silently.
    const { mount: m, key: k } = await newMount("named");
    await apiOk(admin, "POST", `${m}/keys/default`, {});
    const bare = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: m });
    const made = [
      await s5(["cipher", "a"], {
        env: vaultEnv({ S5_VAULT_TRANSIT_MOUNT: m, S5_TRANSIT_KEY: k }),
      }),
      await s5(["-k", k, "cipher", "b"], { env: bare }),
      await s5(["--transit-key", k, "cipher", "c"], { env: bare }),
      await s5(["--vault-transit-key", k, "--log-level", "info", "cipher", "d"], { env: bare }),
      await s5([`--vault-transit-key=${k}`, "cipher", "vault", "e"], { env: bare }),
    ];
    for (const [i, result] of made.entries()) {
      expect(result.stderr).toBe("");
      const ciphertext = /vault:v1:[A-Za-z0-9+/=]+/.exec(result.stdout)![0];
      const plain = await apiOk(admin, "POST", `${m}/decrypt/${k}`, { ciphertext });
      expect(Buffer.from(plain.data.plaintext, "base64").toString()).toBe("abcde"[i]);
    }
    // The new name wins over the old one, as in the Go tool's later releases.
    const both = vaultEnv({
      S5_VAULT_TRANSIT_MOUNT: m,
      S5_VAULT_TRANSIT_KEY: "default",
      S5_TRANSIT_KEY: k,
    });
    const made2 = await s5(["cipher", "f"], { env: both });
    const ciphertext = /vault:v1:[A-Za-z0-9+/=]+/.exec(made2.stdout)![0];
    await apiOk(admin, "POST", `${m}/decrypt/default`, { ciphertext });
    // The Go tool 0.1's server flags: refused with what to set instead, the value never shown.
    for (const flag of ["--vault-addr", "--vault-token"]) {
      const refused = await s5([flag, "s.s3cr3t", "decipher", "x"], { env: bare });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(flag === "--vault-addr" ? "VAULT_ADDR" : "VAULT_TOKEN");
      expect(refused.stderr).not.toContain("s3cr3t");
    }
  });

  it("writes Go-tool tokens with --legacy, and refuses once the key is rotated", async () => {
    const { mount: m, key: k } = await newMount("legacy");
    const e = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: m, S5_VAULT_TRANSIT_KEY: k });
    const legacy = await s5(["cipher", "vault", "--legacy", "old"], { env: e });
    expect(legacy.stdout).toMatch(/^\{\{s5:[A-Za-z0-9+/=]+\}\}$/);
    const body = legacy.stdout.slice(5, -2);
    const plain = await apiOk(admin, "POST", `${m}/decrypt/${k}`, {
      ciphertext: `vault:v1:${body}`,
    });
    expect(Buffer.from(plain.data.plaintext, "base64").toString()).toBe("old");
    await apiOk(admin, "POST", `${m}/keys/${k}/rotate`, {});
    const refused = await s5(["cipher", "vault", "--legacy", "new"], { env: e });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("only version 1");
  });

  it("takes key and mount from flags, S5_VAULT_*, and .s5.json; BAO_* wins over VAULT_*", async () => {
    const { mount: m, key: k } = await newMount("proj");
    const dir = tempDir();
    writeFileSync(
      join(dir, ".s5.json"),
      JSON.stringify({ backend: "vault", vault: { transitKey: k, transitMount: m } }),
    );
    const e = vaultEnv({ BAO_ADDR: admin.addr, VAULT_ADDR: "http://127.0.0.1:1" });
    const cipher = await s5(["cipher", "project"], { env: e, cwd: dir });
    expect(cipher.code).toBe(0);
    const plain = await apiOk(admin, "POST", `${m}/decrypt/${k}`, {
      ciphertext: cipher.stdout.slice(6, -3),
    });
    expect(Buffer.from(plain.data.plaintext, "base64").toString()).toBe("project");
  });

  it("-i never replaces a file that changed while s5 waited for Vault (render, rewrap, seal)", async () => {
    // Every Vault request held 1.5 s: time for an editor's save or a `git pull` to land.
    const proxy = await startFaultProxy(admin.addr);
    proxy.plan = () => ({ kind: "delay", ms: 1500 });
    try {
      const slow = { ...env, VAULT_ADDR: proxy.url };
      const token = (await s5(["cipher", "vault", "old-value"], { env })).stdout;
      const dir = tempDir();
      const file = join(dir, "app.yml");
      for (const [command, before] of [
        [["render", "-i"], `a: ${token}\n`],
        [["rewrap", "-i"], `a: ${token}\n`],
        [["seal", "-i"], "a: {{ s5:seal new-value }}\n"],
      ] as const) {
        writeFileSync(file, before);
        const running = s5([...command, file], { env: slow, cwd: dir });
        await new Promise((done) => setTimeout(done, 500));
        appendFileSync(file, "b: added while s5 waited\n");
        const result = await running;
        expect(result.code, command.join(" ")).not.toBe(0);
        expect(result.stderr).toContain(
          "app.yml changed while s5 was running; nothing was changed",
        );
        expect(result.stderr).toContain("S5_OUTPUT_CHANGED");
        expect(readFileSync(file, "utf8")).toBe(`${before}b: added while s5 waited\n`);
        expect(readdirSync(dir)).toEqual(["app.yml"]);
      }
    } finally {
      await proxy.close();
    }
  });

  it("rewrap leaves the Go tool's AES tokens alone, and its Vault tokens with legacyTokens", async () => {
    const { mount: m, key: k } = await newMount("legacy");
    const e = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: m, S5_VAULT_TRANSIT_KEY: k });
    const { vectors } = JSON.parse(
      readFileSync(new URL("../fixtures/upstream-aes.json", import.meta.url), "utf8"),
    ) as { vectors: { key: string; token: string; plaintext: string }[] };
    const aes = vectors[0]!;
    const go = (await vaultEncrypt(m, k, "gamma")).slice("vault:v1:".length);
    const current = (await s5(["cipher", "vault", "alpha"], { env: e })).stdout;
    const dir = tempDir();
    const file = join(dir, "mix.yml");
    const original = `aes: ${aes.token}\ngo: {{s5:${go}}}\nold: {{ vault:v1:${go} }}\nnew: ${current}\n`;
    writeFileSync(file, original);
    await apiOk(admin, "POST", `${m}/keys/${k}/rotate`, {});
    // The AES token is read by its shape (as render and ls read it), not sent to Vault.
    const rewrap = await s5(["rewrap", "-i", file], { env: e, cwd: dir });
    expect(rewrap.stderr).toContain("rewrapped 3 of 3");
    const after = readFileSync(file, "utf8").split("\n");
    expect(after[0]).toBe(`aes: ${aes.token}`);
    expect(after.slice(1, 4).every((line) => line.includes("vault:v2:"))).toBe(true);
    // With legacyTokens the Go tool must still read its tokens: they stay at version 1.
    writeFileSync(file, original);
    writeFileSync(join(dir, ".s5.json"), JSON.stringify({ legacyTokens: true }));
    const legacy = await s5(["rewrap", "-i", file], { env: e, cwd: dir });
    expect(legacy.stderr).toContain("rewrapped 1 of 1");
    expect(legacy.stderr).toContain("2 token(s) in the Go tool's form left at their version");
    const kept = readFileSync(file, "utf8").split("\n");
    expect(kept.slice(0, 3)).toEqual(original.split("\n").slice(0, 3));
    expect(kept[3]).toContain("vault:v2:");
    // seal writes the Go tool's form too (a key at version 1), and refuses what it cannot carry.
    const fresh = await newMount("legacy-seal");
    const e1 = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: fresh.mount, S5_VAULT_TRANSIT_KEY: fresh.key });
    writeFileSync(join(dir, "s.yml"), "a: {{ s5:seal sealed-go }}\n");
    expect((await s5(["seal", "vault", "-i", "s.yml"], { env: e1, cwd: dir })).code).toBe(0);
    const sealed = readFileSync(join(dir, "s.yml"), "utf8");
    expect(sealed).toMatch(/^a: \{\{s5:[A-Za-z0-9+/=]+\}\}\n$/);
    writeFileSync(join(dir, "f.yml"), "a: {{ s5:seal x | base64 }}\n");
    const filtered = await s5(["seal", "vault", "-i", "f.yml"], { env: e1, cwd: dir });
    expect(filtered.code).toBe(2);
    expect(filtered.stderr).toContain("f.yml:1:4: the Go tool's token format has no filters");
    expect((await s5(["render", "s.yml"], { env: e1, cwd: dir })).stdout).toBe("a: sealed-go\n");
  });

  it("seals and renders values whose batch is larger than the server takes in one request", async () => {
    // 12 values of 3 MB: 48 MB of base64 in one batch of 12, past OpenBao's 32 MiB request limit
    // (HTTP 413); s5 sends them in requests of at most 8 MiB.
    const dir = tempDir();
    const values = Array.from({ length: 12 }, (_, i) => `${i}`.repeat(3_000_000));
    const text = values.map((_, i) => `v${i}: {{ s5:seal "${i}…" }}`).join("\n");
    writeFileSync(
      join(dir, "big.yml"),
      text.replace(/"(\d+)…"/g, (_, i) => `"${values[Number(i)]}"`),
    );
    const sealed = await s5(["seal", "vault", "-i", "big.yml"], { env, cwd: dir });
    expect(sealed.stderr).toMatch(
      /^big\.yml: 12 new token\(s\): 12 to Vault transit key \S+ \(mount \S+\)\n$/,
    );
    expect(sealed.code).toBe(0);
    const rendered = await s5(["render", "big.yml"], { env, cwd: dir });
    expect(rendered.code).toBe(0);
    expect(rendered.stdout).toBe(values.map((value, i) => `v${i}: ${value}`).join("\n"));
  }, 120_000);

  it("rewrap -i of several files changes none of them when one cannot be written", async () => {
    const { mount: m, key: k } = await newMount("all");
    const e = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: m, S5_VAULT_TRANSIT_KEY: k });
    const token = (await s5(["cipher", "vault", "alpha"], { env: e })).stdout;
    const dir = tempDir();
    writeFileSync(join(dir, "a.yml"), `a: ${token}\n`);
    mkdirSync(join(dir, "ro"));
    writeFileSync(join(dir, "ro", "b.yml"), `b: ${token}\n`);
    // Both files have a token to move to version 2; the second file's directory takes no file.
    await apiOk(admin, "POST", `${m}/keys/${k}/rotate`, {});
    const unlock = lockDirectory(join(dir, "ro"));
    try {
      const rewrap = await s5(["rewrap", "-i", "a.yml", "ro/b.yml"], { env: e, cwd: dir });
      expect(rewrap.code).toBe(4);
      expect(rewrap.stderr).toContain("nothing was changed");
    } finally {
      unlock();
    }
    expect(readFileSync(join(dir, "a.yml"), "utf8")).toBe(`a: ${token}\n`);
    expect(readdirSync(dir).sort()).toEqual(["a.yml", "ro"]);
  });

  it("rotates: rewrap moves tokens to the newest version, then min_decryption_version", async () => {
    const { mount: m, key: k } = await newMount("rot");
    const e = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: m, S5_VAULT_TRANSIT_KEY: k });
    const a = (await s5(["cipher", "vault", "alpha"], { env: e })).stdout;
    const b = (await s5(["cipher", "vault", "-f", "base64", "beta"], { env: e })).stdout;
    const go = (await vaultEncrypt(m, k, "gamma")).slice("vault:v1:".length);
    const stale = (await s5(["cipher", "vault", "stale"], { env: e })).stdout;
    const file = join(tempDir(), "secrets.yml");
    const original = `# keep me\na: ${a}\nb: ${b}  # comment\nc: {{s5:${go}}}\nd:  {{ s5:${a.slice(6, -3)}   }}\n`;
    writeFileSync(file, original);

    await apiOk(admin, "POST", `${m}/keys/${k}/rotate`, {});
    const rewrap = await s5(["rewrap", "-i", file], { env: e });
    expect(rewrap.stderr).toContain("rewrapped 4 of 4");
    const after = readFileSync(file, "utf8");
    expect(after.match(/vault:v2:/g)).toHaveLength(4);
    // Only the bodies changed: spacing, filters, comments and the rest are byte-identical.
    const shape = (text: string) => text.replace(/s5:[A-Za-z0-9+/=:]+/g, "s5:BODY");
    expect(shape(after)).toBe(shape(original));
    expect(after).toContain("| base64 }}");

    const again = await s5(["rewrap", file], { env: e });
    expect(again.stdout).toBe(after);
    // A token at a version this key does not have is no token of it: refused, not kept as current.
    const future = `${file}.future`;
    writeFileSync(future, `x: ${a.replace("vault:v1:", "vault:v9:")}\n`);
    const beyond = await s5(["rewrap", "-i", future], { env: e });
    expect(beyond.code).toBe(6);
    expect(beyond.stderr).toContain("S5_DECRYPT_VAULT_VERSION");

    await apiOk(admin, "POST", `${m}/keys/${k}/config`, { min_decryption_version: 2 });
    const render = await s5(["render", file], { env: e });
    expect(render.stdout).toBe(
      `# keep me\na: alpha\nb: ${Buffer.from("beta").toString("base64")}  # comment\nc: gamma\nd:  alpha\n`,
    );
    const old = await s5(["decipher", stale], { env: e });
    expect(old.code).toBe(6);
    expect(old.stdout).toBe("");
    expect(old.stderr).toContain("S5_DECRYPT_VAULT_TOO_OLD");
    expect(old.stderr).toContain("s5 rewrap");
  });

  it("s5 check finds tokens below min_decryption_version with only `read` on the key", async () => {
    const { mount: m, key: k } = await newMount("chk");
    const e = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: m, S5_VAULT_TRANSIT_KEY: k });
    const v1 = (await s5(["cipher", "vault", "one"], { env: e })).stdout;
    await apiOk(admin, "POST", `${m}/keys/${k}/rotate`, {});
    const v2 = (await s5(["cipher", "vault", "two"], { env: e })).stdout;
    const dir = tempDir();
    writeFileSync(join(dir, "app.yml"), `a: ${v1}\nb: ${v2}\n`);
    expect((await s5(["check", dir], { env: e })).code).toBe(0);

    await apiOk(admin, "POST", `${m}/keys/${k}/config`, { min_decryption_version: 2 });
    const reader = await tokenWithPolicy(`path "${m}/keys/${k}" { capabilities = ["read"] }`);
    const check = await s5(["check", dir], { env: { ...e, VAULT_TOKEN: reader } });
    expect(check.code).toBe(10);
    expect(check.stdout).toBe(
      `${join(dir, "app.yml")}:1:4: key version 1 is below the key's min_decryption_version 2: Vault no longer opens it, nor rewraps it; a token does not name its key: if it came from another key, rewrap it with that key (-k KEY) and leave this one as it is; if from \`${k}\`, lower its min_decryption_version to 1 (\`bao write ${m}/keys/${k}/config min_decryption_version=1\`), run \`s5 rewrap -i FILE…\`, then raise it again (S5_CHECK_TOO_OLD)\n`,
    );
    // The step check names works once min_decryption_version is lowered; before, check said
    // only "run `s5 rewrap`", which fails on these tokens (S5_DECRYPT_VAULT_TOO_OLD).
    const rewrap = await s5(["rewrap", "-i", join(dir, "app.yml")], { env: e });
    expect(rewrap.code).toBe(6);
    expect(rewrap.stderr).toContain("S5_DECRYPT_VAULT_TOO_OLD");
    await apiOk(admin, "POST", `${m}/keys/${k}/config`, { min_decryption_version: 1 });
    expect((await s5(["rewrap", "-i", join(dir, "app.yml")], { env: e })).code).toBe(0);
    await apiOk(admin, "POST", `${m}/keys/${k}/config`, { min_decryption_version: 2 });
    expect((await s5(["check", dir], { env: e })).code).toBe(0);
    expect(check.stderr).toContain("not decrypted here");
    const admin2 = await s5(["check", dir], { env: e });
    expect(admin2.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("rewrap's too-old hint names the version to lower to, and first the case of another key's token", async () => {
    const { mount: m, key: k } = await newMount("old");
    await apiOk(admin, "POST", `${m}/keys/other`, {});
    const e = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: m, S5_VAULT_TRANSIT_KEY: k });
    const v1 = (await s5(["cipher", "vault", "one"], { env: e })).stdout;
    await apiOk(admin, "POST", `${m}/keys/${k}/rotate`, {});
    const v2 = (await s5(["cipher", "vault", "two"], { env: e })).stdout;
    await apiOk(admin, "POST", `${m}/keys/${k}/rotate`, {});
    await apiOk(admin, "POST", `${m}/keys/${k}/config`, { min_decryption_version: 3 });
    const dir = tempDir();
    const own = join(dir, "own.yml");
    writeFileSync(own, `a: ${v1}\nb: ${v2}\n`);
    const rewrap = await s5(["rewrap", "-i", own], { env: e });
    expect(rewrap.code).toBe(6);
    // Each version its own line and hint: the lowest is the one to lower to.
    expect(rewrap.stderr).toContain(`own.yml:1:4: this token's key version 1 is below`);
    expect(rewrap.stderr).toContain(`own.yml:2:4: this token's key version 2 is below`);
    expect(rewrap.stderr).toContain(`bao write ${m}/keys/${k}/config min_decryption_version=1`);
    // A token of another key below this key's minimum gets the same answer from Vault (it
    // compares the version before it tries the key): the hint says that case before this key's.
    const other = await vaultEncrypt(m, "other", "elsewhere");
    await apiOk(admin, "POST", `${m}/keys/other/rotate`, {});
    const foreign = join(dir, "foreign.yml");
    writeFileSync(foreign, `x: {{ s5:${other} }}\n`);
    const refused = await s5(["rewrap", "-i", foreign], { env: e });
    expect(refused.code).toBe(6);
    const hint = refused.stderr.slice(refused.stderr.indexOf("hint:"));
    expect(hint).toMatch(/another key[^;]*-k KEY/);
    expect(hint.indexOf("another key")).toBeLessThan(hint.indexOf("min_decryption_version=1"));
    // Following the first part: that key's own rewrap moves it, this key stays as it is.
    const moved = await s5(["rewrap", "-k", "other", "-i", foreign], { env: e });
    expect(moved.stderr).toContain("rewrapped 1 of 1");
    // Following the second: this key's tokens move once its minimum is lowered to 1.
    await apiOk(admin, "POST", `${m}/keys/${k}/config`, { min_decryption_version: 1 });
    expect((await s5(["rewrap", "-i", own], { env: e })).stderr).toContain("rewrapped 2 of 2");
    await apiOk(admin, "POST", `${m}/keys/${k}/config`, { min_decryption_version: 3 });
    expect((await s5(["render", own], { env: e })).stdout).toBe("a: one\nb: two\n");
  });

  it("the README's policies: a key not made yet, and tokens asked of the wrong key, say what to do", async () => {
    const { mount: m } = await newMount("new");
    const app = "app-not-made";
    const engineer = await tokenWithPolicy(
      `path "${m}/encrypt/${app}" { capabilities = ["update"] }`,
    );
    const e = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: m, VAULT_TOKEN: engineer });
    // `update` cannot create the key (Vault's upsert needs `create`): the hint says who makes it.
    const first = await s5(["cipher", "vault", "-k", app, "v"], { env: e });
    expect(first.code).toBe(9);
    expect(first.stderr).toContain(`bao write -f ${m}/keys/${app}`);
    await apiOk(admin, "POST", `${m}/keys/${app}`, {});
    const token = (await s5(["cipher", "vault", "-k", app, "v"], { env: e })).stdout;
    expect(token).toMatch(/^\{\{ s5:vault:v1:/);
    // CI may decrypt with `app`; without -k it asks for `default`, and is told to set the key.
    const ci = await tokenWithPolicy(`path "${m}/decrypt/${app}" { capabilities = ["update"] }`);
    const ciEnv = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: m, VAULT_TOKEN: ci });
    const wrong = await s5(["decipher", token], { env: ciEnv });
    expect(wrong.code).toBe(9);
    expect(wrong.stderr).toContain("-k KEY, S5_VAULT_TRANSIT_KEY or vault.transitKey");
    const right = await s5(["decipher", "-k", app, token], { env: ciEnv });
    expect(right.stdout).toBe("v");
  });

  it("an encrypt-only token may cipher but is told it may not decrypt", async () => {
    const token = await tokenWithPolicy(
      `path "${mount}/encrypt/${key}" { capabilities = ["update"] }`,
    );
    const e = { ...env, VAULT_TOKEN: token };
    const cipher = await s5(["cipher", "vault", "engineer"], { env: e });
    expect(cipher.code).toBe(0);
    const decipher = await s5(["decipher", cipher.stdout], { env: e });
    expect(decipher.code).toBe(9);
    expect(decipher.stdout).toBe("");
    expect(decipher.stderr).toContain("may not decrypt");
    expect(decipher.stderr).toContain("S5_VAULT_DENIED");
    const ci = await s5(["decipher", cipher.stdout], { env });
    expect(ci.stdout).toBe("engineer");
  });

  it("reads ~/.vault-token, or BAO_TOKEN_PATH, when VAULT_TOKEN is unset", async () => {
    const home = tempDir("s5-home-");
    writeFileSync(join(home, ".vault-token"), `${admin.token}\n`);
    const e: Record<string, string> = { ...env, HOME: home };
    delete e.VAULT_TOKEN;
    const cipher = await s5(["cipher", "vault", "from-file"], { env: e });
    expect(cipher.code).toBe(0);
    const other = join(tempDir(), "token");
    writeFileSync(other, admin.token);
    const viaPath = await s5(["decipher", cipher.stdout], {
      env: { ...e, HOME: tempDir(), BAO_TOKEN_PATH: other },
    });
    expect(viaPath.stdout).toBe("from-file");
    const none = await s5(["decipher", cipher.stdout], { env: { ...e, HOME: tempDir() } });
    expect(none.code).toBe(7);
    expect(none.stderr).toContain("no Vault token");
  });

  it("fails quickly and clearly: server down, missing key, missing mount", async () => {
    const token = (await s5(["cipher", "vault", "x"], { env })).stdout;
    const started = Date.now();
    const down = await s5(["decipher", token], {
      env: { ...env, VAULT_ADDR: "http://127.0.0.1:9" },
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(down.code).toBe(8);
    expect(down.stderr).toContain("cannot reach Vault");
    expect(down.stdout).toBe("");

    const missing = await s5(["decipher", "-k", "nope", token], { env });
    expect(missing.code).toBe(7);
    expect(missing.stderr).toContain("`nope`");
    expect(missing.stderr).toContain("does not exist");

    const noMount = await s5(["decipher", "--transit-mount", "nowhere", token], { env });
    expect(noMount.code).toBe(7);
    expect(noMount.stderr).toContain("no transit engine at `nowhere/`");
  });

  it("never writes a plaintext to stderr, even with DEBUG=node-vault", async () => {
    const secret = "very-secret-value-123";
    const e = { ...env, DEBUG: "*", NODE_DEBUG: "" };
    const cipher = await s5(["cipher", "vault", secret], { env: e });
    const decipher = await s5(["decipher", cipher.stdout], { env: e });
    const b64 = Buffer.from(secret).toString("base64");
    for (const text of [cipher.stderr, decipher.stderr]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(b64);
    }
    expect(decipher.stdout).toBe(secret);
  });
});

describeVault("s5 edit when Vault fails after the editor closes", () => {
  it("keeps the edits and encrypts again once the token is renewed (a login meanwhile)", async () => {
    const { mount, key } = await newMount("app");
    const policy = `path "${mount}/*" { capabilities = ["update", "read"] }`;
    const first = await tokenWithPolicy(policy);
    const env = vaultEnv({
      VAULT_TOKEN: undefined,
      S5_VAULT_TRANSIT_MOUNT: mount,
      S5_VAULT_TRANSIT_KEY: key,
    });
    writeFileSync(join(env.HOME!, ".vault-token"), first, { mode: 0o600 });
    const dir = tempDir();
    const file = join(dir, "app.yml");
    writeFileSync(file, "password: {{ s5:seal old-Pw1 }}\n");
    expect((await s5(["seal", "-i", file], { env })).code).toBe(0);
    // The "editor" changes the value, then the token is revoked (it expired meanwhile).
    const editor = join(dir, "editor.mjs");
    writeFileSync(
      editor,
      [
        'import { readFileSync, writeFileSync } from "node:fs";',
        "const file = process.argv[2];",
        'writeFileSync(file, readFileSync(file, "utf8").replace("old-Pw1", "new-Pw2"));',
        `await fetch(${JSON.stringify(`${admin.addr}/v1/auth/token/revoke-self`)}, {`,
        `  method: "POST", headers: { "x-vault-token": ${JSON.stringify(first)} } });`,
      ].join("\n"),
    );
    const child = spawn(process.execPath, [bin, "edit", file], {
      env: { ...env, EDITOR: `"${process.execPath}" "${editor}"` },
      cwd: dir,
    });
    let stderr = "";
    const asked = new Promise<void>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("encrypt again once that is fixed")) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    // (Before, s5 ended here with the edits gone: no question.)
    await Promise.race([asked, exited]);
    expect(stderr).toContain("your edits wait");
    // The user logs in again in another terminal, then answers.
    writeFileSync(join(env.HOME!, ".vault-token"), await tokenWithPolicy(policy));
    child.stdin.end("y\n");
    expect(await exited).toBe(0);
    expect(stderr).toContain("S5_KEY_VAULT_TOKEN_INVALID");
    expect(stderr).not.toContain("Pw");
    const rendered = await s5(["render", file], { env });
    expect(rendered.stdout).toBe("password: new-Pw2\n");
  });
});
