// Error messages: each has a code, says what failed and what to do next (a `hint:` line), and never
// shows a value that may be a secret. One test per kind of failure, through the built CLI.
import { spawnSync } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isRoot } from "./files.ts";
import { S5_BIN, type Sandbox, sandbox } from "./run.ts";
import { onTerminal } from "./terminal.ts";

const KEY = "00112233445566778899aabbccddeeff";

/** s5 with a directory as its stdin (`s5 … < DIR`). */
function withDirectoryStdin(box: Sandbox, args: string[]) {
  const fd = openSync(box.dir, "r");
  try {
    return spawnSync(process.execPath, [S5_BIN, ...args], {
      cwd: box.dir,
      env: { ...box.env, S5_AES_KEY: KEY },
      stdio: [fd, "pipe", "pipe"],
      encoding: "utf8",
    });
  } finally {
    closeSync(fd);
  }
}

describe("a file that cannot be read: a hint for its errno", () => {
  it("a directory, a missing path, a socket (render, check, ls)", async () => {
    const box = sandbox();
    mkdirSync(join(box.dir, "dir"));
    const render = await box.s5(["render", "dir"]);
    expect(render.code).toBe(3);
    expect(render.stderr).toContain(
      "cannot read dir (EISDIR) (S5_INPUT)\n  hint: it is a directory: name the files in it",
    );
    for (const command of ["check", "ls"]) {
      const missing = await box.s5([command, "nonexist"]);
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain(
        "cannot read nonexist (ENOENT) (S5_INPUT)\n  hint: check the path (relative to the working directory)",
      );
    }
    const server = createServer();
    const socket = join(box.dir, "some.sock");
    await new Promise<void>((done) => server.listen(socket, done));
    try {
      const read = await box.s5(["render", socket]);
      expect(read.code).toBe(3);
      expect(read.stderr).toContain("(ENXIO) (S5_INPUT)\n  hint: it is a socket or a device");
    } finally {
      server.close();
    }
  });

  it("a file another user may not read: EACCES with what to check", () => {
    const box = sandbox();
    const file = join(box.dir, "private.yml");
    writeFileSync(file, "a: 1\n", { mode: 0o600 });
    chmodSync(box.dir, 0o755);
    // As root, the file is read as another user; as anyone else, a file nobody may read.
    if (!isRoot) chmodSync(file, 0o000);
    const hasSetpriv = spawnSync("setpriv", ["--version"]).status === 0;
    if (isRoot && !hasSetpriv) return;
    const command = isRoot
      ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath]
      : [process.execPath];
    const result = spawnSync(command[0]!, [...command.slice(1), S5_BIN, "render", file], {
      cwd: "/",
      env: { ...box.env, S5_AES_KEY: KEY },
      encoding: "utf8",
    });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(
      "(EACCES) (S5_INPUT)\n  hint: you may not read it: check its permissions",
    );
  });

  // Looking for its project (links followed) must not fail first, with Node's words and no hint:
  // seal chooses a file's project before it reads the file.
  it.runIf(isRoot && spawnSync("setpriv", ["--version"]).status === 0)(
    "a file in a directory another user may not enter: seal says EACCES with what to check",
    () => {
      const box = sandbox();
      chmodSync(box.dir, 0o755);
      const locked = join(box.dir, "locked");
      mkdirSync(join(locked, "sub"), { recursive: true });
      chmodSync(locked, 0o700);
      const file = join(locked, "sub", "a.yml");
      writeFileSync(file, "a: {{ s5:seal x }}\n");
      const result = spawnSync(
        "setpriv",
        [
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          process.execPath,
          S5_BIN,
          "seal",
          file,
        ],
        // A Vault address where nothing listens: the file is read before any key is asked for.
        { cwd: "/", env: { ...box.env, VAULT_ADDR: "http://127.0.0.1:9" }, encoding: "utf8" },
      );
      expect(result.stderr).toBe(
        `s5: error: cannot read ${file} (EACCES) (S5_INPUT)\n  hint: you may not read it: check its permissions and its directories' (\`ls -ld\`), or run s5 as a user who may\n`,
      );
      expect(result.status).toBe(3);
    },
  );

  // A CI container run as `--user 12345` with a clean environment: no HOME, no passwd entry, so
  // `os.homedir()` throws. It was S5_INTERNAL for every command that looks for a key file.
  it.runIf(isRoot && spawnSync("setpriv", ["--version"]).status === 0)(
    "a user with no HOME and no passwd entry: AES renders, a missing key is said",
    () => {
      const box = sandbox();
      writeFileSync(join(box.dir, "app.yml"), "a: 1\n");
      chmodSync(join(box.dir, ".."), 0o755);
      const { HOME: _home, XDG_CONFIG_HOME: _config, ...env } = box.env;
      const s5 = (args: string[], extra: Record<string, string> = {}) =>
        spawnSync(
          "setpriv",
          ["--reuid=48213", "--regid=48213", "--clear-groups", process.execPath, S5_BIN, ...args],
          { cwd: box.dir, env: { ...env, ...extra }, encoding: "utf8" },
        );
      const rendered = s5(["render", "aes", "app.yml"], { S5_AES_KEY: KEY });
      expect(rendered.stderr).toBe("");
      expect(rendered.stdout).toBe("a: 1\n");
      const local = s5(["decipher", "{{ s5:local:v1:abc }}"]);
      expect(local.status).toBe(7);
      expect(local.stderr).toContain("/nonexistent/.config/s5/identity.txt");
      expect(local.stderr).toContain("(S5_KEY_FILE)");
      const vault = s5(["cipher", "vault", "-k", "app", "x"], { VAULT_ADDR: "http://127.0.0.1:1" });
      expect(vault.status).toBe(7);
      expect(vault.stderr).toContain("no Vault token (S5_KEY_VAULT_TOKEN)");
    },
  );

  it("the project config: a directory where .s5.json is found, --config naming a directory or nothing", async () => {
    const box = sandbox();
    writeFileSync(join(box.dir, "a.yml"), "a: 1\n");
    const found = join(box.dir, "found");
    mkdirSync(join(found, ".s5.json"), { recursive: true });
    const inside = await box.s5(["render", "../a.yml"], { cwd: found });
    expect(inside.code).toBe(12);
    expect(inside.stderr).toContain(
      "/found/.s5.json (EISDIR) (S5_CONFIG_READ)\n  hint: it is a directory: s5 takes the .s5.json it finds",
    );
    const directory = await box.s5(["render", "--config", found, "a.yml"]);
    expect(directory.code).toBe(12);
    expect(directory.stderr).toContain(
      `cannot read the project config ${found} (EISDIR) (S5_CONFIG_READ)\n  hint: it is a directory: name the project's .s5.json file`,
    );
    // A path typed on the command line is shown, and the hint is about that path.
    const missing = await box.s5(["render", "--config", "nowhere/x.json", "a.yml"]);
    expect(missing.code).toBe(12);
    expect(missing.stderr).toContain(
      `cannot read the project config ${join(box.dir, "nowhere/x.json")} (ENOENT) (S5_CONFIG_READ)\n  hint: check the path given to --config`,
    );
    expect(missing.stderr).not.toContain("secret itself");
  });

  it("init --dir: a file, or a directory that does not exist, is said before anything is made", async () => {
    const box = sandbox();
    writeFileSync(join(box.dir, "secret.yml"), "a: 1\n");
    const file = await box.s5(["init", "--dir", "secret.yml"]);
    expect(file.code).toBe(4);
    expect(file.stderr).toBe(
      "s5: error: cannot create secret.yml/.s5.json: secret.yml is not a directory (S5_OUTPUT)\n" +
        "  hint: --dir names the directory that will hold .s5.json (--config names the file itself)\n",
    );
    const missing = await box.s5(["init", "--dir", "no/such/dir"]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toBe(
      "s5: error: cannot create no/such/dir/.s5.json: the directory no/such/dir does not exist (S5_OUTPUT)\n" +
        "  hint: create it first (`mkdir -p no/such/dir`), or give --dir a directory that exists\n",
    );
  });
});

describe("an empty path is a usage error naming the argument or variable", () => {
  it("arguments and options", async () => {
    const box = sandbox();
    writeFileSync(join(box.dir, "x.yml"), "a: 1\n");
    const cases: [string[], string][] = [
      [["render", ""], "the FILE argument is empty"],
      [["check", "x.yml", ""], "the FILE|DIR argument is empty"],
      [["render", "-o", "", "x.yml"], "option --output is empty"],
      [["run", "-f", "", "--", "true"], "option --file is empty"],
      [["render", "--config", "", "x.yml"], "option --config is empty"],
      [["init", "--dir", ""], "option --dir is empty"],
    ];
    for (const [args, message] of cases) {
      const result = await box.s5(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(`${message} (S5_USAGE)\n  hint: give it a path`);
    }
  });

  it("S5_CONFIG set to nothing", async () => {
    const box = sandbox();
    writeFileSync(join(box.dir, "x.yml"), "a: 1\n");
    const result = await box.s5(["render", "x.yml"], { env: { S5_CONFIG: "" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "s5: error: S5_CONFIG is empty (S5_USAGE)\n" +
        "  hint: give it the path of the project's .s5.json, or leave it out to find .s5.json from the working directory upward\n",
    );
  });
});

describe("stdin", () => {
  it("a terminal: each command's hint says how it takes its input", () => {
    const box = sandbox();
    const at = (args: string[]) =>
      onTerminal([process.execPath, S5_BIN, ...args], [{ pause: 0 }], box.env);
    const query = at(["tf-external"]);
    expect(query.code).toBe(2);
    expect(query.shown).toContain("OpenTofu's external data source writes it on stdin");
    expect(query.shown).not.toContain("as an argument");
    const render = at(["render"]);
    expect(render.code).toBe(2);
    expect(render.shown).toContain("hint: name a FILE, or pipe the input in");
  });

  it("a directory: EISDIR, as when it is named (render -, cipher, decipher)", () => {
    const box = sandbox();
    for (const args of [["render", "-"], ["render"], ["cipher", "aes"], ["decipher", "aes"]]) {
      const result = withDirectoryStdin(box, args);
      expect(result.status, args.join(" ")).toBe(3);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(
        "cannot read stdin (EISDIR) (S5_INPUT)\n  hint: stdin is a directory",
      );
    }
  });
});

describe("a file a variable names, that is not there", () => {
  it("is named by its variable, not its value, in a hint that reads right", async () => {
    const box = sandbox();
    writeFileSync(
      join(box.dir, "v.yml"),
      `b: {{ s5:vault:v1:${Buffer.alloc(32).toString("base64")} }}\n`,
    );
    const base = { VAULT_ADDR: "https://127.0.0.1:1", VAULT_TOKEN: "root" };
    const ca = await box.s5(["render", "v.yml"], {
      env: { ...base, VAULT_CACERT: "/nonexistent-s5/ca-secret" },
    });
    expect(ca.code).toBe(12);
    expect(ca.stderr).toContain("VAULT_CACERT names no file (ENOENT); its value is not shown");
    expect(ca.stderr).toContain(
      "hint: VAULT_CACERT must hold the path of the CA certificate file: check it;",
    );
    expect(ca.stderr).not.toContain("ca-secret");
    const role = await box.s5(["render", "v.yml"], {
      env: {
        ...base,
        S5_VAULT_AUTH_METHOD: "approle",
        S5_VAULT_ROLE_ID_FILE: "/nonexistent-s5/role-secret",
        S5_VAULT_SECRET_ID: "x",
      },
    });
    expect(role.code).toBe(12);
    expect(role.stderr).toContain(
      "hint: S5_VAULT_ROLE_ID_FILE must hold the path of the file of S5_VAULT_ROLE_ID: check it;",
    );
    expect(role.stderr).not.toContain("role-secret");
    expect(role.stderr).not.toContain("the file of S5_VAULT_ROLE_ID_FILE");
  });

  it("the identity's default path under a config directory that is a file is shown, no variable blamed", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "dev"])).code).toBe(0);
    writeFileSync(join(box.dir, "a.yml"), "a: {{ s5:seal x }}\n");
    expect((await box.s5(["seal", "-i", "a.yml"])).code).toBe(0);
    // ~/.config a file (an unlucky dotfiles setup), S5_IDENTITY_FILE never set. Before: both said
    // "S5_IDENTITY_FILE names no file (ENOTDIR); its value is not shown", and told the user to fix it.
    const config = join(box.env.HOME!, "config-file");
    writeFileSync(config, "not a directory\n");
    const identity = join(config, "s5", "identity.txt");
    const expected =
      `cannot read the identity file ${identity} (ENOTDIR) (S5_KEY_FILE)\n` +
      "  hint: a part of the path is a file, not a directory: check the path";
    for (const args of [["render", "a.yml"], ["init"]]) {
      const out = await box.s5(args, { env: { XDG_CONFIG_HOME: config } });
      expect(out.code, args[0]).toBe(7);
      expect(out.stderr, args[0]).toContain(expected);
      expect(out.stderr, args[0]).not.toContain("S5_IDENTITY_FILE");
    }
    // Named by the variable, its value is still not shown.
    const named = await box.s5(["render", "a.yml"], {
      env: { S5_IDENTITY_FILE: join(config, "secret-like") },
    });
    expect(named.stderr).toContain(
      "S5_IDENTITY_FILE names no file (ENOTDIR); its value is not shown",
    );
    expect(named.stderr).not.toContain("secret-like");
  });
});

describe("a setting with an invalid value", () => {
  it("exits 12 (the README's table) with the accepted values in a hint, never the value", async () => {
    const box = sandbox();
    writeFileSync(join(box.dir, "x.yml"), "a: 1\n");
    writeFileSync(
      join(box.dir, "v.yml"),
      `b: {{ s5:vault:v1:${Buffer.alloc(32).toString("base64")} }}\n`,
    );
    const vault = { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: "root" };
    const run = ["run", "--", "true"];
    const render = ["render", "x.yml"];
    const renderVault = ["render", "v.yml"];
    const boolean = "or to false, 0, no, off, f or n (any case), or unset it for its default";
    const cases: [Record<string, string>, string[], string][] = [
      [{ S5_CONFIG_OVERRIDE: "maybe" }, run, boolean],
      [{ S5_CONFIG_QUIET: "2" }, run, boolean],
      [{ S5_NO_TRIM: "maybe" }, render, boolean],
      [{ S5_LEGACY_TOKENS: "2" }, render, boolean],
      [{ ...vault, VAULT_SKIP_VERIFY: "maybe" }, renderVault, boolean],
      [
        { ...vault, S5_VAULT_BATCH_SIZE: "abc" },
        renderVault,
        "set S5_VAULT_BATCH_SIZE to a whole number of 1 or more, or unset it for its default (240)",
      ],
      [
        { ...vault, S5_VAULT_PARALLELISM: "0" },
        renderVault,
        "set S5_VAULT_PARALLELISM to a whole number of 1 or more, or unset it for its default (8)",
      ],
      [
        { ...vault, VAULT_CLIENT_TIMEOUT: "forever" },
        renderVault,
        "a number with ms, s, m or h (`500ms`, `30s`, `2m`, `1h`)",
      ],
      [{ S5_BACKEND: "bogus" }, render, "backends: local, aes, vault"],
    ];
    for (const [env, args, hint] of cases) {
      const [name, value] = Object.entries(env).at(-1)!;
      const result = await box.s5(args, { env });
      expect(result.code, name).toBe(12);
      expect(result.stderr, name).toContain("(S5_CONFIG_VALUE)");
      expect(result.stderr, name).toContain(
        `hint: ${hint.startsWith("or") ? `set ${name} to true` : ""}`,
      );
      expect(result.stderr, name).toContain(hint);
      // (a digit alone would match the hint's own numbers)
      if (value.length > 2) expect(result.stderr, name).not.toContain(value);
    }
  });
});

describe("a Vault server that does not answer", () => {
  it("the CLI says so at the first failed attempt, before the retries; a library stays silent", async () => {
    const box = sandbox();
    writeFileSync(
      join(box.dir, "v.yml"),
      `b: {{ s5:vault:v1:${Buffer.alloc(32).toString("base64")} }}\n`,
    );
    const env = {
      VAULT_ADDR: "http://127.0.0.1:1",
      VAULT_TOKEN: "root",
      VAULT_MAX_RETRIES: "2",
      S5_VAULT_RETRY_TIMEOUT: "1s",
    };
    // A person at a terminal (stderr a pseudo-terminal) is told at once.
    const shown = onTerminal(
      [process.execPath, S5_BIN, "render", join(box.dir, "v.yml")],
      [{ pause: 0 }],
      { ...box.env, ...env },
    );
    expect(shown.code).toBe(8);
    const [note, ...rest] = shown.shown.split("\r\n");
    expect(note).toBe(
      "s5: note: Vault at http://127.0.0.1:1 is not answering (ECONNREFUSED); retrying for up to 1.0 s (VAULT_MAX_RETRIES, S5_VAULT_RETRY_TIMEOUT)",
    );
    expect(rest.join("\n")).toContain("(S5_VAULT_UNAVAILABLE)");
    expect(shown.shown.match(/s5: note:/g)).toHaveLength(1);
    // A log (stderr a pipe) gets the error only: retries that succeed (a failover) are no news.
    const result = await box.s5(["render", "v.yml"], { env });
    expect(result.code).toBe(8);
    expect(result.stderr).not.toContain("s5: note:");
    expect(result.stderr).toContain("(S5_VAULT_UNAVAILABLE)");
    // s5/config in an application: no note (it has no hook for one), the error only.
    const loader = join(S5_BIN, "../../../loader/dist/config.mjs");
    writeFileSync(
      join(box.dir, ".env"),
      `B=${"{{"} s5:vault:v1:${Buffer.alloc(32).toString("base64")} }}\n`,
    );
    const app = spawnSync(process.execPath, ["--import", loader, "-e", "0"], {
      cwd: box.dir,
      env: { ...box.env, ...env },
      encoding: "utf8",
    });
    expect(app.status).toBe(8);
    expect(app.stderr).toContain("S5_VAULT_UNAVAILABLE");
    expect(app.stderr).not.toContain("note");
  });
});

describe("a malformed AES key: where it was given", () => {
  it("names --key or S5_AES_KEY, never the key", async () => {
    const box = sandbox();
    const bad = "zz11223344556677";
    const token = "{{ s5:aes:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA }}";
    const fromFlag = await box.s5(["decipher", "aes", "--key", bad, token]);
    expect(fromFlag.code).toBe(7);
    expect(fromFlag.stderr).toContain(
      "the AES key from --key must be 32, 48 or 64 hex digits (S5_KEY_AES_INVALID)",
    );
    const fromEnv = await box.s5(["decipher", "aes", token], { env: { S5_AES_KEY: bad } });
    expect(fromEnv.code).toBe(7);
    expect(fromEnv.stderr).toContain(
      "the AES key from S5_AES_KEY must be 32, 48 or 64 hex digits (S5_KEY_AES_INVALID)",
    );
    expect(fromEnv.stderr).toContain("pass it as S5_AES_KEY");
    for (const out of [fromFlag, fromEnv]) expect(out.stderr + out.stdout).not.toContain(bad);
  });
});
