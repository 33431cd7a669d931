// `s5 check --base REF`: tokens moved (or swapped) since a commit, which a review of opaque tokens
// cannot see and a copy check cannot find (a move leaves one of each). Real git, the built CLI.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Sandbox, sandbox } from "./run.ts";

function gitIn(box: Sandbox) {
  return (...args: string[]) => {
    const result = spawnSync(
      "git",
      ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args],
      { cwd: box.dir, env: box.env, encoding: "utf8" },
    );
    expect(result.status, result.stderr).toBe(0);
    return result.stdout;
  };
}

const read = (box: Sandbox, file: string) => readFileSync(join(box.dir, file), "utf8");
const write = (box: Sandbox, file: string, text: string) =>
  writeFileSync(join(box.dir, file), text);

/** A project with sealed files, committed as the first commit of a new repository. */
async function committed(files: Record<string, string>) {
  const box = sandbox();
  await box.s5(["init", "--name", "dev"]);
  for (const [file, text] of Object.entries(files)) write(box, file, text);
  const sealed = await box.s5(["seal", "-i", ...Object.keys(files)]);
  expect(sealed.code, sealed.stderr).toBe(0);
  const git = gitIn(box);
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "first");
  return { box, git };
}

/** The committed project with `apps/b` a project of its own (Vault for its new values), committed. */
async function withSubProject() {
  const { box, git } = await committed({ "secret.yml": SECRET });
  const b = join(box.dir, "apps", "b");
  mkdirSync(b, { recursive: true });
  expect((await box.s5(["init", "--dir", ".", "--name", "dev"], { cwd: b })).code).toBe(0);
  const config = JSON.parse(read(box, "apps/b/.s5.json"));
  write(box, "apps/b/.s5.json", `${JSON.stringify({ ...config, backend: "vault" }, null, 2)}\n`);
  write(box, "apps/b/app.yml", "port: 80\n");
  git("add", "-A");
  git("commit", "-qm", "apps/b");
  return { box, git, b, config };
}

/** The token on line `line` (1-based) of a file. */
function tokenAt(box: Sandbox, file: string, line: number): string {
  const found = read(box, file)
    .split("\n")
    [line - 1]!.match(/\{\{ s5:[^}]+\}\}/);
  expect(found).not.toBeNull();
  return found![0];
}

/** The S5_CHECK_MOVED warnings of a check, as `place <- earlier place`. */
function moves(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line.endsWith("(S5_CHECK_MOVED)"))
    .map((line) => {
      const match = line.match(/^warning: (\S+): this token stood at (\S+) at (\S+): moved/);
      expect(match, line).not.toBeNull();
      return `${match![1]} <- ${match![2]} at ${match![3]}`;
    });
}

const SECRET =
  "staging:\n  password: {{ s5:seal stage-pw }}\nproduction:\n  password: {{ s5:seal prod-pw }}\n";

describe("s5 check --base", () => {
  it("names a token moved to another file, where it stood, from the tokens alone", async () => {
    const { box } = await committed({
      "secret.yml": SECRET,
      "configmap.yml": "data:\n  greeting: hello\n",
    });
    // The production token goes to a ConfigMap; its old place gets a new token of its own.
    const prod = tokenAt(box, "secret.yml", 4);
    write(box, "configmap.yml", `data:\n  greeting: ${prod}\n`);
    write(box, "secret.yml", read(box, "secret.yml").replace(prod, "{{ s5:seal other }}"));
    expect((await box.s5(["seal", "-i", "secret.yml"])).code).toBe(0);

    // Without history, nothing to see: one copy of each token.
    const plain = await box.s5(["check", "."]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toContain("warning:");

    for (const args of [
      ["check", "--base", "HEAD", "."],
      ["check", "--no-decrypt", "--base", "HEAD", "."],
    ]) {
      const result = await box.s5(args);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.toString()).toBe("");
      expect(moves(result.stderr)).toEqual(["configmap.yml:2:13 <- secret.yml:4:13 at HEAD"]);
      expect(result.stderr).toContain(": 0 problem(s), 1 warning(s)\n");
      expect(result.stderr).not.toContain("prod-pw");
    }
    // JSON and SARIF carry it as a warning on the token's line now.
    const json = JSON.parse(
      (await box.s5(["check", "--json", "--base", "HEAD", "."])).stdout.toString(),
    );
    expect(json).toEqual([
      expect.objectContaining({
        file: "configmap.yml",
        line: 2,
        column: 13,
        code: "S5_CHECK_MOVED",
        level: "warning",
      }),
    ]);
    const sarif = JSON.parse(
      (await box.s5(["check", "--format", "sarif", "--base", "HEAD", "."])).stdout.toString(),
    );
    expect(sarif.runs[0].tool.driver.rules).toEqual([
      {
        id: "S5_CHECK_MOVED",
        shortDescription: {
          text: "A token that stood at another place at the base commit: moved or swapped",
        },
        defaultConfiguration: { level: "warning" },
      },
    ]);
    // Meant: the line says so.
    write(box, "configmap.yml", `data:\n  greeting: ${prod} # s5:ignore\n`);
    const ignored = await box.s5(["check", "--base", "HEAD", "."]);
    expect(moves(ignored.stderr)).toEqual([]);
  });

  it("names tokens swapped between two places of a file, of YAML, JSON and .env", async () => {
    const { box } = await committed({
      "secret.yml": SECRET,
      "app.json":
        '{\n  "dev": { "key": "{{ s5:seal d }}" },\n  "prod": { "key": "{{ s5:seal p }}" }\n}\n',
      ".env": "DEV_KEY={{ s5:seal d2 }}\nPROD_KEY={{ s5:seal p2 }}\n",
    });
    const swap = (file: string, a: number, b: number) => {
      const lines = read(box, file).split("\n");
      const first = tokenAt(box, file, a);
      const second = tokenAt(box, file, b);
      lines[a - 1] = lines[a - 1]!.replace(first, second);
      lines[b - 1] = lines[b - 1]!.replace(second, first);
      write(box, file, lines.join("\n"));
    };
    swap("secret.yml", 2, 4);
    swap("app.json", 2, 3);
    swap(".env", 1, 2);
    const result = await box.s5(["check", "--base", "HEAD", "."]);
    expect(result.code, result.stderr).toBe(0);
    expect(moves(result.stderr)).toEqual([
      ".env:1:9 <- .env:2:10 at HEAD",
      ".env:2:10 <- .env:1:9 at HEAD",
      "app.json:2:20 <- app.json:3:21 at HEAD",
      "app.json:3:21 <- app.json:2:20 at HEAD",
      "secret.yml:2:13 <- secret.yml:4:13 at HEAD",
      "secret.yml:4:13 <- secret.yml:2:13 at HEAD",
    ]);
  });

  it("is quiet for changes that keep each token at its place", async () => {
    const { box, git } = await committed({
      "secret.yml": SECRET,
      "old-name.yml": "db:\n  user: app\n  password: {{ s5:seal db-pw }}\n",
    });
    const stage = tokenAt(box, "secret.yml", 2);
    const prod = tokenAt(box, "secret.yml", 4);
    // Blocks reordered, a key renamed, a comment added, a new value above, all under a new parent.
    write(
      box,
      "secret.yml",
      [
        "app:",
        "  extra: {{ s5:seal new-value }}",
        "  production:",
        `    db_password: ${prod}   # rotated in May`,
        "  staging:",
        `    password: ${stage}`,
        "",
      ].join("\n"),
    );
    expect((await box.s5(["seal", "-i", "secret.yml"])).code).toBe(0);
    // A file renamed (git mv) and one of its values changed by `s5 edit`'s way: a new token.
    git("mv", "old-name.yml", "new-name.yml");
    write(box, "new-name.yml", "db:\n  user: app2\n  password: {{ s5:seal db-pw-2 }}\n");
    expect((await box.s5(["seal", "-i", "new-name.yml"])).code).toBe(0);
    const result = await box.s5(["check", "--base", "HEAD", "."]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain("warning:");
  });

  it("leaves a file unchanged since REF alone, though a changed one lost a copy of its token", async () => {
    const { box, git } = await committed({ "secret.yml": SECRET });
    write(box, "copy.yml", `copy: ${tokenAt(box, "secret.yml", 2)}\n`);
    git("add", "copy.yml");
    git("commit", "-qm", "a copy");
    write(box, "copy.yml", "copy: none\n");
    const result = await box.s5(["check", "--no-decrypt", "--base", "HEAD", "."]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain("warning:");
  });

  it("follows a renamed file, and names its old name", async () => {
    const { box, git } = await committed({ "secret.yml": SECRET });
    git("mv", "secret.yml", "values.yml");
    const lines = read(box, "values.yml").split("\n");
    [lines[1], lines[3]] = [lines[3]!, lines[1]!];
    write(box, "values.yml", lines.join("\n"));
    const result = await box.s5(["check", "--base", "HEAD", "."]);
    expect(moves(result.stderr)).toEqual([
      "values.yml:2:13 <- secret.yml:4:13 at HEAD",
      "values.yml:4:13 <- secret.yml:2:13 at HEAD",
    ]);
    // A file moved without git (deleted, a new untracked one): the same tokens, named from the
    // deleted file; a whole file moved is no move of a token within it only when git sees it.
    git("mv", "values.yml", "secret.yml");
    git("checkout", "--", "secret.yml");
    renameSync(join(box.dir, "secret.yml"), join(box.dir, "untracked.yml"));
    const plainMove = await box.s5(["check", "--base", "HEAD", "."]);
    expect(moves(plainMove.stderr)).toEqual([
      "untracked.yml:2:13 <- secret.yml:2:13 at HEAD",
      "untracked.yml:4:13 <- secret.yml:4:13 at HEAD",
    ]);
  });

  it("with --staged, compares what is staged with REF", async () => {
    const { box, git } = await committed({
      "secret.yml": SECRET,
      "configmap.yml": "data:\n  greeting: hello\n",
    });
    const prod = tokenAt(box, "secret.yml", 4);
    write(box, "configmap.yml", `data:\n  greeting: ${prod}\n`);
    git("add", "configmap.yml");
    // Staged: a copy (secret.yml unchanged at the index) and no move; then the move, staged.
    const copied = await box.s5(["check", "--staged", "--base", "HEAD"]);
    expect(moves(copied.stderr)).toEqual([]);
    write(box, "secret.yml", read(box, "secret.yml").replace(prod, "{{ s5:seal other }}"));
    expect((await box.s5(["seal", "-i", "secret.yml"])).code).toBe(0);
    git("add", "secret.yml");
    const staged = await box.s5(["check", "--staged", "--base", "HEAD"]);
    expect(staged.code, staged.stderr).toBe(0);
    expect(moves(staged.stderr)).toEqual(["configmap.yml:2:13 <- secret.yml:4:13 at HEAD"]);
    // The work tree's own change, not staged, is not what the commit will hold.
    git("commit", "-qm", "second");
    write(box, "configmap.yml", "data:\n  greeting: hello\n");
    expect(moves((await box.s5(["check", "--staged", "--base", "HEAD~1"])).stderr)).toEqual([]);
  });

  it("compares with where the branch left REF, as a pull request's diff does", async () => {
    const { box, git } = await committed({
      "secret.yml": SECRET,
      "configmap.yml": "data:\n  greeting: hello\n",
    });
    git("branch", "-M", "main");
    git("checkout", "-qb", "feature");
    write(box, "other.yml", "token: {{ s5:seal other }}\n");
    expect((await box.s5(["seal", "-i", "other.yml"])).code).toBe(0);
    git("add", "other.yml");
    git("commit", "-qm", "feature");
    // Meanwhile main moves the production token to the ConfigMap (another pull request).
    git("checkout", "-q", "main");
    const prod = tokenAt(box, "secret.yml", 4);
    write(box, "configmap.yml", `data:\n  greeting: ${prod}\n`);
    write(box, "secret.yml", read(box, "secret.yml").replace(prod, "{{ s5:seal new }}"));
    expect((await box.s5(["seal", "-i", "secret.yml"])).code).toBe(0);
    git("commit", "-qam", "main moves a token");
    git("checkout", "-q", "feature");
    // The feature branch moved nothing: main's move is not its own, reversed.
    const behind = await box.s5(["check", "--no-decrypt", "--base", "main", "."]);
    expect(behind.code, behind.stderr).toBe(0);
    expect(behind.stderr).not.toContain("S5_CHECK_MOVED");
    expect(behind.stderr).not.toContain("note:");
    // Its own swap is named, against the commit it left main at.
    const fork = git("merge-base", "main", "HEAD").trim().slice(0, 12);
    const lines = read(box, "secret.yml").split("\n");
    [lines[1], lines[3]] = [lines[3]!, lines[1]!];
    write(box, "secret.yml", lines.join("\n"));
    const swapped = await box.s5(["check", "--no-decrypt", "--base", "main", "."]);
    const named = swapped.stderr.split("\n").filter((line) => line.endsWith("(S5_CHECK_MOVED)"));
    expect(named).toEqual([
      `warning: secret.yml:2:13: this token stood at secret.yml:4:13 at main where this branch left it (${fork}): moved, it decrypts here to the value it had there, which a review of tokens cannot see; if the move is meant, mark the line s5:ignore (S5_CHECK_MOVED)`,
      `warning: secret.yml:4:13: this token stood at secret.yml:2:13 at main where this branch left it (${fork}): moved, it decrypts here to the value it had there, which a review of tokens cannot see; if the move is meant, mark the line s5:ignore (S5_CHECK_MOVED)`,
    ]);
    git("checkout", "--", "secret.yml");

    // CI checks out a pull request's merge commit, one commit deep, and fetches main one deep:
    // no history in common, but the merge's own parent is main, so main is the point.
    git("checkout", "-qb", "merged", "main");
    git("merge", "-q", "--no-ff", "-m", "merge", "feature");
    git("checkout", "-q", "feature");
    const shallow = (branch: string) => {
      const dir = join(box.dir, "..", `ci-${branch}`);
      const run = (cwd: string, ...args: string[]) => {
        const result = spawnSync("git", args, { cwd, env: box.env, encoding: "utf8" });
        expect(result.status, result.stderr).toBe(0);
      };
      run(box.dir, "clone", "-q", "--depth", "1", "-b", branch, `file://${box.dir}`, dir);
      run(dir, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main");
      return dir;
    };
    const merged = await box.s5(["check", "--no-decrypt", "--base", "origin/main", "."], {
      cwd: shallow("merged"),
    });
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stderr).not.toContain("S5_CHECK_MOVED");
    expect(merged.stderr).not.toContain("note:");
    // The README's GitHub form: two deep, the merge's first parent named.
    const twoDeep = join(box.dir, "..", "ci-two-deep");
    const clone = ["clone", "-q", "--depth", "2", "-b", "merged", `file://${box.dir}`, twoDeep];
    expect(spawnSync("git", clone, { env: box.env }).status).toBe(0);
    const parent = await box.s5(["check", "--no-decrypt", "--base", "HEAD^1", "."], {
      cwd: twoDeep,
    });
    expect(parent.code, parent.stderr).toBe(0);
    expect(parent.stderr).not.toContain("S5_CHECK_MOVED");
    expect(parent.stderr).not.toContain("note:");
    expect(parent.stderr).toContain("checked 4 file(s)");
    // The branch's head alone, one deep: REF itself, and a note that says what that costs.
    const head = await box.s5(["check", "--no-decrypt", "--base", "origin/main", "."], {
      cwd: shallow("feature"),
    });
    expect(head.code, head.stderr).toBe(0);
    expect(head.stderr).toContain(
      "note: --base origin/main: git here knows no history common to it and HEAD (a shallow clone?), so s5 compares with origin/main itself: what it gained since this branch left it counts as changed here, and a token it moved shows as moved back; fetch the history (actions/checkout: fetch-depth: 0; or git fetch --unshallow)\n",
    );
    expect(moves(head.stderr)).toEqual(["secret.yml:4:13 <- configmap.yml:2:13 at origin/main"]);
  });

  // All history here and none in common: fetching cannot help (git refuses --unshallow).
  it("says an orphan branch shares no history with REF, with no advice to fetch", async () => {
    const { box, git } = await committed({ "secret.yml": SECRET });
    git("branch", "-M", "main");
    git("checkout", "-q", "--orphan", "fresh");
    const note =
      "note: --base main: HEAD has no history in common with it (an orphan branch, or no commit yet), so s5 compares with main itself: every difference from it counts as changed here\n";
    for (const committed of [false, true]) {
      if (committed) git("commit", "-qm", "orphan");
      const result = await box.s5(["check", "--no-decrypt", "--base", "main", "."]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(note);
      expect(result.stderr).not.toContain("unshallow");
    }
  });

  it("says what to do when REF names no commit, or there is no git work tree", async () => {
    const { box } = await committed({ "secret.yml": SECRET });
    const unknown = await box.s5(["check", "--base", "origin/main", "."]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain("--base origin/main: git knows no commit by that name");
    expect(unknown.stderr).toContain("git fetch origin main");
    expect(unknown.stderr).toContain("S5_INPUT");
    // An option-like REF is a name, not an option of git's.
    const dashed = await box.s5(["check", "--base=--output=x", "."]);
    expect(dashed.code).toBe(3);
    expect(dashed.stderr).toContain("git knows no commit by that name");
    const outside = sandbox();
    await outside.s5(["init", "--name", "dev"]);
    write(outside, "a.yml", "a: {{ s5:seal x }}\n");
    await outside.s5(["seal", "-i", "a.yml"]);
    const noGit = await outside.s5(["check", "--base", "HEAD", "."], {
      env: { GIT_CEILING_DIRECTORIES: join(outside.dir, "..") },
    });
    expect(noGit.code).toBe(3);
    expect(noGit.stderr).toContain("inside a git work tree");
  });

  it("names a place whose new token is of another backend (who may read it changed)", async () => {
    const { box } = await committed({ "secret.yml": SECRET });
    // production's local-key token replaced by an AES one (the key only CI holds, say).
    const prod = tokenAt(box, "secret.yml", 4);
    write(box, "secret.yml", read(box, "secret.yml").replace(prod, "{{ s5:seal prod-pw-2 }}"));
    const env = { S5_AES_KEY: "0".repeat(64) };
    expect((await box.s5(["seal", "aes", "-i", "secret.yml"], { env })).code).toBe(0);
    const result = await box.s5(["check", "--no-decrypt", "--base", "HEAD", "."], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      "warning: secret.yml:4:13: this place held a local-key token (secret.yml:4:13 at HEAD) and holds an AES token now: who may read its value changed; if that is meant, mark the line s5:ignore (S5_CHECK_BACKEND)\n",
    );
    expect(moves(result.stderr)).toEqual([]);
    // A new value of the same backend at a place is an edit: nothing to say.
    write(
      box,
      "secret.yml",
      read(box, "secret.yml").replace(tokenAt(box, "secret.yml", 4), "{{ s5:seal prod-pw-3 }}"),
    );
    expect((await box.s5(["seal", "-i", "secret.yml"])).code).toBe(0);
    const same = await box.s5(["check", "--no-decrypt", "--base", "HEAD", "."]);
    expect(same.stderr).not.toContain("warning:");
  });

  it("names a project config change that redirects new values, at its member", async () => {
    const { box, git } = await committed({ "secret.yml": SECRET });
    const configs = (stderr: string) =>
      stderr
        .split("\n")
        .filter((line) => line.endsWith("(S5_CHECK_CONFIG)"))
        .map((line) =>
          line
            .replace(/^warning: /, "")
            .replace(/ \(changed since HEAD\) \(S5_CHECK_CONFIG\)$/, ""),
        );
    // Unchanged: nothing. The hook's form (--staged) and CI's (.) both read .s5.json.
    expect(
      configs((await box.s5(["check", "--no-decrypt", "--base", "HEAD", "."])).stderr),
    ).toEqual([]);
    // A teammate added (s5 keys add), then the key rotated (s5 keys rotate): both said.
    const bob = (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
    expect((await box.s5(["keys", "add", "bob", bob])).code).toBe(0);
    const added = configs((await box.s5(["check", "--no-decrypt", "--base", "HEAD", "."])).stderr);
    expect(added).toEqual([
      expect.stringMatching(
        /^\.s5\.json:\d+:\d+: recipient "bob" added to local key [\w-]{8}: they can read every value sealed to it$/,
      ),
    ]);
    expect((await box.s5(["keys", "rotate"])).code).toBe(0);
    git("add", ".s5.json");
    const rotated = configs(
      (await box.s5(["check", "--no-decrypt", "--staged", "--base", "HEAD"])).stderr,
    );
    expect(rotated).toEqual([
      expect.stringMatching(/: recipient "bob" added to local key/),
      expect.stringMatching(
        /: local key [\w-]{8} now seals new values \(was [\w-]{8}\): its recipients can read them$/,
      ),
    ]);
    // A hostile change: Vault, with a transit key of the author's.
    git("reset", "-q", "--hard");
    const file = join(box.dir, ".s5.json");
    const config = JSON.parse(read(box, ".s5.json"));
    writeFileSync(
      file,
      `${JSON.stringify({ ...config, backend: "vault", vault: { transitKey: "mallory" } }, null, 2)}\n`,
    );
    const lines = read(box, ".s5.json").split("\n");
    const lineOf = (text: string) => lines.findIndex((line) => line.includes(text)) + 1;
    expect(
      configs((await box.s5(["check", "--no-decrypt", "--base", "HEAD", "."])).stderr),
    ).toEqual([
      `.s5.json:${lineOf('"backend"')}:3: \`backend\` "local" → "vault": new values are sealed with another backend`,
      `.s5.json:${lineOf('"transitKey"')}:5: \`vault.transitKey\` not set (default) → "mallory": new Vault values are sealed with another transit key`,
    ]);
  });

  it("names a sub-project's config deleted or moved away: its files take the next one's settings", async () => {
    const { box, git, b, config } = await withSubProject();
    const rootKey = JSON.parse(read(box, ".s5.json")).local.keys.at(-1).id;
    const bKey = config.local.keys.at(-1).id;
    const gone = (stderr: string) =>
      stderr
        .split("\n")
        .filter((line) => line.endsWith("(S5_CHECK_CONFIG)"))
        .map((line) => line.replace(/^warning: /, "").replace(/ \(S5_CHECK_CONFIG\)$/, ""));
    // Deleted: apps/b's files now take the root's settings.
    git("rm", "-q", "apps/b/.s5.json");
    for (const args of [["."], ["--staged"]]) {
      const result = await box.s5(["check", "--no-decrypt", "--base", "HEAD", ...args]);
      expect(result.code, result.stderr).toBe(0);
      expect(gone(result.stderr)).toEqual([
        'apps/b/.s5.json:1:1: this project config is gone since HEAD (deleted): the files of its directory now take the settings of .s5.json, so `backend` "vault" → "local": new values are sealed with another backend',
        `apps/b/.s5.json:1:1: this project config is gone since HEAD (deleted): the files of its directory now take the settings of .s5.json, so local key ${rootKey} now seals new values (was ${bKey}): its recipients can read them`,
      ]);
    }
    // Moved one level down: the same for its old directory (the new place is a new config).
    git("reset", "-q", "--hard");
    mkdirSync(join(b, "old"));
    git("mv", "apps/b/.s5.json", "apps/b/old/.s5.json");
    const moved = gone((await box.s5(["check", "--no-decrypt", "--base", "HEAD", "."])).stderr);
    expect(moved).toContain(
      'apps/b/.s5.json:1:1: this project config is gone since HEAD (moved to apps/b/old/.s5.json): the files of its directory now take the settings of .s5.json, so `backend` "vault" → "local": new values are sealed with another backend',
    );
    // The same settings above: nothing to say.
    git("reset", "-q", "--hard");
    write(box, ".s5.json", read(box, "apps/b/.s5.json"));
    git("commit", "-qam", "same settings at the top");
    git("rm", "-q", "apps/b/.s5.json");
    expect(gone((await box.s5(["check", "--no-decrypt", "--base", "HEAD", "."])).stderr)).toEqual(
      [],
    );
  });

  it("with --staged, reads the config that takes a removed one's place from the index, not the disk", async () => {
    const { box, git, config } = await withSubProject();
    const rootText = read(box, ".s5.json");
    const bText = `${JSON.stringify({ ...config, backend: "vault" }, null, 2)}\n`;
    const said = async (...args: string[]) => {
      const result = await box.s5(["check", "--no-decrypt", "--base", "HEAD", ...args]);
      // 10 where secret.yml's tokens are of a key the config on disk no longer lists.
      expect([0, 10], result.stderr).toContain(result.code);
      return result.stderr
        .split("\n")
        .filter((line) => line.startsWith("warning: apps/b/.s5.json:1:1: this project config"));
    };
    git("rm", "-q", "apps/b/.s5.json");
    // The root's config on disk made apps/b's, not staged: the commit holds the root's settings.
    // Before: --staged read the disk and said nothing.
    write(box, ".s5.json", bText);
    expect(await said(".")).toEqual([]);
    const staged = await said("--staged");
    expect(staged).toHaveLength(2);
    expect(staged[0]).toContain(
      'now take the settings of .s5.json, so `backend` "vault" → "local"',
    );
    // From a subdirectory, the index's paths are found the same.
    const below = await box.s5(["check", "--no-decrypt", "--base", "HEAD", "--staged"], {
      cwd: join(box.dir, "apps"),
    });
    expect(below.stderr).toContain(
      "warning: b/.s5.json:1:1: this project config is gone since HEAD (deleted): the files of its directory now take the settings of ../.s5.json, so `backend`",
    );
    // The other way: apps/b's settings staged at the root, the disk's root config as it was.
    git("add", ".s5.json");
    write(box, ".s5.json", rootText);
    expect(await said("--staged")).toEqual([]);
    expect(await said(".")).toHaveLength(2);
    // The root's config deleted on disk only: the commit keeps it (before: "no project config").
    git("reset", "-q", "--hard");
    git("rm", "-q", "apps/b/.s5.json");
    rmSync(join(box.dir, ".s5.json"));
    const kept = await said("--staged");
    expect(kept).toHaveLength(2);
    for (const line of kept) expect(line).toContain("now take the settings of .s5.json, so");
  });

  it("says nothing of a sub-project deleted or moved whole, and names a config replaced by a link", async () => {
    const { box, git, b } = await withSubProject();
    const said = async (...args: string[]) => {
      const result = await box.s5(["check", "--no-decrypt", "--base", "HEAD", ...args]);
      expect(result.code, result.stderr).toBe(0);
      return result.stderr.split("\n").filter((line) => line.endsWith("(S5_CHECK_CONFIG)"));
    };
    // Its directory gone with it: no file takes another project's settings.
    git("rm", "-qr", "apps/b");
    expect(await said(".")).toEqual([]);
    expect(await said("--staged")).toEqual([]);
    git("reset", "-q", "--hard");
    git("mv", "apps/b", "apps/c");
    expect(await said(".")).toEqual([]);
    expect(await said("--staged")).toEqual([]);
    // A link to the root's config: s5 reads the root's settings there now.
    git("reset", "-q", "--hard");
    rmSync(join(b, ".s5.json"));
    symlinkSync(join("..", "..", ".s5.json"), join(b, ".s5.json"));
    git("add", "-A");
    for (const args of [["."], ["--staged"]]) {
      expect(await said(...args)).toContain(
        'warning: apps/b/.s5.json:1:1: this project config is a symbolic link since HEAD (to ../../.s5.json): the files of its directory now take the settings of .s5.json, so `backend` "vault" → "local": new values are sealed with another backend (S5_CHECK_CONFIG)',
      );
    }
  });

  it("reads a config that was a symbolic link at REF where it led: replaced by a file, or deleted", async () => {
    const { box, git, b, config } = await withSubProject();
    mkdirSync(join(b, "cfg"));
    renameSync(join(b, ".s5.json"), join(b, "cfg", "s5.json"));
    symlinkSync(join("cfg", "s5.json"), join(b, ".s5.json"));
    git("add", "-A");
    git("commit", "-qm", "apps/b's config in cfg/");
    const said = async (...args: string[]) => {
      const result = await box.s5(["check", "--no-decrypt", "--base", "HEAD", ...args]);
      expect(result.code, result.stderr).toBe(0);
      return result.stderr.split("\n").filter((line) => line.endsWith("(S5_CHECK_CONFIG)"));
    };
    // Git stores the link's text, no JSON: before, neither change was said.
    rmSync(join(b, ".s5.json"));
    write(box, "apps/b/.s5.json", `${JSON.stringify({ ...config, backend: "local" }, null, 2)}\n`);
    git("add", "-A");
    for (const args of [["."], ["--staged"]]) {
      expect(await said(...args)).toEqual([
        'warning: apps/b/.s5.json:20:3: `backend` "vault" → "local": new values are sealed with another backend (changed since HEAD) (S5_CHECK_CONFIG)',
      ]);
    }
    git("reset", "-q", "--hard");
    git("rm", "-q", "apps/b/.s5.json");
    for (const args of [["."], ["--staged"]]) {
      expect(await said(...args)).toContain(
        'warning: apps/b/.s5.json:1:1: this project config is gone since HEAD (deleted): the files of its directory now take the settings of .s5.json, so `backend` "vault" → "local": new values are sealed with another backend (S5_CHECK_CONFIG)',
      );
    }
  });

  it("follows a directory link on the way of a config that was a symbolic link at REF", async () => {
    const { box, git, b } = await withSubProject();
    const settings = read(box, "apps/b/.s5.json");
    mkdirSync(join(b, "conf"));
    renameSync(join(b, ".s5.json"), join(b, "conf", "s5.json"));
    symlinkSync("conf", join(b, "cfg"));
    symlinkSync(join("cfg", "s5.json"), join(b, ".s5.json"));
    git("add", "-A");
    git("commit", "-qm", "apps/b's config in conf/, named through cfg");
    // The link made a file with the same settings: nothing changed where new values go.
    rmSync(join(b, ".s5.json"));
    write(box, "apps/b/.s5.json", settings);
    git("add", "-A");
    for (const args of [["."], ["--staged"]]) {
      const result = await box.s5(["check", "--no-decrypt", "--base", "HEAD", ...args]);
      expect(result.code, result.stderr).toBe(0);
      // Before: `cfg/s5.json` was looked up as a path of REF's tree, found nothing, and every
      // setting was said to be new.
      expect(result.stderr).not.toContain("S5_CHECK_CONFIG");
    }
  });

  it("follows a config link at REF through a link to a link; one out of the repository, or absolute, is no settings", async () => {
    const { box, git, b, config } = await withSubProject();
    mkdirSync(join(b, "cfg"));
    renameSync(join(b, ".s5.json"), join(b, "cfg", "real.json"));
    symlinkSync("real.json", join(b, "cfg", "s5.json"));
    symlinkSync(join("cfg", "s5.json"), join(b, ".s5.json"));
    git("add", "-A");
    git("commit", "-qm", "apps/b's config through two links");
    const said = async () => {
      const result = await box.s5(["check", "--no-decrypt", "--base", "HEAD", "."]);
      expect(result.code, result.stderr).toBe(0);
      return result.stderr.split("\n").filter((line) => line.endsWith("(S5_CHECK_CONFIG)"));
    };
    const local = `${JSON.stringify({ ...config, backend: "local" }, null, 2)}\n`;
    /** Commits `.s5.json` as `make` leaves it, then replaces it by `local`: what check says. */
    const replaced = async (make: () => void) => {
      rmSync(join(b, ".s5.json"));
      make();
      git("add", "-A");
      git("commit", "-qm", "apps/b's config changed");
      rmSync(join(b, ".s5.json"));
      write(box, "apps/b/.s5.json", local);
      const lines = await said();
      git("reset", "-q", "--hard", "HEAD~1");
      return lines;
    };
    rmSync(join(b, ".s5.json"));
    write(box, "apps/b/.s5.json", local);
    expect(await said()).toEqual([
      'warning: apps/b/.s5.json:20:3: `backend` "vault" → "local": new values are sealed with another backend (changed since HEAD) (S5_CHECK_CONFIG)',
    ]);
    git("reset", "-q", "--hard");
    // Links whose settings s5 cannot know at REF are read as a config without settings: every
    // setting now is named.
    const fromNone = await replaced(() => write(box, "apps/b/.s5.json", "{}\n"));
    expect(fromNone.length).toBeGreaterThan(1);
    for (const target of ["../../../outside/s5.json", "/cfg/real.json"]) {
      expect(await replaced(() => symlinkSync(target, join(b, ".s5.json"))), target).toEqual(
        fromNone,
      );
    }
  });
});
