// What a change to .s5.json changes about where new values go (`s5 check --base`).
import { describe, expect, it } from "vitest";
import { configChanges } from "../src/config-changes.ts";

const recipient = (name: string, letter: string) => ({
  name,
  publicKey: `s5pk-${letter.repeat(43)}`,
  sealedKey: "A".repeat(107),
});
const key = (id: string, ...recipients: ReturnType<typeof recipient>[]) => ({
  id,
  publicKey: `s5pk-${id.repeat(5).slice(0, 43).padEnd(43, "x")}`,
  recipients,
});
const text = (config: object) => `${JSON.stringify(config, null, 2)}\n`;

/** Each change as `path: message` and the line its offset is on. */
function changes(before: object | string | undefined, after: object): string[] {
  const later = text(after);
  return configChanges(typeof before === "object" ? text(before) : before, later).map(
    ({ path, message, offset }) =>
      `${later.slice(0, offset).split("\n").length} ${path}: ${message}`,
  );
}

const base = { backend: "local", local: { keys: [key("AAAAAAAA", recipient("alice", "a"))] } };

describe("configChanges", () => {
  it("says nothing of a config whose sealing is unchanged", () => {
    expect(changes(base, base)).toEqual([]);
    // Retries, the schema, the Go tool's form and key order are not about who reads.
    const other = { $schema: "x", legacyTokens: true, vault: { maxRetries: 2 }, ...base };
    expect(changes(base, other)).toEqual([]);
  });

  it("names a backend, a transit key and a mount changed, at their members", () => {
    const after = {
      ...base,
      backend: "vault",
      vault: { transitKey: "mallory", transitMount: "m" },
    };
    expect(changes(base, after)).toEqual([
      '2 backend: `backend` "local" → "vault": new values are sealed with another backend',
      '19 vault.transitKey: `vault.transitKey` not set (default) → "mallory": new Vault values are sealed with another transit key',
      '20 vault.transitMount: `vault.transitMount` not set (transit) → "m": new Vault values are sealed with another transit key',
    ]);
    // Removed: said at the enclosing member still there.
    expect(changes(after, { ...after, vault: {} })).toEqual([
      '18 vault.transitKey: `vault.transitKey` "mallory" → not set (default): new Vault values are sealed with another transit key',
      '18 vault.transitMount: `vault.transitMount` "m" → not set (transit): new Vault values are sealed with another transit key',
    ]);
  });

  it("names another encrypting local key and a recipient added", () => {
    const mallory = recipient("mallory", "m");
    const added = {
      ...base,
      local: { keys: [key("AAAAAAAA", recipient("alice", "a"), mallory)] },
    };
    expect(changes(base, added)).toEqual([
      '16 local.keys[0].recipients[1].publicKey: recipient "mallory" added to local key AAAAAAAA: they can read every value sealed to it',
    ]);
    const rotated = {
      ...base,
      local: { keys: [...base.local.keys, key("BBBBBBBB", recipient("alice", "a"))] },
    };
    expect(changes(base, rotated)).toEqual([
      "17 local.keys[1].id: local key BBBBBBBB now seals new values (was AAAAAAAA): its recipients can read them",
    ]);
    // A recipient removed reads less: nothing to say.
    expect(changes(added, base)).toEqual([]);
  });

  it("says a member removed with its enclosing one at the file's start; local keys removed, nothing of them", () => {
    const vault = { backend: "vault", vault: { transitKey: "k" }, local: base.local };
    // No local keys left seal nothing: only the backend and transit key are said.
    expect(changes(vault, { $schema: "x" })).toEqual([
      '1 backend: `backend` "vault" → not set: new values are sealed with another backend',
      '1 vault.transitKey: `vault.transitKey` "k" → not set (default): new Vault values are sealed with another transit key',
    ]);
  });

  it("describes a new config, and leaves text that is not a JSON object alone", () => {
    expect(changes(undefined, { backend: "vault", vault: { transitKey: "k" } })).toEqual([
      '2 backend: a new project config: `backend` not set → "vault": new values are sealed with another backend',
      '4 vault.transitKey: a new project config: `vault.transitKey` not set (default) → "k": new Vault values are sealed with another transit key',
    ]);
    expect(changes("{ not json", base)).toEqual([]);
    expect(configChanges(text(base), "[]")).toEqual([]);
  });
});
