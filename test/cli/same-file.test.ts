// One real file named twice on a command line (`a.yml ./a.yml`, a symbolic link to it, a path
// through the directory it is in) is read, counted and written once, with a note; a hard link is a
// name of its own, and each is replaced.
import { linkSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

const env = { S5_AES_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" };
const NOTE = "the same file as one given before";

function project() {
  const box = sandbox();
  mkdirSync(join(box.dir, "sub"));
  writeFileSync(join(box.dir, "sub", "a.yml"), "a: {{ s5:seal hunter2 }}\n", { mode: 0o644 });
  symlinkSync("sub/a.yml", join(box.dir, "link.yml"));
  symlinkSync("sub", join(box.dir, "linked"));
  return box;
}

describe("one real file named twice", () => {
  it("is sealed, rewrapped and rendered once", async () => {
    const box = project();
    const names = ["sub/a.yml", "./sub/a.yml", "link.yml", join(box.dir, "sub/a.yml")];
    const seal = await box.s5(["seal", "aes", "-i", ...names], { env });
    expect(seal.code).toBe(0);
    // Before: one summary per name, each file's values encrypted again.
    expect(seal.stderr.match(/new token\(s\)/g)).toHaveLength(1);
    expect(seal.stderr).toContain(
      `s5: note: ./sub/a.yml, link.yml, ${join(box.dir, "sub/a.yml")}: ${NOTE}`,
    );
    const sealed = readFileSync(join(box.dir, "sub/a.yml"), "utf8");
    expect(sealed).toMatch(/^a: \{\{ s5:aes:[\w-]+ \}\}\n$/);

    const rewrap = await box.s5(["rewrap", "-i", "sub/a.yml", "sub/a.yml"], { env });
    expect(rewrap.stderr).toContain("in 1 file\n");

    const shown = await box.s5(["render", "aes", "sub/a.yml", "link.yml"], { env });
    expect(shown.stdout.toString()).toBe("a: hunter2\n");
    const render = await box.s5(["render", "aes", "-i", "sub/a.yml", "./sub/a.yml"], { env });
    expect(render.code).toBe(0);
    // Before: `… lost access to sub/a.yml (was 0644), ./sub/a.yml (was 0644)`.
    expect(render.stderr).toContain("lost access to sub/a.yml (was 0644):");
    expect(readFileSync(join(box.dir, "sub/a.yml"), "utf8")).toBe("a: hunter2\n");
  });

  it("is checked and listed once: its tokens are no copies of themselves", async () => {
    const box = project();
    await box.s5(["seal", "aes", "-i", "sub/a.yml"], { env });
    for (const names of [
      ["sub/a.yml", "./sub/a.yml"],
      ["sub/a.yml", "link.yml"],
      [".", "sub/a.yml"],
      ["sub/a.yml", "."],
      // A directory given through a symbolic link: its files are the same files.
      ["linked", "sub/a.yml"],
    ]) {
      const check = await box.s5(["check", "aes", ...names], { env });
      expect(check.code, names.join(" ")).toBe(0);
      // Before: S5_CHECK_COPY twice ("the same token as at …"), and 2 files, 2 tokens.
      expect(check.stderr, names.join(" ")).not.toContain("S5_CHECK_COPY");
      expect(check.stderr, names.join(" ")).toContain("checked 1 file(s), 1 token(s)");
      expect(check.stderr, names.join(" ")).toContain(NOTE);
      const ls = await box.s5(["ls", ...names], { env });
      expect(ls.stdout.toString().trim().split("\n"), names.join(" ")).toHaveLength(1);
    }
  });

  it("reads a named binary file that a directory given also holds (a walk leaves binary files out)", async () => {
    const box = project();
    const token = (await box.s5(["cipher", "aes", "hunter2"], { env })).stdout.toString().trim();
    // A NUL byte: a walk takes the file for binary and skips it; named, it is read all the same.
    writeFileSync(join(box.dir, "sub", "blob.bin"), `\0${token}\n`);
    for (const names of [
      [".", "./sub/blob.bin"],
      ["sub", join(box.dir, "sub/blob.bin")],
    ]) {
      const check = await box.s5(["check", "aes", ...names], { env });
      expect(check.stderr, names.join(" ")).toContain("checked 2 file(s), 1 token(s)");
      expect(check.stderr, names.join(" ")).toContain(NOTE);
    }
  });

  it("keeps stdin as it is: `-` twice is refused, not read once", async () => {
    const box = project();
    for (const command of ["render", "rewrap"]) {
      const twice = await box.s5([command, "aes", "-", "-"], { env, input: "a: 1\n" });
      expect(twice.code, command).toBe(2);
      expect(twice.stderr, command).toContain("stdin (-) can be read once");
    }
  });

  it("lists ten other names in its note, then how many more", async () => {
    const box = project();
    await box.s5(["seal", "aes", "-i", "sub/a.yml"], { env });
    const names = Array.from({ length: 12 }, (_, i) => `${"./".repeat(i + 1)}sub/a.yml`);
    const render = await box.s5(["render", "aes", "sub/a.yml", ...names], { env });
    expect(render.code).toBe(0);
    expect(render.stderr).toContain(`${names.slice(0, 10).join(", ")} and 2 more: ${NOTE}`);
  });

  it("seals a file named through a link from another project with its own project's keys", async () => {
    const box = sandbox();
    // Two projects, each with its own key; app/link.yml leads to other/v.yml.
    const keyOf = (dir: string) =>
      JSON.parse(readFileSync(join(box.dir, dir, ".s5.json"), "utf8")).local.keys.at(-1).id;
    for (const dir of ["app", "other"]) {
      mkdirSync(join(box.dir, dir));
      const home = join(box.dir, `home-${dir}`);
      mkdirSync(home);
      const made = await box.s5(["init", "--dir", ".", "--name", dir], {
        env: { HOME: home, XDG_CONFIG_HOME: join(home, ".config") },
        cwd: join(box.dir, dir),
      });
      expect(made.code, made.stderr).toBe(0);
    }
    expect(keyOf("app")).not.toBe(keyOf("other"));
    symlinkSync("../other/v.yml", join(box.dir, "app", "link.yml"));
    for (const names of [
      ["app/link.yml", "other/v.yml"],
      ["other/v.yml", "app/link.yml"],
    ]) {
      writeFileSync(join(box.dir, "other", "v.yml"), "a: {{ s5:seal hunter2 }}\n");
      const seal = await box.s5(["seal", "local", "-i", ...names]);
      expect(seal.code, seal.stderr).toBe(0);
      expect(seal.stderr).toContain(NOTE);
      // Before, with the link first: app's key, which other's readers lack.
      const sealed = readFileSync(join(box.dir, "other", "v.yml"), "utf8");
      expect(sealed, names.join(" ")).toContain(`s5:local:${keyOf("other")}:`);
    }
    // Two names through links and none direct: the first is kept, the second is the note's.
    symlinkSync("../other/v.yml", join(box.dir, "app", "link2.yml"));
    writeFileSync(join(box.dir, "other", "v.yml"), "a: {{ s5:seal hunter2 }}\n");
    const check = await box.s5(["check", "--no-decrypt", "app/link.yml", "app/link2.yml"]);
    const said = check.stdout.toString() + check.stderr;
    expect(said).toContain("app/link.yml:1:");
    expect(said).not.toContain("app/link2.yml:1:");
    expect(said).toContain("note: app/link2.yml: the same file");
  });

  it("keeps hard links apart: each name is replaced", async () => {
    const box = project();
    await box.s5(["seal", "aes", "-i", "sub/a.yml"], { env });
    linkSync(join(box.dir, "sub/a.yml"), join(box.dir, "hard.yml"));
    const render = await box.s5(["render", "aes", "-i", "sub/a.yml", "hard.yml"], { env });
    expect(render.code).toBe(0);
    expect(render.stderr).not.toContain(NOTE);
    expect(readFileSync(join(box.dir, "sub/a.yml"), "utf8")).toBe("a: hunter2\n");
    expect(readFileSync(join(box.dir, "hard.yml"), "utf8")).toBe("a: hunter2\n");
    // Both names were replaced: no name left holding the old content, nothing to warn of.
    expect(render.stderr).not.toContain("S5_OUTPUT_LINKS");
  });

  it("warns when a name not given still holds the old content: after seal -i, the values in clear", async () => {
    // Every write makes a new file and renames it into place (all-or-nothing), so a hard link
    // elsewhere keeps the file as it was: after `seal -i`, the seal markers and their values.
    const box = project();
    const hard = join(box.dir, "backup.yml");
    linkSync(join(box.dir, "sub/a.yml"), hard);
    const { ino } = statSync(hard);
    const seal = await box.s5(["seal", "aes", "-i", "sub/a.yml"], { env });
    expect(seal.code).toBe(0);
    expect(seal.stderr).toContain(
      "s5: warning: sub/a.yml had 1 other name (hard links), which still hold what it held before: the values in clear — s5 wrote a new file in its place (S5_OUTPUT_LINKS)",
    );
    expect(seal.stderr).toContain(`\`find MOUNT -xdev -inum ${ino}\` lists it`);
    expect(seal.stderr).toContain("seal or remove it");
    expect(seal.stderr).not.toContain("hunter2");
    // What it says: the other name is the old file, found by that inode.
    expect(readFileSync(hard, "utf8")).toBe("a: {{ s5:seal hunter2 }}\n");
    expect(readFileSync(join(box.dir, "sub/a.yml"), "utf8")).not.toContain("hunter2");
    // Two other names, and a render: said as such, with no "values in clear".
    linkSync(join(box.dir, "sub/a.yml"), join(box.dir, "one.yml"));
    linkSync(join(box.dir, "sub/a.yml"), join(box.dir, "two.yml"));
    const render = await box.s5(["render", "aes", "-i", "sub/a.yml"], { env });
    expect(render.code).toBe(0);
    expect(render.stderr).toContain(
      "s5: warning: sub/a.yml had 2 other names (hard links), which still hold what it held before — s5 wrote",
    );
    expect(render.stderr).toContain("update or remove them");
    // A file of one name: no warning.
    const again = await box.s5(["seal", "aes", "-i", "sub/a.yml"], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain("S5_OUTPUT_LINKS");
  });
});
