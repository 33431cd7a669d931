// A file reached through a symbolic link belongs to the project where its bytes live: every
// command takes its project from the nearest `.s5.json` above its real place (links in its name
// and its directories followed). Before, it was found above the name given: `seal -i
// app/link.yml` (a link to other/a.yml) sealed other's file to app's key, which other's team and
// CI lack; `render`, `check`, `edit` and `run -f` read other's tokens with app's keys
// (S5_KEY_LOCAL_UNKNOWN).
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

const keyOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8")).local.keys.at(-1).id as string;
const keyIds = (text: string) => [...text.matchAll(/s5:local:([\w-]{8}):/g)].map((m) => m[1]);

/** `app` and `other`, two projects of one user (each its own key); links in app to other. */
async function projects() {
  const box = sandbox();
  const top = join(box.dir, "..");
  const app = join(top, "app");
  const other = join(top, "other");
  for (const dir of [app, other]) {
    mkdirSync(dir);
    expect((await box.s5(["init", "--dir", "."], { cwd: dir })).code).toBe(0);
    // The first use of the project's key (a warning, once) is behind: stderr is the run's own.
    await box.s5(["cipher", "x"], { cwd: dir });
  }
  mkdirSync(join(other, "sub"));
  writeFileSync(join(other, "a.yml"), "a: {{ s5:seal hunter2 }}\n");
  writeFileSync(join(other, "sub", "b.yml"), "b: {{ s5:seal swordfish }}\n");
  symlinkSync("../other/a.yml", join(app, "link.yml"));
  symlinkSync("../other/sub", join(app, "linked"));
  const s5 = (args: string[], env: Record<string, string> = {}) => box.s5(args, { cwd: app, env });
  return { box, top, app, other, s5 };
}

describe("a file through a symbolic link into another project", () => {
  it("is sealed to its own project's key, through the link, which stays a link", async () => {
    const { app, other, s5 } = await projects();
    const sealed = await s5(["seal", "-i", "link.yml", "linked/b.yml"]);
    expect(sealed.code, sealed.stderr).toBe(0);
    // Before: `1 to local key <app's>`: other's team could not read its own file.
    expect(sealed.stderr).toBe(
      `link.yml: 1 new token(s): 1 to local key ${keyOf(other)} (1 recipient)\n` +
        `linked/b.yml: 1 new token(s): 1 to local key ${keyOf(other)} (1 recipient)\n`,
    );
    expect(keyIds(readFileSync(join(other, "a.yml"), "utf8"))).toEqual([keyOf(other)]);
    expect(keyIds(readFileSync(join(other, "sub", "b.yml"), "utf8"))).toEqual([keyOf(other)]);
    // `-i` writes the file the link points to, and the link stays a link (as before).
    expect(lstatSync(join(app, "link.yml")).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(app, "linked")).isSymbolicLink()).toBe(true);
  });

  it("is rendered, checked, listed and edited with its own project's keys", async () => {
    const { other, s5, box } = await projects();
    expect((await box.s5(["seal", "-i", "a.yml", "sub/b.yml"], { cwd: other })).code).toBe(0);
    const render = await s5(["render", "link.yml", "linked/b.yml"]);
    // Before: exit 7, S5_KEY_LOCAL_UNKNOWN (app's keys for other's tokens).
    expect(render.stderr).toBe("");
    expect(render.stdout.toString()).toBe("a: hunter2\nb: swordfish\n");
    for (const names of [["link.yml"], ["linked"], ["."]]) {
      const check = await s5(["check", ...names]);
      expect(check.stderr, names.join(" ")).not.toContain("S5_KEY_LOCAL_UNKNOWN");
    }
    const check = await s5(["check", "link.yml", "linked"]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toContain("checked 2 file(s), 2 token(s) (2 decrypted): 0 problem(s)");
    const ls = await s5(["ls", "link.yml", "linked"]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout.toString()).toMatch(
      new RegExp(
        `^link\\.yml:1:4 local ${keyOf(other)} -\\nlinked/b\\.yml:1:4 local ${keyOf(other)} -\\n$`,
      ),
    );
    // An edit decrypts with other's keys and seals the new value to other's key (before: exit 7).
    const edit = await s5(["edit", "link.yml"], { EDITOR: "sed -i s/hunter2/hunter3/" });
    expect(edit.code, edit.stderr).toBe(0);
    const edited = readFileSync(join(other, "a.yml"), "utf8");
    expect(keyIds(edited)).toEqual([keyOf(other)]);
    expect((await s5(["render", "link.yml"])).stdout.toString()).toBe("a: hunter3\n");
  });

  it("s5 run -f through a link reads the .env with its target's project", async () => {
    const { app, other, s5, box } = await projects();
    const token = (await box.s5(["cipher", "from-other"], { cwd: other })).stdout.toString().trim();
    writeFileSync(join(other, ".env"), `X=${token}\n`);
    symlinkSync("../other/.env", join(app, ".env"));
    const out = await s5(["run", "-f", ".env", "--", process.execPath, "-p", "process.env.X"]);
    // Before: S5_KEY_LOCAL_UNKNOWN, exit 7.
    expect(out.stderr).toBe("");
    expect(out.stdout.toString()).toBe("from-other\n");
  });

  it("a named config still names one project for all", async () => {
    const { app, other, s5, box } = await projects();
    expect((await box.s5(["seal", "-i", "a.yml"], { cwd: other })).code).toBe(0);
    const named = await s5(["render", "--config", join(app, ".s5.json"), "link.yml"]);
    expect(named.code).toBe(7);
    expect(named.stderr).toContain(`local key ${keyOf(other)} is not in the project config`);
  });

  it("a link into no project takes the project of its name, here the working directory's", async () => {
    const { app, top, s5 } = await projects();
    mkdirSync(join(top, "loose"));
    writeFileSync(join(top, "loose", "c.yml"), "c: {{ s5:seal free }}\n");
    symlinkSync("../loose/c.yml", join(app, "loose.yml"));
    const sealed = await s5(["seal", "-i", "loose.yml"]);
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(keyIds(readFileSync(join(top, "loose", "c.yml"), "utf8"))).toEqual([keyOf(app)]);
  });

  it("a link into no project takes its own project from any directory: a Nix store, home-manager's links", async () => {
    const { app, top, box } = await projects();
    // home-manager: ~/.config/app/FILE -> /nix/store/…-home-manager-files/…/FILE -> /nix/store/…-FILE,
    // a flat store in no project, root's and read-only; its .s5.json is linked the same way.
    const store = join(top, "nix", "store");
    const files = join(store, "dddd-home-manager-files");
    mkdirSync(files, { recursive: true });
    const token = (await box.s5(["cipher", "from-nix"], { cwd: app })).stdout.toString().trim();
    writeFileSync(join(store, "aaaa-app.yml"), `v: ${token}\n`);
    writeFileSync(join(store, "bbbb-s5.json"), readFileSync(join(app, ".s5.json")));
    const config = join(top, "home", ".config", "app");
    mkdirSync(config, { recursive: true });
    for (const [name, stored] of [
      ["app.yml", "aaaa-app.yml"],
      [".s5.json", "bbbb-s5.json"],
    ]) {
      symlinkSync(join(store, stored!), join(files, name!));
      symlinkSync(join(files, name!), join(config, name!));
    }
    const out = await box.s5(["render", join(config, "app.yml")], { cwd: top });
    // Before: exit 7, S5_KEY_LOCAL_UNKNOWN (the working directory's project, none here).
    expect(out.stderr).toBe("");
    expect(out.stdout.toString()).toBe("v: from-nix\n");
  });

  it("check --staged reads a staged file with the project of its name, not of a link put there since", async () => {
    const { app, other, s5, box } = await projects();
    expect((await box.s5(["seal", "-i", "a.yml"], { cwd: other })).code).toBe(0);
    writeFileSync(join(app, "x.yml"), "x: {{ s5:seal staged }}\n");
    expect((await s5(["seal", "-i", "x.yml"])).code).toBe(0);
    const git = (...args: string[]) => spawnSync("git", args, { cwd: app, env: box.env });
    git("init", "-q");
    git("add", ".s5.json", "x.yml");
    // The work tree's x.yml is now a link into other; the index still holds app's token.
    rmSync(join(app, "x.yml"));
    symlinkSync("../other/a.yml", join(app, "x.yml"));
    const check = await s5(["check", "--staged"]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toContain("(1 decrypted): 0 problem(s)");
  });

  it("a dangling link and a loop fail with a clear error and its code", async () => {
    const { app, s5 } = await projects();
    symlinkSync("nowhere.yml", join(app, "dangling.yml"));
    symlinkSync("loop-b", join(app, "loop-a"));
    symlinkSync("loop-a", join(app, "loop-b"));
    for (const command of [["render"], ["seal", "-i"], ["check"], ["ls"], ["rewrap"]]) {
      const dangling = await s5([...command, "dangling.yml"]);
      expect(dangling.code, command.join(" ")).toBe(3);
      // Before: "check the path", while the name is there.
      expect(dangling.stderr).toBe(
        "s5: error: cannot read dangling.yml (ENOENT) (S5_INPUT)\n" +
          "  hint: it is a symbolic link to nowhere.yml, which does not exist: point the link at the file, or remove it\n",
      );
      const loop = await s5([...command, "loop-a"]);
      expect(loop.code, command.join(" ")).toBeGreaterThan(2);
      expect(loop.stderr).toMatch(/\(ELOOP\) \(S5_(INPUT|OUTPUT)\)\n.*a loop\?/);
    }
    const run = await s5(["run", "-f", "dangling.yml", "--", "true"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("it is a symbolic link to nowhere.yml, which does not exist");
  });

  it("a link from no git repository into a project in one is followed: nobody committed it", async () => {
    const { app, other, s5 } = await projects();
    spawnSync("git", ["init", "-q"], { cwd: other });
    const sealed = await s5(["seal", "-i", "link.yml"]);
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(keyIds(readFileSync(join(other, "a.yml"), "utf8"))).toEqual([keyOf(other)]);
    expect(lstatSync(join(app, "link.yml")).isSymbolicLink()).toBe(true);
  });

  it("a link within its project, into or out of a clone nested there with no .s5.json of its own, is followed", async () => {
    const { app, s5, box } = await projects();
    spawnSync("git", ["init", "-q"], { cwd: app });
    const lib = join(app, "vendor", "lib");
    mkdirSync(lib, { recursive: true });
    spawnSync("git", ["init", "-q"], { cwd: lib });
    const token = (await box.s5(["cipher", "vendored"], { cwd: app })).stdout.toString().trim();
    writeFileSync(join(lib, "conf.yml"), `v: ${token}\n`);
    writeFileSync(join(app, "app.yml"), `w: ${token}\n`);
    symlinkSync("vendor/lib/conf.yml", join(app, "lib.yml"));
    symlinkSync("../../app.yml", join(lib, "up.yml"));
    // The clone is another repository, but both files are app's own project's.
    const out = await s5(["render", "lib.yml", "vendor/lib/up.yml"]);
    expect(out.stderr).toBe("");
    expect(out.stdout.toString()).toBe("v: vendored\nw: vendored\n");
  });

  it("a directory linked into no project takes the project of its name, from any directory", async () => {
    const { app, top, box } = await projects();
    // home-manager's recursive links of a whole directory: ~/.config/app -> /nix/store/…-app-config.
    const stored = join(top, "nix", "store", "cccc-app-config");
    mkdirSync(stored, { recursive: true });
    const token = (await box.s5(["cipher", "dir-from-nix"], { cwd: app })).stdout.toString().trim();
    writeFileSync(join(stored, "app.yml"), `v: ${token}\n`);
    symlinkSync(stored, join(app, "config"));
    const out = await box.s5(["render", join(app, "config", "app.yml")], { cwd: top });
    // Taken from its real place: no project there, nor in the working directory (S5_KEY_LOCAL_UNKNOWN).
    expect(out.stderr).toBe("");
    expect(out.stdout.toString()).toBe("v: dir-from-nix\n");
  });

  it("a link in no project into one takes the project of its target", async () => {
    const { top, other, box } = await projects();
    expect((await box.s5(["seal", "-i", "a.yml"], { cwd: other })).code).toBe(0);
    const loose = join(top, "loose");
    mkdirSync(loose);
    symlinkSync("../other/a.yml", join(loose, "a.yml"));
    // From the link's own directory, in no project: its name would find none.
    const out = await box.s5(["render", "a.yml"], { cwd: loose });
    expect(out.stderr).toBe("");
    expect(out.stdout.toString()).toBe("a: hunter2\n");
  });
});

describe("a link into a git submodule", () => {
  /** A superproject with `lib` (its own project and key) as a submodule at vendor/lib, and `lib.yml -> vendor/lib/conf.yml`. */
  async function superproject(name = "app") {
    const box = sandbox();
    const top = join(box.dir, "..");
    const git = (cwd: string, ...args: string[]) => {
      const out = spawnSync(
        "git",
        [
          "-c",
          "user.email=t@example.com",
          "-c",
          "user.name=t",
          "-c",
          "protocol.file.allow=always",
        ].concat(args),
        { cwd, env: box.env },
      );
      expect(out.status, out.stderr.toString()).toBe(0);
    };
    const lib = join(top, "lib");
    mkdirSync(lib);
    git(lib, "init", "-q");
    expect((await box.s5(["init", "--dir", "."], { cwd: lib })).code).toBe(0);
    const token = (await box.s5(["cipher", "lib-secret"], { cwd: lib })).stdout.toString().trim();
    writeFileSync(join(lib, "conf.yml"), `v: ${token}\n`);
    git(lib, "add", "-A");
    git(lib, "commit", "-qm", "lib");
    const app = join(top, name);
    mkdirSync(app, { recursive: true });
    git(app, "init", "-q");
    expect((await box.s5(["init", "--dir", "."], { cwd: app })).code).toBe(0);
    return { box, top, app, lib, git };
  }

  it("is followed from a worktree of the superproject, whose submodules' git directories are its own", async () => {
    const { box, top, app, lib, git } = await superproject();
    git(app, "submodule", "add", "-q", lib, "vendor/lib");
    symlinkSync("vendor/lib/conf.yml", join(app, "lib.yml"));
    git(app, "add", "-A");
    git(app, "commit", "-qm", "app");
    const tree = join(top, "app-tree");
    git(app, "worktree", "add", "-q", tree);
    git(tree, "submodule", "update", "-q", "--init");
    for (const cwd of [app, tree]) {
      const out = await box.s5(["render", "lib.yml"], { cwd });
      // Before, in the worktree: exit 12, "a project out of its git repository" (its submodule's
      // git directory is under .git/worktrees/app-tree/modules/, not .git/modules/).
      expect(out.stderr, cwd).toBe("");
      expect(out.stdout.toString()).toBe("v: lib-secret\n");
    }
  });

  it("with its own .git directory is refused, and the hint says how to absorb it", async () => {
    const { box, app, lib, git } = await superproject();
    // `git submodule add` of a clone already there keeps its .git directory in the work tree.
    git(app, "clone", "-q", lib, "vendor/lib");
    git(app, "submodule", "add", "-q", lib, "vendor/lib");
    symlinkSync("vendor/lib/conf.yml", join(app, "lib.yml"));
    const refused = await box.s5(["render", "lib.yml"], { cwd: app });
    expect(refused.code).toBe(12);
    expect(refused.stderr).toContain(
      "if it is a submodule with its own .git directory, `git submodule absorbgitdirs` makes it part of this repository",
    );
    git(app, "submodule", "absorbgitdirs");
    const out = await box.s5(["render", "lib.yml"], { cwd: app });
    expect(out.stderr).toBe("");
    expect(out.stdout.toString()).toBe("v: lib-secret\n");
  });

  it("is followed when a directory above the superproject is named modules", async () => {
    // The submodule's git directory is …/modules/app/.git/modules/vendor/lib: the first
    // `/modules/` on its way is no git directory's.
    const { box, app, lib, git } = await superproject(join("modules", "app"));
    git(app, "submodule", "add", "-q", lib, "vendor/lib");
    symlinkSync("vendor/lib/conf.yml", join(app, "lib.yml"));
    const out = await box.s5(["render", "lib.yml"], { cwd: app });
    expect(out.stderr).toBe("");
    expect(out.stdout.toString()).toBe("v: lib-secret\n");
  });

  it("a link in a worktree into the main checkout is within the repository", async () => {
    const { box, top, app, git } = await superproject();
    mkdirSync(join(app, "pkg"));
    expect((await box.s5(["init", "--dir", "."], { cwd: join(app, "pkg") })).code).toBe(0);
    const token = (await box.s5(["cipher", "main-secret"], { cwd: join(app, "pkg") })).stdout
      .toString()
      .trim();
    writeFileSync(join(app, "pkg", "p.yml"), `p: ${token}\n`);
    git(app, "add", "-A");
    git(app, "commit", "-qm", "app");
    const tree = join(top, "app-tree");
    git(app, "worktree", "add", "-q", tree);
    // The worktree's git directory (.git/worktrees/app-tree) shares app's .git (its commondir).
    symlinkSync(join(app, "pkg", "p.yml"), join(tree, "main.yml"));
    const out = await box.s5(["render", "main.yml"], { cwd: tree });
    expect(out.stderr).toBe("");
    expect(out.stdout.toString()).toBe("p: main-secret\n");
  });
});
