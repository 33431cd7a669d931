// Everyday workflow: seal, edit, ls, check, git textconv, completion.
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { S5_BIN, sandbox } from "./run.ts";

const EDITOR = `"${process.execPath}" "${fileURLToPath(new URL("../fixtures/editor.mjs", import.meta.url))}"`;

/** The id of the key a project's new local-key tokens go to (named in edit's summary). */
const localKeyId = (dir: string): string =>
  JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8")).local.keys.at(-1).id;

/** Runs git with `env` (a sandbox's HOME, no system configuration) and returns its stdout. */
function gitRunner(env: Record<string, string>) {
  return (cwd: string, ...args: string[]) => {
    const result = spawnSync(
      "git",
      ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args],
      {
        cwd,
        env,
        encoding: "utf8",
      },
    );
    expect(result.status, result.stderr).toBe(0);
    return result.stdout;
  };
}

/** `text` in UTF-32, little- or big-endian (Node has no encoder for it). */
function utf32(text: string, order: "le" | "be"): Buffer {
  const points = [...text].map((char) => char.codePointAt(0)!);
  const out = Buffer.alloc(points.length * 4);
  for (const [i, point] of points.entries()) {
    if (order === "le") out.writeUInt32LE(point, i * 4);
    else out.writeUInt32BE(point, i * 4);
  }
  return out;
}

async function project() {
  const box = sandbox();
  await box.s5(["init", "--name", "dev"]);
  return box;
}

describe("s5 seal", () => {
  it("encrypts marked values (bare, JSON, with filters) and leaves the rest", async () => {
    const box = await project();
    const input =
      'a: {{ s5:seal hunter2 }}\nb: {{ s5:seal "two\\nlines" | yaml }}\nc: {{s5:seal  x y  |base64}}\nd: plain\n';
    writeFileSync(join(box.dir, "v.yml"), input);
    const unsealed = await box.s5(["render", "v.yml"]);
    expect(unsealed.code).toBe(5);
    expect(unsealed.stderr).toContain(
      "v.yml:1:4: a value marked for encryption is still plaintext",
    );
    expect((await box.s5(["seal", "-i", "v.yml"])).code).toBe(0);
    const sealed = readFileSync(join(box.dir, "v.yml"), "utf8");
    expect(sealed).not.toMatch(/hunter2|two|x y/);
    expect(sealed).toMatch(
      /^a: \{\{ s5:local:\S+ \}\}\nb: \{\{ s5:local:\S+ \| yaml \}\}\nc: \{\{ s5:local:\S+ \| base64 \}\}\nd: plain\n$/,
    );
    const out = await box.s5(["render", "v.yml"]);
    expect(out.stdout.toString()).toBe('a: hunter2\nb: "two\\nlines"\nc: eCB5\nd: plain\n');
  });

  it("reports malformed markers with their location and writes nothing", async () => {
    const box = await project();
    writeFileSync(join(box.dir, "v.yml"), 'ok: {{ s5:seal fine }}\nbad: {{ s5:seal "open\n');
    const result = await box.s5(["seal", "-i", "v.yml"]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("v.yml:2:6: malformed seal marker");
    expect(readFileSync(join(box.dir, "v.yml"), "utf8")).toContain("fine");
  });
});

describe("s5 edit", () => {
  it("keeps unchanged tokens byte for byte and gives changed and new values new tokens", async () => {
    const box = await project();
    const tokens: string[] = [];
    for (const value of ["alpha", "beta", "multi\nline"])
      tokens.push((await box.s5(["cipher", "--no-trim"], { input: value })).stdout.toString());
    const file = join(box.dir, "s.yml");
    writeFileSync(file, `a: ${tokens[0]}\nb: ${tokens[1]}\nc: ${tokens[2]}\r\n`);
    const log = join(box.dir, "..", "editor.json");
    const result = await box.s5(["edit", "s.yml"], {
      env: {
        EDITOR,
        TEST_EDIT: JSON.stringify([
          ["{{ s5:seal beta }}", "{{ s5:seal BETA }}\nd: {{ s5:seal delta }}"],
        ]),
        TEST_EDIT_LOG: log,
      },
    });
    expect(result.stderr).toContain(
      `s.yml: 2 new token(s): 2 to local key ${localKeyId(box.dir)} (1 recipient); 2 kept\n`,
    );
    const seen = JSON.parse(readFileSync(log, "utf8"));
    expect(seen.content).toBe(
      'a: {{ s5:seal alpha }}\nb: {{ s5:seal beta }}\nc: {{ s5:seal "multi\\nline" }}\r\n',
    );
    expect(seen.fileMode).toBe(0o600);
    expect(seen.dirMode).toBe(0o700);
    expect(existsSync(seen.file)).toBe(false);
    // The private directory goes too, not only the copy in it.
    expect(existsSync(dirname(seen.file))).toBe(false);

    const after = readFileSync(file, "utf8").split("\n");
    expect(after[0]).toBe(`a: ${tokens[0]}`);
    expect(after[1]).not.toBe(`b: ${tokens[1]}`);
    expect(after[3]).toBe(`c: ${tokens[2]}\r`);
    // Through stdin (no name, not judged): `c`'s line break would leave its YAML plain scalar,
    // which a render of s.yml refuses (test/cli/value-context.test.ts).
    expect((await box.s5(["render"], { input: readFileSync(file) })).stdout.toString()).toBe(
      "a: alpha\nb: BETA\nd: delta\nc: multi\nline\r\n",
    );
    expect((await box.s5(["render", "s.yml"])).stderr).toContain(
      "s.yml:4:4: this token's plaintext",
    );
  });

  it("keeps an empty value's token; a new empty value is refused until --allow-empty", async () => {
    const box = await project();
    const empty = (await box.s5(["cipher", "--allow-empty", ""])).stdout.toString();
    const file = join(box.dir, "e.yml");
    writeFileSync(file, `a: ${empty}\nb: {{ s5:seal x }}\n`);
    expect((await box.s5(["seal", "-i", "e.yml"])).code).toBe(0);
    const sealed = readFileSync(file, "utf8");
    // Another value changes: the empty one keeps its token.
    const edit = await box.s5(["edit", "e.yml"], {
      env: { EDITOR, TEST_EDIT: JSON.stringify([["seal x", "seal y"]]) },
    });
    expect(edit.stderr).toContain(
      `e.yml: 1 new token(s): 1 to local key ${localKeyId(box.dir)} (1 recipient); 1 kept\n`,
    );
    expect(readFileSync(file, "utf8").split("\n")[0]).toBe(`a: ${empty}`);
    // A new empty value: the editor is offered again (here answered "no"); nothing is written.
    const before = readFileSync(file, "utf8");
    const refused = await box.s5(["edit", "e.yml"], {
      env: { EDITOR, TEST_EDIT: JSON.stringify([["seal y", 'seal ""']]) },
      input: "n\n",
    });
    expect(refused.stderr).toContain("e.yml:2:4: the value to seal is empty or only white space");
    expect(refused.stderr).toContain("edit again to fix it?");
    expect(readFileSync(file, "utf8")).toBe(before);
    // Nobody to answer (stdin ends): the error says why the edits are not kept.
    const unanswered = await box.s5(["edit", "e.yml"], {
      env: { EDITOR, TEST_EDIT: JSON.stringify([["seal y", 'seal ""']]) },
      input: "",
    });
    expect(unanswered.code).not.toBe(0);
    expect(unanswered.stderr).toContain("stdin ended without an answer; the edits hold plaintext");
    expect(readFileSync(file, "utf8")).toBe(before);
    const allowed = await box.s5(["edit", "--allow-empty", "e.yml"], {
      env: { EDITOR, TEST_EDIT: JSON.stringify([["seal y", 'seal ""']]) },
    });
    expect(allowed.code).toBe(0);
    expect((await box.s5(["render", "e.yml"])).stdout.toString()).toBe("a: \nb: \n");
    expect(sealed).not.toBe(before);
  });

  it("saves a file where a token is followed by `}}` or a word on its line", async () => {
    const box = await project();
    const [a, b] = [
      (await box.s5(["cipher", "v1"])).stdout.toString(),
      (await box.s5(["cipher", "v2"])).stdout.toString(),
    ];
    const file = join(box.dir, "t.yml");
    writeFileSync(file, `args: [${a}, "}}"]\nb: ${b}suffix\n`);
    const log = join(box.dir, "..", "editor-t.json");
    const edit = await box.s5(["edit", "t.yml"], {
      env: {
        EDITOR,
        TEST_EDIT: JSON.stringify([["suffix\n", "suffix\nc: {{ s5:seal y }}\n"]]),
        TEST_EDIT_LOG: log,
      },
    });
    expect(edit.stderr).toContain(
      `t.yml: 1 new token(s): 1 to local key ${localKeyId(box.dir)} (1 recipient); 2 kept\n`,
    );
    // Those two were shown quoted, so that they read back whole.
    expect(JSON.parse(readFileSync(log, "utf8")).content).toBe(
      'args: [{{ s5:seal "v1" }}, "}}"]\nb: {{ s5:seal "v2" }}suffix\n',
    );
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines[0]).toBe(`args: [${a}, "}}"]`);
    expect(lines[1]).toBe(`b: ${b}suffix`);
  });

  it("leaves the file untouched when the editor fails, and cleans up", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    writeFileSync(join(box.dir, "s.yml"), `a: ${token}\n`);
    const log = join(box.dir, "..", "editor.json");
    const result = await box.s5(["edit", "s.yml"], {
      env: {
        EDITOR,
        TEST_EDIT: JSON.stringify([["v", "changed"]]),
        TEST_EDIT_EXIT: "3",
        TEST_EDIT_LOG: log,
      },
    });
    expect(result.code).toBe(11);
    expect(readFileSync(join(box.dir, "s.yml"), "utf8")).toBe(`a: ${token}\n`);
    expect(existsSync(JSON.parse(readFileSync(log, "utf8")).file)).toBe(false);
  });

  it("removes the decrypted copy after Ctrl-C", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    writeFileSync(join(box.dir, "s.yml"), `a: ${token}\n`);
    const log = join(box.dir, "..", "editor.json");
    // Ctrl-C in a terminal signals the whole foreground process group: s5 and its editor.
    const child = spawn(process.execPath, [S5_BIN, "edit", "s.yml"], {
      cwd: box.dir,
      env: { ...box.env, EDITOR, TEST_EDIT_LOG: log, TEST_EDIT_SLEEP: "20000" },
      detached: true,
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    for (let i = 0; i < 200 && !existsSync(log); i++) await new Promise((r) => setTimeout(r, 50));
    process.kill(-child.pid!, "SIGINT");
    expect(await exited).not.toBe(0);
    expect(existsSync(JSON.parse(readFileSync(log, "utf8")).file)).toBe(false);
    expect(readFileSync(join(box.dir, "s.yml"), "utf8")).toBe(`a: ${token}\n`);
  });
});

describe("s5 ls and s5 check", () => {
  it("lists tokens with location, backend, key and version, honouring .gitignore", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    const keyId = token.split(":")[2];
    writeFileSync(join(box.dir, "a.yml"), `x: 1\ny: ${token}\n`);
    writeFileSync(join(box.dir, "ignored.yml"), `y: ${token}\n`);
    writeFileSync(join(box.dir, ".gitignore"), "ignored.yml\n");
    writeFileSync(
      join(box.dir, "old.yml"),
      "z: {{s5:NKOAQ4chbVbkx8zxdxcG1hCmEbjszJ5Bx40gPtrtLQ==}}\n",
    );
    const out = await box.s5(["ls"]);
    expect(out.stdout.toString()).toBe(
      `a.yml:2:4 local ${keyId} -\nold.yml:1:4 vault default v1 (go-tool)\n`,
    );
    const json = JSON.parse((await box.s5(["ls", "--json", "a.yml"])).stdout.toString());
    expect(json).toEqual([
      {
        file: "a.yml",
        line: 2,
        column: 4,
        backend: "local",
        key: keyId,
        version: null,
        legacy: false,
        goTool: false,
        filters: [],
      },
    ]);
  });

  it("ls exits 5 when some tokens could not be listed, the list and --json still whole", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    const keyId = token.split(":")[2];
    // A token of a newer s5, a filter this s5 lacks, a truncated token, a marker still in clear.
    writeFileSync(
      join(box.dir, "a.yml"),
      `a: ${token}\nb: {{ s5:kms:abc }}\nc: {{ s5:local:${keyId}:AAAA | toml }}\nd: {{ s5:aes:AAAA }}\ne: {{ s5:seal x }}\n`,
    );
    writeFileSync(join(box.dir, "b.yml"), `b: ${token}\n`);
    const text = await box.s5(["ls"]);
    expect(text.code).toBe(5);
    expect(text.stdout.toString()).toBe(`a.yml:1:4 local ${keyId} -\nb.yml:1:4 local ${keyId} -\n`);
    expect(text.stderr).toContain("a.yml:2:4: unknown token backend `kms` (S5_TOKEN_SCHEME)");
    expect(text.stderr).toContain("a.yml:5:4: a value marked for encryption is still plaintext");
    expect(text.stderr).toContain("4 token(s) or marker(s) could not be listed");
    expect(text.stderr).toContain("a token a newer s5 wrote needs it: upgrade s5 (this is");
    expect(text.stderr).not.toContain("x }}");
    const json = await box.s5(["ls", "--json"]);
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout.toString()).map((row: { file: string }) => row.file)).toEqual([
      "a.yml",
      "b.yml",
    ]);
    // Every token read: 0, as before.
    expect((await box.s5(["ls", "b.yml"])).code).toBe(0);
  });

  it("ls --json and check --json escape a file name's C1 and bidirectional controls", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString().trim();
    const name = "c\u009b2J\u202eb.yml";
    writeFileSync(join(box.dir, name), `a: ${token}\nb: {{ s5:kms:abc }}\n`);
    // JSON allows both raw; before, a terminal showing the output acted on them (CSI, RLO).
    for (const args of [
      ["ls", "--json", name],
      ["check", "--json", name],
    ]) {
      const out = (await box.s5(args)).stdout.toString();
      expect(out, args.join(" ")).not.toMatch(/[\u007f-\u009f\u202e]/);
      expect(out, args.join(" ")).toContain('"file": "c\\u009b2J\\u202eb.yml"');
      expect(JSON.parse(out)[0].file).toBe(name);
    }
  });

  it("walks a tree as git does: nested .gitignore files, skipped directories and binary files", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    const keyId = token.split(":")[2];
    const files: Record<string, string | Buffer> = {
      ".gitignore": "build/\n*.log\n/top-only.yml\n",
      "a.yml": `a: ${token}\n`,
      "a.log": `a: ${token}\n`,
      "top-only.yml": `a: ${token}\n`,
      "build/x.yml": `a: ${token}\n`,
      "bin.dat": Buffer.concat([Buffer.from(`a: ${token}\n`), Buffer.alloc(4)]),
      "node_modules/m.yml": `a: ${token}\n`,
      "sub/.gitignore": "secret-*.yml\n!secret-keep.yml\n",
      "sub/Z.yml": `a: ${token}\n`,
      "sub/build/y.yml": `a: ${token}\n`,
      "sub/deeper/secret-b.yml": `a: ${token}\n`,
      "sub/deeper/c.yml": `x: 1\nc: ${token}\n`,
      "sub/secret-a.yml": `a: ${token}\n`,
      "sub/secret-keep.yml": `a: ${token}\n`,
      "sub/top-only.yml": `a: ${token}\n`,
      "sub/utf16.yml": Buffer.from(`\ufeffu: ${token}\n`, "utf16le"),
      // PowerShell's `-Encoding utf32`: little-endian with its mark; big-endian; no mark.
      "sub/utf32.yml": utf32(`\ufeffu: ${token}\n`, "le"),
      "sub/utf32be.yml": utf32(`\ufeffu: ${token}\n`, "be"),
      "sub/utf32x.yml": utf32(`u: {{ s5:seal plain }}\n`, "le"),
      "sub/no-braces.txt": "nothing here\n",
    };
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(box.dir, name, ".."), { recursive: true });
      writeFileSync(join(box.dir, name), content);
    }
    const row = (file: string, line = 1) => `${file}:${line}:4 local ${keyId} -\n`;
    const all = await box.s5(["ls"]);
    expect(all.stdout.toString()).toBe(
      row("a.yml") +
        row("sub/deeper/c.yml", 2) +
        row("sub/secret-keep.yml") +
        row("sub/top-only.yml") +
        row("sub/Z.yml"),
    );
    expect(all.stderr).toContain("sub/utf16.yml:1:4: this file is UTF-16");
    for (const name of ["utf32", "utf32be", "utf32x"]) {
      expect(all.stderr).toContain(`sub/${name}.yml:1:4: this file is UTF-32`);
    }
    for (const form of [".", "./", "sub/.."]) {
      expect((await box.s5(["ls", form])).stdout.toString()).toBe(all.stdout.toString());
    }
    // Below the root, a directory named in any form lists the same files under that name (the
    // root's .gitignore is not read: only those of the directories walked).
    const below = `${row("sub/build/y.yml")}${row("sub/deeper/c.yml", 2)}${row("sub/secret-keep.yml")}${row("sub/top-only.yml")}${row("sub/Z.yml")}`;
    for (const form of ["sub", "./sub/", "sub/../sub"]) {
      expect((await box.s5(["ls", form])).stdout.toString()).toBe(below);
    }
    expect((await box.s5(["ls", join(box.dir, "sub")])).stdout.toString()).toBe(
      below.replaceAll(/^sub\//gm, `${join(box.dir, "sub")}/`),
    );
    const checked = await box.s5(["check", "--no-decrypt"]);
    expect(checked.stdout.toString()).toBe(
      "sub/utf16.yml:1:4: this file is UTF-16 (as PowerShell's `>` writes); s5 reads UTF-8 (S5_INPUT_UTF16)\n" +
        ["utf32", "utf32be", "utf32x"]
          .map(
            (name) =>
              `sub/${name}.yml:1:4: this file is UTF-32 (as PowerShell's \`-Encoding utf32\` writes); s5 reads UTF-8 (S5_INPUT_UTF32)\n`,
          )
          .join(""),
    );
    expect(checked.code).toBe(10);
    // Named, as render and seal see it: refused, not passed through with its tokens.
    const rendered = await box.s5(["render", "sub/utf32be.yml"]);
    expect(rendered.code).toBe(3);
    expect(rendered.stderr).toContain("(S5_INPUT_UTF32)");
    expect(rendered.stdout.length).toBe(0);
    const sealed = await box.s5(["seal", "-i", "sub/utf32x.yml"]);
    expect(sealed.code).toBe(3);
    expect(readFileSync(join(box.dir, "sub/utf32x.yml"))).toEqual(files["sub/utf32x.yml"]);
  });

  it("reads a file named on the command line even when it holds a NUL byte", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    mkdirSync(join(box.dir, "d"));
    writeFileSync(join(box.dir, "d/nul.yml"), `a: ${token}\0\napi_key: Zq8xLmQ4vR7tW2\n`);
    // Walked: binary (its first 8 KiB hold a NUL), skipped as git would.
    expect((await box.s5(["ls", "d"])).stdout.toString()).toBe("");
    // Named: read, its token listed and the plaintext beside it found.
    expect((await box.s5(["ls", "d/nul.yml"])).stdout.toString()).toMatch(/^d\/nul\.yml:1:4 /);
    const check = await box.s5(["check", "d/nul.yml"]);
    expect(check.code).toBe(10);
    expect(check.stdout.toString()).toContain("`api_key` holds a plaintext value");
  });

  it("reads only the start of a binary file, names a text file too large to read, reads a pipe", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    const keyId = token.split(":")[2];
    writeFileSync(join(box.dir, "a.yml"), `a: ${token}\n`);
    // Sparse files of 2.5 GiB (no disk used): more than one Buffer can hold, so a walk that
    // read a file whole before looking at it failed on the binary one.
    const sparse = (name: string, head: string | Buffer) => {
      const fd = openSync(join(box.dir, name), "w");
      writeSync(fd, Buffer.from(head));
      ftruncateSync(fd, 2.5 * 2 ** 30);
      closeSync(fd);
    };
    sparse("model.bin", Buffer.concat([Buffer.from(`a: ${token}\n`), Buffer.alloc(16)]));
    const row = (file: string) => `${file}:1:4 local ${keyId} -\n`;
    const listed = await box.s5(["ls"]);
    expect(listed.stderr).toBe("");
    expect(listed.stdout.toString()).toBe(row("a.yml"));
    // No NUL in its first 8 KiB: text, and too large to read whole.
    sparse("dump.yml", `a: ${token}\n${"x: 1\n".repeat(2000)}`);
    const failed = await box.s5(["check", "--no-decrypt"]);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain(
      "cannot read dump.yml: a text file larger than 2 GiB (S5_INPUT)",
    );
    expect(failed.stderr).toContain("hint: s5 reads a text file whole; leave this one out");
    // A pipe named on the command line, as bash's `<(…)` gives, cannot be read from a position.
    const piped = spawnSync(
      "bash",
      ["-c", '"$0" "$1" ls <(printf "b: %s\\n" "$2") a.yml', process.execPath, S5_BIN, token],
      { cwd: box.dir, env: box.env, encoding: "utf8" },
    );
    expect(piped.stderr).toBe("");
    expect(piped.stdout).toMatch(
      new RegExp(`^/dev/fd/\\d+:1:4 local ${keyId} -\n${row("a.yml")}$`),
    );
  });

  it("inside a git work tree, reads the .gitignore files above a directory and .git/info/exclude", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    const keyId = token.split(":")[2];
    expect(spawnSync("git", ["init", "-q"], { cwd: box.dir }).status).toBe(0);
    const files: Record<string, string> = {
      ".gitignore": "build/\n*.log\n",
      ".git/info/exclude": "local-*.yml\n",
      "app/a.yml": `a: ${token}\n`,
      "app/a.log": `a: ${token}\n`,
      "app/local-x.yml": `a: ${token}\n`,
      "app/build/b.yml": `a: ${token}\n`,
      "app/deep/.gitignore": "/only-here.yml\n",
      "app/deep/only-here.yml": `a: ${token}\n`,
      "app/deep/c.yml": `a: ${token}\n`,
      "build/d.yml": `a: ${token}\n`,
    };
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(box.dir, name, ".."), { recursive: true });
      writeFileSync(join(box.dir, name), content);
    }
    const row = (file: string) => `${file}:1:4 local ${keyId} -\n`;
    const expected = row("app/a.yml") + row("app/deep/c.yml");
    expect((await box.s5(["ls"])).stdout.toString()).toBe(expected);
    expect((await box.s5(["ls", "app"])).stdout.toString()).toBe(expected);
    const inApp = await box.s5(["ls"], { cwd: join(box.dir, "app") });
    expect(inApp.stdout.toString()).toBe(row("a.yml") + row("deep/c.yml"));
    // A directory the rules ignore, named on the command line, is walked (its own rules only).
    expect((await box.s5(["ls", "build"])).stdout.toString()).toBe(row("build/d.yml"));
  });

  it("lists what git lists: a linked worktree, core.excludesFile, a negation below a .gitignore", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    const keyId = token.split(":")[2];
    // The sandbox's HOME and XDG_CONFIG_HOME for both; no /etc/gitconfig (s5 honours that too).
    const env: Record<string, string> = { ...box.env, GIT_CONFIG_NOSYSTEM: "1" };
    const git = gitRunner(env);
    git(box.dir, "init", "-q");
    writeFileSync(join(box.dir, ".gitignore"), "*.yml\n");
    mkdirSync(join(box.dir, "sub"));
    writeFileSync(join(box.dir, "sub/.gitignore"), "!keep.yml\n");
    git(box.dir, "add", ".");
    git(box.dir, "commit", "-qm", "rules");
    // Shared by every worktree of the repository (its `commondir`).
    writeFileSync(join(box.dir, ".git/info/exclude"), "local-*\n");
    const tree = join(box.dir, "..", "worktree");
    git(box.dir, "worktree", "add", "-q", tree);
    expect(readFileSync(join(tree, ".git"), "utf8")).toMatch(/^gitdir: /);
    const home = env["HOME"]!;
    mkdirSync(join(home, ".config/git"), { recursive: true });
    writeFileSync(join(home, ".config/git/ignore"), "xdg-*\n");
    writeFileSync(join(home, "my ignore"), "mine-*\n");
    for (const name of [
      "sub/keep.yml",
      "sub/drop.yml",
      "app/a.txt",
      "app/local-a.txt",
      "app/xdg-a.txt",
      "app/mine-a.txt",
    ]) {
      mkdirSync(join(tree, name, ".."), { recursive: true });
      writeFileSync(join(tree, name), `a: ${token}\n`);
    }
    const listed = async () =>
      (await box.s5(["ls"], { cwd: tree, env })).stdout
        .toString()
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          expect(line).toMatch(new RegExp(`:1:4 local ${keyId} -$`));
          return line.split(":")[0];
        });
    const gitLists = () =>
      git(tree, "ls-files", "--cached", "--others", "--exclude-standard")
        .split("\n")
        .filter((name) => /^(app|sub)\//.test(name) && !name.endsWith(".gitignore"))
        .sort();
    // Without core.excludesFile, git reads $XDG_CONFIG_HOME/git/ignore.
    expect(await listed()).toEqual(["app/a.txt", "app/mine-a.txt", "sub/keep.yml"]);
    expect(gitLists()).toEqual(["app/a.txt", "app/mine-a.txt", "sub/keep.yml"]);
    // Set (quoted, with a comment), it replaces that default.
    writeFileSync(
      join(home, ".gitconfig"),
      '[user]\n\tname = t\n[core]\n\texcludesFile = "~/my ignore" ; ours\n',
    );
    expect(await listed()).toEqual(["app/a.txt", "app/xdg-a.txt", "sub/keep.yml"]);
    expect(gitLists()).toEqual(["app/a.txt", "app/xdg-a.txt", "sub/keep.yml"]);
  });

  it("reads core.excludesFile as git does: include, includeIf, git -c, GIT_CONFIG_COUNT", async () => {
    const box = await project();
    const env: Record<string, string> = { ...box.env, GIT_CONFIG_NOSYSTEM: "1" };
    const git = gitRunner(env);
    const repo = join(box.dir, "Work", "repo");
    mkdirSync(repo, { recursive: true });
    git(repo, "init", "-q", "-b", "main");
    const home = env["HOME"]!;
    const names = ["plain", "one", "two", "three", "four", "five", "six", "seven"];
    for (const name of names)
      writeFileSync(join(repo, `${name}.yml`), "k: {{ s5:local:v1:abc }}\n");
    mkdirSync(join(home, "conf"));
    for (const name of names.slice(1)) {
      writeFileSync(join(home, `ignore-${name}`), `${name}.yml\n`);
      writeFileSync(join(home, "conf", name), `[core]\n\texcludesFile = ~/ignore-${name}\n`);
    }
    const lines = (text: string) => text.split("\n").filter((name) => name.endsWith(".yml"));
    const listedBy = (text: string) =>
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(":")[0]);
    /** `name` is the one file that both git and s5 leave out (run with `extra` in the environment). */
    const expectIgnored = async (name: string, extra: Record<string, string> = {}) => {
      const gitLists = spawnSync("git", ["ls-files", "--others", "--exclude-standard"], {
        cwd: repo,
        env: { ...env, ...extra },
        encoding: "utf8",
      });
      const want = names.filter((n) => n !== name).map((n) => `${n}.yml`);
      expect(lines(gitLists.stdout).sort()).toEqual([...want].sort());
      const s5 = await box.s5(["ls", "."], { cwd: repo, env: { ...env, ...extra } });
      expect(listedBy(s5.stdout.toString())).toEqual(want.sort());
    };
    const config = (text: string) => writeFileSync(join(home, ".gitconfig"), text);
    // An include, relative to the including file, nested: conf/a includes conf/one.
    writeFileSync(join(home, "conf/a"), "[include]\n\tpath = one\n");
    config("[include]\n\tpath = conf/a\n");
    await expectIgnored("one");
    // includeIf gitdir: a directory pattern (a trailing /), case-insensitive with gitdir/i;
    // conditions that do not hold change nothing, wherever they come.
    const gitDir = join(repo, ".git");
    config(
      [
        "[include]\n\tpath = conf/a",
        `[includeIf "gitdir:${join(box.dir, "Work")}/"]\n\tpath = conf/two`,
        '[includeIf "gitdir:/nowhere/"]\n\tpath = conf/three',
        `[includeIf "gitdir:${gitDir.toLowerCase()}"]\n\tpath = conf/three`,
        "",
      ].join("\n"),
    );
    await expectIgnored("two");
    config(`[includeIf "gitdir/i:${gitDir.toUpperCase()}"]\n\tpath = conf/three\n`);
    await expectIgnored("three");
    // includeIf onbranch: the branch HEAD names (a pattern with a trailing / takes its subtree).
    config(
      '[includeIf "onbranch:main"]\n\tpath = conf/four\n[includeIf "onbranch:feature/"]\n\tpath = conf/five\n',
    );
    await expectIgnored("four");
    git(repo, "checkout", "-q", "-b", "feature/x");
    await expectIgnored("five");
    // GIT_CONFIG_COUNT comes after every file.
    await expectIgnored("six", {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "core.excludesFile",
      GIT_CONFIG_VALUE_0: join(home, "ignore-six"),
    });
    // `git -c`, seen by a program git runs: s5 as a git alias.
    const alias = spawnSync(
      "git",
      [
        "-c",
        `core.excludesFile=${join(home, "ignore-seven")}`,
        "-c",
        `alias.s5ls=!"${process.execPath}" "${S5_BIN}" ls .`,
        "s5ls",
      ],
      { cwd: repo, env, encoding: "utf8" },
    );
    expect(alias.stderr).toBe("");
    expect(listedBy(alias.stdout)).toEqual(
      names
        .filter((n) => n !== "seven")
        .map((n) => `${n}.yml`)
        .sort(),
    );
    // A value continued on the next line with a backslash, partly quoted, with a comment.
    config('[core]\n\texcludesFile = "~/ig"nore-\\\nsix ; goes on, then a comment \\\n[x]\n');
    await expectIgnored("six");
  });

  it("finds the repository as git does with GIT_DIR, GIT_WORK_TREE and core.worktree", async () => {
    const box = await project();
    const env: Record<string, string> = { ...box.env, GIT_CONFIG_NOSYSTEM: "1" };
    const git = gitRunner(env);
    // A bare repository that tracks files of another directory (the dotfiles way).
    const bare = join(box.dir, "dots.git");
    const tree = join(box.dir, "home2");
    git(box.dir, "init", "-q", "--bare", bare);
    mkdirSync(join(tree, "app"), { recursive: true });
    writeFileSync(join(tree, ".gitignore"), "*.env\n");
    for (const name of ["a.yml", "tracked.env", "other.env", "app/b.yml", "app/c.env"]) {
      writeFileSync(join(tree, name), "k: {{ s5:local:v1:abc }}\n");
    }
    const both = { ...env, GIT_DIR: bare, GIT_WORK_TREE: tree };
    spawnSync("git", ["add", "-f", "tracked.env", "app/c.env"], { cwd: tree, env: both });
    const files = async (cwd: string, extra: Record<string, string>, ...start: string[]) =>
      (await box.s5(["ls", ...start], { cwd, env: { ...env, ...extra } })).stdout
        .toString()
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(":")[0]);
    const gitLists = spawnSync("git", ["ls-files", "-co", "--exclude-standard"], {
      cwd: tree,
      env: both,
      encoding: "utf8",
    });
    const want = ["a.yml", "app/b.yml", "app/c.env", "tracked.env"];
    expect(gitLists.stdout.split("\n").filter((n) => n && n !== ".gitignore")).toEqual(want);
    expect(await files(tree, { GIT_DIR: bare, GIT_WORK_TREE: tree })).toEqual(want);
    expect(await files(join(tree, "app"), { GIT_DIR: bare, GIT_WORK_TREE: tree })).toEqual([
      "b.yml",
      "c.env",
    ]);
    // GIT_DIR alone names no work tree in a bare repository (git refuses to list): the walk
    // goes by the .gitignore it finds.
    expect(await files(tree, { GIT_DIR: bare })).toEqual(["a.yml", "app/b.yml"]);
    // Not bare: the current directory is the top of the work tree.
    git(box.dir, "--git-dir", bare, "config", "core.bare", "false");
    expect(await files(tree, { GIT_DIR: bare })).toEqual(want);
    // core.worktree in the repository's configuration, a relative GIT_DIR.
    git(box.dir, "--git-dir", bare, "config", "core.worktree", "../home2");
    expect(await files(box.dir, { GIT_DIR: "dots.git" }, "home2")).toEqual(
      want.map((n) => `home2/${n}`),
    );
    // A start outside the work tree gets no rules from it (git refuses to list it).
    writeFileSync(join(box.dir, "outside.env"), "k: {{ s5:local:v1:abc }}\n");
    expect(await files(box.dir, { GIT_DIR: bare, GIT_WORK_TREE: tree }, "outside.env")).toEqual([
      "outside.env",
    ]);
  });

  it("lists every file git tracks, ignored or not: index versions 2, 3 and 4, SHA-1 and SHA-256", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    const env: Record<string, string> = { ...box.env, GIT_CONFIG_NOSYSTEM: "1" };
    const git = gitRunner(env);
    // Version 3 is version 2 with an entry that has extended flags (an intent to add).
    const cases = [
      { name: "sha1-v2", init: ["init", "-q"], version: 2, intent: false },
      { name: "sha1-v3", init: ["init", "-q"], version: 3, intent: true },
      { name: "sha1-v4", init: ["init", "-q"], version: 4, intent: true },
      {
        name: "sha256-v2",
        init: ["init", "-q", "--object-format=sha256"],
        version: 2,
        intent: false,
      },
      {
        name: "sha256-v4",
        init: ["init", "-q", "--object-format=sha256"],
        version: 4,
        intent: true,
      },
    ];
    for (const { name, init, version, intent } of cases) {
      const repo = join(box.dir, name);
      mkdirSync(repo);
      git(repo, ...init);
      writeFileSync(join(repo, ".gitignore"), "*.env\nsecrets/\n");
      const files = ["plain.yml", "prod.env", "local.env", "secrets/a.yml", "secrets/b.yml"];
      files.push("secrets/deep/c.yml", "later.yml", "app/secrets/d.yml", "app/secrets/e.yml");
      for (const file of files) {
        mkdirSync(join(repo, file, ".."), { recursive: true });
        writeFileSync(join(repo, file), `a: ${token}\n`);
      }
      git(repo, "add", ".gitignore", "plain.yml");
      // Committed although ignored: what `s5 check` must read.
      git(
        repo,
        "add",
        "-f",
        "prod.env",
        "secrets/a.yml",
        "secrets/deep/c.yml",
        "app/secrets/d.yml",
      );
      if (intent) git(repo, "add", "-N", "later.yml");
      git(repo, "update-index", "--index-version", String(version === 3 ? 2 : version));
      expect(readFileSync(join(repo, ".git/index")).readUInt32BE(4), name).toBe(version);
      const listed = (await box.s5(["ls", "."], { cwd: repo, env })).stdout
        .toString()
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(":")[0]);
      const gitLists = git(repo, "ls-files", "--cached", "--others", "--exclude-standard")
        .split("\n")
        .filter((file) => file && file !== ".gitignore")
        .sort();
      expect(gitLists).toEqual([
        "app/secrets/d.yml",
        "later.yml",
        "plain.yml",
        "prod.env",
        "secrets/a.yml",
        "secrets/deep/c.yml",
      ]);
      expect(listed, name).toEqual(gitLists);
      // From a directory inside the work tree: the tracked files below it, named from there.
      const inApp = await box.s5(["ls"], { cwd: join(repo, "app"), env });
      expect(
        inApp.stdout
          .toString()
          .split("\n")
          .filter(Boolean)
          .map((l) => l.split(":")[0]),
      ).toEqual(["secrets/d.yml"]);
    }
  });

  it("reads a split index (core.splitIndex): shared entries, deletions, replacements, additions", async () => {
    const box = await project();
    const env: Record<string, string> = { ...box.env, GIT_CONFIG_NOSYSTEM: "1" };
    const git = gitRunner(env);
    const content = "k: {{ s5:local:v1:abc }}\n";
    const files = (dir: string, count: number) =>
      Array.from({ length: count }, (_, i) => `${dir}/f${String(i).padStart(3, "0")}.env`);
    for (const init of [
      ["init", "-q"],
      ["init", "-q", "--object-format=sha256"],
    ]) {
      const repo = join(box.dir, `split-${init.length}`);
      mkdirSync(repo);
      git(repo, ...init);
      writeFileSync(join(repo, ".gitignore"), "*.env\n");
      // 300 tracked files that a rule ignores: only the index says they are committed.
      const shared = [...files("a", 100), ...files("b", 100), ...files("c", 100)];
      const later = files("d", 20);
      for (const file of [...shared, ...later, "untracked/x.env"]) {
        mkdirSync(join(repo, file, ".."), { recursive: true });
        writeFileSync(join(repo, file), content);
      }
      git(repo, "add", "-f", ...shared);
      git(repo, "update-index", "--split-index");
      // Deleted: a run of 100 entries (a run of ones in the bitmap) and one past 64 zeros.
      git(repo, "rm", "-q", "--cached", "-r", "b");
      git(repo, "rm", "-q", "--cached", "c/f070.env");
      writeFileSync(join(repo, "c/f090.env"), `${content}# changed\n`);
      git(repo, "add", "-f", "c/f090.env", ...later);
      const entries = readdirSync(join(repo, ".git")).filter((n) => n.startsWith("sharedindex."));
      expect(entries).toHaveLength(1);
      expect(readFileSync(join(repo, ".git/index")).includes("link")).toBe(true);
      const listed = (await box.s5(["ls", "."], { cwd: repo, env })).stdout
        .toString()
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(":")[0])
        .sort();
      const gitLists = git(repo, "ls-files", "--cached", "--others", "--exclude-standard")
        .split("\n")
        .filter((file) => file.endsWith(".env"))
        .sort();
      expect(gitLists).toHaveLength(219);
      expect(listed, init.join(" ")).toEqual(gitLists);
    }
  });

  it("lists what git lists on 40 random repositories (scripts/walk-vs-git.mjs)", () => {
    const script = fileURLToPath(new URL("../../scripts/walk-vs-git.mjs", import.meta.url));
    const result = spawnSync(process.execPath, [script, "12", "40"], { encoding: "utf8" });
    expect(result.stdout).toMatch(
      /^40 repositories \((?:[1-9]\d*) with a split index\), \d+ listings compared, 0 different$/m,
    );
    expect(result.status).toBe(0);
  }, 120_000);

  it("fails on malformed and undecryptable tokens and on plaintext secrets beside tokens", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    // Alter a character in the middle of the payload (the last one may only carry padding bits).
    const at = token.lastIndexOf(":") + 20;
    const tampered = `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`;
    writeFileSync(
      join(box.dir, "app.yml"),
      [
        `ok: ${token}`,
        `bad: ${tampered}`,
        "db_password: hunter2hunter2",
        "api: 9fK2xQ7mZpL4vR8sT1wY6uB3nC5dE0aH",
        "note: plain text value",
        "legacy_key: 9fK2xQ7mZpL4vR8sT1wY6uB3nC5dE0aH # s5:ignore",
        "x: {{ s5:oops!! }}",
        "",
      ].join("\n"),
    );
    writeFileSync(join(box.dir, "no-tokens.yml"), "password: not-checked-here\n");
    const result = await box.s5(["check"]);
    expect(result.code).toBe(10);
    const lines = result.stdout.toString().trim().split("\n");
    expect(lines).toEqual([
      "app.yml:2:6: the token does not open with its local key (S5_DECRYPT_LOCAL)",
      "app.yml:3:14: `db_password` holds a plaintext value; encrypt it or mark the line s5:ignore (S5_CHECK_PLAINTEXT)",
      "app.yml:4:6: `api` holds a long random-looking value; encrypt it or mark the line s5:ignore (S5_CHECK_PLAINTEXT)",
      "app.yml:7:4: malformed token: unexpected character in the token (not shown: what follows `s5:` may be a plaintext) (S5_TOKEN_MALFORMED)",
    ]);
    expect(result.stdout.toString()).not.toContain("hunter2");
    expect(result.stderr).toContain("2 token(s) (1 decrypted): 4 problem(s)");
  });

  it("fails on a token of a local key the project does not list, and counts only what decrypted", async () => {
    const box = await project();
    const other = await project();
    const foreign = (await other.s5(["cipher", "from-elsewhere"])).stdout.toString();
    const ours = (await box.s5(["cipher", "ours"])).stdout.toString();
    writeFileSync(join(box.dir, "mix.yml"), `a: ${foreign}\nb: ${ours}\n`);
    const result = await box.s5(["check", "mix.yml"]);
    expect(result.code).toBe(10);
    expect(result.stdout.toString()).toMatch(
      /^mix\.yml:1:4: local key \S+ is not in the project config \(S5_KEY_LOCAL_UNKNOWN\)\n$/,
    );
    expect(result.stderr).toContain("checked 1 file(s), 2 token(s) (1 decrypted): 1 problem(s)");
    // render says what to do: S5_PRIVATE_KEY holds a recipient's key, which cannot open it.
    const render = await box.s5(["render", "mix.yml"]);
    expect(render.code).toBe(7);
    expect(render.stderr).toContain("(S5_KEY_LOCAL_UNKNOWN)");
    expect(render.stderr).toContain("hint: the token was encrypted in another project");
    expect(render.stderr).not.toContain("S5_PRIVATE_KEY");
    // Another kind of failure is counted too: a token whose key is not available here.
    const keyless = await box.s5(["check", "mix.yml"], {
      env: { XDG_CONFIG_HOME: join(box.dir, "nowhere") },
    });
    expect(keyless.code).toBe(10);
    expect(keyless.stderr).toContain("1 token(s) not decrypted here");
    expect(keyless.stderr).toContain("2 token(s) (0 decrypted): 1 problem(s)");
  });

  it("reports a token copied to a second place, however its text is spelt (a pull request that may only encrypt)", async () => {
    const box = await project();
    // 8 bytes: a 56-byte sealed box, whose base64url's last character has two unused bits.
    const token = (await box.s5(["cipher", "prod-pw1"])).stdout.toString();
    writeFileSync(join(box.dir, "secret.yml"), `kind: Secret\nstringData:\n  password: ${token}\n`);
    writeFileSync(
      join(box.dir, "other.yml"),
      `a: ${(await box.s5(["cipher", "prod-pw1"])).stdout}\n`,
    );
    // Another seal of the same value is no copy: a fresh ciphertext.
    expect((await box.s5(["check", "."])).code).toBe(0);
    // Mallory, who may only encrypt, copies the token into a ConfigMap (readable by whoever
    // reads ConfigMaps) and into a variable a test prints, spelt with another last character.
    const ABC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = token.indexOf(" }}") - 1;
    const respelt = `${token.slice(0, last)}${ABC[ABC.indexOf(token[last]!) ^ 1]}${token.slice(last + 1)}`;
    expect(respelt).not.toBe(token);
    writeFileSync(join(box.dir, "configmap.yml"), `kind: ConfigMap\ndata:\n  greeting: ${token}\n`);
    writeFileSync(join(box.dir, ".env.test"), `GREETING=${respelt.replace("}}", "| shell }}")}\n`);
    // It is the same secret: render reveals it at both new places.
    expect((await box.s5(["render", "configmap.yml", ".env.test"])).stdout.toString()).toBe(
      "kind: ConfigMap\ndata:\n  greeting: prod-pw1\nGREETING='prod-pw1'\n",
    );
    const copy = (place: string, other: string) =>
      `${place}: the same token as at ${other} (and at 1 more place(s)): a copy (a fresh seal never repeats a ciphertext), so one secret stands in both places; if that is meant, mark each of their lines s5:ignore (S5_CHECK_COPY)`;
    const warnings = [
      copy(".env.test:1:10", "configmap.yml:3:13"),
      copy("configmap.yml:3:13", ".env.test:1:10"),
      copy("secret.yml:3:13", ".env.test:1:10"),
    ];
    // A warning (a copy may be meant: one value used twice), on stderr, from the tokens alone:
    // the pre-commit hook (--no-decrypt) finds it too.
    for (const args of [
      ["check", "."],
      ["check", "--no-decrypt", "."],
    ]) {
      const result = await box.s5(args);
      expect(result.code).toBe(0);
      expect(result.stdout.toString()).toBe("");
      expect(result.stderr.split("\n").filter((line) => line.startsWith("warning: "))).toEqual(
        warnings.map((line) => `warning: ${line}`),
      );
      expect(result.stderr).toContain(": 0 problem(s), 3 warning(s)\n");
    }
    // In SARIF (a pull request's annotations, on the copy's own line) and JSON, with its level.
    const sarif = JSON.parse((await box.s5(["check", "--format", "sarif", "."])).stdout.toString());
    const [run] = sarif.runs;
    expect(run.tool.driver.rules).toEqual([
      expect.objectContaining({ id: "S5_CHECK_COPY", defaultConfiguration: { level: "warning" } }),
    ]);
    expect(run.results.map((result: { level: string }) => result.level)).toEqual([
      "warning",
      "warning",
      "warning",
    ]);
    expect(run.results[1].locations[0].physicalLocation).toMatchObject({
      artifactLocation: { uri: "configmap.yml" },
      region: { startLine: 3, startColumn: 13 },
    });
    const json = JSON.parse((await box.s5(["check", "--json", "."])).stdout.toString());
    expect(json[1]).toEqual({
      file: "configmap.yml",
      line: 3,
      column: 13,
      code: "S5_CHECK_COPY",
      message: warnings[1]!.slice("configmap.yml:3:13: ".length, -" (S5_CHECK_COPY)".length),
      level: "warning",
    });
    // A copy that is meant: each of its lines says so.
    rmSync(join(box.dir, ".env.test"));
    writeFileSync(join(box.dir, "configmap.yml"), `data:\n  greeting: ${token} # s5:ignore\n`);
    const one = await box.s5(["check", "."]);
    expect(one.stderr).toMatch(
      /^warning: secret\.yml:3:13: the same token as at configmap\.yml:2:13: a copy/m,
    );
    expect(one.stderr).not.toContain("warning: configmap.yml");
    writeFileSync(
      join(box.dir, "secret.yml"),
      `kind: Secret\nstringData:\n  password: ${token} # s5:ignore\n`,
    );
    expect((await box.s5(["check", "."])).stderr).not.toContain("S5_CHECK_COPY");
  });

  it("a Vault token copied in the Go tool's bare form is the same token", async () => {
    const box = sandbox();
    // A Vault ciphertext's shape (30 bytes: nonce, data, tag); not decrypted (--no-decrypt).
    const payload = Buffer.from("s5-copy-test-vault-ciphertext!").toString("base64");
    writeFileSync(join(box.dir, "a.yml"), `a: {{ s5:vault:v1:${payload} }}\n`);
    writeFileSync(
      join(box.dir, "b.yml"),
      `b: {{ s5:${payload} }}\nc: {{ s5:vault:v2:${payload} }}\n`,
    );
    const result = await box.s5(["check", "--no-decrypt", "."], { env: { S5_BACKEND: "vault" } });
    expect(result.code).toBe(0);
    const warned = result.stderr.split("\n").filter((line) => line.startsWith("warning: "));
    // Another key version of the same bytes is another ciphertext (it would not decrypt).
    expect(warned.map((line) => line.split(": the same token as at ")[0])).toEqual([
      "warning: a.yml:1:4",
      "warning: b.yml:1:4",
    ]);
  });

  it("reports a temporary file left by an s5 that was killed (it may hold plaintext)", async () => {
    const box = await project();
    writeFileSync(join(box.dir, ".values.yml.s5-0123456789ab"), "password: hunter2\n");
    writeFileSync(join(box.dir, "values.yml.s5-edit"), "kept edits, sealed\n");
    const result = await box.s5(["check", "."]);
    expect(result.code).toBe(10);
    expect(result.stdout.toString()).toBe(
      ".values.yml.s5-0123456789ab:1:1: a temporary file that an s5 ended by SIGKILL or a power loss left: it may hold plaintext; remove it, never commit it (S5_CHECK_LEFTOVER)\n",
    );
    // In a pre-commit hook (`s5 check --no-decrypt --staged`): `git add -A` staged it.
    const git = (...args: string[]) =>
      spawnSync("git", args, { cwd: box.dir, env: { ...box.env, GIT_CONFIG_NOSYSTEM: "1" } });
    expect(git("init", "-q").status).toBe(0);
    expect(git("add", "-A").status).toBe(0);
    const staged = await box.s5(["check", "--no-decrypt", "--staged"]);
    expect(staged.code).toBe(10);
    expect(staged.stdout.toString()).toContain(
      ".values.yml.s5-0123456789ab:1:1: a temporary file that an s5 ended by SIGKILL",
    );
  });

  it("checks each file with the keys of its own project: a monorepo of several passes", async () => {
    const box = sandbox();
    // Two projects below one root (with a project of its own), each with its own key.
    for (const app of ["apps/a", "apps/b"]) mkdirSync(join(box.dir, app), { recursive: true });
    expect((await box.s5(["init", "--name", "dev"])).code).toBe(0);
    for (const app of ["apps/a", "apps/b"]) {
      expect((await box.s5(["init", "--dir", app])).code).toBe(0);
      const token = (await box.s5(["cipher", `${app}-value`], { cwd: join(box.dir, app) })).stdout;
      writeFileSync(join(box.dir, app, "values.yml"), `v: ${token.toString()}\n`);
    }
    writeFileSync(join(box.dir, "root.yml"), `v: ${(await box.s5(["cipher", "root"])).stdout}\n`);
    const result = await box.s5(["check", "."]);
    expect(result.stdout.toString()).toBe("");
    expect(result.stderr).toContain("3 token(s) (3 decrypted): 0 problem(s)");
    expect(result.code).toBe(0);
    // A config named on purpose is used for every file: the others' tokens are not its keys.
    const named = await box.s5(["check", "--config", ".s5.json", "."]);
    expect(named.code).toBe(10);
    expect(named.stdout.toString()).toContain("S5_KEY_LOCAL_UNKNOWN");
  });

  it("passes with a note when no key is available here", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    writeFileSync(join(box.dir, "a.yml"), `a: ${token}\n`);
    const result = await box.s5(["check"], { env: { XDG_CONFIG_HOME: join(box.dir, "nowhere") } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("1 token(s) not decrypted here");
    expect((await box.s5(["check", "--no-decrypt"])).code).toBe(0);
  });

  it("passes with a note when no Vault address is set here (no Vault access, as no Vault token)", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    // A Vault token is never sent anywhere without VAULT_ADDR: its body need not be real.
    writeFileSync(join(box.dir, "a.yml"), `a: ${token}\nb: {{ s5:vault:v1:c2VjcmV0 }}\n`);
    const result = await box.s5(["check"]);
    expect(result.stdout.toString()).toBe("");
    expect(result.stderr).toContain(
      "1 token(s) not decrypted here: the Vault backend needs VAULT_ADDR",
    );
    expect(result.stderr).toContain("2 token(s) (1 decrypted): 0 problem(s)");
    expect(result.code).toBe(0);
    // A Vault setting that is there but wrong is still a problem.
    const wrong = await box.s5(["check"], { env: { VAULT_ADDR: "ftp://127.0.0.1:1" } });
    expect(wrong.code).toBe(10);
  });
});

describe("git textconv", () => {
  it("git diff shows the plaintext change, and only the changed token changes", async () => {
    const box = await project();
    const git = (...args: string[]) =>
      spawnSync("git", args, {
        cwd: box.dir,
        env: { ...box.env, GIT_CONFIG_NOSYSTEM: "1", PATH: `${process.env.PATH}`, EDITOR },
        encoding: "utf8",
      });
    git("init", "-q");
    git("config", "user.email", "t@example.com");
    git("config", "user.name", "t");
    git("config", "diff.s5.textconv", `"${process.execPath}" "${S5_BIN}" render --keep-failed`);
    writeFileSync(join(box.dir, ".gitattributes"), "*.yml diff=s5\n");
    const a = (await box.s5(["cipher", "old-password"])).stdout.toString();
    const b = (await box.s5(["cipher", "user"])).stdout.toString();
    writeFileSync(join(box.dir, "s.yml"), `password: ${a}\nuser: ${b}\n`);
    git("add", ".");
    git("commit", "-qm", "init");
    await box.s5(["edit", "s.yml"], {
      env: { EDITOR, TEST_EDIT: JSON.stringify([["old-password", "new-password"]]) },
    });
    const diff = git("diff", "--no-color").stdout;
    expect(diff).toContain("-password: old-password");
    expect(diff).toContain("+password: new-password");
    expect(diff).not.toMatch(/^[-+]user/m);
    const raw = git("diff", "--no-color", "--no-textconv", "--numstat").stdout;
    expect(raw.trim()).toBe("1\t1\ts.yml");
  });

  it("--textconv shows an S5Secret's values too, which render refuses; to stdout only", async () => {
    const box = await project();
    const git = (...args: string[]) =>
      spawnSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
        cwd: box.dir,
        env: { ...box.env, GIT_CONFIG_NOSYSTEM: "1", PATH: `${process.env.PATH}` },
        encoding: "utf8",
      });
    git("init", "-q");
    writeFileSync(join(box.dir, ".gitattributes"), "*.yml diff=s5\n");
    const secret = (password: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {{ s5:seal ${password} }}\n  user: {{ s5:seal app }}\n`;
    writeFileSync(join(box.dir, "db.yml"), secret("old-password"));
    expect((await box.s5(["seal", "-i", "db.yml"])).code).toBe(0);
    expect((await box.s5(["k8s", "wrap", "-i", "db.yml"])).code).toBe(0);
    git("add", ".");
    git("commit", "-qm", "init");
    const user = readFileSync(join(box.dir, "db.yml"), "utf8").split("\n")[7]!;
    const sealed = await box.s5(["cipher", "new-password"]);
    const lines = readFileSync(join(box.dir, "db.yml"), "utf8").split("\n");
    lines[6] = `    password: "${sealed.stdout.toString().trim()}"`;
    writeFileSync(join(box.dir, "db.yml"), lines.join("\n"));

    // render refuses it (its plaintext would stand in the S5Secret); --keep-failed keeps tokens.
    expect((await box.s5(["render", "db.yml"])).code).toBe(5);
    const driver = (flag: string) =>
      git(
        "-c",
        `diff.s5.textconv="${process.execPath}" "${S5_BIN}" render ${flag}`,
        "diff",
        "--no-color",
      ).stdout;
    const tokens = driver("--keep-failed");
    expect(tokens).not.toContain("old-password");
    expect(tokens).toMatch(/^- {4}password: "\{\{ s5:local:/m);
    const plain = driver("--textconv");
    expect(plain).toContain('-    password: "old-password"');
    expect(plain).toContain('+    password: "new-password"');
    expect(plain).not.toMatch(/^[-+] {4}user/m);
    expect(user).toMatch(/^ {4}user: "\{\{ s5:local:/);
    // Never into a file: the rendered S5Secret is for reading.
    for (const args of [["-o", "out.yml"], ["-i"]]) {
      const refused = await box.s5(["render", "--textconv", ...args, "db.yml"]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("--textconv writes to stdout only");
    }
    expect(existsSync(join(box.dir, "out.yml"))).toBe(false);
    expect(readFileSync(join(box.dir, "db.yml"), "utf8")).toBe(lines.join("\n"));

    // A value that would move the reader's cursor (erase a line of the diff) or reorder text
    // (bidirectional control) is shown escaped to the reader; render itself gives it whole. (A
    // line break, CR too, is a YAML value's end: kept as its token by both.)
    const hostile = "ok\x1b[2K\x1b[1Aevil\u202eabc\x7f";
    const token = (await box.s5(["cipher", "--no-trim", hostile])).stdout.toString().trim();
    writeFileSync(join(box.dir, "app.yml"), `a: "${token}"\nb: "{{ s5:seal tab\there }}"\n`);
    expect((await box.s5(["seal", "-i", "app.yml"])).code).toBe(0);
    const read = await box.s5(["render", "--textconv", "app.yml"]);
    expect(read.stdout.toString()).toBe(
      'a: "ok\\u001b[2K\\u001b[1Aevil\\u202eabc\\u007f"\nb: "tab\there"\n',
    );
    const whole = await box.s5(["render", "app.yml"]);
    expect(whole.stdout.toString()).toBe(`a: "${hostile}"\nb: "tab\there"\n`);
  });
});

describe("s5 completion", () => {
  it("bash completes commands, options and backend words", async () => {
    const box = sandbox();
    const script = (await box.s5(["completion", "bash"])).stdout.toString();
    const complete = (words: string[]) =>
      spawnSync(
        "bash",
        [
          "-c",
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _s5_complete; echo "\${COMPREPLY[@]}"`,
        ],
        {
          encoding: "utf8",
        },
      ).stdout.trim();
    expect(complete(["s5", "re"]).split(" ")).toContain("render");
    expect(complete(["s5", "render", "--ke"]).split(" ").sort()).toEqual([
      "--keep-failed",
      "--key",
    ]);
    expect(complete(["s5", "cipher", "a"]).split(" ")).toContain("aes");
  });

  it("zsh and fish scripts are valid where those shells are installed", async () => {
    const box = sandbox();
    for (const shell of ["zsh", "fish"]) {
      const script = (await box.s5(["completion", shell])).stdout.toString();
      expect(script).toContain("render");
      if (spawnSync("which", [shell]).status !== 0) {
        console.warn(`[s5 test] ${shell} is not installed: only the script's content was checked`);
        continue;
      }
      const file = join(box.dir, `s5.${shell}`);
      writeFileSync(file, script);
      const check = spawnSync(shell, ["-n", file], { encoding: "utf8" });
      expect(check.status, check.stderr).toBe(0);
      if (shell === "fish") {
        const asked = spawnSync(
          "fish",
          ["-c", `source ${file}; complete -C 's5 ren'; complete -C 's5 render --ke'`],
          {
            encoding: "utf8",
          },
        );
        expect(asked.stdout).toMatch(/^render\b/m);
        expect(asked.stdout).toMatch(/^--keep-failed/m);
      }
    }
  });
});

describe("s5 edit: mistakes and concurrent changes lose nothing", () => {
  it("a typo in one marker reopens the editor with every edit kept, after asking", async () => {
    const box = await project();
    const token = (await box.s5(["cipher", "one"])).stdout.toString();
    writeFileSync(join(box.dir, "s.yml"), `a: ${token}\n`);
    const counter = join(box.dir, "..", "rounds");
    const env = {
      EDITOR,
      TEST_EDIT_COUNTER: counter,
      TEST_EDIT_ROUNDS: JSON.stringify([
        // first opening: a changed value, a new one, and a typo (a bare value with `|`)
        [["{{ s5:seal one }}", "{{ s5:seal ONE }}\nb: {{ s5:seal two }}\nc: {{ s5:seal th|ree }}"]],
        // second opening: the edits are still there; the typo is fixed
        [["{{ s5:seal th|ree }}", '{{ s5:seal "th|ree" }}']],
      ]),
    };
    const result = await box.s5(["edit", "s.yml"], { env, input: "y\n" });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("s.yml:3:4: malformed seal marker");
    expect(result.stderr).toContain("edit again to fix it? [Y/n]");
    expect(result.stderr).toContain(
      `s.yml: 3 new token(s): 3 to local key ${localKeyId(box.dir)} (1 recipient); 0 kept\n`,
    );
    expect(readFileSync(counter, "utf8")).toBe("2");
    expect((await box.s5(["render", "s.yml"])).stdout.toString()).toBe(
      "a: ONE\nb: two\nc: th|ree\n",
    );
  });

  it("answering no (or no answer) discards the edits and leaves the file unchanged", async () => {
    const box = await project();
    const text = `a: ${(await box.s5(["cipher", "one"])).stdout.toString()}\n`;
    writeFileSync(join(box.dir, "s.yml"), text);
    const env = {
      EDITOR,
      TEST_EDIT: JSON.stringify([["{{ s5:seal one }}", "{{ s5:seal o|ne }}"]]),
    };
    const result = await box.s5(["edit", "s.yml"], { env, input: "n\n" });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("your edits were discarded; s.yml is unchanged");
    expect(readFileSync(join(box.dir, "s.yml"), "utf8")).toBe(text);
    expect(readdirSync(box.dir).sort()).toEqual([".s5.json", "s.yml"]);
  });

  it("never overwrites a file that changed while the editor was open", async () => {
    const box = await project();
    const file = join(box.dir, "s.yml");
    writeFileSync(file, `a: ${(await box.s5(["cipher", "one"])).stdout.toString()}\n`);
    const theirs = "a: changed by someone else\n";
    const env = {
      EDITOR,
      TEST_EDIT: JSON.stringify([["{{ s5:seal one }}", "{{ s5:seal mine }}"]]),
      TEST_EDIT_ALSO: JSON.stringify([file, theirs]),
    };
    const result = await box.s5(["edit", "s.yml"], { env });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      "s.yml changed while the editor was open; it was not overwritten",
    );
    expect(readFileSync(file, "utf8")).toBe(theirs);
    const kept = readFileSync(`${file}.s5-edit`, "utf8");
    expect(kept).toMatch(/^a: \{\{ s5:local:/);
    expect(kept).not.toContain("mine");
    expect(statSync(`${file}.s5-edit`).mode & 0o777).toBe(0o600);
    writeFileSync(file, kept);
    expect((await box.s5(["render", "s.yml"])).stdout.toString()).toBe("a: mine\n");
    // A second conflict before the first was merged: kept beside it, not over it.
    writeFileSync(file, `a: ${(await box.s5(["cipher", "one"])).stdout.toString()}\n`);
    const again = await box.s5(["edit", "s.yml"], { env });
    expect(again.stderr).toContain(`your edits (values encrypted) are in s.yml.s5-edit-2`);
    expect(readFileSync(`${file}.s5-edit`, "utf8")).toBe(kept);
    expect(readFileSync(`${file}.s5-edit-2`, "utf8")).toMatch(/^a: \{\{ s5:local:/);
  });

  it("keeps the edits when the file cannot be written back (moved away meanwhile)", async () => {
    const box = await project();
    const file = join(box.dir, "s.yml");
    writeFileSync(file, `a: ${(await box.s5(["cipher", "one"])).stdout.toString()}\n`);
    const edit = {
      EDITOR,
      TEST_EDIT: JSON.stringify([["{{ s5:seal one }}", "{{ s5:seal mine }}"]]),
    };
    // `git mv` or a branch switch while the editor is open.
    const moved = await box.s5(["edit", "s.yml"], {
      env: { ...edit, TEST_EDIT_MOVE: JSON.stringify([file, `${file}.moved`]) },
    });
    expect(moved.code).toBe(4);
    expect(moved.stderr).toContain("s.yml was moved or removed while the editor was open");
    expect(moved.stderr).toContain("your edits (values encrypted) are in s.yml.s5-edit");
    writeFileSync(file, readFileSync(`${file}.s5-edit`));
    expect((await box.s5(["render", "s.yml"])).stdout.toString()).toBe("a: mine\n");
  });

  it("keeps the edits on stdout when nothing can be written beside the file (its directory moved away)", async () => {
    const box = await project();
    const sub = join(box.dir, "deploy");
    mkdirSync(sub);
    const file = join(sub, "s.yml");
    writeFileSync(file, `a: ${(await box.s5(["cipher", "one"])).stdout.toString()}\n`);
    // A branch switch while the editor is open takes the whole directory: no FILE.s5-edit there.
    const result = await box.s5(["edit", "deploy/s.yml"], {
      env: {
        EDITOR,
        TEST_EDIT: JSON.stringify([["{{ s5:seal one }}", "{{ s5:seal mine }}"]]),
        TEST_EDIT_MOVE: JSON.stringify([sub, `${sub}.moved`]),
      },
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      "your edits (values encrypted) are on stdout (above), as nothing could be written beside deploy/s.yml: merge them into it",
    );
    const kept = result.stdout.toString();
    expect(kept).toMatch(/^a: \{\{ s5:local:/);
    expect(kept).not.toContain("mine");
    writeFileSync(join(box.dir, "kept.yml"), kept);
    expect((await box.s5(["render", "kept.yml"])).stdout.toString()).toBe("a: mine\n");
  });

  // A real full disk: a 64 kB tmpfs in a mount namespace of its own (root only), filled by another
  // program while the editor is open. Neither the file nor FILE.s5-edit can be written there.
  it.runIf(process.getuid?.() === 0 && spawnSync("unshare", ["--help"]).status === 0)(
    "keeps the edits on stdout when the disk is full, and leaves the file and its directory as they were",
    async () => {
      const box = await project();
      const original = `a: ${(await box.s5(["cipher", "one"])).stdout.toString()}\n`;
      writeFileSync(join(box.dir, "s.yml"), original);
      mkdirSync(join(box.dir, "deploy"));
      const out = join(box.dir, "..", "edit.out");
      const err = join(box.dir, "..", "edit.err");
      const env = {
        ...process.env,
        ...box.env,
        EDITOR,
        TEST_EDIT: JSON.stringify([["{{ s5:seal one }}", "{{ s5:seal mine }}"]]),
        TEST_EDIT_FILL: "deploy/filler",
      };
      const script = `set -e
mount -t tmpfs -o size=64k,mode=0755 tmpfs deploy
cp s.yml deploy/s.yml
set +e
"${process.execPath}" "${S5_BIN}" edit deploy/s.yml >${out} 2>${err}
echo $?
echo $(ls -A deploy)
cat deploy/s.yml`;
      const run = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script], {
        cwd: box.dir,
        env,
        encoding: "utf8",
      });
      expect(run.stderr).toBe("");
      const [code, listing, ...rest] = run.stdout.split("\n");
      expect(code).toBe("4");
      const stderr = readFileSync(err, "utf8");
      expect(stderr).toContain(
        "cannot write deploy/s.yml (ENOSPC); nothing was changed (S5_OUTPUT)",
      );
      expect(stderr).toContain(
        "your edits (values encrypted) are on stdout (above), as nothing could be written beside deploy/s.yml",
      );
      // The file as it was, nothing else left in its directory (no temporary or empty kept file).
      expect(`${rest.join("\n")}`).toBe(original);
      expect(listing).toBe("filler s.yml");
      const kept = readFileSync(out, "utf8");
      expect(kept).toMatch(/^a: \{\{ s5:local:/);
      expect(kept + stderr).not.toContain("mine");
      writeFileSync(join(box.dir, "kept.yml"), kept);
      expect((await box.s5(["render", "kept.yml"])).stdout.toString()).toBe("a: mine\n");
    },
  );

  it("an EDITOR that begins with a variable assignment works", async () => {
    const box = await project();
    writeFileSync(join(box.dir, "s.yml"), "a: {{ s5:seal x }}\n");
    expect((await box.s5(["seal", "-i", "s.yml"])).code).toBe(0);
    const edit = await box.s5(["edit", "s.yml"], {
      env: { EDITOR: `TEST_EDIT='[["seal x","seal y"]]' ${EDITOR}` },
    });
    expect(edit.stderr).toContain(
      `s.yml: 1 new token(s): 1 to local key ${localKeyId(box.dir)} (1 recipient); 0 kept\n`,
    );
    expect((await box.s5(["render", "s.yml"])).stdout.toString()).toBe("a: y\n");
  });

  it("a signal that stops s5 stops the editor too, and removes the decrypted copy", async () => {
    const box = await project();
    writeFileSync(
      join(box.dir, "s.yml"),
      `a: ${(await box.s5(["cipher", "one"])).stdout.toString()}\n`,
    );
    const pidFile = join(box.dir, "..", "editor.pid");
    const log = join(box.dir, "..", "editor-sig.json");
    const child = spawn(process.execPath, [S5_BIN, "edit", "s.yml"], {
      cwd: box.dir,
      env: {
        ...process.env,
        ...box.env,
        EDITOR,
        TEST_EDIT_SLEEP: "30000",
        TEST_EDIT_PID: pidFile,
        TEST_EDIT_LOG: log,
      },
      stdio: "ignore",
    });
    const ended = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("close", (_, signal) => resolve(signal)),
    );
    while (!existsSync(log)) await new Promise((resolve) => setTimeout(resolve, 20));
    const editorPid = Number(readFileSync(pidFile, "utf8"));
    child.kill("SIGTERM");
    await ended;
    // The editor (not only a shell around it) is gone, and so is its copy.
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      try {
        process.kill(editorPid, 0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
    expect(existsSync(JSON.parse(readFileSync(log, "utf8")).file)).toBe(false);
  });
});

describe("s5 edit with Vim", () => {
  it("starts Vim or Neovim without viminfo (shada), swap, undo or backup file; other editors as given", async () => {
    const box = await project();
    writeFileSync(join(box.dir, "v.yml"), "a: {{ s5:seal pw }}\n");
    expect((await box.s5(["seal", "-i", "v.yml"])).code).toBe(0);
    // Stand-ins that record their arguments: `vim`, `nvim` (also behind a link named `vi`) and nano.
    const bin = join(box.dir, "bin");
    mkdirSync(bin);
    const log = join(box.dir, "args.log");
    for (const name of ["vim", "nvim", "nano"]) {
      writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${log}"\n`, { mode: 0o755 });
    }
    symlinkSync(join(bin, "vim"), join(bin, "vi"));
    const path = `${bin}:${process.env.PATH}`;
    for (const editor of ["vim", "LC_ALL=C nvim", "vi", "nano", "vim --"]) {
      const result = await box.s5(["edit", "v.yml"], { env: { EDITOR: editor, PATH: path } });
      expect(result.stderr, editor).toContain("no change");
    }
    const lines = readFileSync(log, "utf8").trim().split("\n");
    const options = "-n -i NONE -c setlocal noundofile nobackup nowritebackup";
    expect(lines.map((line) => line.replace(/ \S+$/, ""))).toEqual([
      `vim ${options}`,
      `nvim ${options}`,
      `vim ${options}`,
      "nano",
      // The user's own words after the options: after `--`, Vim reads every word as a file.
      `vim ${options} --`,
    ]);
  });

  const hasVim = spawnSync("vim", ["--version"]).status === 0;
  it.runIf(hasVim)("real Vim: a yank and a substitution leave nothing in ~/.viminfo", async () => {
    const box = await project();
    writeFileSync(join(box.dir, "v.yml"), "a: {{ s5:seal pw-Vim7 }}\n");
    expect((await box.s5(["seal", "-i", "v.yml"])).code).toBe(0);
    // Vim in a pseudo-terminal: yank the line, substitute, write and quit.
    const script = [
      "import os, pty, select, subprocess, sys, time",
      "master, slave = pty.openpty()",
      "p = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=slave, stderr=slave)",
      "def pump(t):",
      "    end = time.time() + t",
      "    while time.time() < end:",
      "        if select.select([master], [], [], 0.05)[0]:",
      "            try: os.read(master, 65536)",
      "            except OSError: return",
      "pump(2)",
      "os.write(master, b'yy:%s/pw-Vim7/pw-Vim8/\\r'); pump(0.5)",
      "os.write(master, b':wq\\r'); pump(1)",
      "sys.exit(p.wait(timeout=20))",
    ].join("\n");
    const result = spawnSync("python3", ["-c", script, process.execPath, S5_BIN, "edit", "v.yml"], {
      cwd: box.dir,
      env: { ...box.env, EDITOR: "vim" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect((await box.s5(["render", "v.yml"])).stdout.toString()).toBe("a: pw-Vim8\n");
    const viminfo = join(box.env.HOME!, ".viminfo");
    expect(existsSync(viminfo) ? readFileSync(viminfo, "utf8") : "").not.toContain("pw-Vim");
  });
});
