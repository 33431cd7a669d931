import { generateKeyPairSync, sign } from "node:crypto";
import {
  chmodSync,
  chownSync,
  lchownSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startOpenBao } from "../../scripts/openbao.mjs";
import { runChild } from "../child.ts";
import { asRoot, canUnshare, OTHER_UID } from "../setup/system-tools.ts";
import { startFaultProxy } from "./fault-proxy.ts";
import {
  admin,
  apiOk,
  coreBackends,
  describeVault,
  newMount,
  root,
  type Server,
  s5,
  server,
  tempDir,
  unique,
  vaultEnv,
} from "./helpers.ts";

const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

// Files of another user need root to make (chown); mounts need a mount namespace of one's own.
const OTHER = OTHER_UID;
const unshare = canUnshare;

describeVault("vault auth, namespaces and TLS", () => {
  let mount: string;
  let key: string;
  let policy: string;

  beforeAll(async () => {
    ({ mount, key } = await newMount("app"));
    policy = unique("both");
    await apiOk(admin, "POST", `sys/policies/acl/${policy}`, {
      policy: `path "${mount}/encrypt/${key}" { capabilities = ["update"] }
path "${mount}/decrypt/${key}" { capabilities = ["update"] }`,
    });
  });

  /** A new AppRole mount with one role, its ids, and the environment that logs in through `addr`. */
  async function appRole(role: string, settings: Record<string, unknown>) {
    const approle = unique("approle");
    await apiOk(admin, "POST", `sys/auth/${approle}`, { type: "approle" });
    await apiOk(admin, "POST", `auth/${approle}/role/${role}`, {
      token_policies: [policy],
      ...settings,
    });
    const roleId: string = (await apiOk(admin, "GET", `auth/${approle}/role/${role}/role-id`)).data
      .role_id;
    const secretId: string = (
      await apiOk(admin, "POST", `auth/${approle}/role/${role}/secret-id`, {})
    ).data.secret_id;
    const envAt = (addr: string) =>
      vaultEnv({
        VAULT_ADDR: addr,
        VAULT_TOKEN: undefined,
        S5_VAULT_AUTH_METHOD: "approle",
        S5_VAULT_AUTH_MOUNT: approle,
        S5_VAULT_ROLE_ID: roleId,
        S5_VAULT_SECRET_ID: secretId,
        S5_VAULT_TRANSIT_MOUNT: mount,
        S5_VAULT_TRANSIT_KEY: key,
      });
    return { roleId, secretId, envAt };
  }

  it("logs in with AppRole (secret id from a _FILE variable)", async () => {
    const { secretId, envAt } = await appRole("ci", {});
    const secretFile = join(tempDir(), "secret-id");
    writeFileSync(secretFile, `${secretId}\n`, { mode: 0o600 });
    const env: Record<string, string> = {
      ...envAt(admin.addr),
      S5_VAULT_SECRET_ID_FILE: secretFile,
    };
    delete env.S5_VAULT_SECRET_ID;
    const cipher = await s5(["cipher", "vault", "approle-secret"], { env });
    expect(cipher.stderr).toBe("");
    const decipher = await s5(["decipher", cipher.stdout], { env });
    expect(decipher.stdout).toBe("approle-secret");

    // Others may read it: a warning (a Kubernetes Secret volume is 0644 unless told otherwise,
    // and a refusal would stop a deployment), and the login still works.
    chmodSync(secretFile, 0o644);
    const shared = await s5(["decipher", cipher.stdout], { env });
    expect(shared.stdout).toBe("approle-secret");
    expect(shared.stderr).toContain(
      `s5: warning: the file of S5_VAULT_SECRET_ID ${secretFile} is readable by group or others (mode 0644): they can log in to Vault as this AppRole; run \`chmod 600 ${secretFile}\``,
    );
    expect(shared.stderr).not.toContain(secretId);

    const wrong = await s5(["decipher", cipher.stdout], {
      env: { ...env, S5_VAULT_SECRET_ID_FILE: "", S5_VAULT_SECRET_ID: "not-it" },
    });
    expect(wrong.code).toBe(9);
    expect(wrong.stderr).toContain("S5_VAULT_LOGIN");
  });

  it("logs in with a JWT (static public key, RS256 signed here), as CI would", async () => {
    const jwtMount = unique("jwt");
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    await apiOk(admin, "POST", `sys/auth/${jwtMount}`, { type: "jwt" });
    await apiOk(admin, "POST", `auth/${jwtMount}/config`, {
      jwt_validation_pubkeys: [publicKey.export({ type: "spki", format: "pem" })],
    });
    await apiOk(admin, "POST", `auth/${jwtMount}/role/ci`, {
      role_type: "jwt",
      user_claim: "sub",
      bound_audiences: ["s5"],
      token_policies: [policy],
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
    const claims = b64url(
      JSON.stringify({
        sub: "repo:s5:ref:main",
        aud: "s5",
        iat: now,
        nbf: now - 5,
        exp: now + 600,
      }),
    );
    const signature = b64url(sign("sha256", Buffer.from(`${header}.${claims}`), privateKey));
    const env = vaultEnv({
      VAULT_TOKEN: undefined,
      S5_VAULT_AUTH_METHOD: "jwt",
      S5_VAULT_AUTH_MOUNT: jwtMount,
      S5_VAULT_ROLE: "ci",
      S5_VAULT_JWT: `${header}.${claims}.${signature}`,
      S5_VAULT_TRANSIT_MOUNT: mount,
      S5_VAULT_TRANSIT_KEY: key,
    });
    const cipher = await s5(["cipher", "vault", "jwt-secret"], { env });
    expect(cipher.stderr).toBe("");
    expect((await s5(["decipher", cipher.stdout], { env })).stdout).toBe("jwt-secret");

    // From S5_VAULT_JWT_FILE: a file others may read gets a warning; the login still works.
    const jwtFile = join(tempDir(), "jwt");
    writeFileSync(jwtFile, env.S5_VAULT_JWT!, { mode: 0o644 });
    chmodSync(jwtFile, 0o644);
    const fromFile = { ...env, S5_VAULT_JWT: "", S5_VAULT_JWT_FILE: jwtFile };
    const shared = await s5(["decipher", cipher.stdout], { env: fromFile });
    expect(shared.stdout).toBe("jwt-secret");
    expect(shared.stderr).toContain(
      `s5: warning: the file of S5_VAULT_JWT ${jwtFile} is readable by group or others (mode 0644): they can log in to Vault with it until it expires; run \`chmod 600 ${jwtFile}\``,
    );
    expect(shared.stderr).not.toContain(signature);
    chmodSync(jwtFile, 0o600);
    const quiet = await s5(["decipher", cipher.stdout], { env: fromFile });
    expect(quiet.stdout).toBe("jwt-secret");
    expect(quiet.stderr).toBe("");

    const forged = await s5(["decipher", cipher.stdout], {
      env: { ...env, S5_VAULT_JWT: `${header}.${claims}.${b64url("forged")}` },
    });
    expect(forged.code).toBe(9);
    expect(forged.stderr).toContain("login");
  });

  it("names a single-use secret_id spent by a login attempt whose answer was lost", async () => {
    const { roleId, secretId, envAt } = await appRole("once", { secret_id_num_uses: 1 });
    const proxy = await startFaultProxy(admin.addr);
    // The first login reaches OpenBao, which spends the secret_id; its answer is lost on the way.
    proxy.plan = (seen) =>
      seen.path.endsWith("/login") &&
      proxy.seen.filter((s) => s.path.endsWith("/login")).length === 1
        ? { kind: "lost" }
        : undefined;
    try {
      const result = await s5(["cipher", "vault", "never-sealed"], { env: envAt(proxy.url) });
      expect(result.code).toBe(9);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain("S5_VAULT_LOGIN");
      expect(result.stderr).toContain("after 2 attempts");
      expect(result.stderr).toContain(": invalid role or secret ID");
      expect(result.stderr).toContain("(ECONNRESET) but may have reached Vault");
      expect(result.stderr).toContain("secret_id_num_uses");
      expect(result.stderr).not.toContain(secretId);
      expect(result.stderr).not.toContain(roleId);
      expect(proxy.seen.filter((s) => s.path.endsWith("/login"))).toHaveLength(2);
      // Spent indeed: the same secret_id is refused straight away, and without the hint.
      const again = await s5(["cipher", "vault", "never-sealed"], { env: envAt(admin.addr) });
      expect(again.code).toBe(9);
      expect(again.stderr).toContain(": invalid role or secret ID");
      expect(again.stderr).not.toContain("may have reached Vault");
    } finally {
      await proxy.close();
    }
  });

  it("renews a login token in a long-lived process", async () => {
    const { envAt } = await appRole("short", { token_ttl: "3s", token_max_ttl: "1h" });
    const proxy = await startFaultProxy(admin.addr);
    const backends = coreBackends(envAt(proxy.url));
    try {
      const vault = await backends.get("vault");
      const [body] = await vault.encrypt([Buffer.from("long-lived")]);
      await new Promise((resolve) => setTimeout(resolve, 4500));
      const [result] = await vault.decrypt([body!]);
      expect(result?.ok && Buffer.from(result.value).toString()).toBe("long-lived");
      const paths = proxy.seen.map((seen) => seen.path);
      expect(paths.filter((path) => path.endsWith("/login"))).toHaveLength(1);
      expect(paths.filter((path) => path === "/v1/auth/token/renew-self").length).toBeGreaterThan(
        0,
      );
    } finally {
      await backends[Symbol.asyncDispose]();
      await proxy.close();
    }
  });

  // Kubernetes auth runs against a real API server: test/k8s/vault-auth.test.ts.

  it("sends VAULT_NAMESPACE as X-Vault-Namespace", async () => {
    const namespace = unique("team");
    await apiOk(admin, "POST", `sys/namespaces/${namespace}`, {});
    const inside: Server = { ...admin, namespace };
    const { mount: m, key: k } = await newMount("ns", inside);
    const env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: m, S5_VAULT_TRANSIT_KEY: k });
    const cipher = await s5(["cipher", "vault", "namespaced"], {
      env: { ...env, VAULT_NAMESPACE: namespace },
    });
    expect(cipher.stderr).toBe("");
    const decipher = await s5(["decipher", cipher.stdout], {
      env: { ...env, BAO_NAMESPACE: namespace },
    });
    expect(decipher.stdout).toBe("namespaced");
    const outside = await s5(["decipher", cipher.stdout], { env });
    expect(outside.code).not.toBe(0);
    expect(outside.stdout).toBe("");
  });

  describeVault("TLS (-dev-tls)", () => {
    let tls: Awaited<ReturnType<typeof startOpenBao>> | undefined;
    let env: Record<string, string>;

    beforeAll(async () => {
      if (!server.bin) return;
      tls = await startOpenBao({ bin: server.bin, tls: true });
      env = vaultEnv({ VAULT_ADDR: tls.addr, VAULT_TOKEN: tls.token, S5_VAULT_TRANSIT_KEY: "t" });
    });
    afterAll(async () => {
      await tls?.stop();
    });

    it("verifies with VAULT_CACERT, VAULT_CACERT_BYTES or VAULT_CAPATH", async (context) => {
      if (!tls) return context.skip("no bao binary to start a TLS server");
      const ca = tls.caCert!;
      const cipher = await s5(["cipher", "vault", "over-tls"], {
        env: { ...env, VAULT_CACERT: ca },
      });
      expect(cipher.stderr).toBe("");
      const bytes = await s5(["decipher", cipher.stdout], {
        env: { ...env, VAULT_CACERT_BYTES: readFileSync(ca, "utf8") },
      });
      expect(bytes.stdout).toBe("over-tls");
      const dir = join(tempDir(), "certs");
      mkdirSync(dir);
      writeFileSync(join(dir, "ca.pem"), readFileSync(ca));
      const capath = await s5(["decipher", cipher.stdout], { env: { ...env, VAULT_CAPATH: dir } });
      expect(capath.stdout).toBe("over-tls");
    });

    it("refuses a CA file that everyone can change: they would choose who gets the token; a group may write", async (context) => {
      if (!tls) return context.skip("no bao binary to start a TLS server");
      const ca = join(tempDir(), "ca.pem");
      writeFileSync(ca, readFileSync(tls.caCert!));
      chmodSync(ca, 0o666);
      const run = await s5(["cipher", "vault", "x"], { env: { ...env, VAULT_CACERT: ca } });
      expect(run.code).toBe(12);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain(
        `VAULT_CACERT (${ca}) can be changed by another user: everyone can write to ${ca} (mode 0666)`,
      );
      expect(run.stderr).toContain("S5_CONFIG_VAULT_TLS");
      expect(run.stderr).toContain(`chmod o-w ${ca}`);
      // umask 002 with user-private groups: an administrator's grant, not a hole.
      chmodSync(ca, 0o664);
      const fixed = await s5(["cipher", "vault", "x"], { env: { ...env, VAULT_CACERT: ca } });
      expect(fixed.stderr).toBe("");
      expect(fixed.code).toBe(0);
    });

    it.skipIf(!asRoot)(
      "refuses a CA another user can change: their file, their link, a directory above everyone can write, their VAULT_CAPATH",
      async (context) => {
        if (!tls) return context.skip("no bao binary to start a TLS server");
        const dir = tempDir();
        chmodSync(dir, 0o755);
        const pemText = readFileSync(tls.caCert!);
        const refused = async (setting: string, path: string, why: string) => {
          const run = await s5(["cipher", "vault", "x"], { env: { ...env, [setting]: path } });
          expect(run.stdout).toBe("");
          expect(run.stderr).toContain(
            `${setting} (${path}) can be changed by another user: ${why}`,
          );
          expect(run.stderr).toContain("S5_CONFIG_VAULT_TLS");
          expect(run.code).toBe(12);
        };
        // A 0644 CA of another user: they rewrite it, or chmod it, at will.
        const theirs = join(dir, "theirs.pem");
        writeFileSync(theirs, pemText);
        chownSync(theirs, OTHER, OTHER);
        await refused("VAULT_CACERT", theirs, `${theirs} belongs to another user (uid ${OTHER})`);
        // Their link in a sticky /tmp-like directory, to a safe root file: they re-point it.
        const safe = join(dir, "safe.pem");
        writeFileSync(safe, pemText);
        const shared = join(dir, "shared");
        mkdirSync(shared);
        chmodSync(shared, 0o1777);
        const link = join(shared, "ca.pem");
        symlinkSync(safe, link);
        lchownSync(link, OTHER, OTHER);
        await refused(
          "VAULT_CACERT",
          link,
          `${link} is a symbolic link of another user (uid ${OTHER}), who can point it elsewhere`,
        );
        // A root CA, 0644, in a directory everyone can write and that is not sticky: anyone
        // renames their own file over it.
        const open = join(dir, "open");
        mkdirSync(open);
        chmodSync(open, 0o777);
        writeFileSync(join(open, "ca.pem"), pemText);
        await refused(
          "VAULT_CACERT",
          join(open, "ca.pem"),
          `everyone can write to ${open} (mode 0777)`,
        );
        // A VAULT_CAPATH of another user, 0755: they add a CA whenever they like.
        const capath = join(dir, "capath");
        mkdirSync(capath);
        writeFileSync(join(capath, "ca.pem"), pemText);
        chownSync(capath, OTHER, OTHER);
        await refused("VAULT_CAPATH", capath, `${capath} belongs to another user (uid ${OTHER})`);
        // The same files, where only root can change them, are used.
        chownSync(capath, 0, 0);
        const ok = await s5(["cipher", "vault", "x"], { env: { ...env, VAULT_CAPATH: capath } });
        expect([ok.code, ok.stderr]).toEqual([0, ""]);
      },
    );

    it.skipIf(!unshare)(
      "trusts a read-only mount whatever its owners and modes say, unless the same files are writable elsewhere (unshare -m, as nobody)",
      async (context) => {
        if (!tls) return context.skip("no bao binary to start a TLS server");
        const base = tempDir();
        chmodSync(base, 0o755);
        const home = join(base, "home");
        mkdirSync(home);
        chownSync(home, OTHER, OTHER);
        const ca = readFileSync(tls.caCert!);
        // A directory of root's, 0775, with a 0664 and a 0666 CA, shown read-only at `bind`.
        const src = join(base, "src");
        mkdirSync(src);
        chmodSync(src, 0o775);
        writeFileSync(join(src, "ca664.pem"), ca);
        chmodSync(join(src, "ca664.pem"), 0o664);
        writeFileSync(join(src, "ca666.pem"), ca);
        chmodSync(join(src, "ca666.pem"), 0o666);
        const bind = join(base, "bind");
        const tmpfs = join(base, "tmpfs");
        mkdirSync(bind);
        mkdirSync(tmpfs);
        const cases: [string, string, string][] = [
          ["ro tmpfs, CA 0666 of a third user", "VAULT_CACERT", `${tmpfs}/ca.pem`],
          ["ro tmpfs, VAULT_CAPATH 0777", "VAULT_CAPATH", tmpfs],
          ["ro bind, CA 0664", "VAULT_CACERT", `${bind}/ca664.pem`],
          ["ro bind, CA 0666 (writable at its source)", "VAULT_CACERT", `${bind}/ca666.pem`],
        ];
        const runs = cases
          .map(
            ([, setting, path], i) =>
              `setpriv --reuid=${OTHER} --regid=${OTHER} --clear-groups env ${setting}=${path} "${process.execPath}" "${join(root, "packages/cli/bin/s5.cjs")}" cipher vault x >/dev/null 2>${base}/err${i}; echo $? >${base}/rc${i}`,
          )
          .join("\n");
        // A ConfigMap-like volume: a tmpfs, 0777, a CA 0666 of a third user (uid 1234), then read-only.
        const script = `set -e
mount -t tmpfs -o size=64k tmpfs ${tmpfs}
cp ${tls.caCert} ${tmpfs}/ca.pem
chmod 0666 ${tmpfs}/ca.pem; chown 1234:1234 ${tmpfs}/ca.pem; chmod 0777 ${tmpfs}
mount -o remount,ro ${tmpfs}
mount --bind ${src} ${bind}
mount -o remount,bind,ro ${bind}
cd ${home}
set +e
${runs}`;
        const out = await runChild(
          "unshare",
          ["-m", "--propagation", "private", "sh", "-c", script],
          {
            env: { ...env, HOME: home },
          },
        );
        expect(out.stderr).toBe("");
        const result = (i: number) => ({
          code: Number(readFileSync(join(base, `rc${i}`), "utf8")),
          stderr: readFileSync(join(base, `err${i}`), "utf8"),
        });
        for (const i of [0, 1, 2])
          expect([cases[i]![0], result(i)]).toEqual([cases[i]![0], { code: 0, stderr: "" }]);
        const writable = result(3);
        expect(writable.code).toBe(12);
        expect(writable.stderr).toContain(
          `everyone can write to ${bind}/ca666.pem (mode 0666) (mounted read-only, but also writable as ${src}/ca666.pem)`,
        );
      },
    );

    it("keeps verifying with VAULT_SKIP_VERIFY=false, skips only with true", async (context) => {
      if (!tls) return context.skip("no bao binary to start a TLS server");
      for (const value of [undefined, "false", "0"]) {
        const run = await s5(["cipher", "vault", "x"], {
          env: value === undefined ? env : { ...env, VAULT_SKIP_VERIFY: value },
        });
        expect(run.code).toBe(8);
        expect(run.stderr).toContain("S5_VAULT_TLS");
        expect(run.stdout).toBe("");
      }
      const skip = await s5(["cipher", "vault", "x"], {
        env: { ...env, VAULT_SKIP_VERIFY: "true" },
      });
      expect(skip.code).toBe(0);
    });

    it("says so when VAULT_ADDR has the wrong scheme for the port, or the CA is not PEM", async (context) => {
      if (!tls) return context.skip("no bao binary to start a TLS server");
      const plainToTls = tls.addr.replace("https://", "http://");
      const toTls = await s5(["cipher", "vault", "x"], { env: { ...env, VAULT_ADDR: plainToTls } });
      expect(toTls.code).toBe(12);
      expect(toTls.stderr).toContain(
        `VAULT_ADDR is ${plainToTls}, but the server there speaks TLS`,
      );
      expect(toTls.stderr).toContain(`use ${tls.addr}`);
      const tlsToPlain = admin.addr.replace("http://", "https://");
      const toPlain = await s5(["cipher", "vault", "x"], {
        env: { ...env, VAULT_ADDR: tlsToPlain, VAULT_TOKEN: admin.token },
      });
      expect(toPlain.code).toBe(12);
      expect(toPlain.stderr).toContain("but the server there does not speak TLS");
      const notPem = join(tempDir(), "ca.der");
      writeFileSync(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
      const der = await s5(["cipher", "vault", "x"], { env: { ...env, VAULT_CACERT: notPem } });
      expect(der.code).toBe(12);
      expect(der.stderr).toContain(`VAULT_CACERT (${notPem}) holds no PEM certificate`);
    });
  });
});
