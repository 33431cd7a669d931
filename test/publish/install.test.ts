// The published packages as a user installs them: packed into tarballs and installed into fresh
// projects (dependencies from the npm registry). A local-key user gets neither node-vault nor its
// dependency tree; a Vault user adds node-vault, in a project or globally, and Vault works (real
// OpenBao); with --omit=optional even sodium-native is gone and local keys still work.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  installProject,
  listPackages,
  loadedByConfig,
  packTarballs,
} from "../../scripts/install-footprint.mjs";
import { runChild } from "../child.ts";
import { admin, describeVault, newMount } from "../vault/helpers.ts";

const CORE = fileURLToPath(new URL("../../packages/core/package.json", import.meta.url));
const VAULT_IS_PEER =
  JSON.parse(readFileSync(CORE, "utf8")).peerDependencies?.["node-vault"] !== undefined;
const VAULT_ONLY = ["node-vault", "axios", "mustache", "tv4", "follow-redirects", "form-data"];

describeVault("installing the packed packages", () => {
  let tarballs: string[];
  let mount: { mount: string; key: string };
  beforeAll(async () => {
    tarballs = packTarballs();
    mount = await newMount();
  }, 120_000);
  const made: string[] = [];
  const temp = (dir: string) => {
    made.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of [...made, ...tarballs.slice(0, 1).map((t) => join(t, ".."))])
      rmSync(dir, { recursive: true, force: true });
  });

  function user(dir: string) {
    const home = join(dir, ".home");
    mkdirSync(home, { recursive: true });
    return { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
  }
  const vaultEnv = () => ({
    VAULT_ADDR: admin.addr,
    VAULT_TOKEN: admin.token,
    S5_VAULT_TRANSIT_MOUNT: mount.mount,
    S5_VAULT_TRANSIT_KEY: mount.key,
  });

  it("npm install s5: no node-vault package, s5/config loads none of it; Vault says what to install, then works", async () => {
    const dir = temp(installProject(tarballs));
    const names = listPackages(dir).map((p) => p.name);
    for (const name of [...VAULT_ONLY, "dotenv"]) expect(names).not.toContain(name);
    expect(names).toContain("sodium-native");
    const loaded = loadedByConfig(dir);
    expect(Object.keys(loaded.byPackage).sort()).toEqual(
      // dotenv's parser and core travel inside the loader's engine (one string, compiled with
      // V8's cached data): no file of @s5/core is read at start.
      ["@s5/loader", "s5", "sodium-native"].sort(),
    );

    const s5 = join(dir, "node_modules/.bin/s5");
    const env = { ...user(dir), ...vaultEnv() };
    // node-vault is an optional peer that Vault users install; were it ever bundled into core's
    // Vault chunk instead (no package either), Vault would work straight away.
    if (VAULT_IS_PEER) {
      const missing = await runChild(s5, ["cipher", "vault", "hunter2"], { cwd: dir, env });
      expect(missing.code).toBe(7);
      expect(missing.stderr).toContain("needs the package node-vault, which is not installed");
      expect(missing.stderr).toContain("(S5_CONFIG_VAULT_CLIENT)");
      expect(missing.stderr).toContain("npm install node-vault");
      const add = spawnSync("npm", ["install", "--no-audit", "--no-fund", "node-vault@^0.12.0"], {
        cwd: dir,
        encoding: "utf8",
      });
      expect(add.status, add.stderr).toBe(0);
    }
    const token = await runChild(s5, ["cipher", "vault", "hunter2"], { cwd: dir, env });
    expect(token.stderr).toBe("");
    expect(token.stdout).toMatch(/^\{\{ s5:vault:v1:/);
    const back = await runChild(s5, ["decipher", token.stdout], { cwd: dir, env });
    expect(back.stdout).toBe("hunter2");
  }, 180_000);

  it("npm install --global s5 node-vault: the global s5 finds the global node-vault", async () => {
    const prefix = temp(mkdtempSync(join(tmpdir(), "s5-global-")));
    const install = spawnSync(
      "npm",
      [
        "install",
        "--global",
        "--prefix",
        prefix,
        "--no-audit",
        "--no-fund",
        ...tarballs,
        "node-vault@^0.12.0",
      ],
      { encoding: "utf8" },
    );
    expect(install.status, install.stderr).toBe(0);
    const work = temp(mkdtempSync(join(tmpdir(), "s5-global-work-")));
    const env = { ...user(work), ...vaultEnv() };
    const s5 = join(prefix, "bin/s5");
    const token = await runChild(s5, ["cipher", "vault", "global value"], { cwd: work, env });
    expect(token.stderr).toBe("");
    writeFileSync(join(work, "app.yml"), `v: ${token.stdout}\n`);
    const out = await runChild(s5, ["render", "app.yml"], { cwd: work, env });
    expect(out.stdout).toBe("v: global value\n");
  }, 180_000);

  it("npm install s5 --omit=optional: no sodium-native, local keys work on the JavaScript libsodium", async () => {
    const dir = temp(installProject(tarballs, ["--omit=optional"]));
    expect(existsSync(join(dir, "node_modules/sodium-native"))).toBe(false);
    const loaded = loadedByConfig(dir);
    expect(loaded.byPackage["sodium-native"]).toBeUndefined();
    expect(loaded.byPackage["@noble/ciphers"]).toBeGreaterThan(0);
  }, 180_000);
});
