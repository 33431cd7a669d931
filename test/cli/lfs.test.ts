// Files git stores through git-lfs: git holds a pointer, the LFS store the content. `s5 check` read
// the pointer as the file, at HEAD and in the index alike, so a file of tokens tracked through LFS,
// rendered in place and staged, passed every form of the hook. Real git and git-lfs (Debian's
// package; .ci/run installs it), the built CLI, a real `git commit` through the README's hook.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pointerOf } from "../../packages/cli/src/lfs.ts";
import { canRun } from "../setup/system-tools.ts";
import { HOST, hookProject, PASSWORD, refusedCommit, renderedOnBranch } from "./hook-project.ts";
import { gitProject, S5_BIN } from "./run.ts";

const hasLfs = spawnSync("git", ["lfs", "version"]).status === 0;

/** A project whose YAML files git stores through git-lfs, values.yml sealed and committed. */
async function lfsProject(store?: string) {
  const project = await hookProject(
    (git) => {
      expect(git("lfs", "install", "--local").status).toBe(0);
      if (store) git("config", "lfs.storage", store);
      expect(git("lfs", "track", "*.yml").status).toBe(0);
    },
    [".gitattributes"],
  );
  // What git holds is the pointer; the tokens are in the LFS store.
  expect(project.git("cat-file", "-p", "HEAD:values.yml").stdout).toMatch(
    /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:[0-9a-f]{64}\nsize \d+\n$/,
  );
  return project;
}

/** The paths of the objects in an LFS store. */
function objectsIn(store: string): string[] {
  return readdirSync(join(store, "objects"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe.runIf(canRun(hasLfs))("a file of tokens git stores through git-lfs", () => {
  it("rendered in place and staged: refused by the hook, --staged, a check of the file and of the file named", async () => {
    const { git, s5 } = await lfsProject();
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    git("add", "values.yml");
    const out = refusedCommit(git, "rendered");
    expect(out).toContain(
      "values.yml:2:13: a value in clear where a token stood at values.yml:2:13 at HEAD",
    );
    expect(out).toContain("values.yml:3:9: a value in clear where a token stood");
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain(HOST);
    for (const args of [["--staged"], ["values.yml"], ["."], ["--", "values.yml"]]) {
      const run = await s5("check", "--no-decrypt", ...args);
      expect(run.code, `${args.join(" ")}: ${run.out}`).toBe(10);
      expect(run.out).toContain("(S5_CHECK_RENDERED)");
      expect(run.out).not.toContain(PASSWORD);
    }
    // The restore command it names brings the tokens back through git-lfs's filter.
    expect(
      git("restore", "--source=HEAD", "--staged", "--worktree", "--", "values.yml").status,
    ).toBe(0);
    expect((await s5("check", "--no-decrypt", "--staged")).code).toBe(0);
  });

  it("committed past the hook on a branch: check --base main refuses it", async () => {
    const { git, s5 } = await lfsProject();
    await renderedOnBranch({ git, s5 });
    const run = await s5("check", "--no-decrypt", "--base", "main", ".");
    expect(run.code, run.out).toBe(10);
    expect(run.out).toContain(
      "values.yml:2:13: a value in clear where a token stood at values.yml:2:13 at main",
    );
  });

  it("a CI checkout without LFS objects: --base warns for each pointer it could not read, and refuses once they are fetched", async () => {
    const { box, git, env, s5 } = await lfsProject();
    await renderedOnBranch({ git, s5 });
    // A clone that runs no LFS filter (none configured in it): pointers in the work tree, as
    // actions/checkout leaves them without `lfs: true`.
    const ci = join(box.dir, "..", "ci");
    const clone = spawnSync("git", ["clone", "-q", "-b", "feature", box.dir, ci], {
      env: { ...env, GIT_LFS_SKIP_SMUDGE: "1" },
    });
    expect(clone.status, clone.stderr?.toString()).toBe(0);
    expect(readFileSync(join(ci, "values.yml"), "utf8")).toMatch(/^version https:/);
    const inCi = (...args: string[]) => spawnSync("git", args, { cwd: ci, env, encoding: "utf8" });
    const check = async () => {
      const run = await box.s5(["check", "--no-decrypt", "--base", "origin/main", "."], {
        env,
        cwd: ci,
      });
      return { code: run.code, out: run.stdout.toString() + run.stderr };
    };
    const neither = await check();
    expect(neither.code, neither.out).toBe(0);
    expect(neither.out).toContain(
      "warning: values.yml:1:1: a git-lfs pointer whose content is not in the repository's LFS store (not fetched: `git lfs pull`",
    );
    expect(neither.out).toContain(
      "warning: values.yml:1:1: its version at origin/main is a git-lfs pointer whose content is not in the repository's LFS store (not fetched)",
    );
    expect(neither.out).toContain("whether it held tokens there is not known");
    // The checkout's objects fetched: the base's still tell nothing.
    expect(inCi("lfs", "install", "--local").status).toBe(0);
    expect(inCi("lfs", "pull").status).toBe(0);
    expect(readFileSync(join(ci, "values.yml"), "utf8")).toContain(PASSWORD);
    const checkout = await check();
    expect(checkout.code, checkout.out).toBe(0);
    expect(checkout.out).not.toContain("(not fetched: `git lfs pull`");
    expect(checkout.out).toContain("its version at origin/main");
    // The base's too: the rendered file is refused.
    expect(inCi("lfs", "fetch", "origin", "origin/main").status).toBe(0);
    const both = await check();
    expect(both.code, both.out).toBe(10);
    expect(both.out).toContain("values.yml:2:13: a value in clear where a token stood");
    expect(both.out).not.toContain("S5_CHECK_LFS");
    expect(both.out).not.toContain(PASSWORD);
  });

  it("a secret typed in clear beside its tokens: the plaintext heuristics read the content, not the pointer", async () => {
    const { git, file, s5 } = await lfsProject();
    const sealed = readFileSync(file("values.yml"), "utf8");
    writeFileSync(file("values.yml"), `${sealed}api_key: sk_live_4eC39HqLyjWDarjtT1zdp7dc\n`);
    git("add", "values.yml");
    const run = await s5("check", "--no-decrypt", "--staged");
    expect(run.code, run.out).toBe(10);
    expect(run.out).toContain("values.yml:5:");
    expect(run.out).toContain("(S5_CHECK_PLAINTEXT)");
    expect(run.out).not.toContain("sk_live_4eC39HqLyjWDarjtT1zdp7dc");
  });

  it("a new file through LFS that is a rendered copy of the file of tokens: refused", async () => {
    const { git, file, s5 } = await lfsProject();
    const rendered = await s5("render", "values.yml");
    expect(rendered.code).toBe(0);
    writeFileSync(file("prod.yml"), rendered.out.slice(0, rendered.out.indexOf("port: 5432") + 11));
    git("add", "prod.yml");
    expect(git("cat-file", "-p", ":0:prod.yml").stdout).toMatch(/^version https:/);
    const run = await s5("check", "--no-decrypt", "--staged");
    expect(run.code, run.out).toBe(10);
    expect(run.out).toContain("this new file is a copy of values.yml");
    expect(run.out).not.toContain(PASSWORD);
  });

  it("a store moved by lfs.storage, and a linked worktree that shares its repository's store", async () => {
    const { box, git, env, s5 } = await lfsProject("../../lfs-elsewhere");
    expect(objectsIn(join(box.dir, "..", "lfs-elsewhere")).length).toBeGreaterThan(0);
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    git("add", "values.yml");
    const run = await s5("check", "--no-decrypt", "--staged");
    expect(run.code, run.out).toBe(10);
    expect(run.out).toContain("(S5_CHECK_RENDERED)");
    // Relative to the repository (.git). A linked worktree: its own index, the main repository's LFS store.
    git("restore", "--source=HEAD", "--staged", "--worktree", "--", "values.yml");
    const tree = join(box.dir, "..", "tree2");
    expect(git("worktree", "add", "-q", "-b", "two", tree).status).toBe(0);
    expect(readFileSync(join(tree, "values.yml"), "utf8")).toContain("s5:");
    expect((await box.s5(["render", "-i", "values.yml"], { env, cwd: tree })).code).toBe(0);
    spawnSync("git", ["add", "values.yml"], { cwd: tree, env });
    const inTree = await box.s5(["check", "--no-decrypt", "--staged"], { env, cwd: tree });
    expect(inTree.code, inTree.stdout.toString() + inTree.stderr).toBe(10);
    expect(inTree.stdout.toString()).toContain("(S5_CHECK_RENDERED)");
  });

  it("lfs.storage of `~/…`: git-lfs reads it as written, inside the repository, not the home's", async () => {
    const { box, git, s5 } = await lfsProject("~/lfs-home");
    // Where git-lfs put the objects: `<.git>/~/lfs-home`, as its source (no expansion) says.
    expect(objectsIn(join(box.dir, ".git", "~", "lfs-home")).length).toBeGreaterThan(0);
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    git("add", "values.yml");
    const out = refusedCommit(git, "rendered");
    expect(out).toContain("values.yml:2:13: a value in clear where a token stood");
    expect(out).not.toContain("S5_CHECK_LFS");
    expect(out).not.toContain(PASSWORD);
  });

  it("HEAD's object gone from the store: whether the file held tokens is not known, and said", async () => {
    const { box, git, file, s5, sealed } = await lfsProject();
    const oid = /oid sha256:([0-9a-f]{64})/.exec(
      git("cat-file", "-p", "HEAD:values.yml").stdout,
    )![1]!;
    rmSync(objectsIn(join(box.dir, ".git", "lfs")).find((path) => path.endsWith(oid))!);
    writeFileSync(file("values.yml"), `${sealed}# a comment\n`);
    git("add", "values.yml");
    for (const args of [["--staged"], ["values.yml"], ["--", "values.yml"]]) {
      const run = await s5("check", "--no-decrypt", ...args);
      expect(run.code, `${args.join(" ")}: ${run.out}`).toBe(0);
      expect(run.out).toContain(
        "warning: values.yml:1:1: its version at HEAD is a git-lfs pointer whose content is not in the repository's LFS store",
      );
    }
  });

  it("an object over 64 MiB is not read: the hook is no reader of data sets", async () => {
    const { git, file, s5 } = await lfsProject();
    const rendered = (await s5("render", "values.yml")).out;
    const pad = `# ${"x".repeat(1022)}\n`;
    const size = 64 * 1024 * 1024 + 1;
    const body = rendered + pad.repeat(Math.ceil((size - rendered.length) / pad.length));
    writeFileSync(file("big.yml"), body);
    git("add", "big.yml");
    const run = await s5("check", "--no-decrypt", "--staged");
    expect(run.code, run.out).toBe(0);
    expect(run.out).not.toContain("S5_CHECK");
    // Under the limit the same copy is read and refused.
    writeFileSync(file("big.yml"), body.slice(0, 1024 * 1024));
    git("add", "big.yml");
    const small = await s5("check", "--no-decrypt", "--staged");
    expect(small.code, small.out).toBe(10);
    expect(small.out).toContain("this new file is a copy of values.yml");
  });

  it("a binary object (a NUL in its first 8,000 bytes, as git tells one) is not read past them: what git-lfs mostly stores", async () => {
    const { git, file, s5 } = await lfsProject();
    git("lfs", "track", "*.png");
    // Read whole, hashed and held: 20 staged 40 MB images held the hook 20 s and 1.1 GB.
    const marker = "{{ s5:seal Zq8vN3kLp2Wx }}";
    git("add", ".gitattributes");
    // The same bytes with and without NULs: binary, not read; text, read and the marker found.
    for (const [head, code] of [
      ["\0\0\0\r", 0],
      ["\r", 10],
    ] as const) {
      writeFileSync(file("pic.png"), `\x89PNG\r\n\x1a\n${head}IHDR ${marker}\n`);
      git("add", "pic.png");
      expect(git("cat-file", "-p", ":0:pic.png").stdout).toMatch(/^version https:/);
      const run = await s5("check", "--no-decrypt", "--staged");
      expect(run.code, run.out).toBe(code);
      if (code === 10) expect(run.out).toContain("pic.png:4:6: a value marked for encryption");
    }
  });

  it("content behind a git-lfs extension: said as such, not as an object to fetch or fsck", async () => {
    const { git, file, s5 } = await lfsProject();
    // A real extension: git-lfs runs it before storing, and its pointer gains `ext-0-upper`.
    git("config", "lfs.extension.upper.clean", "tr a-z A-Z");
    git("config", "lfs.extension.upper.smudge", "tr A-Z a-z");
    git("config", "lfs.extension.upper.priority", "0");
    writeFileSync(file("ext.yml"), "a: 1\n");
    git("add", "ext.yml");
    expect(git("cat-file", "-p", ":0:ext.yml").stdout).toContain("\next-0-upper sha256:");
    expect(git("commit", "-qm", "ext").status).toBe(0);
    writeFileSync(file("ext.yml"), "a: 2\n");
    git("add", "ext.yml");
    const run = await s5("check", "--no-decrypt", "--staged");
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain(
      "warning: ext.yml:1:1: stored through git-lfs with extensions (ext-… in its pointer), whose content s5 does not read",
    );
    expect(run.out).toContain(
      "warning: ext.yml:1:1: its version at HEAD is a git-lfs pointer with extensions (ext-…), whose content s5 does not read",
    );
    expect(run.out).not.toContain("fsck");
    expect(run.out).not.toContain("fetch");
  });

  it("a staged pointer whose content is nowhere, or whose stored object does not hash to it: a warning, never the object's text", async () => {
    const { box, git, file, s5 } = await lfsProject();
    const sealed = readFileSync(file("values.yml"), "utf8");
    writeFileSync(file("values.yml"), `${sealed}# one more line\n`);
    git("add", "values.yml");
    const store = join(box.dir, ".git", "lfs");
    const staged = git("cat-file", "-p", ":0:values.yml").stdout;
    const oid = /oid sha256:([0-9a-f]{64})/.exec(staged)![1]!;
    const object = objectsIn(store).find((path) => path.endsWith(oid))!;
    expect(object).toBeDefined();
    // The work tree changed again (its bytes no longer the pointer's), the object gone.
    writeFileSync(file("values.yml"), sealed);
    rmSync(object);
    const gone = await s5("check", "--no-decrypt", "--staged");
    expect(gone.code, gone.out).toBe(0);
    expect(gone.out).toContain(
      "warning: values.yml:1:1: stored through git-lfs, and its content is neither in the LFS store nor in the work tree",
    );
    expect(gone.out).toContain("(S5_CHECK_LFS)");
    // An object at the pointer's path whose bytes are another file's (rendered): not read.
    writeFileSync(object, `db:\n  password: ${PASSWORD}\n  host: ${HOST}\n  port: 5432\n`);
    const forged = await s5("check", "--no-decrypt", "--staged");
    expect(forged.code, forged.out).toBe(0);
    expect(forged.out).toContain("(S5_CHECK_LFS)");
    expect(forged.out).not.toContain(PASSWORD);
    // The work tree holding the staged content again: read from there, and it passes clean.
    writeFileSync(file("values.yml"), `${sealed}# one more line\n`);
    const fromTree = await s5("check", "--no-decrypt", "--staged", "--json");
    expect(fromTree.code, fromTree.out).toBe(0);
    expect(fromTree.out).not.toContain("S5_CHECK_LFS");
  });
});

describe("a FIFO in a staged file's place in the work tree", () => {
  it("the hook reads the index's content and never blocks on it (a plain file, and an LFS pointer the store lacks)", async () => {
    const { box, git, file, env } = await gitProject();
    git("init", "-q", "-b", "main");
    writeFileSync(file("plain.yml"), "a: 1\n");
    // A pointer to an empty object (written by hand: git-lfs passes empty files through), which
    // no store here holds: the work tree's file would be read in its place.
    const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    writeFileSync(
      file("lfs.yml"),
      `version https://git-lfs.github.com/spec/v1\noid sha256:${empty}\nsize 0\n`,
    );
    git("add", "plain.yml", "lfs.yml");
    for (const name of ["plain.yml", "lfs.yml"]) {
      rmSync(file(name));
      expect(spawnSync("mkfifo", [file(name)]).status).toBe(0);
    }
    // Bounded: before the fix s5 waited for a writer for ever (killed here, not left behind).
    const run = spawnSync(process.execPath, [S5_BIN, "check", "--no-decrypt", "--staged"], {
      cwd: box.dir,
      env,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain("checked 2 file(s)");
    expect(run.stderr).toContain("lfs.yml:1:1: stored through git-lfs");
  });
});

describe("what s5 takes for a git-lfs pointer: what git-lfs reads as one", () => {
  const oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
  const pointer = (text: string) => pointerOf(Buffer.from(text, "latin1"));
  const v1 = "version https://git-lfs.github.com/spec/v1";
  it("the written form, and the forms git-lfs also reads", () => {
    const named = { oid, size: 12345, extended: false };
    expect(pointer(`${v1}\noid sha256:${oid}\nsize 12345\n`)).toEqual(named);
    expect(pointer(`${v1}\r\noid sha256:${oid}\r\nsize 12345\r\n`)).toEqual(named);
    expect(pointer(`\n  ${v1}\n\noid sha256:${oid.toUpperCase()}\nsize 12345`)).toEqual(named);
    expect(
      pointer(`version https://hawser.github.com/spec/v1\noid sha256:${oid}\nsize 12345\n`),
    ).toEqual(named);
    expect(pointer(`version http://git-media.io/v/2\noid sha256:${oid}\nsize 12345\n`)).toEqual(
      named,
    );
    expect(pointer(`${v1}\next-0-foo sha256:${oid}\noid sha256:${oid}\nsize 0\n`)).toEqual({
      oid,
      size: 0,
      extended: true,
    });
  });
  it("anything else is a file", () => {
    for (const text of [
      "",
      "version ",
      `${v1}\n`,
      `${v1}\nsize 12345\noid sha256:${oid}\n`,
      `${v1}\noid sha256:${oid}\n`,
      `${v1}\noid sha256:${oid}\nsize 12345\nextra 1\n`,
      `${v1}\noid sha256:${oid}\nsize -1\n`,
      `${v1}\noid sha256:${oid}\nsize 12k\n`,
      `${v1}\noid sha256:${oid.slice(1)}\nsize 1\n`,
      `${v1}\noid sha1:${oid.slice(0, 40)}\nsize 1\n`,
      `version https://git-lfs.github.com/spec/v2\noid sha256:${oid}\nsize 1\n`,
      `${v1}\noid sha256:${oid}\next-0-foo x\nsize 1\n`,
      `${v1}\noid sha256:${oid}\nsize 1\n${" ".repeat(1024)}`,
      "password: hunter2\n",
    ]) {
      expect(pointer(text), JSON.stringify(text)).toBeUndefined();
    }
  });
});
