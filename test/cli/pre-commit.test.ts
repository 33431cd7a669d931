// The pre-commit framework (from PyPI, in a git-ignored virtualenv) runs this repository's
// `.pre-commit-hooks.yaml` (`s5 check`) on a real git repository: a commit holding a plaintext
// secret beside a token is blocked, a clean one passes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runChild } from "../child.ts";
import { gitProject, s5OnPath, sandbox } from "./run.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const VENV = join(REPO, ".cache", "pre-commit-venv");
const PRE_COMMIT = join(VENV, "bin", "pre-commit");

/** pre-commit from PyPI, installed once into .cache (like the OpenBao binary). */
function installPreCommit(): string | undefined {
  if (existsSync(PRE_COMMIT)) return undefined;
  const steps: [string, string[]][] = [
    ["python3", ["-m", "venv", VENV]],
    [
      join(VENV, "bin", "pip"),
      ["install", "--disable-pip-version-check", "-q", "pre-commit==4.7.0"],
    ],
  ];
  for (const [command, args] of steps) {
    const run = spawnSync(command, args, { encoding: "utf8" });
    if (run.status !== 0) return `${command} ${args.join(" ")}: ${run.stderr}`;
  }
  return undefined;
}

describe("the pre-commit hook (pre-commit framework)", () => {
  let box: ReturnType<typeof sandbox>;
  let env: Record<string, string>;

  beforeAll(async () => {
    const failure = installPreCommit();
    if (failure) throw new Error(`cannot install pre-commit from PyPI: ${failure}`);
    box = sandbox();
    await box.s5(["init", "--name", "dev"]);
    const bin = s5OnPath(box.dir);
    env = {
      ...box.env,
      PATH: `${bin}:${box.env.PATH}`,
      PRE_COMMIT_HOME: join(box.dir, "..", "pre-commit-cache"),
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    };
    const git = (...args: string[]) => spawnSync("git", args, { cwd: box.dir, env });
    git("init", "-q");
    git("add", ".s5.json");
    git("commit", "-qm", "init");
  }, 180_000);

  const tryHook = (...files: string[]) =>
    runChild(PRE_COMMIT, ["try-repo", REPO, "s5-check", "--files", ...files], {
      cwd: box.dir,
      env,
    });

  it("blocks a file with a plaintext secret beside a token, and passes a clean one", async () => {
    const token = (await box.s5(["cipher", "db-password-value"])).stdout.toString();
    writeFileSync(join(box.dir, "leaky.yml"), `db: ${token}\napi_password: Hunter2Hunter2!\n`);
    writeFileSync(join(box.dir, "clean.yml"), `db: ${token}\nname: billing\n`);
    spawnSync("git", ["add", "leaky.yml", "clean.yml"], { cwd: box.dir, env });

    const leaky = await tryHook("leaky.yml");
    expect(leaky.code).toBe(1);
    expect(leaky.stdout).toContain("s5 check");
    expect(leaky.stdout).toContain("Failed");
    expect(leaky.stdout).toContain("leaky.yml:2:");
    expect(leaky.stdout).not.toContain("db-password-value");

    const clean = await tryHook("clean.yml");
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.stdout).toContain("Passed");
  });

  it("blocks a file rendered in place and staged: it held tokens at HEAD", async () => {
    // The framework names the files (the work tree, unstaged changes stashed): a rendered file
    // holds no token, and its values passed as a file without tokens.
    writeFileSync(
      join(box.dir, "rendered.yml"),
      "db:\n  host: {{ s5:seal db.internal.example }}\n",
    );
    expect((await box.s5(["seal", "-i", "rendered.yml"])).code).toBe(0);
    const git = (...args: string[]) => spawnSync("git", args, { cwd: box.dir, env });
    git("add", "rendered.yml");
    expect(git("commit", "-qm", "sealed", "--", "rendered.yml").status).toBe(0);
    expect((await box.s5(["render", "-i", "rendered.yml"])).code).toBe(0);
    git("add", "rendered.yml");
    const hook = await tryHook("rendered.yml");
    expect(hook.code, hook.stdout).toBe(1);
    expect(hook.stdout).toContain(
      "rendered.yml:2:9: a value in clear where a token stood at rendered.yml:2:9 at HEAD",
    );
    expect(hook.stdout).toContain("(S5_CHECK_RENDERED)");
    expect(hook.stdout).not.toContain("db.internal.example");
    git("checkout", "HEAD", "--", "rendered.yml");
  });

  it("is given files that pre-commit takes for binary: a UTF-16 .env.prod is reported", async () => {
    // PowerShell 5's `>` writes UTF-16; pre-commit judges an extension it does not know by the
    // first bytes, and with `types: [text]` never named this file to s5.
    const wide = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from("API_KEY={{ s5:seal Pw-ps-1 }}\r\n", "utf16le"),
    ]);
    writeFileSync(join(box.dir, ".env.prod"), wide);
    // A binary file without a token is passed to s5 too, and is no problem.
    writeFileSync(join(box.dir, "blob.dat"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]));
    spawnSync("git", ["add", ".env.prod", "blob.dat"], { cwd: box.dir, env });
    const hook = await tryHook(".env.prod", "blob.dat");
    expect(hook.code, hook.stdout).toBe(1);
    expect(hook.stdout).toContain(".env.prod:1:9: this file is UTF-16");
    expect(hook.stdout).not.toContain("blob.dat");
    expect(hook.stdout).not.toContain("Pw-");
  });

  it("checks a staged file called like a backend word", async () => {
    // Named first, `aes` was taken for the backend and left unread: the hook passed.
    writeFileSync(join(box.dir, "aes"), "key: {{ s5:seal Pw-aes-1 }}\n");
    writeFileSync(join(box.dir, "b.yml"), "name: billing\n");
    spawnSync("git", ["add", "aes", "b.yml"], { cwd: box.dir, env });
    const hook = await tryHook("aes", "b.yml");
    expect(hook.code, hook.stdout).toBe(1);
    expect(hook.stdout).toContain("aes:1:6: a value marked for encryption");
    expect(hook.stdout).not.toContain("Pw-");
  });
});

describe("a plain git hook: s5 check --staged", () => {
  /** A project with s5 on PATH, and git run in it without the system's config. */
  const project = gitProject;

  it("checks what the commit will hold, renames included, not the work tree", async () => {
    const { box, env, git } = await project();
    git("init", "-q");
    // The README's hook (s5 on PATH here, where a project has it in node_modules for `npx`).
    const hook = join(box.dir, ".git", "hooks", "pre-commit");
    writeFileSync(hook, "#!/bin/sh\ns5 check --no-decrypt --staged\n", { mode: 0o755 });
    const token = (await box.s5(["cipher", "db-password-value"])).stdout.toString();
    writeFileSync(join(box.dir, "app.yml"), `db: ${token}\nname: billing\n`);
    git("add", ".s5.json", "app.yml");
    expect(git("commit", "-qm", "clean").status).toBe(0);
    // A secret staged, then taken out of the file only: the commit would hold it.
    writeFileSync(join(box.dir, "app.yml"), `db: ${token}\napi_password: Hunter2Hunter2!\n`);
    git("add", "app.yml");
    writeFileSync(join(box.dir, "app.yml"), `db: ${token}\nname: billing\n`);
    const blocked = git("commit", "-qm", "leak");
    expect(blocked.status).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain(
      "app.yml:2:15: `api_password` holds a plaintext value",
    );
    expect(git("log", "--oneline").stdout.trim().split("\n")).toHaveLength(1);
    // A renamed file with a new secret is checked too.
    git("reset", "-q");
    git("mv", "app.yml", "prod.yml");
    writeFileSync(join(box.dir, "prod.yml"), `db: ${token}\ntoken: ghp_${"a1B2".repeat(10)}\n`);
    git("add", "prod.yml");
    const renamed = git("commit", "-qm", "rename");
    expect(renamed.status).not.toBe(0);
    expect(renamed.stdout + renamed.stderr).toContain("prod.yml:2:");
    // Many files at once, names with a newline or a space, a submodule's entry and a deletion.
    git("reset", "-q", "--hard");
    for (let i = 0; i < 300; i++) writeFileSync(join(box.dir, `c${i}.yml`), `n: ${i}\n`);
    writeFileSync(join(box.dir, "two\nlines.yml"), `db: ${token}\npassword: Hunter2Hunter2!\n`);
    writeFileSync(join(box.dir, "with space.yml"), `db: ${token}\npassword: Zebra9Zebra9!\n`);
    git("add", ".");
    git("rm", "-q", "--cached", "app.yml");
    const head = git("rev-parse", "HEAD").stdout.trim();
    git("update-index", "--add", "--cacheinfo", `160000,${head},vendor/lib`);
    const many = await box.s5(["check", "--no-decrypt", "--staged"], { env });
    const found = many.stdout.toString() + many.stderr.toString();
    expect(many.code, found).toBe(10);
    // The newline is shown escaped: a file name cannot forge a line of the report.
    expect(found).toContain("two\\u000alines.yml:2:11: `password` holds a plaintext value");
    expect(found).toContain("with space.yml:2:11: `password` holds a plaintext value");
    expect(found).not.toContain("c1.yml");
    expect(found).not.toContain("vendor");
    // --staged takes no paths.
    expect((await box.s5(["check", "--staged", "app.yml"])).code).toBe(2);
  });

  it("an s5 secret key staged in a file of no tokens (an identity, `keys generate > ci.key`) is blocked, never shown", async () => {
    const { box, env, git } = await project();
    git("init", "-q");
    const hook = join(box.dir, ".git", "hooks", "pre-commit");
    writeFileSync(hook, "#!/bin/sh\ns5 check --no-decrypt --staged\n", { mode: 0o755 });
    const token = (await box.s5(["cipher", "db-password-value"])).stdout.toString();
    writeFileSync(join(box.dir, "app.yml"), `db: ${token}\n`);
    git("add", ".s5.json", "app.yml");
    expect(git("commit", "-qm", "clean").status).toBe(0);
    const key = (await box.s5(["keys", "generate"])).stdout.toString().trim();
    expect(key).toMatch(/^S5-SECRET-KEY-[\w-]{43}$/);
    const identity = readFileSync(join(box.env.HOME!, ".config", "s5", "identity.txt"), "utf8");
    writeFileSync(join(box.dir, "ci.key"), `${key}\n`);
    writeFileSync(join(box.dir, ".env.ci"), `NODE_ENV=test\nS5_PRIVATE_KEY=${key}\n`);
    writeFileSync(join(box.dir, "identity.txt"), identity);
    git("add", "ci.key", ".env.ci", "identity.txt");
    const blocked = git("commit", "-qm", "keys");
    const said = blocked.stdout + blocked.stderr;
    expect(blocked.status, said).not.toBe(0);
    expect(said).toContain("ci.key:1:1: an s5 secret key");
    expect(said).toContain(".env.ci:2:16: an s5 secret key");
    expect(said).toMatch(/identity\.txt:\d+:1: an s5 secret key/);
    expect(said).toContain("(S5_CHECK_SECRET_KEY)");
    expect(said).not.toContain("S5-SECRET-KEY-");
    expect(git("log", "--oneline").stdout.trim().split("\n")).toHaveLength(1);
    // Beside a token the heuristics say it once; a key meant to be public is marked, and passes.
    git("reset", "-q");
    writeFileSync(join(box.dir, "app.yml"), `db: ${token}\nS5_PRIVATE_KEY=${key}\n`);
    writeFileSync(join(box.dir, "ci.key"), `${key} # s5:ignore (a test's key)\n`);
    git("add", "app.yml", "ci.key");
    const beside = await box.s5(["check", "--no-decrypt", "--staged"], { env });
    const report = beside.stdout.toString();
    expect(beside.code).toBe(10);
    expect(report.trim().split("\n"), report).toEqual([
      "app.yml:2:16: looks like an s5 secret key; encrypt it or mark the line s5:ignore (S5_CHECK_PLAINTEXT)",
    ]);
    git("reset", "-q");
    git("add", "ci.key");
    expect(git("commit", "-qm", "a public test key").status).toBe(0);
    // `s5 check DIR` (CI) says the same, in SARIF too, without the key.
    const sarif = await box.s5(["check", "--no-decrypt", "--format", "sarif", "."], { env });
    expect(sarif.code).toBe(10);
    expect(sarif.stdout.toString()).toContain('"ruleId": "S5_CHECK_SECRET_KEY"');
    expect(sarif.stdout.toString()).not.toContain("S5-SECRET-KEY-");
  });

  it("git, which s5 runs for itself (check, render -o), gets none of s5's credentials", async () => {
    const { box, env, git } = await project();
    git("init", "-q");
    const token = (await box.s5(["cipher", "db-password-value"])).stdout.toString();
    writeFileSync(join(box.dir, "app.yml"), `db: ${token}\n`);
    git("add", ".s5.json", "app.yml");
    expect(git("commit", "-qm", "init").status).toBe(0);
    // A git that writes down the environment it was started with, then runs the real one.
    const real = spawnSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).stdout.trim();
    const bin = join(box.dir, "..", "fake-git");
    const seen = join(box.dir, "..", "git-env");
    mkdirSync(bin);
    writeFileSync(join(bin, "git"), `#!/bin/sh\nenv >> '${seen}'\nexec '${real}' "$@"\n`, {
      mode: 0o755,
    });
    const key = (await box.s5(["keys", "generate"])).stdout.toString().trim();
    const credentials = {
      S5_AES_KEY: "aes-key-of-the-test",
      VAULT_TOKEN: "vault-token-of-the-test",
      VAULT_HEADERS: '{"X-Gateway":"gateway-secret-of-the-test"}',
      VAULT_PROXY_ADDR: "http://user:proxy-password-of-the-test@proxy.example:3128",
    };
    const withGit = { ...env, ...credentials, PATH: `${bin}:${env.PATH}` };
    writeFileSync(join(box.dir, "app.yml"), "db: db-password-value\n");
    git("add", "app.yml");
    const staged = await box.s5(["check", "--no-decrypt", "--staged"], { env: withGit });
    expect(staged.stdout.toString()).toContain("(S5_CHECK_RENDERED)");
    const base = await box.s5(["check", "--no-decrypt", "--base", "HEAD", "."], { env: withGit });
    expect(base.stdout.toString()).toContain("(S5_CHECK_RENDERED)");
    git("checkout", "-q", "--", ".");
    git("reset", "-q", "--hard");
    const rendered = await box.s5(["render", "app.yml", "-o", "out.yml"], {
      env: { ...withGit, S5_PRIVATE_KEY: key },
    });
    expect(rendered.stderr).toContain("S5_RENDER_NOT_IGNORED");
    const recorded = readFileSync(seen, "utf8");
    // git ran (every command above asked it), and saw none of them.
    expect(recorded).toContain("GIT_CONFIG_NOSYSTEM=1");
    for (const value of [...Object.values(credentials), key, "proxy-password-of-the-test"]) {
      expect(recorded).not.toContain(value);
    }
    expect(recorded).not.toMatch(/^(?:S5_PRIVATE_KEY|S5_AES_KEY|VAULT_TOKEN|VAULT_HEADERS)=/m);
  });

  it("a merge in progress, or an intent-to-add .s5.json: an error that names the file, never a pass", async () => {
    const { box, env, git } = await project();
    const seal = async (value: string) => (await box.s5(["cipher", value])).stdout.toString();
    const staged = async (cwd = box.dir) => {
      const run = await box.s5(["check", "--staged"], { env, cwd });
      return { code: run.code, out: run.stdout.toString() + run.stderr };
    };
    git("init", "-q", "-b", "main");
    writeFileSync(join(box.dir, "app.yml"), `db: ${await seal("zero")}\n`);
    git("add", ".");
    git("commit", "-qm", "init");
    git("checkout", "-qb", "other");
    writeFileSync(join(box.dir, "app.yml"), `db: ${await seal("one")}\n`);
    git("commit", "-qam", "other");
    git("checkout", "-q", "main");
    writeFileSync(join(box.dir, "app.yml"), `db: ${await seal("two")}\n`);
    git("commit", "-qam", "main");
    expect(git("merge", "other").status).not.toBe(0);
    // Stages 1, 2 and 3 for app.yml. Before: "checked 0 file(s)", exit 0.
    const conflicted = await staged();
    expect(conflicted.code, conflicted.out).toBe(3);
    expect(conflicted.out).toContain(
      "s5: error: the index holds unmerged files (a merge in progress): app.yml",
    );
    expect(conflicted.out).toContain("git add");
    expect(conflicted.out).not.toContain("checked");
    // Named from where the hook runs, as every other file.
    mkdirSync(join(box.dir, "notes"));
    const below = await staged(join(box.dir, "notes"));
    expect(below.out).toContain("(a merge in progress): ../app.yml;");
    // Resolved and added: checked as any staged file.
    writeFileSync(join(box.dir, "app.yml"), `db: ${await seal("three")}\n`);
    git("add", "app.yml");
    expect((await staged()).code).toBe(0);
    git("commit", "-qm", "merged");

    // A sub-project's config added with -N: no content staged, and a commit leaves it out, so
    // its files would take the root's config. Before: read from disk, exit 0.
    mkdirSync(join(box.dir, "sub"));
    const sub = join(box.dir, "sub");
    expect((await box.s5(["init", "--name", "sub", "--dir", "."], { cwd: sub })).code).toBe(0);
    const four = (await box.s5(["cipher", "four"], { cwd: sub })).stdout.toString();
    writeFileSync(join(sub, "b.yml"), `b: ${four}\n`);
    git("add", "sub/b.yml");
    git("add", "-N", "sub/.s5.json");
    for (const cwd of [box.dir, sub]) {
      const intent = await staged(cwd);
      expect(intent.code, intent.out).toBe(3);
      const name = cwd === box.dir ? "sub/.s5.json" : ".s5.json";
      expect(intent.out).toContain(
        `s5: error: ${name} is in the index with --intent-to-add (git add -N): `,
      );
      expect(intent.out).toContain(`git add ${name}`);
    }
    git("add", "sub/.s5.json");
    expect((await staged()).code).toBe(0);
    // A config changed on disk but not staged is no intent-to-add entry: it does not stop.
    writeFileSync(join(sub, ".s5.json"), `${readFileSync(join(sub, ".s5.json"), "utf8")}\n`);
    const unstaged = await staged();
    expect(unstaged.code, unstaged.out).toBe(0);
  });

  it("a project config that is not in the index (never added, or left out of `git commit PATHS`): an error, never a pass", async () => {
    const { box, env, git } = await project();
    git("init", "-q", "-b", "main");
    git("add", ".s5.json");
    git("commit", "-qm", "init");
    const hook = join(box.dir, ".git", "hooks", "pre-commit");
    writeFileSync(hook, "#!/bin/sh\ns5 check --no-decrypt --staged\n", { mode: 0o755 });
    // A new sub-project whose config was never added: the commit's b.yml would take the root's.
    const sub = join(box.dir, "sub");
    mkdirSync(sub);
    expect((await box.s5(["init", "--name", "sub", "--dir", "."], { cwd: sub })).code).toBe(0);
    const token = (await box.s5(["cipher", "four"], { cwd: sub })).stdout.toString();
    writeFileSync(join(sub, "b.yml"), `b: ${token}\n`);
    git("add", "sub/b.yml");
    // Before: checked with sub/.s5.json from disk, exit 0.
    const never = await box.s5(["check", "--no-decrypt", "--staged"], { env });
    expect(never.code, never.stderr).toBe(3);
    expect(never.stderr).toContain("s5: error: sub/.s5.json is not in the index (never added, ");
    expect(never.stderr).toContain("git add sub/.s5.json");
    // `git commit PATHS`: the hook sees a temporary index (HEAD and those paths), without the
    // intent-to-add config the index has (`git add -N`). Before: the commit went through.
    git("add", "-N", "sub/.s5.json");
    const only = git("commit", "-qm", "b only", "sub/b.yml");
    expect(only.status, only.stderr).not.toBe(0);
    expect(only.stderr).toContain("sub/.s5.json is not in the index");
    expect(git("log", "--oneline").stdout.trim().split("\n")).toHaveLength(1);
    // Staged and committed with it: passes. A config ignored, or above the work tree, is read.
    git("add", "sub/.s5.json");
    expect(git("commit", "-qm", "sub", "sub/b.yml", "sub/.s5.json").status).toBe(0);
    mkdirSync(join(box.dir, "local"));
    expect(
      (await box.s5(["init", "--name", "l", "--dir", "."], { cwd: join(box.dir, "local") })).code,
    ).toBe(0);
    writeFileSync(join(box.dir, ".gitignore"), "local/.s5.json\n");
    const own = await box.s5(["cipher", "five"], { cwd: join(box.dir, "local") });
    writeFileSync(join(box.dir, "local", "c.yml"), `c: ${own.stdout}\n`);
    git("add", ".gitignore", "local/c.yml");
    const ignored = await box.s5(["check", "--no-decrypt", "--staged"], { env });
    expect(ignored.code, ignored.stderr).toBe(0);
  });

  it("a config not in the index, from a subdirectory; one above the work tree; a directory named like a glob", async () => {
    const { box, env, git } = await project();
    // The repository is a subdirectory of the project: its .s5.json is no file of the commit's.
    const repo = join(box.dir, "repo");
    mkdirSync(repo);
    const inRepo = (...args: string[]) =>
      spawnSync("git", args, { cwd: repo, env, encoding: "utf8" });
    inRepo("init", "-q", "-b", "main");
    const token = (await box.s5(["cipher", "six"])).stdout.toString();
    writeFileSync(join(repo, "a.yml"), `a: ${token}\n`);
    inRepo("add", "a.yml");
    const above = await box.s5(["check", "--no-decrypt", "--staged"], { env, cwd: repo });
    expect(above.code, above.stderr).toBe(0);
    // Named from where it runs: a sub-project's config never added, from inside it.
    git("init", "-q", "-b", "main");
    git("add", ".s5.json");
    git("commit", "-qm", "init");
    const sub = join(box.dir, "sub");
    mkdirSync(sub);
    expect((await box.s5(["init", "--name", "sub", "--dir", "."], { cwd: sub })).code).toBe(0);
    const own = (await box.s5(["cipher", "seven"], { cwd: sub })).stdout.toString();
    writeFileSync(join(sub, "b.yml"), `b: ${own}\n`);
    git("add", "sub/b.yml");
    const fromSub = await box.s5(["check", "--no-decrypt", "--staged"], { env, cwd: sub });
    expect(fromSub.code, fromSub.stderr).toBe(3);
    expect(fromSub.stderr).toContain("s5: error: .s5.json is not in the index");
    git("add", "sub/.s5.json");
    // A project in a directory whose name is a glob (`p*`): its config, staged, is taken
    // literally, and another directory's config it would match as a pattern is no concern.
    for (const dir of ["p*", "px"]) {
      mkdirSync(join(box.dir, dir));
      const made = await box.s5(["init", "--name", "p", "--dir", "."], { cwd: join(box.dir, dir) });
      expect(made.code, made.stderr).toBe(0);
    }
    const glob = (await box.s5(["cipher", "eight"], { cwd: join(box.dir, "p*") })).stdout;
    writeFileSync(join(box.dir, "p*", "c.yml"), `c: ${glob.toString()}\n`);
    git("add", "p*/.s5.json", "p*/c.yml");
    // `git add` takes a glob too: px's files are not staged.
    git("rm", "-q", "--cached", "px/.s5.json");
    const literal = await box.s5(["check", "--no-decrypt", "--staged"], { env });
    expect(literal.code, literal.stderr).toBe(0);
  });
});
