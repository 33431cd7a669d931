// A hostile review of "a file's project is found above its real place, links followed". A link
// chooses the keys and settings that read and seal a file, and git commits links: one in a pull
// request to repository A that points into repository B (`../b/prod.yml`, or an absolute path
// to another checkout) made `s5 render` decrypt B's secrets into A's output, where before A's keys
// failed on them; one into another user's directory took that user's `.s5.json`. And `..` after a
// link (`sub/../y.yml`, which the kernel takes from the link's target) chose the project of one
// file, read another and wrote a third.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  lchownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { asRoot, canRun, OTHER_UID } from "../setup/system-tools.ts";
import { hasStrace, killTraced, traced } from "../setup/traced.ts";
import { S5_BIN, type Sandbox, sandbox } from "./run.ts";

const keyOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8")).local.keys.at(-1).id as string;
const keyIds = (text: string) => [...text.matchAll(/s5:local:([\w-]{8}):/g)].map((m) => m[1]);

/** Projects `names` beside the sandbox's, each its own key (the first use behind), `git` ones repositories. */
async function projects(names: string[], git: boolean) {
  const box = sandbox();
  const top = join(box.dir, "..");
  for (const name of names) {
    const dir = join(top, name);
    mkdirSync(dir);
    if (git) spawnSync("git", ["init", "-q"], { cwd: dir });
    expect((await box.s5(["init", "--dir", "."], { cwd: dir })).code).toBe(0);
    await box.s5(["cipher", "x"], { cwd: dir });
  }
  return { box, top };
}

const refusal =
  /^s5: error: .* (?:is a symbolic link|on its way leads) into (a project out of its git repository|another user's project \(uid \d+\)), .*\.s5\.json: s5 will not read or seal it with that project's keys and settings \(S5_CONFIG_UNSAFE\)\n {2}hint: .*name the file by its real path \(.*\)/;

describe("a link that leads into another project", () => {
  it("out of its git repository is refused: render, run -f, check, seal, ls; its real path is not", async () => {
    const { box, top } = await projects(["a", "b"], true);
    const [a, b] = [join(top, "a"), join(top, "b")];
    mkdirSync(join(b, "sub"));
    writeFileSync(join(b, "prod.yml"), "db: {{ s5:seal prod-password }}\n");
    writeFileSync(join(b, "sub", "c.yml"), "c: {{ s5:seal other-secret }}\n");
    expect((await box.s5(["seal", "-i", "prod.yml", "sub/c.yml"], { cwd: b })).code).toBe(0);
    const token = (await box.s5(["cipher", "env-secret"], { cwd: b })).stdout.toString().trim();
    writeFileSync(join(b, ".env"), `DB=${token}\n`);
    // What a pull request to A can commit: links, relative and absolute, to a file or a directory.
    symlinkSync("../b/prod.yml", join(a, "leak.yml"));
    symlinkSync(join(b, "prod.yml"), join(a, "leak-abs.yml"));
    symlinkSync("../b/sub", join(a, "apps"));
    symlinkSync("../b/.env", join(a, ".env"));
    writeFileSync(join(b, "new.yml"), "n: {{ s5:seal typed }}\n");
    symlinkSync("../b/new.yml", join(a, "new.yml"));
    const s5 = (args: string[]) => box.s5(args, { cwd: a });
    for (const args of [
      ["render", "leak.yml"],
      ["render", "leak-abs.yml"],
      ["render", "apps/c.yml"],
      ["run", "-f", ".env", "--", "true"],
      ["check", "leak.yml"],
      ["ls", "leak.yml"],
      ["seal", "-i", "new.yml"],
    ]) {
      const out = await s5(args);
      // Before: exit 0, B's plaintext on stdout (A's keys failed on B's tokens before links were followed).
      expect(out.code, `${args.join(" ")}: ${out.stderr}`).toBe(12);
      expect(out.stderr, args.join(" ")).toMatch(refusal);
      expect(out.stdout.toString()).not.toContain("prod-password");
    }
    expect(readFileSync(join(b, "new.yml"), "utf8")).toBe("n: {{ s5:seal typed }}\n");
    // Named by its real place, the file is the user's choice: B's keys read it.
    const real = await s5(["render", "../b/prod.yml"]);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout.toString()).toBe("db: prod-password\n");
    // A link within the repository to another of its projects is followed (a monorepo's).
    mkdirSync(join(a, "pkg"));
    expect((await box.s5(["init", "--dir", "."], { cwd: join(a, "pkg") })).code).toBe(0);
    await box.s5(["cipher", "x"], { cwd: join(a, "pkg") });
    writeFileSync(join(a, "pkg", "p.yml"), "p: {{ s5:seal inside }}\n");
    symlinkSync("pkg/p.yml", join(a, "p.yml"));
    const inside = await s5(["seal", "-i", "p.yml"]);
    expect(inside.code, inside.stderr).toBe(0);
    expect(keyIds(readFileSync(join(a, "pkg", "p.yml"), "utf8"))).toEqual([keyOf(join(a, "pkg"))]);
  });

  it.runIf(asRoot)("of another user is refused, though its directory is theirs alone", async () => {
    const { box, top } = await projects(["app", "evil"], false);
    const [app, evil] = [join(top, "app"), join(top, "evil")];
    writeFileSync(join(evil, "values.yml"), "token: {{ s5:seal theirs }}\n");
    for (const name of ["", ".s5.json", "values.yml"])
      chownSync(join(evil, name), OTHER_UID, OTHER_UID);
    symlinkSync("../evil/values.yml", join(app, "values.yml"));
    const sealed = await box.s5(["seal", "values.yml"], { cwd: app });
    // Before: exit 0, sealed to their key with a first-use warning.
    expect(sealed.code, sealed.stderr).toBe(12);
    expect(sealed.stderr).toMatch(refusal);
    expect(sealed.stderr).toContain(`another user's project (uid ${OTHER_UID})`);
    // Outside git: no submodule to absorb.
    expect(sealed.stderr).not.toContain("absorbgitdirs");
    expect(sealed.stdout.toString()).toBe("");
  });

  it("through a linked directory above it is refused too, and the absorb hint is for a repository inside only", async () => {
    const { box, top } = await projects(["app", "app-lib"], true);
    const [app, lib] = [join(top, "app"), join(top, "app-lib")];
    mkdirSync(join(lib, "deep", "er"), { recursive: true });
    writeFileSync(join(lib, "deep", "er", "c.yml"), "c: {{ s5:seal lib-secret }}\n");
    expect((await box.s5(["seal", "-i", "deep/er/c.yml"], { cwd: lib })).code).toBe(0);
    // The link is two directories above the file: its own directory and the next are real.
    symlinkSync("../app-lib", join(app, "vendor"));
    const out = await box.s5(["render", "vendor/deep/er/c.yml"], { cwd: app });
    expect(out.code, out.stderr).toBe(12);
    expect(out.stderr).toMatch(refusal);
    expect(out.stderr).toContain(
      `c.yml: the symbolic link ${join(app, "vendor")} on its way leads into a project out of its git repository`,
    );
    expect(out.stdout.toString()).not.toContain("lib-secret");
    // app-lib is beside app, not inside it, though its name begins with app's.
    expect(out.stderr).not.toContain("absorbgitdirs");
    // The hint's other way out: the config named, the file is read through the link, with it.
    const named = await box.s5(
      ["render", "--config", join(lib, ".s5.json"), "vendor/deep/er/c.yml"],
      {
        cwd: app,
      },
    );
    expect(named.stderr).toBe("");
    expect(named.stdout.toString()).toBe("c: lib-secret\n");
  });

  it.runIf(asRoot)("of another user, in a project of that user, is followed", async () => {
    const { box, top } = await projects(["app", "mine"], false);
    const [app, mine] = [join(top, "app"), join(top, "mine")];
    writeFileSync(join(mine, "values.yml"), "token: {{ s5:seal theirs }}\n");
    // Root (a CI runner) in a user's checkout: a link of theirs into another project of theirs.
    for (const dir of [app, mine])
      for (const name of ["", ".s5.json"]) chownSync(join(dir, name), OTHER_UID, OTHER_UID);
    chownSync(join(mine, "values.yml"), OTHER_UID, OTHER_UID);
    symlinkSync("../mine/values.yml", join(app, "values.yml"));
    const sealed = await box.s5(["seal", "values.yml"], { cwd: app });
    expect(sealed.stderr).not.toContain("S5_CONFIG_UNSAFE");
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(keyIds(sealed.stdout.toString())).toEqual([keyOf(mine)]);
  });

  it("from a checkout whose .git names a git directory not there is refused: the work tree is its repository", async () => {
    const { box, top } = await projects(["app", "b"], false);
    const [app, b] = [join(top, "app"), join(top, "b")];
    // A submodule copied alone (a container's build context): its .git file names the
    // superproject's git directory, which is not there.
    writeFileSync(join(app, ".git"), "gitdir: ../gone/.git/modules/app\n");
    writeFileSync(join(b, "prod.yml"), "db: {{ s5:seal prod-password }}\n");
    expect((await box.s5(["seal", "-i", "prod.yml"], { cwd: b })).code).toBe(0);
    symlinkSync("../b/prod.yml", join(app, "leak.yml"));
    const out = await box.s5(["render", "leak.yml"], { cwd: app });
    expect(out.code, out.stderr).toBe(12);
    expect(out.stderr).toMatch(refusal);
    expect(out.stderr).not.toContain("absorbgitdirs");
    expect(out.stdout.toString()).not.toContain("prod-password");
  });
});

describe("an output named through a link", () => {
  it("into another project out of its git repository is refused: render -o, seal -o", async () => {
    const { box, top } = await projects(["a", "b"], true);
    const [a, b] = [join(top, "a"), join(top, "b")];
    mkdirSync(join(b, "sub"));
    writeFileSync(join(b, "prod.yml"), "db: {{ s5:seal prod-password }}\n");
    expect((await box.s5(["seal", "-i", "prod.yml"], { cwd: b })).code).toBe(0);
    const prod = readFileSync(join(b, "prod.yml"), "utf8");
    writeFileSync(join(a, "own.yml"), "a: {{ s5:seal a-secret }}\n");
    expect((await box.s5(["seal", "-i", "own.yml"], { cwd: a })).code).toBe(0);
    // What a pull request to A can commit: the output a build writes, a link into B.
    symlinkSync("../b/prod.yml", join(a, "out.yml"));
    symlinkSync("../b/sub", join(a, "dist"));
    for (const args of [
      ["render", "own.yml", "-o", "out.yml"],
      ["render", "own.yml", "-o", "dist/new.yml"],
      ["seal", "own.yml", "-o", "out.yml"],
    ]) {
      const out = await box.s5(args, { cwd: a });
      // Before: exit 0, A's plaintext over B's sealed file (or a new file in B's work tree).
      expect(out.code, `${args.join(" ")}: ${out.stderr}`).toBe(12);
      expect(out.stderr, args.join(" ")).toMatch(
        /^s5: error: .* into a project out of its git repository, .*\/b\/\.s5\.json: s5 will not write its output there \(S5_CONFIG_UNSAFE\)\n {2}hint: .*name the real path \(.*\/b\/(prod|sub\/new)\.yml\)\n$/,
      );
    }
    expect(readFileSync(join(b, "prod.yml"), "utf8")).toBe(prod);
    expect(readdirSync(join(b, "sub"))).toEqual([]);
    // A link into no project (a build directory elsewhere) is written through, as before; so is
    // another project's file named by its real path: the user's choice.
    mkdirSync(join(top, "build"));
    symlinkSync("../build", join(a, "public"));
    for (const output of ["public/app.yml", "../b/sub/named.yml"]) {
      const out = await box.s5(["render", "own.yml", "-o", output], { cwd: a });
      expect(out.code, out.stderr).toBe(0);
      expect(readFileSync(join(a, output), "utf8")).toBe("a: a-secret\n");
    }
  });
});

describe("a .s5.json that is a link", () => {
  it("out of its git repository, or into another user's file, is not the project config", async () => {
    const { box, top } = await projects(["b"], true);
    const [app, b] = [join(top, "app"), join(top, "b")];
    mkdirSync(app);
    spawnSync("git", ["init", "-q"], { cwd: app });
    writeFileSync(join(app, "values.yml"), "v: {{ s5:seal typed-here }}\n");
    // What a pull request can commit: the project's config, a link to B's (or anyone's).
    symlinkSync("../b/.s5.json", join(app, ".s5.json"));
    const sealed = await box.s5(["seal", "values.yml"], { cwd: app });
    // Before: exit 0, the app's value sealed to B's key.
    expect(sealed.code, sealed.stderr).toBe(12);
    expect(sealed.stderr).toMatch(
      /^s5: error: .*\/app\/\.s5\.json is a symbolic link into a project out of its git repository, .*\/b\/\.s5\.json: s5 will not take it as the project config \(S5_CONFIG_UNSAFE\)\n/,
    );
    expect(sealed.stdout.toString()).toBe("");
    if (!asRoot) return;
    // Without git, another user's file, in a directory only they can change.
    rmSync(join(app, ".git"), { recursive: true });
    for (const name of ["", ".s5.json"]) chownSync(join(b, name), OTHER_UID, OTHER_UID);
    const theirs = await box.s5(["seal", "values.yml"], { cwd: app });
    expect(theirs.code, theirs.stderr).toBe(12);
    expect(theirs.stderr).toContain(
      `is a symbolic link into another user's project (uid ${OTHER_UID})`,
    );
  });

  it("to nothing is a config that cannot be read, not none: nothing falls to the parent's keys", async () => {
    const { box, top } = await projects(["outer"], true);
    const app = join(top, "outer", "app");
    mkdirSync(app);
    writeFileSync(join(app, "values.yml"), "v: {{ s5:seal typed-here }}\n");
    // What a pull request can commit: the sub-project's config, a link to a path it never adds.
    symlinkSync("cfg/s5.json", join(app, ".s5.json"));
    spawnSync("git", ["add", "-A"], { cwd: app });
    const dangling =
      /^s5: error: cannot read the project config .*\/app\/\.s5\.json \(ENOENT\) \(S5_CONFIG_READ\)\n {2}hint: it is a symbolic link to cfg\/s5\.json, which does not exist: point the link at the file, or remove it\n$/;
    for (const args of [
      ["seal", "-i", "values.yml"],
      ["check", "--staged"],
      ["ls", "."],
    ]) {
      const out = await box.s5(args, { cwd: app });
      // Before: taken for no config: sealed to outer's key (exit 0), the hook passed it.
      expect(out.code, `${args.join(" ")}: ${out.stderr}`).toBe(12);
      expect(out.stderr, args.join(" ")).toMatch(dangling);
    }
    expect(readFileSync(join(app, "values.yml"), "utf8")).toBe("v: {{ s5:seal typed-here }}\n");
  });

  it.runIf(asRoot)(
    "to nothing, another user's in a directory others can write, is refused as theirs",
    async () => {
      const { box, top } = await projects([], false);
      // `/tmp` above a project: anyone may put a `.s5.json` there, a link to nothing as well.
      const shared = join(top, "shared");
      mkdirSync(join(shared, "app"), { recursive: true });
      chmodSync(shared, 0o1777);
      writeFileSync(join(shared, "app", "values.yml"), "v: plain\n");
      symlinkSync(join(top, "nowhere", "s5.json"), join(shared, ".s5.json"));
      lchownSync(join(shared, ".s5.json"), OTHER_UID, OTHER_UID);
      const out = await box.s5(["render", "values.yml", "-o", "out.yml"], {
        cwd: join(shared, "app"),
      });
      // Before: "point the link at the file, or remove it" (S5_CONFIG_READ), which only its
      // owner may do; their file there is refused as theirs.
      expect(out.code, out.stderr).toBe(12);
      expect(out.stderr).toContain(
        `.s5.json belongs to another user (uid ${OTHER_UID}) in a directory others can write: s5 will not use it (S5_CONFIG_UNSAFE)`,
      );
    },
  );
});

describe("`..` after a link", () => {
  it("is read, sealed and written where the kernel opens it, with that place's project", async () => {
    const { box, top } = await projects(["app", "other"], false);
    const [app, other] = [join(top, "app"), join(top, "other")];
    mkdirSync(join(other, "sub"));
    symlinkSync("../other/sub", join(app, "sublink"));
    writeFileSync(join(other, "y.yml"), "y: {{ s5:seal from-other }}\n");
    writeFileSync(join(app, "y.yml"), "mine: a\n");
    const sealed = await box.s5(["seal", "-i", "sublink/../y.yml"], { cwd: app });
    expect(sealed.code, sealed.stderr).toBe(0);
    // Before: other's y.yml read, sealed to app's key, and written over app's y.yml.
    expect(readFileSync(join(app, "y.yml"), "utf8")).toBe("mine: a\n");
    expect(keyIds(readFileSync(join(other, "y.yml"), "utf8"))).toEqual([keyOf(other)]);
    const render = await box.s5(["render", "sublink/../y.yml"], { cwd: app });
    expect(render.stdout.toString()).toBe("y: from-other\n");
  });
});

// A test that fails or times out at a stop would leave s5 stopped (SIGSTOP) and strace waiting.
afterEach(killTraced);

/** s5 under strace, stopped at the calls `rules` name on `paths` (see `traced`). */
const tracedS5 = (box: Sandbox, cwd: string, args: string[], paths: string[], rules: string[]) =>
  traced([process.execPath, S5_BIN, ...args], { cwd, env: box.env }, paths, rules);

/** Points `link` at `target` in one rename, as someone who may write its directory can. */
function retarget(link: string, target: string): void {
  const temp = `${link}.new`;
  symlinkSync(target, temp);
  renameSync(temp, link);
}

describe.runIf(canRun(hasStrace))("a link changed while s5 runs", () => {
  it("after its project was chosen: seal -i reads the new target, and refuses it", async () => {
    const { box, top } = await projects(["app", "p1", "p2"], false);
    const [app, p1, p2] = ["app", "p1", "p2"].map((name) => join(top, name)) as [
      string,
      string,
      string,
    ];
    writeFileSync(join(p1, "a.yml"), "v: {{ s5:seal p1-secret }}\n");
    writeFileSync(join(p2, "a.yml"), "v: {{ s5:seal p2-secret }}\n");
    symlinkSync("../p1/a.yml", join(app, "link.yml"));
    // Stopped when it opens p1's .s5.json: the project is chosen, the file not read yet.
    const s5 = tracedS5(
      box,
      app,
      ["seal", "-i", "link.yml"],
      [join(p1, ".s5.json")],
      ["inject=openat:signal=SIGSTOP:when=1"],
    );
    await s5.stopped(1);
    retarget(join(app, "link.yml"), "../p2/a.yml");
    s5.go();
    const { code, stderr } = await s5.end();
    // Before: exit 0, p2's file sealed to p1's key (p2's team could no longer read it).
    expect(code, stderr).toBe(3);
    expect(stderr).toContain(
      "s5: error: link.yml moved while s5 read it (a symbolic link on its way was changed): its project was chosen for another file (S5_INPUT_CHANGED)",
    );
    expect(readFileSync(join(p2, "a.yml"), "utf8")).toBe("v: {{ s5:seal p2-secret }}\n");
    expect(keyIds(readFileSync(join(p2, "a.yml"), "utf8"))).toEqual([]);
  });

  it("after it was read: render -i does not write the plaintext into the new target's place", async () => {
    const { box, top } = await projects(["app", "p1", "p2"], false);
    const [app, p1, p2] = ["app", "p1", "p2"].map((name) => join(top, name)) as [
      string,
      string,
      string,
    ];
    for (const [dir, value] of [
      [p1, "p1-secret"],
      [p2, "p2-secret"],
    ] as const) {
      writeFileSync(join(dir, "a.yml"), `v: {{ s5:seal ${value} }}\n`);
      expect((await box.s5(["seal", "-i", "a.yml"], { cwd: dir })).code).toBe(0);
    }
    const p2Before = readFileSync(join(p2, "a.yml"), "utf8");
    symlinkSync("../p1/a.yml", join(app, "link.yml"));
    const identity = join(box.env.XDG_CONFIG_HOME!, "s5", "identity.txt");
    // Stop 1: it opens the identity to decrypt (p1's file read); the link now leads to p2.
    // Stop 2: it checks it may write p2's file (the output planned there); the link leads back
    // to p1, the file it read, when it checks that nothing changed since.
    const s5 = tracedS5(
      box,
      app,
      ["render", "-i", "link.yml"],
      [identity, join(p1, "a.yml"), join(p2, "a.yml")],
      ["inject=openat:signal=SIGSTOP:when=1", "inject=access:signal=SIGSTOP:when=2"],
    );
    await s5.stopped(1);
    retarget(join(app, "link.yml"), "../p2/a.yml");
    s5.go();
    await s5.stopped(2);
    retarget(join(app, "link.yml"), "../p1/a.yml");
    s5.go();
    const { code, stderr } = await s5.end();
    // Before: exit 0, p1's plaintext written over p2's file.
    expect(readFileSync(join(p2, "a.yml"), "utf8")).toBe(p2Before);
    expect(code, stderr).not.toBe(0);
    expect(stderr).toContain("(S5_OUTPUT_CHANGED)");
    expect(readFileSync(join(p1, "a.yml"), "utf8")).not.toContain("p1-secret");
  });
});
