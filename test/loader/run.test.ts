// `s5 run -- CMD`: the decrypted environment, exit codes, signals passed on, and redaction of the
// child's output, also when a value is split across chunks.
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { cipherValues, createBackends, resolveSettings } from "@s5/core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  killRunGroups,
  localProject,
  type Project,
  printVars,
  s5Bin,
  spawnRun,
} from "./helpers.ts";

const DB = "db-password-0123456789";
const API = "api-key-abcdefghijklmnop";

afterEach(killRunGroups);

describe("s5 run", () => {
  let project: Project;
  let tokens: string[];

  beforeAll(async () => {
    project = await localProject();
    tokens = await project.encrypt([DB, API]);
    project.write({
      ".env": `DB_PASSWORD=${tokens[0]}\nPLAIN=plain\n`,
      "prod.env": `API_KEY=${tokens[1]}\nPLAIN=from prod\n`,
    });
  });

  it("runs the command with .env and process.env decrypted", async () => {
    const out = await project.s5(
      ["run", "--", process.execPath, "-e", printVars(["DB_PASSWORD", "PLAIN", "FROM_ENV"])],
      { FROM_ENV: tokens[1]! },
    );
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ DB_PASSWORD: DB, PLAIN: "plain", FROM_ENV: API });
  });

  it("-f FILE (repeatable), --override, and the command without `--`", async () => {
    const names = ["DB_PASSWORD", "API_KEY", "PLAIN"];
    const first = await project.s5([
      "run",
      "-f",
      "prod.env",
      "-f",
      ".env",
      process.execPath,
      "-e",
      printVars(names),
    ]);
    expect(JSON.parse(first.stdout)).toEqual({ DB_PASSWORD: DB, API_KEY: API, PLAIN: "from prod" });
    const only = await project.s5(
      ["run", "-f", "prod.env", "--", process.execPath, "-e", printVars(names)],
      {
        PLAIN: "already set",
      },
    );
    expect(JSON.parse(only.stdout)).toEqual({
      DB_PASSWORD: null,
      API_KEY: API,
      PLAIN: "already set",
    });
    const override = await project.s5(
      ["run", "-f", "prod.env", "--override", "--", process.execPath, "-e", printVars(["PLAIN"])],
      { PLAIN: "already set" },
    );
    expect(JSON.parse(override.stdout)).toEqual({ PLAIN: "from prod" });
  });

  it("exits with the child's exit code; 127 for a command that does not exist", async () => {
    for (const code of [0, 1, 3, 42]) {
      const out = await project.s5(["run", "--", process.execPath, "-e", `process.exit(${code})`]);
      expect(out.code).toBe(code);
    }
    const missing = await project.s5(["run", "--", "no-such-command-s5"]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain(
      "cannot run `no-such-command-s5`: command not found (S5_RUN_NOT_FOUND)\n  hint: check its spelling, that it is installed, and that its directory is in PATH",
    );
  });

  it("a path that is missing, a directory or not executable: 127 or 126, a code and a hint", async () => {
    const missing = await project.s5(["run", "--", "./no-such-script.sh"]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/S5_RUN_NOT_FOUND\)\n {2}hint: check the path/);
    const directory = await project.s5(["run", "--", project.dir]);
    expect(directory.code).toBe(126);
    expect(directory.stderr).toContain("it is a directory (S5_RUN_NOT_EXECUTABLE)");
    expect(directory.stderr).toContain("hint: name the program to run, not a directory");
    project.write({ "plain.sh": "#!/bin/sh\necho hi\n" });
    const notExecutable = await project.s5(["run", "--", "./plain.sh"]);
    expect(notExecutable.code).toBe(126);
    expect(notExecutable.stderr).toContain(
      "cannot run `./plain.sh` (EACCES) (S5_RUN_NOT_EXECUTABLE)",
    );
    expect(notExecutable.stderr).toContain("hint: make it executable (`chmod +x ./plain.sh`)");
  });

  it("a decrypted value too large for one variable of an exec: 126, the name, never the value", async () => {
    // Linux allows one `NAME=value` string of 128 KiB at most (MAX_ARG_STRLEN): a bundle of
    // certificates can be larger. Node's spawn throws E2BIG; s5 said S5_INTERNAL.
    const big = `-----BEGIN CERTIFICATE-----\n${"QUJD".repeat(40_000)}\n`;
    const [token] = await project.encrypt([big]);
    project.write({ "big.env": `CA_BUNDLE=${token}\n` });
    const out = await project.s5(["run", "-f", "big.env", "--", process.execPath, "-e", "0"]);
    expect(out.code).toBe(126);
    expect(out.stderr).toContain(
      "cannot run `" +
        process.execPath +
        "`: CA_BUNDLE is over the 128 KiB the system allows one variable (E2BIG) (S5_RUN_ENV_TOO_BIG)",
    );
    expect(out.stderr).toContain("hint: keep large values in a file instead");
    expect(out.stderr).not.toContain("QUJD");
  });

  it("exits with 128 + the signal number when the child is killed", async () => {
    const killed = await project.s5([
      "run",
      "--",
      process.execPath,
      "-e",
      'process.kill(process.pid, "SIGKILL")',
    ]);
    expect(killed.code).toBe(128 + 9);
    const terminated = await project.s5([
      "run",
      "--",
      process.execPath,
      "-e",
      'process.kill(process.pid, "SIGTERM")',
    ]);
    expect(terminated.code).toBe(128 + 15);
  });

  it("passes SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM and SIGXCPU on to the child", async () => {
    // The last three ended s5 and left the child running behind it, with the decrypted values.
    const signals = [
      "SIGINT",
      "SIGTERM",
      "SIGHUP",
      "SIGQUIT",
      "SIGUSR1",
      "SIGUSR2",
      "SIGALRM",
      "SIGVTALRM",
      "SIGXCPU",
    ] as const;
    const child = `
      for (const signal of ${JSON.stringify(signals)}) {
        process.on(signal, () => { console.log("child got " + signal); process.exit(40); });
      }
      setInterval(() => {}, 1000);
      console.log("ready");
    `;
    for (const signal of signals) {
      const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const s5 = spawnRun(["--", process.execPath, "-e", child], {
          cwd: project.dir,
          env: project.env,
        });
        let stdout = "";
        s5.stdout.on("data", (chunk) => {
          stdout += chunk;
          if (stdout.includes("ready") && !stdout.includes("sent")) {
            stdout += "sent\n";
            s5.kill(signal);
          }
        });
        s5.on("close", (code) => resolve({ code, stdout }));
      });
      expect(result.stdout).toContain(`child got ${signal}`);
      expect(result.code).toBe(40);
    }
    // A child without a handler dies of the forwarded signal: 128 + 15.
    const plain = await new Promise<number | null>((resolve) => {
      const s5 = spawnRun(
        ["--", process.execPath, "-e", 'setInterval(() => {}, 1000); console.log("ready")'],
        { cwd: project.dir, env: project.env },
      );
      s5.stdout.once("data", () => s5.kill("SIGTERM"));
      s5.on("close", (code) => resolve(code));
    });
    expect(plain).toBe(143);
  });

  it("--redact replaces decrypted values in stdout and stderr, also split across chunks", async () => {
    // Each value is written in pieces, with pauses, so it arrives in several chunks.
    const child = `
      const write = (stream, text, pieces) => new Promise((done) => {
        const size = Math.ceil(text.length / pieces);
        let at = 0;
        const next = () => {
          if (at >= text.length) return done();
          stream.write(text.slice(at, at + size));
          at += size;
          setTimeout(next, 30);
        };
        next();
      });
      (async () => {
        await write(process.stdout, "db=" + process.env.DB_PASSWORD + ";api=" + process.env.API_KEY + "\\n", 7);
        await write(process.stderr, "warn " + process.env.DB_PASSWORD + "\\n", 3);
        process.stdout.write("almost " + process.env.DB_PASSWORD.slice(0, 6) + "\\n");
        process.stdout.write("end");
      })();
    `;
    const out = await project.s5(["run", "--redact", "--", process.execPath, "-e", child], {
      API_KEY: tokens[1]!,
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`db=[REDACTED];api=[REDACTED]\nalmost ${DB.slice(0, 6)}\nend`);
    expect(out.stderr).toBe("warn [REDACTED]\n");

    const clear = await project.s5(["run", "--", process.execPath, "-e", child], {
      API_KEY: tokens[1]!,
    });
    expect(clear.stdout).toContain(DB);
  });

  it("--redact also replaces a value as a JSON logger prints it (escaped newline, quote, non-ASCII)", async () => {
    const other = await localProject();
    const pem = '-----BEGIN KEY-----\nMIIE"Pa\\ss-é-Zq\n-----END KEY-----';
    const [token] = await other.encrypt([pem]);
    other.write({ ".env": `PEM=${token}\n` });
    const child = [
      "console.log(JSON.stringify({ pem: process.env.PEM }));",
      "console.log(JSON.stringify(process.env.PEM).replace(/[^\\x00-\\x7f]/g, (c) => '\\\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')));",
      "console.log(process.env.PEM);",
    ].join("\n");
    const out = await other.s5(["run", "--redact", "--", process.execPath, "-e", child]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('{"pem":"[REDACTED]"}\n"[REDACTED]"\n[REDACTED]\n');
  });

  it("a token that cannot be decrypted: the command never runs, the message names the variable", async () => {
    const marker = join(project.dir, "ran.txt");
    const out = await project.s5(
      [
        "run",
        "--",
        process.execPath,
        "-e",
        `require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`,
      ],
      { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" },
    );
    expect(out.code).toBe(7);
    expect(existsSync(marker)).toBe(false);
    expect(out.stderr).toContain("DB_PASSWORD (.env:1:13)");
    expect(out.stderr).not.toContain(DB);
    expect(out.stderr).not.toContain(tokens[0]!);
  });

  it("a binary value is refused with its variable (s5 run and s5/config); a BOM is kept", async () => {
    const other = await localProject();
    await using backends = createBackends(resolveSettings({ cwd: other.dir, env: other.env }));
    const [binary, bom] = await cipherValues(backends, "local", [
      Uint8Array.from([0xff, 0xfe, 0x80, 0x61, 0x62]),
      Buffer.from("\ufeffpw-bom", "utf8"),
    ]);
    other.write({ ".env": `BOM=${bom}\n` });
    const kept = await other.s5(["run", "--", process.execPath, "-e", printVars(["BOM"])]);
    expect(kept.stderr).toBe("");
    expect(JSON.parse(kept.stdout)).toEqual({ BOM: "\ufeffpw-bom" });
    other.write({ ".env": `BIN=${binary}\n` });
    other.write({ "app.mjs": 'import "s5/config";\nconsole.log("started", process.env.BIN);\n' });
    for (const out of [
      await other.s5(["run", "--", process.execPath, "-e", printVars(["BIN"])]),
      await other.node(["app.mjs"]),
    ]) {
      expect(out.code).toBe(5);
      expect(out.stdout).toBe("");
      expect(out.stderr).toContain("BIN (.env:1:5): this token's plaintext is binary");
      expect(out.stderr).toContain("| base64");
    }
  });

  it("a plaintext or a .env value with a NUL byte: the command never runs, the variable is named (no internal error)", async () => {
    // spawn() threw on the NUL, with the value in its message: s5 said "unexpected internal error".
    const other = await localProject();
    const [nul] = await other.encrypt(["before\0after-secret"]);
    for (const [env, code, reason] of [
      [`OK=1\nNUL=${nul}\n`, 5, "NUL (.env:2:5): this token's plaintext holds a NUL byte"],
      ["OK=1\nNUL=before\0after-secret\n", 3, "NUL (.env:2:11): the value holds a NUL byte"],
    ] as const) {
      other.write({ ".env": env });
      const out = await other.s5(["run", "--", process.execPath, "-e", 'console.log("RAN")']);
      expect(out.stdout).toBe("");
      expect(out.code).toBe(code);
      expect(out.stderr).toContain(reason);
      expect(out.stderr).not.toContain("S5_INTERNAL");
      expect(out.stderr).not.toContain("before");
    }
  });

  it("keeps the files of s5's keys and tokens from the command, as S5_PRIVATE_KEY_FILE, unless --pass-credentials", async () => {
    // S5_IDENTITY_FILE (a private key), VAULT_TOKEN_PATH and VAULT_CLIENT_KEY reached the command.
    const identity = join(project.home, ".config", "s5", "identity.txt");
    const files = {
      S5_IDENTITY_FILE: identity,
      VAULT_TOKEN_PATH: join(project.home, "vault-token"),
      BAO_TOKEN_PATH: join(project.home, "bao-token"),
      VAULT_CLIENT_KEY: join(project.home, "client.key"),
      BAO_CLIENT_KEY: join(project.home, "bao-client.key"),
    };
    const names = ["DB_PASSWORD", ...Object.keys(files)];
    const none = Object.fromEntries(Object.keys(files).map((name) => [name, null]));
    const kept = await project.s5(["run", "--", process.execPath, "-e", printVars(names)], files);
    expect(kept.stderr).toBe("");
    expect(JSON.parse(kept.stdout)).toEqual({ DB_PASSWORD: DB, ...none });
    const passed = await project.s5(
      ["run", "--pass-credentials", "--", process.execPath, "-e", printVars(names)],
      files,
    );
    expect(JSON.parse(passed.stdout)).toEqual({ DB_PASSWORD: DB, ...files });
  });

  it("keeps every credential s5 reads from the command, the Vault login's too, unless --pass-credentials", async () => {
    // Each name s5 takes a key, a token or a login from, or the file holding one.
    const credentials = {
      S5_PRIVATE_KEY_FILE: join(project.home, ".config", "s5", "identity.txt"),
      S5_AES_KEY: "11".repeat(32),
      S5_VAULT_ROLE_ID: "role-id-Pq4",
      S5_VAULT_ROLE_ID_FILE: join(project.home, "role-id"),
      S5_VAULT_SECRET_ID: "secret-id-Pq4",
      S5_VAULT_SECRET_ID_FILE: join(project.home, "secret-id"),
      S5_VAULT_JWT: "jwt-Pq4",
      S5_VAULT_JWT_FILE: join(project.home, "jwt"),
      VAULT_TOKEN: "s.vault-token-Pq4",
      BAO_TOKEN: "s.bao-token-Pq4",
      // A proxy's login is a credential too (no Vault request is made here).
      VAULT_HTTP_PROXY: "http://proxy-user:proxy-pw-Pq4@127.0.0.1:9",
      VAULT_PROXY_ADDR: "http://proxy-user:proxy-pw-Pq5@127.0.0.1:9",
    };
    const names = ["DB_PASSWORD", "BAO_HTTP_PROXY", ...Object.keys(credentials)];
    const none = Object.fromEntries(Object.keys(credentials).map((name) => [name, null]));
    const kept = await project.s5(
      ["run", "--", process.execPath, "-e", printVars(names)],
      credentials,
    );
    expect(kept.stderr).toBe("");
    expect(JSON.parse(kept.stdout)).toEqual({ DB_PASSWORD: DB, BAO_HTTP_PROXY: null, ...none });
    const passed = await project.s5(
      ["run", "--pass-credentials", "--", process.execPath, "-e", printVars(names)],
      credentials,
    );
    expect(JSON.parse(passed.stdout)).toEqual({
      DB_PASSWORD: DB,
      BAO_HTTP_PROXY: null,
      ...credentials,
    });
    // A proxy without a login is where s5 connects, not a credential: the command gets it.
    const plain = await project.s5(["run", "--", process.execPath, "-e", printVars(names)], {
      BAO_HTTP_PROXY: "http://127.0.0.1:9",
    });
    expect(JSON.parse(plain.stdout)).toMatchObject({ BAO_HTTP_PROXY: "http://127.0.0.1:9" });
    // The general proxy variables are the command's too (its own requests go through them), a
    // login in them included: s5 reads them, it does not own them.
    const general = {
      HTTPS_PROXY: "http://corp-user:corp-pw-Pq6@127.0.0.1:9",
      NO_PROXY: "corp.test",
    };
    const shared = await project.s5(
      ["run", "--", process.execPath, "-e", printVars(Object.keys(general))],
      general,
    );
    expect(JSON.parse(shared.stdout)).toEqual(general);
    // Without a scheme, `new URL` reads `proxy-user:` as one and finds no login: still a login.
    for (const proxy of ["proxy-user:proxy-pw-Pq4@127.0.0.1:9", "proxy-user@127.0.0.1:9"]) {
      const bare = await project.s5(["run", "--", process.execPath, "-e", printVars(names)], {
        VAULT_HTTP_PROXY: proxy,
      });
      expect(bare.stdout).not.toContain("proxy-user");
      expect(JSON.parse(bare.stdout)).toMatchObject({ VAULT_HTTP_PROXY: null });
    }
  });

  it("an s5 beneath s5 run or s5/config does not take its settings from the .env files", async () => {
    // A committed .env naming an address: the inner s5 would send the Vault token file there.
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${req.headers["x-vault-token"] ?? ""}`);
      // Refused at once (a 5xx would be retried with backoff for seconds).
      res
        .writeHead(403, { "content-type": "application/json" })
        .end('{"errors":["permission denied"]}');
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const other = await localProject();
      writeFileSync(join(other.home, ".vault-token"), "s.victim-token", { mode: 0o600 });
      other.write({ ".env": `VAULT_ADDR=${address}\nS5_BACKEND=vault\nPLAIN=1\n` });
      const token = `vault:v1:${Buffer.alloc(32).toString("base64")}`;
      const inner = [s5Bin, "decipher", token];
      const home = { HOME: other.home };
      const nested = await other.s5(["run", "--", process.execPath, ...inner], home);
      expect(nested.code).toBe(7);
      expect(nested.stderr).toContain("the Vault backend needs VAULT_ADDR (S5_CONFIG_VAULT_ADDR)");
      expect(nested.stderr).toContain("came from a .env file");
      // Through an app started with s5/config, which runs s5 itself.
      const app = `require("node:child_process").spawnSync(process.execPath, ${JSON.stringify(inner)}, { stdio: "inherit" });`;
      const viaApp = await other.node(["--require", "s5/config", "-e", app], home);
      expect(viaApp.stderr).toContain("(S5_CONFIG_VAULT_ADDR)");
      expect(requests).toEqual([]);
      // The command still gets the variables; a value it sets itself is its own choice.
      const seen = await other.s5(
        ["run", "--", process.execPath, "-e", printVars(["VAULT_ADDR", "S5_BACKEND"])],
        home,
      );
      expect(JSON.parse(seen.stdout)).toEqual({ VAULT_ADDR: address, S5_BACKEND: "vault" });
      const own = `VAULT_ADDR=${address}/ exec "${process.execPath}" ${inner.map((a) => `"${a}"`).join(" ")}`;
      await other.s5(["run", "--", "sh", "-c", own], home);
      expect(requests.length).toBeGreaterThan(0);
      // A file cannot clear the mark: it is always s5's own.
      other.write({ ".env": `VAULT_ADDR=${address}\nS5_SET_FROM_FILES=\n` });
      requests.length = 0;
      const cleared = await other.s5(["run", "--", process.execPath, ...inner], home);
      expect(cleared.stderr).toContain("(S5_CONFIG_VAULT_ADDR)");
      expect(requests).toEqual([]);
    } finally {
      server.close();
    }
  });

  it("without a command: a usage error", async () => {
    const out = await project.s5(["run", "--redact"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("the command to run is missing");
  });
});
