// Vault configuration and error mapping, without a server (the server tests are in test/vault).
import {
  chmodSync,
  chownSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveSettings } from "../src/config.ts";
import { parseBody } from "../src/token.ts";
import { afterJitter, agentsTakeProxy, backoff, createVaultClient } from "../src/vault/client.ts";
import { parseDuration, readVaultConfig } from "../src/vault/config.ts";
import { ciphertextVersion, itemError, responseError, vaultMessage } from "../src/vault/errors.ts";
import { proxyFor } from "../src/vault/proxy.ts";
import { BATCH_BYTES, batchRanges } from "../src/vault/transit.ts";
import { retryAfterMs } from "../src/vault/transport.ts";

const config = (env: Record<string, string>, overrides = {}) =>
  readVaultConfig(
    resolveSettings({
      cwd: mkdtempSync(join(tmpdir(), "s5-")),
      env: { HOME: "/nonexistent", ...env },
      overrides,
    }),
  );

describe("batch requests", () => {
  it("split by count into equal requests, and by bytes so no request body is too large", () => {
    const small = Array.from({ length: 500 }, () => "x".repeat(40));
    expect(batchRanges(small, 240)).toEqual([
      [0, 167],
      [167, 334],
      [334, 500],
    ]);
    // 300 KB values: at most 8 MiB of them per request, whatever the count allows.
    const large = Array.from({ length: 120 }, () => "y".repeat(300_000));
    const ranges = batchRanges(large, 240);
    expect(ranges.length).toBeGreaterThan(4);
    for (const [start, end] of ranges) {
      expect((end - start) * 300_032).toBeLessThanOrEqual(BATCH_BYTES);
    }
    expect(ranges.at(-1)![1]).toBe(120);
    // A value larger than the limit goes alone.
    expect(batchRanges(["a", "z".repeat(BATCH_BYTES), "b"], 240)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });
});

describe("vault config", () => {
  it("reads BAO_* before VAULT_*, and defaults like the Go tool", () => {
    const c = config({
      BAO_ADDR: "http://bao:8200/",
      VAULT_ADDR: "http://vault:8200",
      VAULT_TOKEN: "t",
    });
    expect(c.address).toBe("http://bao:8200");
    expect(c.auth.token).toBe("t");
    expect(c.transitKey).toBe("default");
    expect(c.transitMount).toBe("transit");
    expect(c.batchSize).toBe(240);
    expect(c.maxRetries).toBe(6);
    expect(c.retryTimeoutMs).toBe(30_000);
    expect(c.timeoutMs).toBe(60_000);
  });

  it("takes the retry budget from the environment, else .s5.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-"));
    writeFileSync(
      join(dir, ".s5.json"),
      JSON.stringify({ vault: { maxRetries: 3, retryTimeout: "2m" } }),
    );
    const read = (env: Record<string, string>) =>
      readVaultConfig(resolveSettings({ cwd: dir, env: { VAULT_ADDR: "http://v", ...env } }));
    expect(read({})).toMatchObject({ maxRetries: 3, retryTimeoutMs: 120_000 });
    expect(read({ VAULT_MAX_RETRIES: "0", S5_VAULT_RETRY_TIMEOUT: "500ms" })).toMatchObject({
      maxRetries: 0,
      retryTimeoutMs: 500,
    });
  });

  it("reads the cluster's addresses: VAULT_ADDR first, then S5_VAULT_CLUSTER_ADDRS, normalised", () => {
    expect(config({ VAULT_ADDR: "https://v1:8200/" }).clusterAddresses).toEqual([
      "https://v1:8200",
    ]);
    expect(
      config({
        VAULT_ADDR: "https://v1:8200",
        S5_VAULT_CLUSTER_ADDRS: " https://v2:8200/, https://v1:8200 https://V3:8200",
      }).clusterAddresses,
    ).toEqual(["https://v1:8200", "https://v2:8200", "https://v3:8200"]);
    expect(() =>
      config({ VAULT_ADDR: "https://v1:8200", S5_VAULT_CLUSTER_ADDRS: "ftp://v2" }),
    ).toThrow("an address in S5_VAULT_CLUSTER_ADDRS is not an http(s) URL: ftp://v2");
  });

  it("refuses a plain http cluster address beside an https VAULT_ADDR (the token would go in clear)", () => {
    expect(() =>
      config({
        VAULT_ADDR: "https://v1:8200",
        S5_VAULT_CLUSTER_ADDRS: "https://v2:8200,http://v3:8200",
      }),
    ).toThrow(
      "S5_VAULT_CLUSTER_ADDRS holds a plain http address (http://v3:8200) while VAULT_ADDR is https",
    );
    // http everywhere (a loopback test cluster) stays the user's choice.
    expect(
      config({ VAULT_ADDR: "http://v1:8200", S5_VAULT_CLUSTER_ADDRS: "http://v2:8200" })
        .clusterAddresses,
    ).toEqual(["http://v1:8200", "http://v2:8200"]);
  });

  it.skipIf(process.platform === "win32")(
    "refuses a CA file or CA directory that everyone can change, lets a group write, and names a missing one by its setting only",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "s5-ca-"));
      const pemText = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
      const ca = join(dir, "ca.pem");
      writeFileSync(ca, pemText);
      const addr = { VAULT_ADDR: "https://v:8200" };
      chmodSync(ca, 0o644);
      expect(config({ ...addr, VAULT_CACERT: ca }).tls.ca).toBe(pemText);
      // A group may write (umask 002, user-private groups): an administrator granted it.
      chmodSync(ca, 0o664);
      expect(config({ ...addr, VAULT_CACERT: ca }).tls.ca).toBe(pemText);
      chmodSync(ca, 0o666);
      expect(() => config({ ...addr, VAULT_CACERT: ca })).toThrow(
        `VAULT_CACERT (${ca}) can be changed by another user: everyone can write to ${ca} (mode 0666); whoever changes it decides which server s5 trusts with the Vault token`,
      );
      const capath = join(dir, "cas");
      mkdirSync(capath);
      writeFileSync(join(capath, "a.pem"), pemText);
      chmodSync(capath, 0o775);
      expect(config({ ...addr, VAULT_CAPATH: capath }).tls.ca).toBe(pemText);
      chmodSync(join(capath, "a.pem"), 0o666);
      expect(() => config({ ...addr, VAULT_CAPATH: capath })).toThrow(
        /a file in VAULT_CAPATH \(.*a\.pem\) can be changed by another user: everyone can write to .*a\.pem \(mode 0666\)/,
      );
      chmodSync(join(capath, "a.pem"), 0o644);
      chmodSync(capath, 0o1777); // sticky does not help: anyone may add a CA file
      expect(() => config({ ...addr, VAULT_CAPATH: capath })).toThrow(
        `VAULT_CAPATH (${capath}) can be changed by another user: everyone can add files to ${capath} (mode 01777)`,
      );
      const missing = join(dir, "hvs.not-a-directory");
      expect(() => config({ ...addr, VAULT_CAPATH: missing })).toThrow(
        "VAULT_CAPATH names no file (ENOENT); its value is not shown",
      );
    },
  );

  it.skipIf(process.platform !== "linux" || process.getuid?.() !== 0)(
    "refuses a CA another user can change: their file, their link, a directory above everyone can write, their VAULT_CAPATH",
    () => {
      const OTHER = 65534;
      const dir = mkdtempSync(join(tmpdir(), "s5-ca-"));
      chmodSync(dir, 0o755);
      const pemText = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
      const addr = { VAULT_ADDR: "https://v:8200" };
      const refusal = (env: Record<string, string>) => {
        try {
          config({ ...addr, ...env });
        } catch (error) {
          return error as Error & { code?: string; hint?: string };
        }
        throw new Error("accepted");
      };
      const safe = join(dir, "safe.pem");
      writeFileSync(safe, pemText);
      // A 0644 CA that another user owns: they rewrite it (or chmod it) at will.
      const theirs = join(dir, "theirs.pem");
      writeFileSync(theirs, pemText);
      chownSync(theirs, OTHER, OTHER);
      const owned = refusal({ VAULT_CACERT: theirs });
      expect(owned.code).toBe("S5_CONFIG_VAULT_TLS");
      expect(owned.message).toBe(
        `VAULT_CACERT (${theirs}) can be changed by another user: ${theirs} belongs to another user (uid ${OTHER}); whoever changes it decides which server s5 trusts with the Vault token`,
      );
      expect(owned.hint).toContain(`cp ${theirs} ~/vault-ca.pem`);
      // Their link (in a sticky directory) to a safe root file: they point it elsewhere.
      const shared = join(dir, "shared");
      mkdirSync(shared);
      chmodSync(shared, 0o1777);
      const link = join(shared, "ca.pem");
      symlinkSync(safe, link);
      lchownSync(link, OTHER, OTHER);
      const linked = refusal({ VAULT_CACERT: link });
      expect(linked.message).toContain(
        `${link} is a symbolic link of another user (uid ${OTHER}), who can point it elsewhere`,
      );
      expect(linked.hint).toContain(`realpath ${link}`);
      // A root CA, 0644, in a directory everyone can write without the sticky bit.
      const open = join(dir, "open");
      mkdirSync(open);
      chmodSync(open, 0o777);
      writeFileSync(join(open, "ca.pem"), pemText);
      const parent = refusal({ VAULT_CACERT: join(open, "ca.pem") });
      expect(parent.message).toContain(`everyone can write to ${open} (mode 0777)`);
      expect(parent.hint).toContain(`chmod o-w ${open}`);
      // A VAULT_CAPATH of another user, 0755: they add a CA whenever they like.
      const capath = join(dir, "capath");
      mkdirSync(capath);
      writeFileSync(join(capath, "a.pem"), pemText);
      chownSync(capath, OTHER, OTHER);
      expect(refusal({ VAULT_CAPATH: capath }).message).toContain(
        `VAULT_CAPATH (${capath}) can be changed by another user: ${capath} belongs to another user (uid ${OTHER})`,
      );
      // …or a file of theirs in a directory of root's.
      chownSync(capath, 0, 0);
      chownSync(join(capath, "a.pem"), OTHER, OTHER);
      expect(refusal({ VAULT_CAPATH: capath }).message).toContain(
        `a file in VAULT_CAPATH (${join(capath, "a.pem")}) can be changed by another user`,
      );
      chownSync(join(capath, "a.pem"), 0, 0);
      expect(config({ ...addr, VAULT_CAPATH: capath }).tls.ca).toBe(pemText);
    },
  );

  it("reads Retry-After as seconds or an HTTP date, and waits at least that long", () => {
    expect(retryAfterMs("6")).toBe(6000);
    expect(retryAfterMs(" 0 ")).toBe(0);
    const now = Date.parse("2026-11-29T10:00:00Z");
    expect(retryAfterMs("Sun, 29 Nov 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Sun, 29 Nov 2026 09:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
    for (let i = 0; i < 100; i++) {
      const wait = afterJitter(2000);
      expect(wait).toBeGreaterThanOrEqual(2000);
      expect(wait).toBeLessThanOrEqual(2400);
    }
    expect(afterJitter(60_000)).toBeLessThanOrEqual(62_000);
  });

  it("sends through VAULT_HTTP_PROXY only where Node's agents can, else says so", () => {
    expect(["22.12.0", "22.20.9", "23.11.0", "24.4.1"].map((v) => agentsTakeProxy(v))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(["22.21.0", "24.5.0", "24.21.0", "25.0.0"].map((v) => agentsTakeProxy(v))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    const proxied = config({
      VAULT_ADDR: "http://vault.example.test:8200",
      VAULT_TOKEN: "t",
      VAULT_HTTP_PROXY: "http://proxy.example.test:3128",
    });
    expect(proxyFor(proxied.proxies, proxied.address)).toEqual({
      url: "http://proxy.example.test:3128",
      name: "VAULT_HTTP_PROXY",
    });
    if (agentsTakeProxy()) createVaultClient(proxied).close();
    else expect(() => createVaultClient(proxied)).toThrow(/S5_CONFIG_VAULT_PROXY|cannot send/);
  });

  it("treats VAULT_SKIP_VERIFY as a boolean", () => {
    const addr = { VAULT_ADDR: "https://v:8200" };
    expect(config({ ...addr, VAULT_SKIP_VERIFY: "false" }).tls.rejectUnauthorized).toBe(true);
    expect(config({ ...addr, VAULT_SKIP_VERIFY: "0" }).tls.rejectUnauthorized).toBe(true);
    expect(config({ ...addr, VAULT_SKIP_VERIFY: "true" }).tls.rejectUnauthorized).toBe(false);
    expect(() => config({ ...addr, VAULT_SKIP_VERIFY: "maybe" })).toThrow(/true or false/);
  });

  it("orders key and mount: flag > S5_VAULT_* > default; validates names", () => {
    const env = {
      VAULT_ADDR: "http://v",
      S5_VAULT_TRANSIT_KEY: "env",
      S5_VAULT_TRANSIT_MOUNT: "a/b",
    };
    expect(config(env).transitKey).toBe("env");
    expect(config(env).transitMount).toBe("a/b");
    expect(config(env, { transitKey: "flag" }).transitKey).toBe("flag");
    expect(() => config(env, { transitKey: "a#b" })).toThrow(/invalid transit key/);
    expect(() => config(env, { transitMount: "../sys" })).toThrow(/invalid transit mount/);
  });

  it("reads the token helper file and durations", () => {
    const home = mkdtempSync(join(tmpdir(), "s5-home-"));
    writeFileSync(join(home, ".vault-token"), "s.abc\n");
    expect(config({ VAULT_ADDR: "http://v", HOME: home }).auth.token).toBe("s.abc");
    expect(parseDuration("90", "X")).toBe(90_000);
    expect(parseDuration("1.5s", "X")).toBe(1500);
    expect(parseDuration("250ms", "X")).toBe(250);
    expect(() => parseDuration("soon", "X")).toThrow();
  });

  it("needs VAULT_ADDR and a known auth method", () => {
    expect(() => config({})).toThrow(/VAULT_ADDR/);
    expect(() => config({ VAULT_ADDR: "http://v", S5_VAULT_AUTH_METHOD: "ldap" })).toThrow(
      "unknown S5_VAULT_AUTH_METHOD (not shown)",
    );
  });
});

describe("vault bodies and errors", () => {
  it("puts vault:v1: back on Go-tool bodies", () => {
    const nonce = Buffer.alloc(28, 7).toString("base64");
    expect(parseBody(`vault:v3:${nonce}`)).toMatchObject({
      version: 3,
      ciphertext: `vault:v3:${nonce}`,
    });
    expect(parseBody(nonce)).toMatchObject({
      version: 1,
      ciphertext: `vault:v1:${nonce}`,
      goTool: true,
    });
    expect(() => parseBody("vault:v1:QU#D")).toThrow(/vault:vN:BASE64/);
    expect(() => parseBody("QUJD")).toThrow(/not an s5 token/);
  });

  it("maps Vault's answers to typed errors with hints", () => {
    const op = { action: "decrypt" as const, address: "http://v", mount: "transit", key: "k" };
    const denied = responseError(
      403,
      { errors: ["1 error occurred:\n\t* permission denied\n\n"] },
      op,
    );
    expect(denied.exitCode).toBe(9);
    expect(denied.message).toContain("may not decrypt");
    expect(responseError(400, { errors: ["encryption key not found"] }, op).code).toBe(
      "S5_KEY_VAULT_NOT_FOUND",
    );
    expect(responseError(500, {}, op).exitCode).toBe(8);
    const tooOld = "ciphertext or signature version is disallowed by policy (too old)";
    const old = itemError(tooOld, op, 2);
    expect(old.message).toContain("key version 2 is below");
    expect(old.hint).toContain("s5 rewrap");
    expect(old.hint).toContain("min_decryption_version=2");
    expect(itemError(tooOld, op).hint).toContain("to the token's version (vault:vN:)");
    // A key rotated ten times or more: the version to lower to has several digits.
    expect(ciphertextVersion("vault:v12:QUJD")).toBe(12);
    expect(ciphertextVersion("vault:v3:QUJD")).toBe(3);
    expect(ciphertextVersion("vault:vx:QUJD")).toBeUndefined();
    expect(vaultMessage({ errors: ["2 errors occurred:\n\t* a\n\t* b\n\n"] })).toBe("a b");
  });

  const loginOp = {
    action: "login" as const,
    address: "http://v",
    mount: "approle",
    method: "approle",
  };

  it("shows Vault's capitalised words from a fixed list, never a short base64 run", () => {
    const refused = responseError(400, { errors: ["invalid role or secret ID"] }, loginOp);
    expect(refused.message).toContain(": invalid role or secret ID");
    // "QUJD" is base64 of a 3-byte value: a server that quotes the request is not shown.
    const quoted = responseError(400, { errors: ["invalid role or secret QUJD"] }, loginOp);
    expect(quoted.message).not.toContain("QUJD");
    expect(quoted.message).toContain("not shown");
  });

  it("says a refused login may have spent a single-use credential on an unanswered attempt", () => {
    const body = { errors: ["invalid role or secret ID"] };
    const plain = responseError(400, body, loginOp, { attempts: 1, ms: 5 });
    expect(plain.hint).not.toContain("may have reached Vault");
    const afterReset = responseError(400, body, loginOp, {
      attempts: 2,
      ms: 120,
      unanswered: "ECONNRESET",
    });
    expect(afterReset.message).toContain("after 2 attempts");
    expect(afterReset.hint).toContain("(ECONNRESET) but may have reached Vault");
    expect(afterReset.hint).toContain("secret_id_num_uses");
    const denied = responseError(403, { errors: ["permission denied"] }, loginOp, {
      attempts: 3,
      ms: 900,
      unanswered: "HTTP 502",
    });
    expect(denied.code).toBe("S5_VAULT_LOGIN");
    expect(denied.hint).toContain("(HTTP 502) but may have reached Vault");
  });

  it("backs off exponentially with jitter", () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const delay = backoff(attempt, 100);
      expect(delay).toBeGreaterThanOrEqual(50 * 2 ** attempt);
      expect(delay).toBeLessThan(150 * 2 ** attempt);
    }
  });
});
