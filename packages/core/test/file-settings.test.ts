import { userInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { FROM_FILES, markFromFiles, settingsEnv } from "../src/file-settings.ts";

describe("settings a .env file set, seen by an s5 beneath", () => {
  it("are left out while they hold the file's value; others and changed ones stay", () => {
    const env: Record<string, string | undefined> = {
      VAULT_ADDR: "http://evil:8200",
      S5_BACKEND: "vault",
      DB_URL: "postgres://db",
      XDG_CONFIG_HOME: "/evil/config",
    };
    markFromFiles(env, ["VAULT_ADDR", "S5_BACKEND", "DB_URL", "XDG_CONFIG_HOME"], undefined);
    // Only settings are marked, by hash: no value in the mark.
    expect(env[FROM_FILES]).toMatch(/^VAULT_ADDR=\S+ S5_BACKEND=\S+ XDG_CONFIG_HOME=\S+$/);
    expect(env[FROM_FILES]).not.toContain("evil");
    const seen = settingsEnv(env);
    expect(seen.VAULT_ADDR).toBeUndefined();
    expect(seen.S5_BACKEND).toBeUndefined();
    expect(seen.XDG_CONFIG_HOME).toBeUndefined();
    expect(seen.DB_URL).toBe("postgres://db");
    // A value the command set again itself is its own choice.
    expect(settingsEnv({ ...env, VAULT_ADDR: "https://vault:8200" }).VAULT_ADDR).toBe(
      "https://vault:8200",
    );
    // Without a mark, the same object.
    const plain = { VAULT_ADDR: "x" };
    expect(settingsEnv(plain)).toBe(plain);
  });

  it("HOME from a file is replaced by the account's home (os.homedir() reads HOME too)", () => {
    const env: Record<string, string | undefined> = { HOME: "/tmp/attacker" };
    markFromFiles(env, ["HOME"], undefined);
    expect(settingsEnv(env).HOME).toBe(userInfo().homedir);
  });

  it("the mark is never taken from a file; a parent's marks are kept", () => {
    const parent: Record<string, string | undefined> = { VAULT_ADDR: "http://a" };
    markFromFiles(parent, ["VAULT_ADDR"], undefined);
    const before = parent[FROM_FILES];
    // A file sets the mark itself (to clear it) and another setting.
    const child: Record<string, string | undefined> = {
      ...parent,
      [FROM_FILES]: "",
      S5_BACKEND: "aes",
    };
    markFromFiles(child, [FROM_FILES, "S5_BACKEND"], before);
    expect(child[FROM_FILES]).toContain("VAULT_ADDR=");
    expect(child[FROM_FILES]).toContain("S5_BACKEND=");
    expect(settingsEnv(child).VAULT_ADDR).toBeUndefined();
    // A file that sets only the mark, with no parent's: no mark at all.
    const alone: Record<string, string | undefined> = { [FROM_FILES]: "VAULT_ADDR=x" };
    markFromFiles(alone, [FROM_FILES], undefined);
    expect(alone[FROM_FILES]).toBeUndefined();
  });
});
