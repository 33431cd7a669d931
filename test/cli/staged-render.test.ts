// A file rendered in place (`s5 render -i`, values in clear, no token left) and staged passed the
// README's pre-commit hook: the plaintext heuristics ran on files with tokens only, judged from the
// content checked alone. The file's earlier versions (HEAD's, REF's, the work tree's beside the
// index) now say it is a file of secrets, and a value in clear where a token stood is refused
// (S5_CHECK_RENDERED). Real git, a real `git commit` through the hook, the built CLI.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HOST, hookProject, PASSWORD, refusedCommit, renderedOnBranch } from "./hook-project.ts";
import { sandbox } from "./run.ts";

const project = hookProject;

describe("a file rendered in place, then staged: the hook refuses it", () => {
  it("render -i, git add, git commit: refused at each value's line, the value never shown", async () => {
    const { git, s5, read, sealed, commits } = await project();
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    expect(read("values.yml")).toContain(PASSWORD);
    git("add", "values.yml");
    const commit = git("commit", "-qm", "rendered");
    const out = commit.stdout + commit.stderr;
    expect(commit.status, out).not.toBe(0);
    expect(commits()).toBe(1);
    expect(out).toContain(
      "values.yml:2:13: a value in clear where a token stood at values.yml:2:13 at HEAD",
    );
    expect(out).toContain(
      "values.yml:3:9: a value in clear where a token stood at values.yml:3:9 at HEAD",
    );
    expect(out).toContain("(S5_CHECK_RENDERED)");
    expect(out).toContain("2 problem(s)");
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain(HOST);
    // The command the message names puts the tokens back, in the index and the work tree.
    const restore = "git restore --source=HEAD --staged --worktree -- values.yml";
    expect(out).toContain(`\`${restore}\` puts HEAD's tokens back`);
    expect(git(...restore.split(" ").slice(1)).status).toBe(0);
    expect(read("values.yml")).toBe(sealed);
    expect(git("status", "--porcelain").stdout).toBe("");
  });

  it("a file of tokens at HEAD with a value typed over its token: refused; emptied, sealed again, removed or s5:ignore: passes", async () => {
    const { git, s5, file, sealed, commits } = await project();
    // Typed over by hand (no render): the value needs no secret-sounding key to be refused.
    writeFileSync(file("values.yml"), sealed.replace(/host: \{\{[^}]*\}\}/, `host: ${HOST}`));
    git("add", "values.yml");
    const typed = git("commit", "-qm", "typed");
    expect(typed.status).not.toBe(0);
    expect(typed.stdout + typed.stderr).toContain(
      "values.yml:3:9: a value in clear where a token stood",
    );
    expect(commits()).toBe(1);
    // Marked as meant: passes.
    writeFileSync(
      file("values.yml"),
      sealed.replace(/host: \{\{[^}]*\}\}/, `host: ${HOST}  # public now, s5:ignore`),
    );
    git("add", "values.yml");
    expect((await s5("check", "--no-decrypt", "--staged")).code).toBe(0);
    // Sealed again (a new token), the line removed, the value emptied: nothing in clear.
    writeFileSync(
      file("values.yml"),
      sealed.replace(/host: \{\{[^}]*\}\}/, `host: {{ s5:seal ${HOST} }}`),
    );
    expect((await s5("seal", "-i", "values.yml")).code).toBe(0);
    writeFileSync(
      file("values.yml"),
      readFileSync(file("values.yml"), "utf8").replace(/ {2}password: .*\n/, ""),
    );
    git("add", "values.yml");
    const passed = await s5("check", "--no-decrypt", "--staged");
    expect(passed.code, passed.out).toBe(0);
    writeFileSync(file("values.yml"), sealed.replace(/host: \{\{[^}]*\}\}/, 'host: ""'));
    git("add", "values.yml");
    expect((await s5("check", "--no-decrypt", "--staged")).code).toBe(0);
  });
});

describe("the restore command S5_CHECK_RENDERED names, pasted into a shell", () => {
  it("restores that file alone when its name is a glob or pathspec magic", async () => {
    const { box, git, s5, file, read, env } = await project();
    // Named as git and the shell read patterns: `*.yml` is every YAML file to both.
    for (const name of ["*.yml", ":(top)a b.yml"]) {
      writeFileSync(file(name), `k: 1\nhost: {{ s5:seal ${HOST} }}\n`);
      expect((await s5("seal", "-i", "--", name)).code).toBe(0);
    }
    git("add", "--", ":(literal)*.yml", ":(literal):(top)a b.yml");
    expect(git("commit", "-qm", "more").status).toBe(0);
    const edited = `${read("values.yml")}# an edit of my own\n`;
    writeFileSync(file("values.yml"), edited);
    for (const name of ["*.yml", ":(top)a b.yml"]) {
      const sealed = read(name);
      expect((await s5("render", "-i", "--", name)).code).toBe(0);
      git("add", "--", `:(literal)${name}`);
      const check = await s5("check", "--no-decrypt", "--staged");
      expect(check.code, check.out).toBe(10);
      const command = /`(git restore [^`]*)` puts HEAD's tokens back/.exec(check.out)?.[1];
      expect(command, check.out).toBeDefined();
      const run = spawnSync("sh", ["-c", command!], { cwd: box.dir, env, encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      expect(read(name)).toBe(sealed);
      // Another file's changes are its own: the command leaves them.
      expect(read("values.yml")).toBe(edited);
    }
  });
});

describe("line endings git changes on the way into the index", () => {
  it("HEAD's file has CRLF; rendered in place and staged under `text eol=lf`: refused", async () => {
    const { git, s5, file, read, commits } = await project();
    // A colleague's CRLF file, sealed and committed as it is.
    writeFileSync(file("values.yml"), read("values.yml").replaceAll("\n", "\r\n"));
    git("add", "values.yml");
    expect(git("commit", "-qm", "crlf").status).toBe(0);
    expect(git("cat-file", "-p", "HEAD:values.yml").stdout).toContain("\r\n");
    // The line endings normalised in the same commit: git stages the rendered file with LF.
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    writeFileSync(file(".gitattributes"), "*.yml text eol=lf\n");
    git("add", ".gitattributes", "values.yml");
    expect(git("cat-file", "-p", ":values.yml").stdout).not.toContain("\r");
    const commit = git("commit", "-qm", "normalised");
    const out = commit.stdout + commit.stderr;
    expect(commit.status, out).not.toBe(0);
    expect(commits()).toBe(2);
    expect(out).toContain("values.yml:3:9: a value in clear where a token stood at values.yml:3:9");
    expect(out).toContain("(S5_CHECK_RENDERED)");
    expect(out).not.toContain(HOST);
  });
});

describe("a partially staged file is judged by the index's content", () => {
  it("index in clear, work tree sealed again: refused at the index's lines", async () => {
    const { git, s5, file, sealed, commits } = await project();
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    // A line above the values in the index only: the report's lines are the index's.
    writeFileSync(file("values.yml"), `# billing\n${readFileSync(file("values.yml"), "utf8")}`);
    git("add", "values.yml");
    writeFileSync(file("values.yml"), sealed);
    const commit = git("commit", "-qm", "half");
    const out = commit.stdout + commit.stderr;
    expect(commit.status, out).not.toBe(0);
    expect(out).toContain(
      "values.yml:3:13: a value in clear where a token stood at values.yml:2:13 at HEAD",
    );
    expect(out).toContain("values.yml:4:9: a value in clear");
    expect(out).not.toContain(PASSWORD);
    expect(commits()).toBe(1);
  });

  it("index sealed, work tree in clear: the commit holds tokens and passes", async () => {
    const { git, s5, file, read, commits } = await project();
    writeFileSync(file("values.yml"), `${read("values.yml")}  user: billing\n`);
    git("add", "values.yml");
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    const commit = git("commit", "-qm", "user");
    expect(commit.status, commit.stdout + commit.stderr).toBe(0);
    expect(commits()).toBe(2);
    expect(git("show", "HEAD:values.yml").stdout).not.toContain(PASSWORD);
  });

  it("a new file: in clear in the index, sealed in the work tree: judged as a file of secrets", async () => {
    const { git, s5, file } = await project();
    writeFileSync(file("new.yml"), `api:\n  password: ${PASSWORD}\n`);
    git("add", "new.yml");
    writeFileSync(file("new.yml"), `api:\n  password: {{ s5:seal ${PASSWORD} }}\n`);
    expect((await s5("seal", "-i", "new.yml")).code).toBe(0);
    const check = await s5("check", "--no-decrypt", "--staged");
    expect(check.code, check.out).toBe(10);
    expect(check.out).toContain("new.yml:2:13: `password` holds a plaintext value");
    expect(check.out).not.toContain(PASSWORD);
    // Sealed in the index too: passes.
    git("add", "new.yml");
    expect((await s5("check", "--no-decrypt", "--staged")).code).toBe(0);
  });
});

describe("check --base REF: the committed content of each changed file", () => {
  it("a branch whose commit holds a rendered file: refused against main, and with --staged", async () => {
    const { git, s5, file, sealed } = await project();
    await renderedOnBranch({ git, s5 });
    const base = await s5("check", "--no-decrypt", "--base", "main", ".");
    expect(base.code, base.out).toBe(10);
    expect(base.out).toContain(
      "values.yml:2:13: a value in clear where a token stood at values.yml:2:13 at main",
    );
    expect(base.out).toContain("values.yml:3:9: a value in clear");
    expect(base.out).not.toContain(PASSWORD);
    // Sealed again and staged: what the next commit holds passes against main.
    writeFileSync(file("values.yml"), sealed);
    git("add", "values.yml");
    const staged = await s5("check", "--no-decrypt", "--staged", "--base", "main");
    expect(staged.code, staged.out).toBe(0);
    expect(git("commit", "-qm", "sealed again").status).toBe(0);
    // The index in clear again, the work tree sealed: --staged --base judges the index.
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    git("add", "values.yml");
    writeFileSync(file("values.yml"), sealed);
    const half = await s5("check", "--no-decrypt", "--staged", "--base", "main");
    expect(half.code, half.out).toBe(10);
    expect(half.out).toContain("values.yml:2:13: a value in clear");
    expect(half.out).toContain("1 file(s)");
  });

  it("a file renamed and rendered in one commit is followed", async () => {
    const { git, s5, read } = await project();
    git("checkout", "-qb", "feature");
    git("mv", "values.yml", "prod.yml");
    expect((await s5("render", "-i", "prod.yml")).code).toBe(0);
    expect(read("prod.yml")).toContain(HOST);
    git("add", "prod.yml");
    expect(git("commit", "-q", "--no-verify", "-m", "renamed").status).toBe(0);
    const base = await s5("check", "--no-decrypt", "--base", "main", ".");
    expect(base.code, base.out).toBe(10);
    expect(base.out).toContain(
      "prod.yml:3:9: a value in clear where a token stood at values.yml:3:9 at main",
    );
  });
});

describe("a new file that is a rendered copy of a file of tokens still there", () => {
  it("s5 render > FILE or a copy rendered in place, then git add -A: the hook refuses it", async () => {
    const { box, env, git, s5, file, read, commits } = await project();
    // Rendered to stdout (no -o, so no warning), and a copy rendered in place.
    const rendered = await box.s5(["render", "values.yml"], { env });
    expect(rendered.code).toBe(0);
    writeFileSync(file("values.prod.yml"), rendered.stdout);
    writeFileSync(file("values.test.yml"), read("values.yml"));
    expect((await s5("render", "-i", "values.test.yml")).code).toBe(0);
    // A file of the same shape with placeholders, and one that shares a line or two: no copies.
    writeFileSync(
      file("values.example.yml"),
      "db:\n  password: <password>\n  host: <host>\n  port: 5432\n",
    );
    writeFileSync(file("other.yml"), "db:\n  host: localhost\n  user: me\n  mode: dev\n");
    git("add", "-A");
    const commit = git("commit", "-qm", "copies");
    const out = commit.stdout + commit.stderr;
    expect(commit.status, out).not.toBe(0);
    expect(commits()).toBe(1);
    for (const copy of ["values.prod.yml", "values.test.yml"]) {
      expect(out).toContain(
        `${copy}:2:13: a value in clear where values.yml:2:13 holds a token at HEAD: this new file is a copy of values.yml`,
      );
      expect(out).toContain(`${copy}:3:9: a value in clear where values.yml:3:9 holds a token`);
      expect(out).toContain(`\`git rm --cached -- ${copy}\` keeps it out of the commit`);
    }
    expect(out).toContain("4 problem(s)");
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain(HOST);
    // The pre-commit framework names the files (the work tree against HEAD): the same.
    const named = await s5("check", "--no-decrypt", "--", "values.prod.yml", "other.yml");
    expect(named.code, named.out).toBe(10);
    expect(named.out).toContain("values.prod.yml:2:13: a value in clear where values.yml:2:13");
    // Taken out of the commit as the message says: the rest commits.
    git("rm", "-q", "--cached", "--", "values.prod.yml", "values.test.yml");
    const passed = git("commit", "-qm", "the rest");
    expect(passed.status, passed.stdout + passed.stderr).toBe(0);
    expect(commits()).toBe(2);
  });
});

/** `s5 check` of values.prod.yml, named and `--staged`: refused as a rendered copy of values.yml. */
async function refusesCopy(s5: Awaited<ReturnType<typeof project>>["s5"], label: string) {
  for (const args of [["--", "values.prod.yml"], ["--staged"]]) {
    const check = await s5("check", "--no-decrypt", ...args);
    expect(check.code, `${label} ${args.join(" ")}: ${check.out}`).toBe(10);
    expect(check.out).toContain(
      "values.prod.yml:3:9: a value in clear where values.yml:3:9 holds a token at HEAD: this new file is a copy of values.yml",
    );
    expect(check.out).not.toContain(HOST);
  }
}

describe("the copy search's git grep, under a configuration or attributes that change its answer", () => {
  it("color.ui=always, color.grep=always: the copy is still refused, named and --staged", async () => {
    const { box, env, git, s5, file } = await project();
    const rendered = await box.s5(["render", "values.yml"], { env });
    writeFileSync(file("values.prod.yml"), rendered.stdout);
    git("add", "values.prod.yml");
    for (const setting of ["color.ui", "color.grep"]) {
      git("config", setting, "always");
      await refusesCopy(s5, setting);
      git("config", "--unset", setting);
    }
  });

  it("the file of tokens marked -diff or binary in .gitattributes: still a source of copies", async () => {
    const { box, env, git, s5, file } = await project();
    const rendered = await box.s5(["render", "values.yml"], { env });
    writeFileSync(file("values.prod.yml"), rendered.stdout);
    for (const attribute of ["-diff", "binary"]) {
      writeFileSync(file(".gitattributes"), `values.yml ${attribute}\n`);
      git("add", ".gitattributes", "values.prod.yml");
      await refusesCopy(s5, attribute);
    }
    // A binary file (a NUL in its first bytes) that holds `s5:` is no source, and no failure.
    writeFileSync(file("blob.bin"), Buffer.from("\0\0s5:\n{{ s5:local:x }}\n"));
    git("add", "blob.bin");
    expect(git("commit", "-q", "--no-verify", "-m", "bin", "--", "blob.bin").status).toBe(0);
    const check = await s5("check", "--no-decrypt", "--", "values.prod.yml");
    expect(check.code, check.out).toBe(10);
  });
});

describe("a link replaced by a file", () => {
  it("a rendered copy of the file the link led to, in its place: refused named, staged and against a base", async () => {
    const { box, env, git, file } = await project();
    mkdirSync(file("envs"));
    git("mv", "values.yml", "envs/prod.yml");
    symlinkSync("envs/prod.yml", file("values.yml"));
    git("add", "values.yml");
    expect(git("commit", "-qm", "link").status).toBe(0);
    // Rendered to a new file put in the link's place (an editor's or a script's rename).
    const rendered = await box.s5(["render", "values.yml"], { env });
    expect(rendered.code).toBe(0);
    rmSync(file("values.yml"));
    writeFileSync(file("values.yml"), rendered.stdout);
    git("add", "values.yml");
    for (const args of [["--", "values.yml"], ["--staged"], ["."]]) {
      const run = await box.s5(["check", "--no-decrypt", ...args], { env });
      const out = run.stdout.toString() + run.stderr;
      expect(run.code, `${args.join(" ")}: ${out}`).toBe(10);
      expect(out).toContain(
        "values.yml:3:9: a value in clear where envs/prod.yml:3:9 holds a token at HEAD: this new file is a copy of envs/prod.yml",
      );
      // `git rm --cached` would take the link out of the commit too: the link is staged again.
      expect(out).toContain(
        "`git restore --staged -- values.yml` keeps the link it replaced in the commit",
      );
      expect(out).not.toContain("git rm --cached");
      expect(out).not.toContain(HOST);
    }
    git("checkout", "-qb", "feature");
    expect(git("commit", "-q", "--no-verify", "-m", "file").status).toBe(0);
    const base = await box.s5(["check", "--no-decrypt", "--base", "main", "."], { env });
    const out = base.stdout.toString() + base.stderr;
    expect(base.code, out).toBe(10);
    expect(out).toContain(
      "values.yml:3:9: a value in clear where envs/prod.yml:3:9 holds a token at main",
    );
    // A link led elsewhere, or replaced by a file of its own: no copy, passes.
    git("checkout", "-q", "main");
    writeFileSync(file("envs/dev.yml"), "db:\n  host: localhost\n");
    rmSync(file("values.yml"));
    symlinkSync("envs/dev.yml", file("values.yml"));
    git("add", "values.yml", "envs/dev.yml");
    const relinked = await box.s5(["check", "--no-decrypt", "--staged"], { env });
    expect(relinked.code, relinked.stderr).toBe(0);
    rmSync(file("values.yml"));
    writeFileSync(file("values.yml"), "db:\n  host: localhost\n  port: 5432\n");
    git("add", "values.yml");
    for (const args of [["--", "values.yml"], ["--staged"]]) {
      const own = await box.s5(["check", "--no-decrypt", ...args], { env });
      expect(own.code, `${args.join(" ")}: ${own.stderr}`).toBe(0);
    }
  });
});

describe("render -o into the work tree: a new file of values the hook cannot tell", () => {
  it("warns when git does not ignore the output, not when it does or outside a work tree", async () => {
    const { box, env, s5, read } = await project();
    const warned = await s5("render", "values.yml", "-o", "out.yml");
    expect(warned.code).toBe(0);
    expect(read("out.yml")).toContain(PASSWORD);
    expect(warned.out).toContain(
      "s5: warning: out.yml holds decrypted values and git does not ignore it",
    );
    expect(warned.out).toContain("(S5_RENDER_NOT_IGNORED)");
    expect(warned.out).toContain("hint: add it to .gitignore");
    expect(warned.out).not.toContain(PASSWORD);

    writeFileSync(join(box.dir, ".gitignore"), "rendered/\n");
    mkdirSync(join(box.dir, "rendered"));
    const ignored = await s5("render", "values.yml", "-o", "rendered/out.yml");
    expect(ignored.code).toBe(0);
    expect(ignored.out).toBe("");

    const outside = join(box.dir, "..", `outside-${process.pid}.yml`);
    const away = await box.s5(["render", "values.yml", "-o", outside], { env });
    expect(away.code).toBe(0);
    expect(away.stderr.toString()).toBe("");
    // Stdout is never warned of: a pipe to kubectl.
    const piped = await s5("render", "values.yml");
    expect(piped.out).not.toContain("S5_RENDER_NOT_IGNORED");
  });
});

/**
 * A `git` before the real one on PATH that runs `before` (shell, `$a` each argument in turn) and
 * then the real git: what s5 does when one question to git fails, or is slow to answer.
 */
function wrappedGit(dir: string, name: string, before: string): string {
  const real = spawnSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).stdout.trim();
  const bin = join(dir, "..", name);
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "git"), `#!/bin/sh\n${before}\nexec "${real}" "$@"\n`, {
    mode: 0o755,
  });
  return bin;
}

/** A git that fails where `fails` (a shell `case` pattern) matches one of its arguments. */
const failingGit = (dir: string, fails: string) =>
  wrappedGit(
    dir,
    "failing-git",
    `for a in "$@"; do case "$a" in ${fails}) echo "fatal: refused here" >&2; exit 128;; esac; done`,
  );

describe("a file named through a linked directory: git names it by its real place", () => {
  it("`d/values.yml` (d a link to the top) and the path through a link to the work tree: refused", async () => {
    const { box, s5 } = await project();
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    // A link in the work tree, and one outside it: a shell's "$PWD/values.yml" where PWD went
    // through a link (macOS's /tmp, a home on another mount) names the file so.
    symlinkSync(".", join(box.dir, "here"));
    const outside = `${box.dir}-link`;
    symlinkSync(box.dir, outside);
    for (const named of ["here/values.yml", join(outside, "values.yml"), "here", outside]) {
      for (const form of [[named], ["--", named]]) {
        const check = await s5("check", "--no-decrypt", ...form);
        expect(check.code, `${form.join(" ")}: ${check.out}`).toBe(10);
        expect(check.out).toContain("values.yml:2:13: a value in clear where a token stood");
        expect(check.out).not.toContain(PASSWORD);
      }
    }
  });
});

describe("s5 check -- FILE…: git asked of the files named, the whole tree where that cannot tell", () => {
  it("a file renamed and rendered in one change, named alone: followed to the file it was", async () => {
    const { box, git, s5 } = await project();
    git("mv", "values.yml", "prod.yml");
    expect((await s5("render", "-i", "prod.yml")).code).toBe(0);
    git("add", "prod.yml");
    // A file outside the work tree named too: no file of git's, and no failure of it.
    const outside = join(box.dir, "..", "outside.yml");
    writeFileSync(outside, "a: 1\n");
    for (const names of [["prod.yml"], ["prod.yml", outside]]) {
      const check = await s5("check", "--no-decrypt", "--", ...names);
      expect(check.code, check.out).toBe(10);
      expect(check.out).toContain(
        "prod.yml:3:9: a value in clear where a token stood at values.yml:3:9 at HEAD",
      );
      expect(check.out).not.toContain(HOST);
    }
  });

  it("files named, read from HEAD and the index by one git cat-file: odd names, a file git no longer tracks, line endings git's filters change", async () => {
    const { git, s5, file, read, sealed } = await project();
    // Names git's object syntax reads otherwise (`:1:x` is a stage) and one with a space.
    for (const name of ["1:x.yml", "a b.yml"]) writeFileSync(file(name), sealed);
    git("add", "--", ":(literal)1:x.yml", "a b.yml");
    expect(git("commit", "-qm", "more").status).toBe(0);
    for (const name of ["1:x.yml", "a b.yml"]) {
      expect((await s5("render", "-i", "--", name)).code).toBe(0);
      const check = await s5("check", "--no-decrypt", "--", name, "values.yml");
      expect(check.code, check.out).toBe(10);
      expect(check.out).toContain(
        `${name}:3:9: a value in clear where a token stood at ${name}:3:9 at HEAD`,
      );
      expect(check.out).not.toContain(HOST);
      writeFileSync(file(name), sealed);
    }
    // CRLF in the work tree, LF in git (core.autocrlf): unchanged to git, and nothing found.
    git("config", "core.autocrlf", "true");
    writeFileSync(file("values.yml"), sealed.replaceAll("\n", "\r\n"));
    expect(git("diff", "--raw", "HEAD").stdout).toBe("");
    expect((await s5("check", "--no-decrypt", "--", "values.yml")).code).toBe(0);
    git("config", "core.autocrlf", "false");
    // Taken out of the index and rendered: the commit removes it, and git diff HEAD says so (D):
    // judged alone, as before (its values are of no secret-sounding key).
    writeFileSync(file("values.yml"), sealed);
    git("rm", "-q", "--cached", "values.yml");
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    expect(read("values.yml")).toContain(HOST);
    const gone = await s5("check", "--no-decrypt", "--", "values.yml");
    expect(gone.code, gone.out).toBe(0);
  });

  it("a new file whose name ends in a CR, a rendered copy: git cat-file drops the CR, git diff decides", async () => {
    const { git, s5, file, box, env } = await project();
    writeFileSync(file("notes.txt"), "some notes\n");
    git("add", "notes.txt");
    expect(git("commit", "-qm", "notes").status).toBe(0);
    // `HEAD:notes.txt\r` on cat-file's input is `HEAD:notes.txt`: the new file looked changed
    // from notes.txt, and no copy of values.yml.
    const rendered = await box.s5(["render", "values.yml"], { env });
    writeFileSync(file("notes.txt\r"), rendered.stdout);
    git("add", "-A");
    const check = await s5("check", "--no-decrypt", "--", "notes.txt\r");
    expect(check.code, check.out).toBe(10);
    expect(check.out).toContain(
      "notes.txt\\u000d:3:9: a value in clear where values.yml:3:9 holds a token at HEAD: this new file is a copy of values.yml",
    );
    expect(check.out).not.toContain(HOST);
  });

  it("GIT_LITERAL_PATHSPECS=1 where s5 runs: its pathspecs keep their magic", async () => {
    const { box, env, git, s5, file, sealed } = await project();
    const literal = { ...env, GIT_LITERAL_PATHSPECS: "1" };
    const check = async (...args: string[]) => {
      const run = await box.s5(["check", "--no-decrypt", ...args], { env: literal });
      return { code: run.code, out: run.stdout.toString() + run.stderr };
    };
    // A file renamed and rendered, and a rendered copy: each new to git, asked of git diff.
    const rendered = await box.s5(["render", "values.yml"], { env });
    writeFileSync(file("copy.yml"), rendered.stdout);
    git("mv", "values.yml", "prod.yml");
    expect((await s5("render", "-i", "prod.yml")).code).toBe(0);
    git("add", "prod.yml", "copy.yml");
    // Both new where a file of tokens is gone: held to it.
    for (const name of ["prod.yml", "copy.yml"]) {
      const named = await check("--", name);
      expect(named.code, named.out).toBe(10);
      expect(named.out).toContain(
        `${name}:3:9: a value in clear where a token stood at values.yml:3:9`,
      );
      expect(named.out).not.toContain(HOST);
    }
    // A sub-project's config added with -N: --staged refuses the undecided index.
    git("rm", "-q", "--cached", "prod.yml", "copy.yml");
    mkdirSync(file("sub"));
    writeFileSync(file("sub/.s5.json"), readFileSync(file(".s5.json")));
    writeFileSync(file("sub/v.yml"), sealed);
    git("add", "sub/v.yml");
    git("add", "-N", "sub/.s5.json");
    const staged = await check("--staged");
    expect(staged.code, staged.out).not.toBe(0);
    expect(staged.out).toContain("sub/.s5.json is in the index with --intent-to-add");
  });

  it("a narrow git diff that fails: the whole tree is asked, and decides", async () => {
    const { box, env, s5 } = await project();
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    // Every question with a pathspec refused.
    const failing = { ...env, PATH: `${failingGit(box.dir, "':(literal)'*")}:${env.PATH}` };
    const run = await box.s5(["check", "--no-decrypt", "--", "values.yml"], { env: failing });
    const out = run.stdout.toString() + run.stderr;
    expect(run.code, out).toBe(10);
    expect(out).toContain("values.yml:3:9: a value in clear where a token stood");
    expect(out).not.toContain(HOST);
  });

  it("--staged where git diff against HEAD fails but HEAD is there: an error, never a pass", async () => {
    const { box, env, git, s5 } = await project();
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    git("add", "values.yml");
    const failing = { ...env, PATH: `${failingGit(box.dir, "-M")}:${env.PATH}` };
    const run = await box.s5(["check", "--no-decrypt", "--staged"], { env: failing });
    const out = run.stdout.toString() + run.stderr;
    expect(run.code, out).not.toBe(0);
    expect(run.code, out).not.toBe(10);
    expect(out).toContain("git diff failed: fatal: refused here");
    expect(out).not.toContain(HOST);
  });
});

describe("the work tree's top, found without git where git would find it so", () => {
  it("a linked worktree, a subdirectory, GIT_DIR with GIT_WORK_TREE, core.worktree: each holds the rendered file to HEAD", async () => {
    const { box, env, git, s5, file } = await project();
    mkdirSync(file("sub"));
    writeFileSync(file("sub/keep.txt"), "k\n");
    git("add", "sub/keep.txt");
    expect(git("commit", "-qm", "sub").status).toBe(0);
    const refused = async (cwd: string, extra: Record<string, string> = {}) => {
      const run = await box.s5(["check", "--no-decrypt", "--staged"], {
        cwd,
        env: { ...env, ...extra },
      });
      const out = run.stdout.toString() + run.stderr;
      expect(run.code, out).toBe(10);
      expect(out).toContain("a value in clear where a token stood at");
      expect(out).not.toContain(HOST);
    };
    // A linked worktree: `.git` is a file naming its git directory.
    const tree = join(box.dir, "..", "linked");
    expect(git("worktree", "add", "-q", tree).status).toBe(0);
    const inTree = (...args: string[]) => spawnSync("git", args, { cwd: tree, env });
    expect((await box.s5(["render", "-i", "values.yml"], { cwd: tree, env })).code).toBe(0);
    inTree("add", "values.yml");
    await refused(tree);
    await refused(join(tree, "sub"));
    // The main checkout, named by GIT_DIR and GIT_WORK_TREE from elsewhere, or by core.worktree.
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    git("add", "values.yml");
    const gitDir = file(".git");
    await refused(join(box.dir, ".."), { GIT_DIR: gitDir, GIT_WORK_TREE: box.dir });
    await refused(file("sub"), { GIT_DIR: gitDir });
    git("config", "core.worktree", box.dir);
    await refused(file("sub"));
  });
});

describe("a work tree whose name ends in a space, its top asked of git", () => {
  it("core.worktree set: the rendered file is held to HEAD, named, in the tree and staged", async () => {
    const { box, env } = await project();
    const top = `${box.dir} `;
    renameSync(box.dir, top);
    const inTop = (...args: string[]) => spawnSync("git", args, { cwd: top, env });
    inTop("config", "core.worktree", top);
    expect((await box.s5(["render", "-i", "values.yml"], { cwd: top, env })).code).toBe(0);
    const check = async (...args: string[]) => {
      const run = await box.s5(["check", "--no-decrypt", ...args], { cwd: top, env });
      const out = run.stdout.toString() + run.stderr;
      expect(run.code, `${args.join(" ")}: ${out}`).toBe(10);
      expect(out).toContain("values.yml:3:9: a value in clear where a token stood");
      expect(out).not.toContain(HOST);
    };
    await check("--", "values.yml");
    await check(".");
    inTop("add", "values.yml");
    await check("--staged");
  });
});

describe("a `.git` directory git takes for no repository", () => {
  it("an empty one in a subdirectory: git's top is further up, and the rendered file is held to HEAD", async () => {
    const { box, env, git, file, sealed } = await project();
    mkdirSync(file("sub/.git"), { recursive: true });
    writeFileSync(file("sub/v.yml"), sealed);
    git("add", "sub/v.yml");
    expect(git("commit", "-qm", "sub").status).toBe(0);
    const sub = file("sub");
    expect((await box.s5(["render", "-i", "v.yml"], { cwd: sub, env })).code).toBe(0);
    for (const names of [["--", "v.yml"], ["."]]) {
      const run = await box.s5(["check", "--no-decrypt", ...names], { cwd: sub, env });
      const out = run.stdout.toString() + run.stderr;
      expect(run.code, out).toBe(10);
      expect(out).toContain("v.yml:3:9: a value in clear where a token stood at v.yml:3:9 at HEAD");
      expect(out).not.toContain(HOST);
    }
  });

  it("the walk looks past it too: a tracked file under a path its .gitignore ignores is still read", async () => {
    const { box, env, git, file, sealed } = await project();
    mkdirSync(file("sub/.git"), { recursive: true });
    mkdirSync(file("sub/gen"), { recursive: true });
    writeFileSync(file("sub/.gitignore"), "gen/\n");
    writeFileSync(file("sub/gen/v.yml"), sealed);
    git("add", "-f", "sub/.gitignore", "sub/gen/v.yml");
    expect(git("commit", "-qm", "sub").status).toBe(0);
    const sub = file("sub");
    expect((await box.s5(["render", "-i", "gen/v.yml"], { cwd: sub, env })).code).toBe(0);
    const run = await box.s5(["check", "--no-decrypt", "."], { cwd: sub, env });
    const out = run.stdout.toString() + run.stderr;
    expect(run.code, out).toBe(10);
    expect(out).toContain("a value in clear where a token stood");
    expect(out).not.toContain(HOST);
  });
});

describe("files read while git answers", () => {
  it("a slow git diff, 4,200 files read before it answers: the rendered file is still refused; a --base whose git fails: an error", async () => {
    const { box, env, s5, file } = await project();
    mkdirSync(file("many"));
    for (let i = 0; i < 4200; i++) writeFileSync(file(`many/f${i}.txt`), `n: ${i}\n`);
    expect((await s5("render", "-i", "values.yml")).code).toBe(0);
    const slow = {
      ...env,
      PATH: `${wrappedGit(box.dir, "slow-git", '[ "$1" = diff ] && sleep 1')}:${env.PATH}`,
    };
    // Every file is checked once git has answered: .s5.json too where the walk finds it.
    for (const [names, count] of [
      [["."], 4202],
      [["many", "values.yml"], 4201],
      [["values.yml", "many"], 4201],
    ] as const) {
      const run = await box.s5(["check", "--no-decrypt", ...names], { env: slow });
      const out = run.stdout.toString() + run.stderr;
      expect(run.code, out).toBe(10);
      expect(out).toContain("values.yml:3:9: a value in clear where a token stood");
      expect(out).toContain(`checked ${count} file(s)`);
      expect(out).not.toContain(HOST);
    }
    const failing = { ...env, PATH: `${failingGit(box.dir, "-M")}:${env.PATH}` };
    const base = await box.s5(["check", "--no-decrypt", "--base", "main", "."], {
      env: failing,
    });
    const out = base.stdout.toString() + base.stderr;
    expect(base.code, out).not.toBe(0);
    expect(base.code, out).not.toBe(10);
    expect(out).toContain("git diff failed: fatal: refused here");
  });
});

describe("--staged before the first commit: the index read against nothing", () => {
  it("a staged file with a secret beside a token is refused; its copy of nothing is no rendered copy", async () => {
    const box = sandbox();
    await box.s5(["init", "--name", "dev"]);
    const env = { ...box.env, GIT_CONFIG_NOSYSTEM: "1" };
    const git = (...args: string[]) => spawnSync("git", args, { cwd: box.dir, env });
    git("init", "-q");
    const token = (await box.s5(["cipher", "db-password-value"])).stdout.toString();
    writeFileSync(join(box.dir, "app.yml"), `db: ${token}\napi_password: Hunter2Hunter2!\n`);
    writeFileSync(join(box.dir, "plain.yml"), `host: ${HOST}\n`);
    git("add", ".s5.json", "app.yml", "plain.yml");
    const run = await box.s5(["check", "--no-decrypt", "--staged"], { env });
    const out = run.stdout.toString() + run.stderr;
    expect(run.code, out).toBe(10);
    expect(out).toContain("app.yml:2:15: `api_password` holds a plaintext value");
    expect(out).toContain("checked 3 file(s)");
    expect(out).not.toContain("S5_CHECK_RENDERED");
  });

  it("a file of tokens and its render staged for the first commit: refused, staged and in the work tree; git-ignored: passes", async () => {
    // Before the first commit nothing was compared: a project's first commit could hold its
    // file of tokens and a render of it in clear.
    const box = sandbox();
    await box.s5(["init", "--name", "dev"]);
    const env = { ...box.env, GIT_CONFIG_NOSYSTEM: "1" };
    const git = (...args: string[]) => spawnSync("git", args, { cwd: box.dir, env });
    git("init", "-q");
    writeFileSync(
      join(box.dir, "values.yml"),
      `db:\n  password: {{ s5:seal ${PASSWORD} }}\n  host: {{ s5:seal ${HOST} }}\n  port: 5432\n`,
    );
    expect((await box.s5(["seal", "-i", "values.yml"], { env })).code).toBe(0);
    const rendered = await box.s5(["render", "values.yml"], { env });
    writeFileSync(join(box.dir, "values.prod.yml"), rendered.stdout);
    const check = async (...args: string[]) => {
      const run = await box.s5(["check", "--no-decrypt", ...args], { env });
      return { code: run.code, out: run.stdout.toString() + run.stderr };
    };
    git("add", "-A");
    for (const args of [["--staged"], ["."], ["--", "values.prod.yml", "values.yml"]]) {
      const run = await check(...args);
      expect(run.code, `${args.join(" ")}: ${run.out}`).toBe(10);
      expect(run.out).toContain(
        "values.prod.yml:2:13: a value in clear where values.yml:2:13 holds a token in this change: this new file is a copy of values.yml",
      );
      expect(run.out).toContain("`git rm --cached -- values.prod.yml` keeps it out of the commit");
      expect(run.out).not.toContain(PASSWORD);
      expect(run.out).not.toContain(HOST);
    }
    // Kept out of git as the message says: nothing left to refuse.
    writeFileSync(join(box.dir, ".gitignore"), "values.prod.yml\n");
    git("rm", "-q", "--cached", "--", "values.prod.yml");
    git("add", ".gitignore");
    for (const args of [["--staged"], ["."]]) {
      const run = await check(...args);
      expect(run.code, `${args.join(" ")}: ${run.out}`).toBe(0);
    }
  });
});

describe("a tracked file that held no token, overwritten by a rendered copy of another", () => {
  /** values.yml's keys with a template's values: every line but its values is values.yml's. */
  const TEMPLATE = "db:\n  password: changeme\n  host: <host>\n  port: 5432\n";

  /** `config.yml` committed with `content`, then overwritten by `s5 render values.yml`. */
  async function overwritten(content: string) {
    const project_ = await project();
    const { box, env, git, file } = project_;
    writeFileSync(file("config.yml"), content);
    git("add", "config.yml");
    expect(git("commit", "-qm", "config").status).toBe(0);
    const rendered = await box.s5(["render", "values.yml"], { env });
    expect(rendered.code).toBe(0);
    writeFileSync(file("config.yml"), rendered.stdout);
    return { ...project_, rendered: rendered.stdout };
  }

  it("a .env.example beside a .env of tokens: a sample value edited passes, the .env rendered over it is refused", async () => {
    const { box, env, git, file, read, s5 } = await project();
    writeFileSync(
      file(".env"),
      `SECRET_KEY={{ s5:seal ${PASSWORD} }}\nAPI_KEY={{ s5:seal sk_live_4eC39HqLyjWDarjtT1zdp7dc }}\nDB_PASSWORD={{ s5:seal Pw7vB3nRq }}\nLOG_LEVEL=info\nPORT=8080\n`,
    );
    expect((await s5("seal", "-i", ".env")).code).toBe(0);
    const example =
      "SECRET_KEY=changeme\nAPI_KEY=sk_test_xxx\nDB_PASSWORD=\nLOG_LEVEL=info\nPORT=8080\n";
    writeFileSync(file(".env.example"), example);
    git("add", ".env", ".env.example");
    expect(git("commit", "-qm", "env").status).toBe(0);
    // Sample values a developer changes, one commit each: no copy of .env.
    for (const edited of [
      example.replace("changeme", "insecure-dev-key"),
      example.replace("sk_test_xxx", "sk_test_51HxYzAbCdEfGhIjKlMnOpQr"),
    ]) {
      writeFileSync(file(".env.example"), edited);
      git("add", ".env.example");
      const commit = git("commit", "-qm", "sample");
      expect(commit.status, commit.stdout + commit.stderr).toBe(0);
    }
    // A secret sealed into .env and its sample added to .env.example in one commit: no copy.
    writeFileSync(file(".env"), `${read(".env")}REDIS_PASSWORD={{ s5:seal r3dis-Pw-2024 }}\n`);
    expect((await s5("seal", "-i", ".env")).code).toBe(0);
    writeFileSync(file(".env.example"), `${read(".env.example")}REDIS_PASSWORD=dev-redis-pw\n`);
    git("add", ".env", ".env.example");
    const both = git("commit", "-qm", "redis");
    expect(both.status, both.stdout + both.stderr).toBe(0);
    // The .env rendered over it: every value at once.
    const rendered = await box.s5(["render", ".env"], { env });
    expect(rendered.code).toBe(0);
    writeFileSync(file(".env.example"), rendered.stdout);
    git("add", ".env.example");
    const out = refusedCommit(git, "rendered");
    expect(out).toContain("this file (it held no token) is now a copy of .env");
    expect(out).not.toContain(PASSWORD);
  });

  it("a line of tokens dropped from the copy (or one the template never had): the other values still refused", async () => {
    const { box, env, git, file, s5 } = await project();
    writeFileSync(
      file("api.yml"),
      `api:\n  user: {{ s5:seal svc-shop }}\n  key: {{ s5:seal ${PASSWORD} }}\n  url: {{ s5:seal https://${HOST}/v1 }}\n  timeout: 30\n`,
    );
    expect((await s5("seal", "-i", "api.yml")).code).toBe(0);
    writeFileSync(file("api.local.yml"), "api:\n  key: changeme\n  url: <url>\n  timeout: 30\n");
    git("add", "api.yml", "api.local.yml");
    expect(git("commit", "-qm", "api").status).toBe(0);
    const rendered = await box.s5(["render", "api.yml"], { env });
    expect(rendered.code).toBe(0);
    // The render, less the line the template never had: every line of tokens but one filled.
    const trimmed = rendered.stdout.toString().replace(/^ {2}user: .*\n/m, "");
    writeFileSync(file("api.local.yml"), trimmed);
    git("add", "api.local.yml");
    for (const args of [["--staged"], ["--", "api.local.yml"]]) {
      const run = await s5("check", "--no-decrypt", ...args);
      expect(run.code, `${args.join(" ")}: ${run.out}`).toBe(10);
      expect(run.out).toContain(
        "api.local.yml:2:8: a value in clear where api.yml:3:8 holds a token",
      );
      expect(run.out).toContain(
        "api.local.yml:3:8: a value in clear where api.yml:4:8 holds a token",
      );
      expect(run.out).not.toContain(PASSWORD);
    }
  });

  /** The copy's password and host lines refused, the command that restores HEAD's version named. */
  function refused(run: { code: number | null; out: string }, label: string, at = "HEAD") {
    expect(run.code, `${label}: ${run.out}`).toBe(10);
    for (const [line, column] of ["2:13", "3:9"].map((place) => place.split(":"))) {
      expect(run.out).toContain(
        `config.yml:${line}:${column}: a value in clear where values.yml:${line}:${column} holds a token at ${at}: this file (it held no token) is now a copy of values.yml`,
      );
    }
    if (at === "HEAD") {
      expect(run.out).toContain(
        "`git restore --source=HEAD --staged --worktree -- config.yml` puts HEAD's version of it back (and drops the file's other changes)",
      );
    }
    expect(run.out).not.toContain("git rm --cached");
    expect(run.out).not.toContain(PASSWORD);
    expect(run.out).not.toContain(HOST);
  }
  /** Refused as a copy of values.yml as it is in this change, the line of its new token too. */
  function inChange(run: { code: number | null; out: string }, label: string) {
    expect(run.code, `${label}: ${run.out}`).toBe(10);
    for (const place of ["2:13", "3:9", "5:9"]) {
      expect(run.out, label).toContain(
        `config.yml:${place}: a value in clear where values.yml:${place} holds a token in this change: this file (it held no token) is now a copy of values.yml`,
      );
    }
    for (const value of [PASSWORD, HOST, "svc-shop"]) expect(run.out).not.toContain(value);
  }

  it("a template of the same keys: refused in the work tree, --staged, by the hook and against a base", async () => {
    const { git, s5, file, read, commits, rendered } = await overwritten(TEMPLATE);
    // The work tree against HEAD, before anything is staged.
    refused(await s5("check", "--no-decrypt", "--", "config.yml"), "-- FILE");
    refused(await s5("check", "--no-decrypt", "."), ".");
    git("add", "config.yml");
    refused(await s5("check", "--no-decrypt", "--staged"), "--staged");
    const commit = git("commit", "-qm", "rendered over the template");
    refused({ code: commit.status === 0 ? 0 : 10, out: commit.stdout + commit.stderr }, "hook");
    expect(commits()).toBe(2);
    // The command the message names puts the template back, in the index and the work tree.
    expect(
      git("restore", "--source=HEAD", "--staged", "--worktree", "--", "config.yml").status,
    ).toBe(0);
    expect(read("config.yml")).toBe(TEMPLATE);
    expect(git("status", "--porcelain").stdout).toBe("");
    // A branch that commits the copy anyway (--no-verify): refused against main.
    git("checkout", "-qb", "feature");
    writeFileSync(file("config.yml"), rendered);
    git("add", "config.yml");
    expect(git("commit", "-q", "--no-verify", "-m", "rendered").status).toBe(0);
    refused(await s5("check", "--no-decrypt", "--base", "main", "."), "--base", "main");
  });

  it("its file of tokens changed in the same commit (a value sealed, then rendered over the template): refused in every form", async () => {
    // Only files of tokens unchanged since were sources of copies: the usual way to add a secret
    // (seal it, render, commit both) passed every form, the hook's included.
    const { box, env, git, s5, file, read, commits } = await project();
    writeFileSync(file("config.yml"), `${TEMPLATE}  user: <user>\n`);
    git("add", "config.yml");
    expect(git("commit", "-qm", "config").status).toBe(0);
    writeFileSync(file("values.yml"), `${read("values.yml")}  user: {{ s5:seal svc-shop }}\n`);
    expect((await s5("seal", "-i", "values.yml")).code).toBe(0);
    const rendered = await box.s5(["render", "values.yml"], { env });
    expect(rendered.code).toBe(0);
    expect(rendered.stdout.toString()).toContain("user: svc-shop");
    writeFileSync(file("config.yml"), rendered.stdout);
    for (const args of [["--", "config.yml", "values.yml"], ["."]]) {
      inChange(await s5("check", "--no-decrypt", ...args), args.join(" "));
    }
    git("add", "-A");
    inChange(await s5("check", "--no-decrypt", "--staged"), "--staged");
    const commit = git("commit", "-qm", "sealed and rendered");
    inChange({ code: commit.status === 0 ? 0 : 10, out: commit.stdout + commit.stderr }, "hook");
    expect(commits()).toBe(2);
    // Committed past the hook on a branch: refused against main.
    git("checkout", "-qb", "feature");
    expect(git("commit", "-q", "--no-verify", "-m", "both").status).toBe(0);
    inChange(await s5("check", "--no-decrypt", "--base", "main", "."), "--base main");
  });

  it("a one-line file of tokens (.npmrc, a password file) rendered over its template: refused by the hook", async () => {
    // No line but its token's: no copy was found, and the npm token was no known format.
    const { box, env, git, s5, file, commits } = await project();
    const npmToken = "npm_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c";
    const auth = "//registry.npmjs.org/:_authToken=";
    writeFileSync(file("npmrc.s5"), `${auth}{{ s5:seal ${npmToken} }}\n`);
    writeFileSync(file("db.s5.yml"), `password: {{ s5:seal ${PASSWORD} }}\n`);
    expect((await s5("seal", "-i", "npmrc.s5", "db.s5.yml")).code).toBe(0);
    writeFileSync(file(".npmrc"), `${auth}\${NPM_TOKEN}\n`);
    writeFileSync(file("db.yml"), "password: changeme\n");
    git("add", "-A");
    expect(git("commit", "-qm", "one-line files").status).toBe(0);
    for (const [source, target] of [
      ["npmrc.s5", ".npmrc"],
      ["db.s5.yml", "db.yml"],
    ] as const) {
      const rendered = await box.s5(["render", source], { env });
      expect(rendered.code).toBe(0);
      writeFileSync(file(target), rendered.stdout);
    }
    git("add", "-A");
    const out = refusedCommit(git, "rendered");
    expect(out).toContain(
      ".npmrc:1:34: a value in clear where npmrc.s5:1:34 holds a token at HEAD: this file (it held no token) is now a copy of npmrc.s5",
    );
    expect(out).toContain("db.yml:1:11: a value in clear where db.s5.yml:1:11 holds a token");
    expect(out).not.toContain(npmToken);
    expect(out).not.toContain(PASSWORD);
    expect(commits()).toBe(2);
  });

  it("a new file of tokens and its render added in one commit: refused, named as the source", async () => {
    const { box, env, git, s5, file, commits } = await project();
    writeFileSync(
      file("api.yml"),
      `api:\n  key: {{ s5:seal ${PASSWORD} }}\n  url: {{ s5:seal https://${HOST}/v1 }}\n  timeout: 30\n`,
    );
    expect((await s5("seal", "-i", "api.yml")).code).toBe(0);
    const rendered = await box.s5(["render", "api.yml"], { env });
    expect(rendered.code).toBe(0);
    writeFileSync(file("api.prod.yml"), rendered.stdout);
    git("add", "-A");
    const out = refusedCommit(git, "api");
    expect(out).toContain(
      "api.prod.yml:2:8: a value in clear where api.yml:2:8 holds a token in this change: this new file is a copy of api.yml",
    );
    expect(out).toContain("`git rm --cached -- api.prod.yml` keeps it out of the commit");
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain(HOST);
    expect(commits()).toBe(1);
    // Taken out as the message says: the file of tokens commits.
    git("rm", "-q", "--cached", "--", "api.prod.yml");
    expect(git("commit", "-qm", "api").status).toBe(0);
  });

  it("a file of other content, overwritten: refused; marked s5:ignore: passes", async () => {
    const { git, s5, file, read } = await overwritten("title: notes\nitems:\n  - one\n  - two\n");
    refused(await s5("check", "--no-decrypt", "--", "config.yml"), "-- FILE");
    git("add", "config.yml");
    refused(await s5("check", "--no-decrypt", "--staged"), "--staged");
    writeFileSync(
      file("config.yml"),
      read("config.yml")
        .split("\n")
        .map((line) =>
          line.includes("password") || line.includes("host") ? `${line} # s5:ignore` : line,
        )
        .join("\n"),
    );
    git("add", "config.yml");
    for (const args of [["--", "config.yml"], ["--staged"]]) {
      const run = await s5("check", "--no-decrypt", ...args);
      expect(run.code, `${args.join(" ")}: ${run.out}`).toBe(0);
    }
  });

  it("a file that shares a line or two, or an ordinary edit: passes, and an ordinary edit never searches for copies", async () => {
    const { box, env, git, s5, file } = await project();
    writeFileSync(file("other.yml"), "db:\n  user: me\n  port: 5432\n");
    writeFileSync(file("app.yml"), "timeout: 30\nlog: info\n");
    writeFileSync(file("main.ts"), "export const port = 5432;\n");
    git("add", "other.yml", "app.yml", "main.ts");
    expect(git("commit", "-qm", "more").status).toBe(0);
    // A password added beside values.yml's lines, but no host: not every line of tokens filled.
    writeFileSync(file("other.yml"), `db:\n  user: me\n  password: ${PASSWORD}\n  port: 5432\n`);
    git("add", "other.yml");
    for (const args of [["--", "other.yml"], ["--staged"]]) {
      const run = await s5("check", "--no-decrypt", ...args);
      expect(run.code, `${args.join(" ")}: ${run.out}`).toBe(0);
    }
    expect(git("commit", "-qm", "password").status).toBe(0);
    // Code and a setting changed: passes, and git grep (the search for copies) never runs.
    writeFileSync(file("app.yml"), "timeout: 60\nlog: debug\n");
    writeFileSync(file("main.ts"), "export const port = 6543;\nexport const host = 'db';\n");
    git("add", "app.yml", "main.ts");
    const logged = join(box.dir, "..", "git.log");
    const wrapped = join(box.dir, "..", "logged-git");
    mkdirSync(wrapped);
    const real = spawnSync("sh", ["-c", "command -v git"], { env, encoding: "utf8" }).stdout.trim();
    writeFileSync(
      join(wrapped, "git"),
      `#!/bin/sh\necho "$*" >> '${logged}'\nexec '${real}' "$@"\n`,
      {
        mode: 0o755,
      },
    );
    const traced = { ...env, PATH: `${wrapped}:${env.PATH}` };
    for (const args of [["--", "app.yml", "main.ts"], ["--staged"], ["."]]) {
      const run = await box.s5(["check", "--no-decrypt", ...args], { env: traced });
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(0);
    }
    const calls = readFileSync(logged, "utf8");
    expect(calls).toContain("diff");
    expect(calls).not.toContain("grep");
  });
});
