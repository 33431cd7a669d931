// A monorepo's `.env` files, each read with its own project's keys and settings (the nearest
// `.s5.json` above the file) by `s5 run -f` and the loader's `path` (`S5_CONFIG_PATH`, `config()`,
// `s5/preload`), and the process environment with the working directory's project. Before, every
// value was decrypted with the working directory's: `s5 run -f apps/a/.env` from the top failed
// (S5_KEY_LOCAL_UNKNOWN, exit 7; a sub-project's Vault key: S5_DECRYPT_VAULT, exit 6).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "../vault/fault-proxy.ts";
import { admin, apiOk, describeVault, newMount, vaultEncrypt, vaultEnv } from "../vault/helpers.ts";
import { localProject, type Project, printVars, run, s5Bin } from "./helpers.ts";

const NAMES = ["TOP", "A", "B"];
const PRINT = printVars(NAMES);

/** Adds `apps/NAME` with its own `.s5.json` (its own local key) to the project in `dir`. */
async function subProject(
  dir: string,
  env: Record<string, string>,
  name: string,
  vault?: { transitMount: string; transitKey: string },
): Promise<string> {
  const sub = join(dir, "apps", name);
  mkdirSync(sub, { recursive: true });
  const init = await run([s5Bin, "init", "--dir", ".", "--name", name], { cwd: sub, env });
  expect(init.code, init.stderr).toBe(0);
  if (vault) {
    const file = join(sub, ".s5.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    config.backend = "vault";
    config.vault = vault;
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  }
  return sub;
}

async function cipher(cwd: string, env: Record<string, string>, value: string): Promise<string> {
  const out = await run([s5Bin, "cipher", value], { cwd, env });
  expect(out.code, out.stderr).toBe(0);
  return out.stdout.trim();
}

describe("each .env file with its own project (local keys)", () => {
  let top: Project;
  let a: string;
  let tokens: { top: string; a: string };

  beforeAll(async () => {
    top = await localProject();
    a = await subProject(top.dir, top.env, "a");
    tokens = { top: await cipher(top.dir, top.env, "top-1"), a: await cipher(a, top.env, "a-1") };
    writeFileSync(join(a, ".env"), `A=${tokens.a}\n`);
    writeFileSync(join(a, "top-token.env"), `A=${tokens.top}\n`);
    top.write({ ".env": `B=${tokens.a}\n` });
  });

  it("s5 run -f apps/a/.env from the top: the file with apps/a's keys, the environment with the top's", async () => {
    const out = await top.s5(["run", "-f", "apps/a/.env", "--", process.execPath, "-e", PRINT], {
      TOP: tokens.top,
    });
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ TOP: "top-1", A: "a-1", B: null });
  });

  it("the loader's path (S5_CONFIG_PATH, config({ path })) from the top, in this thread", async () => {
    const byEnv = await top.node(["--import", "s5/config", "-e", PRINT], {
      S5_CONFIG_PATH: "apps/a/.env",
      TOP: tokens.top,
    });
    expect(byEnv.stderr).toBe("");
    expect(JSON.parse(byEnv.stdout)).toEqual({ TOP: "top-1", A: "a-1", B: null });
    const code = `import { config } from "@s5/loader"; config({ path: ["apps/a/.env"] }); ${PRINT}`;
    const byCode = await top.node(["--input-type=module", "-e", code], { TOP: tokens.top });
    expect(byCode.stderr).toBe("");
    expect(JSON.parse(byCode.stdout)).toEqual({ TOP: "top-1", A: "a-1", B: null });
    const debug = await top.node(["--import", "s5/config", "-e", PRINT], {
      S5_CONFIG_PATH: "apps/a/.env",
      S5_CONFIG_DEBUG: "1",
      TOP: tokens.top,
    });
    expect(debug.stderr).toMatch(/decrypted in this thread: .*settings of 2 projects \+/);
  });

  it("all or nothing: two projects' failures reported together, nothing run, no value shown", async () => {
    // apps/a's file holds a top token, the top's .env an apps/a token: each wrong where it is.
    const out = await top.s5(
      ["run", "-f", "apps/a/top-token.env", "-f", ".env", "--", process.execPath, "-e", PRINT],
      { TOP: tokens.top },
    );
    expect(out.code).toBe(7);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("A (apps/a/top-token.env:1:3): local key");
    expect(out.stderr).toContain("B (.env:1:3): local key");
    expect(out.stderr).toContain("S5_KEY_LOCAL_UNKNOWN");
    expect(out.stderr).not.toMatch(/top-1|a-1/);
    // The same in this thread (s5/config without a worker).
    const loaded = await top.node(["--import", "s5/config", "-e", PRINT], {
      S5_CONFIG_PATH: "apps/a/top-token.env,.env",
    });
    expect(loaded.code).not.toBe(0);
    expect(loaded.stdout).toBe("");
    expect(loaded.stderr).toContain("A (apps/a/top-token.env:1:3): local key");
    expect(loaded.stderr).toContain("B (.env:1:3): local key");
    expect(loaded.stderr).not.toMatch(/top-1|a-1/);
  });

  it("a named config (--config, S5_CONFIG) reads every file with that project, as the CLI's commands", async () => {
    const named = await top.s5(
      ["run", "--config", ".s5.json", "-f", "apps/a/.env", "--", process.execPath, "-e", PRINT],
      {},
    );
    expect(named.code).toBe(7);
    expect(named.stderr).toContain("A (apps/a/.env:1:3)");
    const byEnv = await top.node(["--import", "s5/config", "-e", PRINT], {
      S5_CONFIG_PATH: "apps/a/.env",
      S5_CONFIG: join(a, ".s5.json"),
      TOP: tokens.top,
    });
    expect(byEnv.code).not.toBe(0);
    expect(byEnv.stderr).toContain("TOP (process.env");
    // S5_CONFIG naming the top's project, from the top: apps/a's file is read with the top's keys
    // too (the working directory's project was the top's already: only the name decides here).
    const topByEnv = await top.s5(
      ["run", "-f", "apps/a/.env", "--", process.execPath, "-e", PRINT],
      {
        S5_CONFIG: join(top.dir, ".s5.json"),
      },
    );
    expect(topByEnv.code).toBe(7);
    expect(topByEnv.stderr).toContain("A (apps/a/.env:1:3)");
  });

  it("a .env outside any project is read with the working directory's project", async () => {
    const outside = join(top.dir, "..", "outside");
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, ".env"), `TOP=${tokens.top}\n`);
    const out = await top.s5(
      ["run", "-f", join(outside, ".env"), "--", process.execPath, "-e", PRINT],
      {},
    );
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).TOP).toBe("top-1");
  });
});

describeVault("each .env file with its own project (Vault)", () => {
  let proxy: FaultProxy;
  let dir: string;
  let env: Record<string, string>;
  let tokens: { top: string; a: string; b: string; topInB: string };

  beforeAll(async () => {
    const { mount, key } = await newMount("topkey");
    await apiOk(admin, "POST", `${mount}/keys/bkey`, {});
    proxy = await startFaultProxy(admin.addr);
    const home = await localProject();
    dir = home.dir;
    env = vaultEnv({
      VAULT_ADDR: proxy.url,
      HOME: home.home,
      XDG_CONFIG_HOME: home.env.XDG_CONFIG_HOME,
    });
    const config = JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8"));
    config.vault = { transitMount: mount, transitKey: key };
    writeFileSync(join(dir, ".s5.json"), `${JSON.stringify(config, null, 2)}\n`);
    const a = await subProject(dir, env, "a");
    const b = await subProject(dir, env, "b", { transitMount: mount, transitKey: "bkey" });
    tokens = {
      top: `{{ s5:${await vaultEncrypt(mount, key, "top-v")} }}`,
      a: await cipher(a, env, "a-local"),
      b: `{{ s5:${await vaultEncrypt(mount, "bkey", "b-v")} }}`,
      topInB: `{{ s5:${await vaultEncrypt(mount, key, "top-in-b")} }}`,
    };
    writeFileSync(join(a, ".env"), `A=${tokens.a}\n`);
    writeFileSync(join(b, ".env"), `B=${tokens.b}\n`);
    writeFileSync(join(b, "wrong.env"), `B=${tokens.topInB}\n`);
    writeFileSync(join(dir, "print.mjs"), `${PRINT}\n`);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  const decrypts = () => proxy.seen.filter((seen) => seen.path.includes("/decrypt/"));
  const expected = { TOP: "top-v", A: "a-local", B: "b-v" };

  it("s5 run -f from the top: one batch per project's key, each file with its project's", async () => {
    proxy.seen.length = 0;
    const out = await run(
      [s5Bin, "run", "-f", "apps/a/.env", "-f", "apps/b/.env", "--", process.execPath, "print.mjs"],
      { cwd: dir, env: { ...env, TOP: tokens.top } },
    );
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(expected);
    expect(
      decrypts()
        .map((seen) => [seen.path.replace(/^.*\/decrypt\//, ""), seen.items])
        .sort(),
    ).toEqual([
      ["bkey", 1],
      ["topkey", 1],
    ]);
  });

  it("s5/config (the worker) and s5/preload with S5_CONFIG_PATH from the top", async () => {
    const extra = { TOP: tokens.top, S5_CONFIG_PATH: "apps/a/.env,apps/b/.env" };
    for (const entry of ["s5/config", "s5/preload"]) {
      proxy.seen.length = 0;
      const out = await run(["--import", entry, "print.mjs"], {
        cwd: dir,
        env: { ...env, ...extra },
      });
      expect(out.stderr, entry).toBe("");
      expect(JSON.parse(out.stdout), entry).toEqual(expected);
      expect(decrypts(), entry).toHaveLength(2);
    }
  });

  it("a token of another key in apps/b fails with the local one of the top: both reported, nothing run", async () => {
    writeFileSync(join(dir, "top.env"), `A=${tokens.a}\n`);
    const out = await run(
      [
        s5Bin,
        "run",
        "-f",
        "apps/b/wrong.env",
        "-f",
        "top.env",
        "--",
        process.execPath,
        "print.mjs",
      ],
      { cwd: dir, env: { ...env, TOP: tokens.top } },
    );
    expect(out.code).not.toBe(0);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("B (apps/b/wrong.env:1:3)");
    expect(out.stderr).toContain("A (top.env:1:3)");
    expect(out.stderr).not.toMatch(/top-v|top-in-b|a-local/);
  });
});
