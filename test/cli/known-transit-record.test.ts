// A record of known keys (known-keys.json) edited by hand, or by a program that should not have:
// what `s5 keys list` and a refused seal print from it is escaped as names are, so a terminal
// escape sequence in it cannot retitle, clear or recolour the user's terminal. No Vault needed:
// both read the record before anything is sent.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { sandbox } from "./run.ts";

it("a hostile Vault entry in known-keys.json reaches no terminal unescaped", async () => {
  const box = sandbox();
  execFileSync("git", ["init", "-q", box.dir]);
  writeFileSync(
    join(box.dir, ".s5.json"),
    `${JSON.stringify({ backend: "vault", vault: { transitMount: "transit", transitKey: "app" } })}\n`,
  );
  // Another project of the same repository (the neighbour rule shows its name), its key and mount
  // holding an OSC title, a screen clear and a colour.
  const neighbour = join(box.dir, "\u001b]0;owned\u0007\u001b[2J", ".s5.json");
  const dir = join(box.env.XDG_CONFIG_HOME!, "s5");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const record = join(dir, "known-keys.json");
  const text = JSON.stringify({
    version: 1,
    projects: {},
    vault: { [neighbour]: { mount: "tr\u001b[31mansit", key: "app\u009b2J" } },
  });
  writeFileSync(record, text, { mode: 0o600 });
  const escapes = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

  const list = await box.s5(["keys", "list"]);
  expect(list.code, list.stderr).toBe(0);
  const shown = list.stdout.toString();
  // Before: the neighbour's name was printed raw (the key and mount were escaped already).
  expect(shown).not.toMatch(escapes);
  expect(shown).toContain(
    "vault  Vault transit key app\\u009b2J (mount tr\\u001b[31mansit)  (remembered on this machine for ",
  );
  expect(shown).toContain(
    `${box.dir}/\\u001b]0;owned\\u0007\\u001b[2J/.s5.json (same git repository)`,
  );
  // --json: JSON escapes for C0 controls, and for a C1 one too (CSI, U+009B, which JSON allows
  // raw: before, printed raw). The same values to a parser.
  const json = await box.s5(["keys", "list", "--json"]);
  expect(json.stdout.toString()).not.toMatch(escapes);
  expect(json.stdout.toString()).toContain('"key": "app\\u009b2J"');
  expect(JSON.parse(json.stdout.toString()).at(-1)).toMatchObject({
    rememberedFor: neighbour,
    key: "app\u009b2J",
    mount: "tr\u001b[31mansit",
  });

  writeFileSync(join(box.dir, "a.yml"), "password: '{{ s5:seal pw }}'\n");
  const seal = await box.s5(["seal", "-i", "a.yml"], {
    env: { VAULT_ADDR: "http://127.0.0.1:9", VAULT_TOKEN: "unused" },
  });
  // Refused before Vault is asked; before: the neighbour's name, key and mount printed raw.
  expect(seal.code).toBe(7);
  expect(seal.stderr).not.toMatch(escapes);
  expect(seal.stderr).toContain(
    `sealed in ${box.dir}/\\u001b]0;owned\\u0007\\u001b[2J/.s5.json with tr\\u001b[31mansit/app\\u009b2J)`,
  );
  expect(readFileSync(join(box.dir, "a.yml"), "utf8")).toBe("password: '{{ s5:seal pw }}'\n");
  expect(readFileSync(record, "utf8")).toBe(text);
});

it("an empty Vault entry (none s5 writes) is listed as nothing remembered, not as a choice", async () => {
  const box = sandbox();
  execFileSync("git", ["init", "-q", box.dir]);
  const project = join(box.dir, ".s5.json");
  writeFileSync(project, `${JSON.stringify({ backend: "vault" })}\n`);
  const dir = join(box.env.XDG_CONFIG_HOME!, "s5");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const record = { version: 1, projects: {}, vault: { [project]: {} } };
  writeFileSync(join(dir, "known-keys.json"), JSON.stringify(record), { mode: 0o600 });
  const list = await box.s5(["keys", "list"]);
  expect(list.code, list.stderr).toBe(0);
  // Before: "Vault transit key (chosen by a flag or variable) (mount (chosen by a flag or variable))".
  expect(list.stdout.toString()).toBe(
    "vault  no Vault transit key or mount (the entry this machine keeps for this project in known-keys.json is empty, which s5 does not write: edited by hand?); the next Vault seal there records what .s5.json names\n",
  );
  // One part recorded: the other is said as chosen by a flag or variable, as s5 writes it.
  record.vault[project] = { mount: "transit" } as never;
  writeFileSync(join(dir, "known-keys.json"), JSON.stringify(record), { mode: 0o600 });
  expect((await box.s5(["keys", "list"])).stdout.toString()).toContain(
    "vault  Vault transit key (chosen by a flag or variable) (mount transit)  (remembered on this machine for this project",
  );
});

it("a record s5 cannot read does not hide the project's own keys from keys list", async () => {
  const box = sandbox();
  expect((await box.s5(["init", "--name", "dev"])).code).toBe(0);
  const listed = (await box.s5(["keys", "list"])).stdout.toString();
  expect(listed).toMatch(/^\S+ {2}s5pk-\S+ {2}\(encrypts/);
  const dir = join(box.env.XDG_CONFIG_HOME!, "s5");
  const record = join(dir, "known-keys.json");
  // Garbage, and a newer s5's record (kept as it is: the hint says not to move it).
  const records: [string, string][] = [
    ["not json\n", "S5_KEY_KNOWN_FILE"],
    ['{"version":2}\n', "S5_KEY_KNOWN_NEWER"],
  ];
  for (const [text, code] of records) {
    writeFileSync(record, text, { mode: 0o600 });
    // Before (since keys list shows the remembered Vault key): exit 7, and no key listed.
    const list = await box.s5(["keys", "list"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.toString()).toBe(listed);
    expect(list.stderr).toMatch(
      new RegExp(
        `^s5: warning: the Vault transit key this machine remembers is not shown: ${record.replaceAll(/[.*+?^${}()|[\]\\/]/g, "\\$&")} .*\\(${code}\\)\\n {2}hint: .+\\n$`,
      ),
    );
    const json = await box.s5(["keys", "list", "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout.toString()).map((item: { kind: string }) => item.kind)).toEqual([
      "local",
    ]);
    expect(readFileSync(record, "utf8")).toBe(text);
  }
});
