// The Vault CLI's external token helper (`token_helper` in ~/.vault or ~/.bao) against a real
// OpenBao: real helper programs, real s5 processes, the loader's worker.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { linkModules, run, s5Bin } from "../loader/helpers.ts";
import { OTHER_UID } from "../setup/system-tools.ts";
import { admin, describeVault, newMount, s5, tempDir, vaultEncrypt, vaultEnv } from "./helpers.ts";

/** A home whose `name` (`.vault`, `.bao`) names a helper that logs its calls and prints `print`. */
function homeWithHelper(print: string, options: { name?: string; exit?: number } = {}) {
  const home = tempDir("s5-home-");
  const bin = join(home, "bin");
  mkdirSync(bin);
  const helper = join(bin, "token-helper");
  const log = join(home, "helper.log");
  writeFileSync(
    helper,
    [
      "#!/bin/sh",
      `echo "$1 $VAULT_ADDR $(pwd)" >> ${log}`,
      options.exit ? `echo 'helper: the keyring is locked' >&2; exit ${options.exit}` : "",
      `printf '%s' '${print}'`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  const config = join(home, options.name ?? ".vault");
  writeFileSync(config, `# set by vault-token-helper enable\ntoken_helper = "${helper}"\n`);
  return { home, helper, log, config };
}

describeVault("the Vault CLI's token helper", () => {
  let mount: string;
  let key: string;
  let token: string;

  beforeAll(async () => {
    ({ mount, key } = await newMount("app"));
    token = `{{ s5:${await vaultEncrypt(mount, key, "helper-secret-Zq8")} }}`;
  });

  const envOf = (home: string, extra: Record<string, string | undefined> = {}) =>
    vaultEnv({
      HOME: home,
      VAULT_TOKEN: undefined,
      S5_VAULT_TRANSIT_MOUNT: mount,
      S5_VAULT_TRANSIT_KEY: key,
      ...extra,
    });

  it("takes the token from the helper ~/.vault names, with VAULT_ADDR set, from the home directory", async () => {
    const { home, log } = homeWithHelper(`${admin.token}\n`);
    // The CLI does not read ~/.vault-token when a helper is configured; neither does s5.
    writeFileSync(join(home, ".vault-token"), "s.not-this-one\n", { mode: 0o600 });
    const out = await s5(["decipher", token], { env: envOf(home) });
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe("helper-secret-Zq8");
    expect(readFileSync(log, "utf8")).toBe(`get ${admin.addr} ${home}\n`);

    // VAULT_TOKEN wins, as in the CLI: the helper is not run.
    const given = await s5(["decipher", token], {
      env: { ...envOf(home), VAULT_TOKEN: admin.token },
    });
    expect(given.stdout).toBe("helper-secret-Zq8");
    expect(readFileSync(log, "utf8").split("\n").length).toBe(2);
  });

  it("reads ~/.bao and the file BAO_CONFIG_PATH names; a commented-out helper is not one", async () => {
    const bao = homeWithHelper(admin.token, { name: ".bao" });
    expect((await s5(["decipher", token], { env: envOf(bao.home) })).stdout).toBe(
      "helper-secret-Zq8",
    );

    const named = homeWithHelper(admin.token, { name: "vault-cli.hcl" });
    const viaPath = await s5(["decipher", token], {
      env: envOf(named.home, { BAO_CONFIG_PATH: named.config }),
    });
    expect(viaPath.stdout).toBe("helper-secret-Zq8");
    expect(existsSync(named.log)).toBe(true);

    const commented = tempDir("s5-home-");
    writeFileSync(join(commented, ".vault"), '# token_helper = "/nowhere/helper"\n');
    writeFileSync(join(commented, ".vault-token"), admin.token, { mode: 0o600 });
    expect((await s5(["decipher", token], { env: envOf(commented) })).stdout).toBe(
      "helper-secret-Zq8",
    );
  });

  it("says which helper failed and lets it speak; prints no token it did not accept", async () => {
    const locked = homeWithHelper(admin.token, { exit: 3 });
    const failed = await s5(["decipher", token], { env: envOf(locked.home) });
    expect(failed.code).toBe(7);
    expect(failed.stderr).toContain("S5_KEY_VAULT_TOKEN_HELPER");
    expect(failed.stderr).toContain(`the Vault token helper ${locked.helper} failed (exit 3)`);
    expect(failed.stderr).toContain("helper: the keyring is locked");
    expect(failed.stdout).toBe("");

    const empty = homeWithHelper("");
    const none = await s5(["decipher", token], { env: envOf(empty.home) });
    expect(none.code).toBe(7);
    expect(none.stderr).toContain(`the token helper ${empty.helper} has none`);

    const noisy = homeWithHelper(`Token: ${admin.token} (from the keychain)`);
    const garbled = await s5(["decipher", token], { env: envOf(noisy.home) });
    expect(garbled.code).toBe(7);
    expect(garbled.stderr).toContain("printed something that is not a token (not shown)");
    expect(garbled.stderr).not.toContain(admin.token);

    const broken = homeWithHelper(admin.token);
    chmodSync(broken.helper, 0o644);
    const notExecutable = await s5(["decipher", token], { env: envOf(broken.home) });
    expect(notExecutable.code).toBe(7);
    expect(notExecutable.stderr).toContain("could not be started (EACCES)");
  });

  it("does not wait for a daemon the helper started that keeps its stdout open", async () => {
    const { home, helper } = homeWithHelper(admin.token);
    const pidFile = join(home, "daemon.pid");
    // As `pass` starting gpg-agent would if the agent kept the descriptors it was given.
    writeFileSync(
      helper,
      `#!/bin/sh\nprintf '%s' '${admin.token}'\nsleep 3600 2>/dev/null &\necho $! > ${pidFile}\n`,
      { mode: 0o755 },
    );
    try {
      const out = await s5(["decipher", token], { env: envOf(home) });
      expect(out.stderr).toBe("");
      expect(out.stdout).toBe("helper-secret-Zq8");
    } finally {
      process.kill(Number(readFileSync(pidFile, "utf8")));
    }
  });

  it("refuses a helper or a config file another user can change, and a relative path", async () => {
    const open = homeWithHelper(admin.token);
    chmodSync(open.helper, 0o757);
    const writable = await s5(["decipher", token], { env: envOf(open.home) });
    expect(writable.code).toBe(12);
    expect(writable.stderr).toContain("S5_CONFIG_VAULT_TOKEN_HELPER");
    expect(writable.stderr).toContain(`the Vault token helper ${open.helper} can be changed`);
    expect(existsSync(open.log)).toBe(false);

    const theirs = homeWithHelper(admin.token);
    chownSync(theirs.config, OTHER_UID, OTHER_UID);
    const owned = await s5(["decipher", token], { env: envOf(theirs.home) });
    expect(owned.code).toBe(12);
    expect(owned.stderr).toContain(`the Vault CLI config file ${theirs.config} can be changed`);
    expect(existsSync(theirs.log)).toBe(false);

    const relative = homeWithHelper(admin.token);
    writeFileSync(relative.config, 'token_helper = "bin/token-helper"\n');
    const cwd = relative.home;
    const refused = await s5(["decipher", token], { env: envOf(relative.home), cwd });
    expect(refused.code).toBe(12);
    expect(refused.stderr).toContain("token_helper bin/token-helper is not an absolute path");
    expect(existsSync(relative.log)).toBe(false);
  });

  it("serves the loader's worker: import 's5/config' with the helper's token", async () => {
    const { home, log } = homeWithHelper(admin.token);
    const dir = tempDir("s5-helper-app-");
    linkModules(dir);
    writeFileSync(join(dir, ".env"), `A=${token}\n`);
    writeFileSync(join(dir, "app.mjs"), 'import "s5/config";\nconsole.log(process.env.A);\n');
    const out = await run(["app.mjs"], { cwd: dir, env: envOf(home) });
    expect(out.stderr).toBe("");
    expect(out.stdout.trim()).toBe("helper-secret-Zq8");
    expect(readFileSync(log, "utf8")).toBe(`get ${admin.addr} ${home}\n`);
  });

  it("takes no helper from a .env: BAO_CONFIG_PATH, VAULT_CONFIG_PATH or HOME there, seen by an s5 beneath `s5 run`", async () => {
    const dir = tempDir("s5-helper-app-");
    // A repository's own helper and config, both the user's files once cloned.
    const { home: repoHome, log } = homeWithHelper(admin.token, { name: ".bao" });
    for (const line of [
      `BAO_CONFIG_PATH=${join(repoHome, ".bao")}`,
      `VAULT_CONFIG_PATH=${join(repoHome, ".bao")}`,
      `HOME=${repoHome}`,
    ]) {
      writeFileSync(join(dir, ".env"), `${line}\nA=${token}\n`);
      // s5 run has VAULT_TOKEN and keeps it; the s5 it starts has none of its own.
      const env = { ...envOf(tempDir("s5-home-")), VAULT_TOKEN: admin.token };
      const out = await s5(["run", "--", process.execPath, s5Bin, "decipher", token], {
        env,
        cwd: dir,
      });
      expect(out.stderr).toContain("no Vault token (S5_KEY_VAULT_TOKEN)");
      expect(existsSync(log)).toBe(false);
    }
  });

  it("reads the config file the CLI would: BAO_CONFIG_PATH before VAULT_CONFIG_PATH, ~/ in it, ~/.bao before ~/.vault", async () => {
    // Each `wrong` helper fails loudly: had s5 run it, the decipher would fail.
    const wrong = homeWithHelper(admin.token, { exit: 3 });
    const right = homeWithHelper(admin.token, { name: ".bao" });
    writeFileSync(join(right.home, ".vault"), `token_helper = "${wrong.helper}"\n`);
    const both = await s5(["decipher", token], { env: envOf(right.home) });
    expect(both.stdout).toBe("helper-secret-Zq8");
    expect(existsSync(wrong.log)).toBe(false);

    const named = homeWithHelper(admin.token, { name: "bao-cli.hcl" });
    writeFileSync(join(named.home, "vault-cli.hcl"), `token_helper = "${wrong.helper}"\n`);
    const bothNamed = await s5(["decipher", token], {
      env: envOf(named.home, {
        BAO_CONFIG_PATH: named.config,
        VAULT_CONFIG_PATH: join(named.home, "vault-cli.hcl"),
      }),
    });
    expect(bothNamed.stdout).toBe("helper-secret-Zq8");
    expect(existsSync(wrong.log)).toBe(false);

    const tilde = homeWithHelper(admin.token, { name: "vault-cli.hcl" });
    const expanded = await s5(["decipher", token], {
      env: envOf(tilde.home, { VAULT_CONFIG_PATH: "~/vault-cli.hcl" }),
    });
    expect(expanded.stdout).toBe("helper-secret-Zq8");
    expect(readFileSync(tilde.log, "utf8")).toBe(`get ${admin.addr} ${tilde.home}\n`);
  });

  it("is not run for a token path, not read with VAULT_TOKEN; a ~/.vault directory is no config", async () => {
    const failing = homeWithHelper(admin.token, { exit: 3 });
    const tokenFile = join(failing.home, "agent-sink");
    writeFileSync(tokenFile, admin.token, { mode: 0o600 });
    const path = await s5(["decipher", token], {
      env: envOf(failing.home, { VAULT_TOKEN_PATH: tokenFile }),
    });
    expect(path.stdout).toBe("helper-secret-Zq8");
    expect(existsSync(failing.log)).toBe(false);

    // A config another user can change is refused when the helper would be used, not otherwise.
    const theirs = homeWithHelper(admin.token);
    chownSync(theirs.config, OTHER_UID, OTHER_UID);
    const given = await s5(["decipher", token], {
      env: { ...envOf(theirs.home), VAULT_TOKEN: admin.token },
    });
    expect(given.stderr).toBe("");
    expect(given.stdout).toBe("helper-secret-Zq8");

    const directory = tempDir("s5-home-");
    mkdirSync(join(directory, ".vault"));
    writeFileSync(join(directory, ".vault-token"), admin.token, { mode: 0o600 });
    expect((await s5(["decipher", token], { env: envOf(directory) })).stdout).toBe(
      "helper-secret-Zq8",
    );
  });

  it("refuses a helper's output over 64 KiB without showing it", async () => {
    const { home } = homeWithHelper("x".repeat(70_000));
    const out = await s5(["decipher", token], { env: envOf(home) });
    expect(out.code).toBe(7);
    expect(out.stderr).toContain("printed more than 65536 bytes (not shown)");
    expect(out.stderr).not.toContain("xxxxxxxx");
  });

  it("runs the helper with the address s5 sends to (BAO_ADDR before VAULT_ADDR); one killed midway gives no token", async () => {
    const { home, log } = homeWithHelper(admin.token);
    const out = await s5(["decipher", token], {
      env: envOf(home, { BAO_ADDR: admin.addr, VAULT_ADDR: "http://127.0.0.1:9" }),
    });
    expect(out.stdout).toBe("helper-secret-Zq8");
    expect(readFileSync(log, "utf8")).toBe(`get ${admin.addr} ${home}\n`);

    // It printed the token, then died of a signal: what it printed is not trusted.
    const killed = homeWithHelper(admin.token);
    writeFileSync(killed.helper, `#!/bin/sh\nprintf '%s' '${admin.token}'\nkill -9 $$\n`);
    const died = await s5(["decipher", token], { env: envOf(killed.home) });
    expect(died.code).toBe(7);
    expect(died.stderr).toContain(
      `the Vault token helper ${killed.helper} failed (signal SIGKILL)`,
    );
    expect(died.stdout).toBe("");
  });
});
