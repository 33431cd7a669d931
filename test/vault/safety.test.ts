// Vault safety against a real OpenBao: credential files, and answers that must not mislead.
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, chownSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { linkModules, run } from "../loader/helpers.ts";
import { startFaultProxy } from "./fault-proxy.ts";
import {
  admin,
  apiOk,
  describeVault,
  newMount,
  s5,
  tempDir,
  tokenWithPolicy,
  vaultEncrypt,
  vaultEnv,
} from "./helpers.ts";

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
      `s5: warning: the Vault token file ${tokenFile} is readable by group or others (mode 0644)`,
    );
    expect(shared.stderr).toContain(`chmod 600 ${tokenFile}`);
    expect(shared.stderr).not.toContain(admin.token);
    // Readable by the group alone: every member of it can use the token.
    chmodSync(tokenFile, 0o640);
    const group = await s5(["cipher", "vault", "-k", key, "v"], { env });
    expect(group.code).toBe(0);
    expect(group.stderr).toContain(
      `s5: warning: the Vault token file ${tokenFile} is readable by group or others (mode 0640)`,
    );

    // Writable but not readable by the group: a member could swap in a token of theirs.
    chmodSync(tokenFile, 0o620);
    const swap = await s5(["cipher", "vault", "-k", key, "v"], { env });
    expect(swap.code).toBe(0);
    expect(swap.stderr).toContain(
      `s5: warning: the Vault token file ${tokenFile} is writable by group or others (mode 0620): they can replace it`,
    );

    chmodSync(tokenFile, 0o600);
    const quiet = await s5(["cipher", "vault", "-k", key, "v"], { env });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
  });

  it("refuses a TLS client key (VAULT_CLIENT_KEY) that group or others can access, as an identity", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const keyFile = join(tempDir("s5-client-key-"), "client.key");
    writeFileSync(keyFile, pem);
    const env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount });
    for (const [variable, mode] of [
      ["VAULT_CLIENT_KEY", 0o644],
      ["BAO_CLIENT_KEY", 0o640],
    ] as const) {
      chmodSync(keyFile, mode);
      const refused = await s5(["cipher", "vault", "-k", key, "v"], {
        env: { ...env, [variable]: keyFile },
      });
      expect(refused.code, variable).toBe(7);
      expect(refused.stderr).toContain(
        `the client key file ${keyFile} is accessible by group or others (mode 0${mode.toString(8)}); s5 will not use it (S5_KEY_FILE_MODE)`,
      );
      expect(refused.stderr).toContain(`chmod 600 ${keyFile}`);
      expect(refused.stderr).not.toContain(pem.split("\n")[1]!.slice(0, 20));
      expect(refused.stdout).toBe("");
    }
    chmodSync(keyFile, 0o600);
    const ok = await s5(["cipher", "vault", "-k", key, "v"], {
      env: { ...env, VAULT_CLIENT_KEY: keyFile },
    });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe("");
  });

  // A Kubernetes Secret volume for a pod that does not run as root: its files are root's, 0440,
  // in the pod's fsGroup. 0400 would leave the key unreadable to the pod, and the volume cannot
  // be chmod-ed. As ssh, a key another user owns is that user's to share with a group; others'
  // access is refused still. Owning the file as someone else takes root here.
  it.runIf(process.getuid?.() === 0)(
    "takes a client key or token file another user owns and shares with the group only (fsGroup), not with others",
    async () => {
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      const keyFile = join(tempDir("s5-client-key-"), "client.key");
      writeFileSync(keyFile, pem);
      chownSync(keyFile, 65534, process.getgid!());
      const env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, VAULT_CLIENT_KEY: keyFile });
      chmodSync(keyFile, 0o440);
      const granted = await s5(["cipher", "vault", "-k", key, "v"], { env });
      expect(granted.stderr).toBe("");
      expect(granted.code).toBe(0);
      chmodSync(keyFile, 0o444);
      const world = await s5(["cipher", "vault", "-k", key, "v"], { env });
      expect(world.code).toBe(7);
      expect(world.stderr).toContain(
        `the client key file ${keyFile} is accessible by others (mode 0444); s5 will not use it (S5_KEY_FILE_MODE)`,
      );
      // This user's own key must be private to it, whatever its group.
      chownSync(keyFile, 0, 0);
      chmodSync(keyFile, 0o440);
      const own = await s5(["cipher", "vault", "-k", key, "v"], { env });
      expect(own.code).toBe(7);
      expect(own.stderr).toContain("is accessible by group or others (mode 0440)");

      // A token file the same way (a Secret volume, a projected token with an fsGroup): no
      // warning whose `chmod` cannot be run there; others' access is still warned of.
      const home = tempDir("s5-home-");
      const tokenFile = join(home, ".vault-token");
      writeFileSync(tokenFile, `${admin.token}\n`);
      chownSync(tokenFile, 65534, process.getgid!());
      const tokenEnv = vaultEnv({
        HOME: home,
        VAULT_TOKEN: undefined,
        S5_VAULT_TRANSIT_MOUNT: mount,
      });
      chmodSync(tokenFile, 0o440);
      const group = await s5(["cipher", "vault", "-k", key, "v"], { env: tokenEnv });
      expect(group.code).toBe(0);
      expect(group.stderr).toBe("");
      chmodSync(tokenFile, 0o444);
      const others = await s5(["cipher", "vault", "-k", key, "v"], { env: tokenEnv });
      expect(others.code).toBe(0);
      expect(others.stderr).toContain(
        `s5: warning: the Vault token file ${tokenFile} is readable by others (mode 0444): they can use your Vault token; run \`chmod o-rwx ${tokenFile}\``,
      );
    },
  );
});

describeVault("settings and credentials of the loader and s5 run", () => {
  let env: Record<string, string>;
  let token: string;

  beforeAll(async () => {
    const { mount, key } = await newMount("app");
    env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
    token = `{{ s5:${await vaultEncrypt(mount, key, "loader-secret-Kq2")} }}`;
  });

  it("a committed .env cannot say where or how s5 connects; the app still gets its lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-dotenv-settings-"));
    linkModules(dir);
    const hostile = [
      "VAULT_ADDR=http://127.0.0.1:9",
      "BAO_ADDR=http://127.0.0.1:9",
      "VAULT_SKIP_VERIFY=true",
      "HTTPS_PROXY=http://127.0.0.1:9",
      "S5_VAULT_TRANSIT_MOUNT=elsewhere",
      `A=${token}`,
    ];
    writeFileSync(join(dir, ".env"), `${hostile.join("\n")}\n`);
    writeFileSync(
      join(dir, "app.mjs"),
      'import "s5/config";\nconsole.log(JSON.stringify([process.env.A, process.env.VAULT_ADDR, process.env.S5_VAULT_TRANSIT_MOUNT]));\n',
    );
    const out = await run(["app.mjs"], { cwd: dir, env });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual([
      "loader-secret-Kq2",
      env.VAULT_ADDR,
      env.S5_VAULT_TRANSIT_MOUNT,
    ]);

    // Settings that only the file gives are not used at all.
    const { VAULT_ADDR: _, ...noAddr } = env;
    writeFileSync(join(dir, ".env"), `VAULT_ADDR=${env.VAULT_ADDR}\nA=${token}\n`);
    const refused = await run(["app.mjs"], { cwd: dir, env: noAddr });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("needs VAULT_ADDR");
    expect(refused.stderr).not.toContain("loader-secret-Kq2");
  });

  it("s5 run keeps s5's credentials from the command unless --pass-credentials", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), `A=${token}\n`);
    const credentials = { ...env, S5_AES_KEY: "11".repeat(32), S5_PRIVATE_KEY: "S5-SECRET-KEY-x" };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell expansions
    const show = ["sh", "-c", 'echo "$A|${VAULT_TOKEN:-}|${S5_AES_KEY:-}|${S5_PRIVATE_KEY:-}"'];
    const kept = await s5(["run", "--", ...show], { env: credentials, cwd: dir });
    expect(kept.stderr).toBe("");
    expect(kept.stdout).toBe("loader-secret-Kq2|||\n");
    const passed = await s5(["run", "--pass-credentials", "--", ...show], {
      env: credentials,
      cwd: dir,
    });
    expect(passed.stdout).toBe(
      `loader-secret-Kq2|${admin.token}|${"11".repeat(32)}|S5-SECRET-KEY-x\n`,
    );
  });
});

describeVault("rewrap keeps every token form", () => {
  it("rewraps each form the scanner reads and changes only the bodies", async () => {
    const { mount, key } = await newMount("forms");
    const env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
    const c = async (value: string) => vaultEncrypt(mount, key, value);
    const bare = async (value: string) => (await c(value)).slice("vault:v1:".length);
    const lines = [
      `a: {{ s5:${await c("a")} }}`,
      `b: {{s5:${await c("b")}}}`,
      `c: {{ s5:${await bare("c")} }}`,
      `d: {{s5:${await bare("d")}}}`,
      `e: {{ ${await c("e")} }}`,
      `f: {{${await c("f")}}}`,
      `g: {{\n\ts5:${await c("g")}\r\n| base64 }}`,
      `h: {{ ${await c("h")} | yaml }}`,
      `i: {{ s5:aes:${"A".repeat(40)} }}`,
    ];
    const original = `${lines.join("\n")}\n`;
    const file = join(tempDir(), "forms.yml");
    writeFileSync(file, original);
    await apiOk(admin, "POST", `${mount}/keys/${key}/rotate`, {});

    const rewrap = await s5(["rewrap", "-i", file], { env });
    expect(rewrap.stderr).toBe("s5: rewrapped 8 of 8 Vault tokens in 1 file\n");
    const after = readFileSync(file, "utf8");
    expect(after.match(/vault:v2:/g)).toHaveLength(8);
    // Each form is kept: only what lies between the body's first and last character changed.
    const shape = (text: string) =>
      text.replace(/(?:vault:v\d+:)?[A-Za-z0-9+/]{30,}={0,2}/g, "BODY");
    expect(shape(after)).toBe(shape(original));
    expect(after).toMatch(/^e: \{\{ vault:v2:\S+ \}\}$/m);
    expect(after).toMatch(/^f: \{\{vault:v2:\S+\}\}$/m);
    expect(after).toContain(`i: {{ s5:aes:${"A".repeat(40)} }}`);

    const render = await s5(["render", file], { env: { ...env, S5_AES_KEY: "11".repeat(32) } });
    expect(render.code).toBe(6); // the aes token is not a real one
    const vaultOnly = after.replace(/^i: .*\n/m, "");
    writeFileSync(file, vaultOnly);
    const rendered = await s5(["render", file], { env });
    expect(rendered.stdout).toBe(
      `a: a\nb: b\nc: c\nd: d\ne: e\nf: f\ng: ${Buffer.from("g").toString("base64")}\nh: "h"\n`,
    );
  });
});

describeVault("Vault answers that must not mislead", () => {
  let env: Record<string, string>;
  let token: string;

  beforeAll(async () => {
    const { mount, key } = await newMount("app");
    env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
    token = `{{ s5:${await vaultEncrypt(mount, key, "answers-secret")} }}`;
  });

  it("an HTML page or a truncated body with status 200 is not called an altered token", async () => {
    const proxy = await startFaultProxy(admin.addr);
    try {
      const viaProxy = { ...env, VAULT_ADDR: proxy.url, VAULT_MAX_RETRIES: "0" };
      proxy.plan = () => ({
        kind: "raw",
        status: 200,
        contentType: "text/html",
        body: "<!doctype html><html><body>Sign in to continue</body></html>",
      });
      const html = await s5(["decipher", token], { env: viaProxy });
      expect(html.code).toBe(8);
      expect(html.stderr).toContain(
        `the server at ${proxy.url} answered with an HTML page, not Vault's JSON`,
      );
      expect(html.stderr).not.toContain("Sign in");
      proxy.plan = () => ({
        kind: "raw",
        status: 200,
        contentType: "application/json",
        body: '{"data":{"batch_results":[{"plaint',
      });
      const truncated = await s5(["decipher", token], { env: viaProxy });
      expect(truncated.code).toBe(8);
      expect(truncated.stderr).toContain("not JSON (or truncated JSON)");
      proxy.plan = () => ({
        kind: "raw",
        status: 200,
        contentType: "application/json",
        body: "{}",
      });
      const empty = await s5(["decipher", token], { env: viaProxy });
      expect(empty.code).toBe(8);
      expect(empty.stderr).toContain("answered without transit batch results");
    } finally {
      await proxy.close();
    }
  });

  it("a namespace that does not exist and a bogus token are named as such", async () => {
    const namespace = await s5(["decipher", token], { env: { ...env, VAULT_NAMESPACE: "nope" } });
    expect(namespace.code).toBe(12);
    expect(namespace.stderr).toContain("has no such namespace (S5_CONFIG_VAULT_NAMESPACE)");
    const bogus = await s5(["decipher", token], { env: { ...env, VAULT_TOKEN: "hvs.bogus" } });
    expect(bogus.code).toBe(7);
    expect(bogus.stderr).toContain("does not accept the token from VAULT_TOKEN");
    expect(bogus.stderr).not.toContain("may not decrypt");
    // A real token whose policy denies decrypting is still told exactly that.
    const encryptOnly = await tokenWithPolicy(
      `path "${env.S5_VAULT_TRANSIT_MOUNT}/encrypt/*" { capabilities = ["update"] }`,
    );
    const denied = await s5(["decipher", token], { env: { ...env, VAULT_TOKEN: encryptOnly } });
    expect(denied.code).toBe(9);
    expect(denied.stderr).toContain("may not decrypt");
  });
});
