// A value keeps who may read it: `s5 edit` seals a changed value with its token's backend (not the
// project's default), and `edit` and `seal` seal into a file with the keys of the file's own
// project (the nearest `.s5.json` above it), not the working directory's.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

const EDITOR = `"${process.execPath}" "${fileURLToPath(new URL("../fixtures/editor.mjs", import.meta.url))}"`;
const AES_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

async function project() {
  const box = sandbox();
  await box.s5(["init", "--name", "dev"]);
  return box;
}

const cipher = async (box: Awaited<ReturnType<typeof project>>, args: string[]) =>
  (await box.s5(["cipher", ...args])).stdout.toString();

describe("s5 edit seals a changed value with its token's backend", () => {
  it("an AES value of the Go tool, in a project of local keys, stays AES in the Go tool's form", async () => {
    const box = await project();
    const a = await cipher(box, ["aes", "--legacy", "--key", AES_KEY, "old-aes"]);
    const b = await cipher(box, ["aes", "--legacy", "--key", AES_KEY, "other"]);
    expect(a).toMatch(/^\{\{s5:[A-Za-z0-9+/=]+\}\}$/);
    const file = join(box.dir, "go.yml");
    writeFileSync(file, `a: ${a}\nb: ${b}\n`);
    const env = { EDITOR, S5_AES_KEY: AES_KEY };
    const edit = await box.s5(["edit", "go.yml"], {
      env: { ...env, TEST_EDIT: JSON.stringify([["old-aes", "new-aes"]]) },
    });
    expect(edit.code).toBe(0);
    expect(edit.stderr).toContain("go.yml: 1 new token(s): 1 to AES; 1 kept\n");
    // Before: `a: {{ s5:local:… }}` and a note that the Go tool would leave it in place.
    expect(edit.stderr).not.toContain("note");
    const [lineA, lineB] = readFileSync(file, "utf8").split("\n");
    expect(lineA).toMatch(/^a: \{\{s5:[A-Za-z0-9+/=]+\}\}$/);
    expect(lineB).toBe(`b: ${b}`);
    const token = lineA!.slice(3);
    const deciphered = await box.s5(["decipher", "aes", "--key", AES_KEY, token]);
    expect(deciphered.stdout.toString()).toBe("new-aes");
  });

  it("follows a value whose line changed too, and says when it cannot tell", async () => {
    const box = await project();
    const local = await cipher(box, ["l1"]);
    const aes = await cipher(box, ["aes", "--key", AES_KEY, "a1"]);
    const file = join(box.dir, "m.yml");
    writeFileSync(file, `team: ${local}\nci: ${aes}\nend: plain\n`);
    const env = { EDITOR, S5_AES_KEY: AES_KEY };
    // The key renamed and the value changed on one line: still the token at that place.
    const renamed = await box.s5(["edit", "m.yml"], {
      env: {
        ...env,
        TEST_EDIT: JSON.stringify([
          ["ci: {{ s5:seal a1 }}", "ci_password:   {{ s5:seal a2 }}  # rotated"],
          ["team: {{ s5:seal l1 }}", "team: {{ s5:seal l2 }}"],
        ]),
      },
    });
    expect(renamed.code).toBe(0);
    expect(renamed.stderr).not.toContain("note");
    let lines = readFileSync(file, "utf8").split("\n");
    expect(lines[0]).toMatch(/^team: \{\{ s5:local:/);
    expect(lines[1]).toMatch(/^ci_password: {3}\{\{ s5:aes:\S+ \}\} {2}# rotated$/);

    // Moved below a new line and changed: no place to follow, so a new value — and a note.
    const moved = await box.s5(["edit", "m.yml"], {
      env: {
        ...env,
        TEST_EDIT: JSON.stringify([
          ["ci_password:   {{ s5:seal a2 }}  # rotated\n", ""],
          ["end: plain\n", "end: plain\nci: {{ s5:seal a3 }}\n"],
        ]),
      },
    });
    expect(moved.code).toBe(0);
    expect(moved.stderr).toContain(
      "s5: note: m.yml:3:5: a new value, sealed with the local backend (the default for new values), while a token of the aes backend lost its value in this edit",
    );
    expect(moved.stderr).not.toContain("a3");
    lines = readFileSync(file, "utf8").split("\n");
    expect(lines[2]).toMatch(/^ci: \{\{ s5:local:/);
    const rendered = await box.s5(["render", "m.yml"], { env });
    expect(rendered.stdout.toString()).toBe("team: l2\nend: plain\nci: a3\n");
  });
  it("an unchanged value whose place the alignment gives another token keeps its own", async () => {
    const box = await project();
    const local = await cipher(box, ["dev-secret"]);
    const aes = await cipher(box, ["aes", "--key", AES_KEY, "ci-secret"]);
    const env = { EDITOR, S5_AES_KEY: AES_KEY };
    // The first of two items deleted: the second's line pairs with the first's (same shape).
    writeFileSync(join(box.dir, "list.yml"), `hosts:\n  - ${local}\n  - ${aes}\n`);
    const deleted = await box.s5(["edit", "list.yml"], {
      env: { ...env, TEST_EDIT: JSON.stringify([["  - {{ s5:seal dev-secret }}\n", ""]]) },
    });
    expect(deleted.code, deleted.stderr).toBe(0);
    // Before: `- {{ s5:local:… }}`, the CI-only value sealed for every recipient (exit 0, no note).
    expect(readFileSync(join(box.dir, "list.yml"), "utf8")).toBe(`hosts:\n  - ${aes}\n`);

    // Two blocks of the same shape reordered, values unchanged.
    writeFileSync(
      join(box.dir, "blocks.yml"),
      `prod:\n  password: ${aes}\ndev:\n  password: ${local}\n`,
    );
    const prod = "prod:\n  password: {{ s5:seal ci-secret }}\n";
    const dev = "dev:\n  password: {{ s5:seal dev-secret }}\n";
    const reordered = await box.s5(["edit", "blocks.yml"], {
      env: {
        ...env,
        TEST_EDIT: JSON.stringify([
          [prod, ""],
          [dev, dev + prod],
        ]),
      },
    });
    expect(reordered.code, reordered.stderr).toBe(0);
    expect(readFileSync(join(box.dir, "blocks.yml"), "utf8")).toBe(
      `dev:\n  password: ${local}\nprod:\n  password: ${aes}\n`,
    );

    // Two values on a line swapped, the one that moved onto the local value's place changed:
    // before, sealed with local keys as that place's (exit 0, no note); now a new value, noted.
    writeFileSync(join(box.dir, "line.yml"), `x: [${aes}, ${local}]\n`);
    const swapped = await box.s5(["edit", "line.yml"], {
      env: {
        ...env,
        TEST_EDIT: JSON.stringify([
          [
            "[{{ s5:seal ci-secret }}, {{ s5:seal dev-secret }}]",
            "[{{ s5:seal dev-secret }}, {{ s5:seal ci-secret2 }}]",
          ],
        ]),
      },
    });
    expect(swapped.code, swapped.stderr).toBe(0);
    expect(swapped.stderr).toContain(
      "s5: note: line.yml:1:31: a new value, sealed with the local backend (the default for new values), while a token of the aes backend lost its value in this edit",
    );
    expect(readFileSync(join(box.dir, "line.yml"), "utf8")).toMatch(
      new RegExp(`^x: \\[${local.replace(/[{}]/g, "\\$&")}, \\{\\{ s5:local:`),
    );
  });
  it("blocks of one shape swapped and both values changed: each keeps its block's backend", async () => {
    const box = await project();
    const local = await cipher(box, ["dev-secret"]);
    const aes = await cipher(box, ["aes", "--key", AES_KEY, "prod-secret"]);
    const env = { EDITOR, S5_AES_KEY: AES_KEY };
    const file = join(box.dir, "blocks.yml");
    writeFileSync(file, `prod:\n  password: ${aes}\ndev:\n  password: ${local}\n`);
    const swapped = await box.s5(["edit", "blocks.yml"], {
      env: {
        ...env,
        TEST_EDIT: JSON.stringify([
          [
            "prod:\n  password: {{ s5:seal prod-secret }}\ndev:\n  password: {{ s5:seal dev-secret }}\n",
            "dev:\n  password: {{ s5:seal dev-secret2 }}\nprod:\n  password: {{ s5:seal prod-secret2 }}\n",
          ],
        ]),
      },
    });
    expect(swapped.code, swapped.stderr).toBe(0);
    // Before: both sealed with local keys, prod's CI-only value readable by every recipient.
    expect(swapped.stderr).not.toContain("note");
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines[1]).toMatch(/^ {2}password: \{\{ s5:local:/);
    expect(lines[3]).toMatch(/^ {2}password: \{\{ s5:aes:/);
    const rendered = await box.s5(["render", "blocks.yml"], { env });
    expect(rendered.stdout.toString()).toBe(
      "dev:\n  password: dev-secret2\nprod:\n  password: prod-secret2\n",
    );
  });
});

describe("a file of a subdirectory with its own .s5.json", () => {
  async function nested() {
    const box = await project();
    const sub = join(box.dir, "sub");
    mkdirSync(sub);
    expect((await box.s5(["init", "--dir", ".", "--name", "dev"], { cwd: sub })).code).toBe(0);
    const keyOf = (dir: string) =>
      JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8")).local.keys.at(-1).id as string;
    return { box, sub, top: keyOf(box.dir), own: keyOf(sub) };
  }

  it("seal -i from the top seals to the subdirectory's project key", async () => {
    const { box, sub, top, own } = await nested();
    expect(own).not.toBe(top);
    writeFileSync(join(sub, "x.yml"), "a: {{ s5:seal one }}\n");
    const sealed = await box.s5(["seal", "-i", "sub/x.yml"]);
    expect(sealed.code).toBe(0);
    // Before: sealed to the top project's key, which the subdirectory's project does not list.
    expect(readFileSync(join(sub, "x.yml"), "utf8")).toContain(`{{ s5:local:${own}:`);
    const rendered = await box.s5(["render", "x.yml"], { cwd: sub });
    expect(rendered.stdout.toString()).toBe("a: one\n");

    // Files of two projects in one run: each sealed to its own project's key
    // (test/cli/monorepo-seal.test.ts has more).
    writeFileSync(join(box.dir, "y.yml"), "b: {{ s5:seal two }}\n");
    writeFileSync(join(sub, "z.yml"), "c: {{ s5:seal three }}\n");
    const mixed = await box.s5(["seal", "-i", "y.yml", "sub/z.yml"]);
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(readFileSync(join(box.dir, "y.yml"), "utf8")).toContain(`{{ s5:local:${top}:`);
    expect(readFileSync(join(sub, "z.yml"), "utf8")).toContain(`{{ s5:local:${own}:`);
    // A config named by S5_CONFIG (as by --config) is every file's project: one run, its key.
    writeFileSync(join(box.dir, "y.yml"), "b: {{ s5:seal two }}\n");
    writeFileSync(join(sub, "z.yml"), "c: {{ s5:seal three }}\n");
    const named = await box.s5(["seal", "-i", "y.yml", "sub/z.yml"], {
      env: { S5_CONFIG: join(box.dir, ".s5.json") },
    });
    expect(named.code, named.stderr).toBe(0);
    expect(readFileSync(join(sub, "z.yml"), "utf8")).toContain(`{{ s5:local:${top}:`);
  });

  it("render from the top reads each file with its own project's keys, all or nothing", async () => {
    const { box, sub } = await nested();
    const top = (await box.s5(["cipher", "top-value"])).stdout.toString();
    const own = (await box.s5(["cipher", "sub-value"], { cwd: sub })).stdout.toString();
    writeFileSync(join(box.dir, "y.yml"), `b: ${top}\n`);
    writeFileSync(join(sub, "x.yml"), `a: ${own}\n`);
    // Before: S5_KEY_LOCAL_UNKNOWN for sub/x.yml (read with the top project's keys), exit 7.
    const both = await box.s5(["render", "y.yml", "sub/x.yml", "-"], { input: `c: ${top}\n` });
    expect(both.stderr).toBe("");
    expect(both.stdout.toString()).toBe("b: top-value\na: sub-value\nc: top-value\n");
    // A token of the top project in the subdirectory's file fails there: nothing is written.
    writeFileSync(join(sub, "w.yml"), `d: ${top}\n`);
    const failed = await box.s5(["render", "-i", "y.yml", "sub/x.yml", "sub/w.yml"]);
    expect(failed.code).toBe(7);
    expect(failed.stderr).toContain("sub/w.yml:1:4");
    // Failures of both projects are reported at once.
    writeFileSync(join(box.dir, "v.yml"), `e: ${own}\n`);
    const two = await box.s5(["render", "v.yml", "sub/w.yml"]);
    expect(two.code).toBe(7);
    expect(two.stderr).toContain("2 tokens failed");
    expect(two.stderr).toContain("v.yml:1:4");
    expect(two.stderr).toContain("sub/w.yml:1:4");
    expect(readFileSync(join(box.dir, "y.yml"), "utf8")).toBe(`b: ${top}\n`);
    expect(readFileSync(join(sub, "x.yml"), "utf8")).toBe(`a: ${own}\n`);
    const inPlace = await box.s5(["render", "-i", "y.yml", "sub/x.yml"]);
    expect(inPlace.code, inPlace.stderr).toBe(0);
    expect(readFileSync(join(sub, "x.yml"), "utf8")).toBe("a: sub-value\n");
  });

  it("edit from the top opens it with the subdirectory's keys and seals to them", async () => {
    const { box, sub, own } = await nested();
    const token = (await box.s5(["cipher", "old"], { cwd: sub })).stdout.toString();
    writeFileSync(join(sub, "x.yml"), `a: ${token}\n`);
    const edit = await box.s5(["edit", "sub/x.yml"], {
      env: { EDITOR, TEST_EDIT: JSON.stringify([["old", "new"]]) },
    });
    // Before: S5_KEY_LOCAL_UNKNOWN (the top project's keys), exit 7.
    expect(edit.stderr).toContain(
      `sub/x.yml: 1 new token(s): 1 to local key ${own} (1 recipient); 0 kept\n`,
    );
    expect(edit.code).toBe(0);
    expect(readFileSync(join(sub, "x.yml"), "utf8")).toContain(`{{ s5:local:${own}:`);
    expect(readdirSync(sub).sort()).toEqual([".s5.json", "x.yml"]);
    const rendered = await box.s5(["render", "x.yml"], { cwd: sub });
    expect(rendered.stdout.toString()).toBe("a: new\n");
  });
});

describe("the summary of `edit` and `seal` says where new values went", () => {
  const keyOf = (dir: string) =>
    JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8")).local.keys.at(-1).id as string;

  it("seal names the local key and how many recipients it has, or AES; never a value", async () => {
    const box = await project();
    const generated = await box.s5(["keys", "generate"]);
    const publicKey = /public key: (s5pk-\S+)/.exec(generated.stderr)![1]!;
    expect((await box.s5(["keys", "add", "ci", publicKey])).code).toBe(0);
    writeFileSync(join(box.dir, "v.yml"), "a: {{ s5:seal one-1 }}\nb: {{ s5:seal two-2 }}\n");
    const sealed = await box.s5(["seal", "-i", "v.yml"]);
    expect(sealed.code).toBe(0);
    // Before: nothing at all on stderr.
    expect(sealed.stderr).toBe(
      `v.yml: 2 new token(s): 2 to local key ${keyOf(box.dir)} (2 recipients)\n`,
    );
    // To stdout: the text alone there, the line on stderr.
    const piped = await box.s5(["seal", "aes", "--key", AES_KEY], {
      input: "c: {{ s5:seal three-3 }}\n",
    });
    expect(piped.code).toBe(0);
    expect(piped.stdout.toString()).toMatch(/^c: \{\{ s5:aes:\S+ \}\}\n$/);
    expect(piped.stderr).toBe("<stdin>: 1 new token(s): 1 to AES\n");
    // Nothing sealed, nothing said.
    writeFileSync(join(box.dir, "plain.yml"), "d: plain\n");
    const none = await box.s5(["seal", "-i", "plain.yml"]);
    expect(none.stderr).toBe("");
    for (const result of [sealed, piped]) expect(result.stderr).not.toMatch(/one-1|two-2|three/);
  });

  it("edit names each backend its new tokens went to, with how many", async () => {
    const box = await project();
    const local = await cipher(box, ["l1"]);
    const aes = await cipher(box, ["aes", "--key", AES_KEY, "a1"]);
    const other = await cipher(box, ["aes", "--key", AES_KEY, "a2"]);
    const file = join(box.dir, "m.yml");
    writeFileSync(file, `team: ${local}\nci: ${aes}\nci2: ${other}\nkeep: ${local}\n`);
    const edit = await box.s5(["edit", "m.yml"], {
      env: {
        EDITOR,
        S5_AES_KEY: AES_KEY,
        TEST_EDIT: JSON.stringify([
          ["seal a1 }}", "seal b1 }}"],
          ["seal a2 }}", "seal b2 }}\nadded: {{ s5:seal n1 }}"],
        ]),
      },
    });
    expect(edit.code).toBe(0);
    // Before: "m.yml: 3 new token(s), 2 kept".
    expect(edit.stderr).toBe(
      `m.yml: 3 new token(s): 2 to AES, 1 to local key ${keyOf(box.dir)} (1 recipient); 2 kept\n`,
    );
    const rendered = await box.s5(["render", "m.yml"], { env: { S5_AES_KEY: AES_KEY } });
    expect(rendered.stdout.toString()).toBe("team: l1\nci: b1\nci2: b2\nadded: n1\nkeep: l1\n");
  });
});
