// `s5/config` with local keys, in every way an application can load it: an ESM side-effect import
// followed by sibling imports, require(), --import, -r, NODE_OPTIONS; failures that stop the app.
import {
  chmodSync,
  chownSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { cipherValues, createBackends, resolveSettings } from "@s5/core";
import { beforeAll, describe, expect, it } from "vitest";
import { isRoot } from "../cli/files.ts";
import { damagedCopies, expectIntact, LOG_CACHED_DATA, scriptSpy } from "../script-spy.ts";
import { localProject, type Project, printVars, root, SIBLING_ESM } from "./helpers.ts";

const DB = "db-pa55word-with-$dollar-and-#hash";
const API = "api-key-0123456789abcdef";
const MULTI = "line one\nline two";

describe("s5/config with local keys", () => {
  let project: Project;
  let tokens: string[];

  beforeAll(async () => {
    project = await localProject();
    tokens = await project.encrypt([DB, API, MULTI]);
    project.write({
      ".env": [
        "# comment",
        `DB_PASSWORD=${tokens[0]}`,
        `API_KEY="${tokens[1]}"`,
        `MULTI="prefix ${tokens[2]} suffix"`,
        "PLAIN=plain value",
        "",
      ].join("\n"),
      "sibling.mjs": SIBLING_ESM,
      "esm-app.mjs": [
        'import "s5/config";',
        'import { seen } from "./sibling.mjs";',
        "console.log(JSON.stringify({ DB_PASSWORD: seen.DB_PASSWORD, API_KEY: seen.API_KEY, MULTI: seen.MULTI, PLAIN: seen.PLAIN }));",
      ].join("\n"),
      "cjs-app.cjs": `require("s5/config");\n${printVars(["DB_PASSWORD", "API_KEY", "PLAIN"])}\n`,
      "plain-app.mjs": `${printVars(["DB_PASSWORD", "API_KEY", "PLAIN"])}\n`,
      "plain-app.cjs": `${printVars(["DB_PASSWORD", "API_KEY", "PLAIN"])}\n`,
    });
  });

  const expected = { DB_PASSWORD: DB, API_KEY: API, PLAIN: "plain value" };

  it('ESM: the sibling imported after `import "s5/config"` already sees decrypted values', async () => {
    const out = await project.node(["esm-app.mjs"]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      ...expected,
      MULTI: `prefix ${MULTI} suffix`,
    });
  });

  it('CommonJS: require("s5/config") decrypts synchronously', async () => {
    const out = await project.node(["cjs-app.cjs"]);
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual(expected);
  });

  it("node --import s5/config (ESM main) and node -r s5/config (CommonJS main)", async () => {
    const imported = await project.node(["--import", "s5/config", "plain-app.mjs"]);
    expect(imported.stderr).toBe("");
    expect(JSON.parse(imported.stdout)).toEqual(expected);
    const required = await project.node(["-r", "s5/config", "plain-app.cjs"]);
    expect(required.stderr).toBe("");
    expect(JSON.parse(required.stdout)).toEqual(expected);
    const eval_ = await project.node(["-r", "s5/config", "-e", printVars(["DB_PASSWORD"])]);
    expect(JSON.parse(eval_.stdout)).toEqual({ DB_PASSWORD: DB });
  });

  it("NODE_OPTIONS=--import s5/config and --require s5/config", async () => {
    for (const flag of ["--import s5/config", "--require s5/config"]) {
      const out = await project.node(["plain-app.mjs"], { NODE_OPTIONS: flag });
      expect(out.stderr).toBe("");
      expect(JSON.parse(out.stdout)).toEqual(expected);
    }
  });

  it("decrypts tokens already in process.env (Docker, Kubernetes, node --env-file); existing values win over .env", async () => {
    writeFileSync(join(project.dir, "extra.env"), `FROM_ENV_FILE=${tokens[1]}\n`);
    const out = await project.node(
      [
        "--env-file=extra.env",
        "-r",
        "s5/config",
        "-e",
        printVars(["FROM_DOCKER", "FROM_ENV_FILE", "DB_PASSWORD"]),
      ],
      { FROM_DOCKER: `x-${tokens[0]}-y`, DB_PASSWORD: "set by the platform" },
    );
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({
      FROM_DOCKER: `x-${DB}-y`,
      FROM_ENV_FILE: API,
      DB_PASSWORD: "set by the platform",
    });
  });

  it("S5_CONFIG_OVERRIDE lets .env replace variables that are already set", async () => {
    const out = await project.node(["-r", "s5/config", "-e", printVars(["DB_PASSWORD"])], {
      DB_PASSWORD: "set by the platform",
      S5_CONFIG_OVERRIDE: "true",
    });
    expect(JSON.parse(out.stdout)).toEqual({ DB_PASSWORD: DB });
  });

  it("S5_CONFIG_PATH reads several files; the first that sets a variable wins (the last with override)", async () => {
    project.write({
      "one.env": `SHARED=${tokens[0]}\nONLY_ONE=1\n`,
      "two.env": `SHARED=${tokens[1]}\nONLY_TWO=2\n`,
    });
    const names = ["SHARED", "ONLY_ONE", "ONLY_TWO", "PLAIN"];
    const first = await project.node(["-r", "s5/config", "-e", printVars(names)], {
      S5_CONFIG_PATH: "one.env, two.env",
    });
    expect(JSON.parse(first.stdout)).toEqual({
      SHARED: DB,
      ONLY_ONE: "1",
      ONLY_TWO: "2",
      PLAIN: null,
    });
    const last = await project.node(["-r", "s5/config", "-e", printVars(names)], {
      S5_CONFIG_PATH: "one.env,two.env",
      S5_CONFIG_OVERRIDE: "1",
    });
    expect(JSON.parse(last.stdout).SHARED).toBe(API);
  });

  it("quiet by default; S5_CONFIG_QUIET=false prints one line; S5_CONFIG_DEBUG never prints a value", async () => {
    const loud = await project.node(["plain-app.mjs"], {
      NODE_OPTIONS: "--import s5/config",
      S5_CONFIG_QUIET: "false",
    });
    expect(loud.stderr).toMatch(
      /^\[s5\] set 4 variables from \.env \(3 decrypted\) in [\d.]+ ms\n$/,
    );
    const debug = await project.node(["plain-app.mjs"], {
      NODE_OPTIONS: "--import s5/config",
      S5_CONFIG_DEBUG: "1",
    });
    expect(debug.stderr).toContain("[s5] debug:");
    expect(debug.stderr).toContain("DB_PASSWORD");
    expect(debug.stderr).toContain("decrypted in this thread");
    for (const secret of [DB, API, "line one", "plain value", ...tokens]) {
      expect(debug.stderr).not.toContain(secret);
    }
  });

  it("variables named like an object's own methods (constructor, toString) are set, as dotenv sets them", async () => {
    // They were taken for "already set" (inherited by every object) and silently left out.
    const names = ["constructor", "toString", "valueOf", "hasOwnProperty", "PLAIN"];
    const other = await localProject();
    const [token] = await other.encrypt([DB]);
    other.write({
      ".env": `constructor=${token}\ntoString=t\nvalueOf=v\nhasOwnProperty=h\nPLAIN=p\n`,
      "print.cjs": `console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, Object.hasOwn(process.env, n) ? process.env[n] : null]))));`,
    });
    const want = { constructor: DB, toString: "t", valueOf: "v", hasOwnProperty: "h", PLAIN: "p" };
    for (const args of [
      ["-r", "s5/config", "print.cjs"],
      ["--import", "s5/preload", "print.cjs"],
    ]) {
      const out = await other.node(args);
      expect(out.stderr).toBe("");
      expect(JSON.parse(out.stdout)).toEqual(want);
    }
    const run = await other.s5(["run", "--", process.execPath, "print.cjs"]);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual(want);
  });

  it("no .env and no tokens: a silent no-op that starts no decryption", async () => {
    const empty = await localProject();
    empty.write({ "app.mjs": `import "s5/config";\n${printVars(["HOME_SET"])}\n` });
    const out = await empty.node(["app.mjs"], { HOME_SET: "yes" });
    expect(out).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(out.stdout)).toEqual({ HOME_SET: "yes" });
    const debug = await empty.node(["app.mjs"], { S5_CONFIG_DEBUG: "1" });
    expect(debug.stderr).toContain("no .env file");
    expect(debug.stderr).toContain("nothing to do");
    expect(debug.stderr).not.toContain("decrypted in");
  });

  it("the engine's cached data of a start without tokens is replaced once by that of a start with tokens", async () => {
    const cache = mkdtempSync(join(tmpdir(), "s5-loader-reach-"));
    const env = { XDG_CACHE_HOME: cache };
    const file = () => {
      const dir = join(cache, "s5", "code-cache");
      const names = readdirSync(dir);
      expect(names).toEqual([
        expect.stringMatching(/^engine-config-[0-9a-f]{16}-v[\d.]+-\w+\.bin$/),
      ]);
      return join(dir, names[0]!);
    };
    // No token in the environment or in a .env: the file covers only what that start ran.
    const bare = await localProject();
    bare.write({ "app.mjs": `import "s5/config";\n${printVars(["X"])}\n` });
    expect((await bare.node(["app.mjs"], env)).code).toBe(0);
    expect(readFileSync(file())[0]).toBe(0);
    const first = readFileSync(file());
    // A start that decrypts rewrites it (decryption code compiled in), once.
    const out = await project.node(["esm-app.mjs"], env);
    expect(JSON.parse(out.stdout)).toMatchObject(expected);
    const second = readFileSync(file());
    expect(second[0]).toBe(1);
    expect(second.equals(first)).toBe(false);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    await project.node(["esm-app.mjs"], env);
    expect(readFileSync(file()).equals(second)).toBe(true);
    // A later start without tokens keeps the fuller file.
    expect((await bare.node(["app.mjs"], env)).code).toBe(0);
    expect(readFileSync(file()).equals(second)).toBe(true);
    rmSync(cache, { recursive: true, force: true });
  });

  it("the engine's cached data is not used when a byte of it changed on disk: the start is right, and the file written again", async () => {
    // V8 checks a cache's header, not its payload (a release build skips the checksum): one byte
    // changed there crashed every later start (SIGSEGV) or ran wrong code.
    const cache = mkdtempSync(join(tmpdir(), "s5-loader-damage-"));
    const { preload, log } = scriptSpy(
      cache,
      `options?.filename === "s5-engine.js"`,
      LOG_CACHED_DATA,
    );
    const env = { XDG_CACHE_HOME: cache, NODE_OPTIONS: `--require ${preload}` };
    const start = async () => {
      const out = await project.node(["esm-app.mjs"], env);
      expect(out.stderr).toBe("");
      expect(JSON.parse(out.stdout)).toMatchObject(expected);
    };
    await start();
    const dir = join(cache, "s5", "code-cache");
    const name = readdirSync(dir).find((n) => n.startsWith("engine-config-"))!;
    const file = join(dir, name);
    const good = readFileSync(file);
    await start();
    expect(readFileSync(log, "utf8").trim().split("\n").at(-1)).toBe("given");

    // Nine places through the file, each alone: V8's header, its payload, the last byte.
    for (const damaged of damagedCopies(good)) {
      writeFileSync(file, damaged);
      writeFileSync(log, "");
      await start();
      expect(readFileSync(log, "utf8")).toBe("none\n");
      expectIntact(readFileSync(file), 1); // written again, whole; 1: tokens were decrypted
    }
    rmSync(cache, { recursive: true, force: true });
  });

  it("compiles the engine's text as the loader's chunk holds it: no second copy made around it", async () => {
    // V8 keeps the compiled string as the script's source for as long as the process runs. The
    // engine once wrapped the chunk's literal in a function at start: a second string of
    // ~160 kB beside the literal, in the app's thread and again in the worker. The build wraps it.
    const dir = mkdtempSync(join(tmpdir(), "s5-loader-script-"));
    const { preload, log: compiled } = scriptSpy(
      dir,
      `options?.filename === "s5-engine.js"`,
      "fs.writeFileSync(log, source);",
    );
    const out = await project.node(["esm-app.mjs"], { NODE_OPTIONS: `--require ${preload}` });
    expect(JSON.parse(out.stdout)).toMatchObject(expected);
    // The chunk's string literal that starts as the engine's text does, read as JavaScript reads it.
    const dist = join(root, "packages/loader/dist");
    const chunk = readdirSync(dist).find((name) => /^engine-.*\.mjs$/.test(name));
    const text = readFileSync(join(dist, chunk!), "utf8");
    const source = readFileSync(compiled, "utf8");
    const start = text.indexOf(JSON.stringify(source.slice(0, 40)).slice(0, -1));
    expect(start).toBeGreaterThan(-1);
    let end = start + 1;
    while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
    expect(runInNewContext(text.slice(start, end + 1)) === source).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it("with HOME set, a start loads no node:os (dotenv reads it only for config()'s `~` paths)", async () => {
    // node:os is not in Node's start-up snapshot: loading it cost every start ~1.1 M instructions.
    project.write({
      "os-app.mjs": `import "s5/config";\nconsole.log(JSON.stringify({ os: process.moduleLoadList.includes("NativeModule os"), DB_PASSWORD: process.env.DB_PASSWORD }));\n`,
    });
    const out = await project.node(["os-app.mjs"]);
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({ os: false, DB_PASSWORD: DB });
  });

  it("writing its cached data, the engine keeps the three newest files of other builds for that use, and clears stale temporary files", async () => {
    const cache = mkdtempSync(join(tmpdir(), "s5-loader-prune-"));
    const dir = join(cache, "s5", "code-cache");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(join(cache, "s5"), 0o700);
    const daysAgo = (name: string, days: number) => {
      writeFileSync(join(dir, name), "old", { mode: 0o600 });
      const when = new Date(Date.now() - days * 86_400_000);
      utimesSync(join(dir, name), when, when);
    };
    const other = (i: number) => `engine-config-${String(i).repeat(16)}-v22.0.0-x64.bin`;
    for (let i = 1; i <= 5; i++) daysAgo(other(i), i); // 1 is the newest
    daysAgo("engine-preload-1111111111111111-v22.0.0-x64.bin", 9); // another use: kept
    daysAgo("config-worker-1111111111111111-v22.0.0-x64.bin", 9); // the worker's: kept here
    daysAgo("engine-config-x.bin.123.abc.tmp", 1); // an interrupted write, a day old
    writeFileSync(join(dir, "engine-config-y.bin.456.def.tmp"), "in progress"); // just now

    const out = await project.node(["esm-app.mjs"], { XDG_CACHE_HOME: cache });
    expect(JSON.parse(out.stdout)).toMatchObject(expected);
    const left = readdirSync(dir).sort();
    const ours = left.filter((name) => /^engine-config-[0-9a-f]{16}-v[\d.]+-\w+\.bin$/.test(name));
    expect(ours.filter((name) => !/^engine-config-(\d)\1{15}-/.test(name))).toHaveLength(1);
    expect(left).toEqual(
      [
        ...ours.filter((name) => !/^engine-config-(\d)\1{15}-/.test(name)),
        other(1),
        other(2),
        other(3),
        "engine-preload-1111111111111111-v22.0.0-x64.bin",
        "config-worker-1111111111111111-v22.0.0-x64.bin",
        "engine-config-y.bin.456.def.tmp",
      ].sort(),
    );
    rmSync(cache, { recursive: true, force: true });
  });
});

describe("s5/config never starts the application half-configured", () => {
  let project: Project;
  let tokens: string[];

  beforeAll(async () => {
    project = await localProject();
    tokens = await project.encrypt([DB, API]);
    project.write({
      "app.mjs": 'import "s5/config";\nconsole.log("APP STARTED");\n',
      "app.cjs": 'require("s5/config");\nconsole.log("APP STARTED");\n',
    });
  });

  function expectStopped(out: { code: number | null; stdout: string; stderr: string }) {
    expect(out.stdout).not.toContain("APP STARTED");
    expect(out.code).not.toBe(0);
    for (const secret of [DB, API, ...tokens]) expect(out.stderr).not.toContain(secret);
  }

  it("a missing key: names every variable with its .env line and the reason, exits 7, in every mode", async () => {
    project.write({ ".env": `PLAIN=1\nDB_PASSWORD=${tokens[0]}\n\nAPI_KEY=${tokens[1]}\n` });
    // Another user: no identity in this HOME.
    const stranger = {
      HOME: join(project.home, "nobody"),
      XDG_CONFIG_HOME: join(project.home, "nobody"),
    };
    for (const args of [
      ["app.mjs"],
      ["app.cjs"],
      ["--import", "s5/config", "-e", "0"],
      ["-r", "s5/config", "-e", "0"],
    ]) {
      const out = await project.node(args, stranger);
      expectStopped(out);
      expect(out.code).toBe(7);
      expect(out.stderr).toContain("[s5] cannot start: 2 variables could not be decrypted");
      expect(out.stderr).toContain("DB_PASSWORD (.env:2:13), API_KEY (.env:4:9)");
      expect(out.stderr).toMatch(/hint: /);
    }
    // dotenv makes `\n` in a double-quoted value a line break: the place is still the file's.
    project.write({
      ".env": `DB_PASSWORD="one\\n${tokens[0]}"\nAPI_KEY="a\\r\\nb\n\\n ${tokens[1]}"\n`,
    });
    const escaped = await project.node(["app.mjs"], stranger);
    expectStopped(escaped);
    expect(escaped.stderr).toContain("DB_PASSWORD (.env:1:19), API_KEY (.env:3:4)");
  });

  it("an altered token (exit 6) and a malformed one (exit 5); process.env variables are named too", async () => {
    const altered = tokens[0]!.replace(
      /:([A-Za-z0-9_-]{10})/,
      (_, id) => `:${id.split("").reverse().join("")}`,
    );
    project.write({ ".env": `DB_PASSWORD=${altered}\n` });
    const bad = await project.node(["app.mjs"]);
    expectStopped(bad);
    expect(bad.stderr).toContain("DB_PASSWORD (.env:1:13)");

    project.write({ ".env": "BROKEN={{ s5:local:abc\n" });
    const malformed = await project.node(["app.mjs"]);
    expectStopped(malformed);
    expect(malformed.code).toBe(5);
    expect(malformed.stderr).toContain("BROKEN (.env:1:8): malformed token");

    project.write({ ".env": "" });
    const fromEnv = await project.node(["app.mjs"], { FROM_ENV: `{{ s5:local:zzzzzzzz:AAAA }}` });
    expectStopped(fromEnv);
    expect(fromEnv.stderr).toContain("FROM_ENV (process.env)");
  });

  it("a NUL byte, in a plaintext or a .env value, stops the start naming the variable; the value is never cut short", async () => {
    // Node cut process.env at the NUL ("before") and started the app with it.
    const [nul] = await project.encrypt(["before\0after-secret"]);
    for (const args of [["app.mjs"], ["--import", "s5/preload", "app.mjs"]]) {
      project.write({ ".env": `PLAIN=1\nNUL=${nul}\nDB_PASSWORD=${tokens[0]}\n` });
      const decrypted = await project.node(args);
      expectStopped(decrypted);
      expect(decrypted.code).toBe(5);
      expect(decrypted.stderr).toContain("NUL (.env:2:5): this token's plaintext holds a NUL byte");
      expect(decrypted.stderr).not.toContain("before");
      project.write({ ".env": `PLAIN=1\nRAW=before\0after-secret\n` });
      const raw = await project.node(args);
      expectStopped(raw);
      expect(raw.code).toBe(3);
      expect(raw.stderr).toContain("RAW (.env:2:11): the value holds a NUL byte");
      expect(raw.stderr).not.toContain("before");
    }
  });

  /** The `.env` as written refused by s5/config, s5/preload and s5 run alike, with `place`. */
  async function expectQuoteRefused(place: string) {
    for (const out of [
      await project.node(["app.mjs"]),
      await project.node(["--import", "s5/preload", "app.mjs"]),
      await project.s5(["run", "--", process.execPath, "-e", 'console.log("APP STARTED")']),
    ]) {
      expectStopped(out);
      expect(out.code).toBe(3);
      expect(out.stderr).toContain(place);
      expect(out.stderr).toContain("S5_INPUT_QUOTE");
    }
  }

  it("a token whose closing quote is missing stops the start with its place (S5_INPUT_QUOTE); a plain value gets a warning", async () => {
    // dotenv kept the quote: the app started with DB_PASSWORD = '"' + the secret, without a word.
    project.write({ "print.mjs": `${printVars(["QUOTED", "PLAIN", "LAST"])}\n` });
    for (const quote of ['"', "'", "`"]) {
      project.write({ ".env": `PLAIN=1\nQUOTED=${quote}${tokens[0]}\nLAST=2\n` });
      await expectQuoteRefused(
        `QUOTED (.env:2:8): the value starts with ${quote} but does not end with one`,
      );
      // No token: what dotenv sets, with a warning naming the place and the variable.
      project.write({ ".env": `PLAIN=1\nQUOTED=${quote}not a secret # note\nLAST=2\n` });
      const plain = await project.node(["--import", "s5/config", "print.mjs"]);
      expect(plain.code).toBe(0);
      expect(JSON.parse(plain.stdout)).toEqual({
        QUOTED: `${quote}not a secret`,
        PLAIN: "1",
        LAST: "2",
      });
      expect(plain.stderr).toBe(
        `[s5] warning: .env:2:8: QUOTED: the value starts with ${quote} but does not end with one, so dotenv keeps the quote in the value (S5_INPUT_QUOTE); close it if it is not meant to be there\n`,
      );
    }
    // Closed, but text after the closing quote (only a comment may follow): dotenv keeps it all.
    project.write({ ".env": `PLAIN=1\nQUOTED="${tokens[0]}" 'x'\nLAST=2\n` });
    await expectQuoteRefused(
      "QUOTED (.env:2:8): text follows the value's closing \" on its line: dotenv then keeps the quotes and that text",
    );
    // An escaped quote closes nothing (dotenv's reading): the quote is missing, not followed.
    project.write({ ".env": `PLAIN=1\nQUOTED="${tokens[0]}\\"x\nLAST=2\n` });
    await expectQuoteRefused(
      'QUOTED (.env:2:8): the value starts with " but does not end with one',
    );
    // The warning is printed when the start is quiet too: quiet is for the line of a good start.
    project.write({ ".env": `PLAIN=1\nQUOTED="plain"x\nLAST=2\n` });
    const trailing = await project.node(["--import", "s5/config", "print.mjs"], {
      S5_CONFIG_QUIET: "true",
    });
    expect(JSON.parse(trailing.stdout).QUOTED).toBe('"plain"x');
    expect(trailing.stderr).toBe(
      `[s5] warning: .env:2:8: QUOTED: text follows the value's closing ", so dotenv keeps the quotes and that text in the value (S5_INPUT_QUOTE); remove it, or make it a comment (\` # …\`)\n`,
    );
    // Closed by a later line that ends with the quote instead: dotenv reads the lines between as
    // the value (the secret, a newline and `LAST=2`), and LAST is gone. Refused at LAST's line.
    project.write({ ".env": `PLAIN=1\nQUOTED="${tokens[0]}\nLAST=2"\n` });
    await expectQuoteRefused(
      "QUOTED (.env:3:1): the value runs on over 2 lines into one that assigns a variable",
    );
    // Closed on a later line: a multi-line value, as dotenv reads it; closed on its line: no quote.
    project.write({
      ".env": `QUOTED="first\n${tokens[0]}\nlast"\nPLAIN='${tokens[1]}'\nLAST=\`x\`\n`,
    });
    const closed = await project.node(["--import", "s5/config", "print.mjs"]);
    expect(closed.stderr).toBe("");
    expect(JSON.parse(closed.stdout)).toEqual({
      QUOTED: `first\n${DB}\nlast`,
      PLAIN: API,
      LAST: "x",
    });
  });

  it("every failure of one start in one report, each with file:line:col and its variable; the app does not start", async () => {
    // The user fixed the NUL, ran again, got the token failures, fixed them, then the binary one.
    await using backends = createBackends(resolveSettings({ cwd: project.dir, env: project.env }));
    const [binary, nul] = await cipherValues(backends, "local", [
      Uint8Array.from([0xff, 0xfe, 0x80]),
      new TextEncoder().encode("before\0after-secret"),
    ]);
    const altered = tokens[0]!.replace(
      /:([A-Za-z0-9_-]{10})/,
      (_, id) => `:${id.split("").reverse().join("")}`,
    );
    project.write({
      ".env": [
        `GOOD=${tokens[1]}`,
        `WRONG=${altered}`,
        `NUL=x ${nul}`,
        `BIN=${binary}`,
        "BROKEN={{ s5:local:abc",
        "RAW=before\0after-secret",
        `QUOTED="${tokens[1]}`,
        "__proto__=1",
        "",
      ].join("\n"),
    });
    const report = [
      "WRONG (.env:2:7): the token does not open with its local key (S5_DECRYPT_LOCAL)",
      "NUL (.env:3:7): this token's plaintext holds a NUL byte",
      "BIN (.env:4:5): this token's plaintext is binary",
      // One reason, one line: the variables it stopped, in file order, then process.env.
      "BROKEN (.env:5:8), FROM_ENV (process.env): malformed token",
      "RAW (.env:6:11): the value holds a NUL byte, which an environment variable cannot hold (S5_INPUT)",
      'QUOTED (.env:7:8): the value starts with " but does not end with one',
      "__proto__ (.env:8:1): a variable cannot be named __proto__ here (S5_INPUT_NAME)",
    ];
    const fromEnv = { FROM_ENV: "{{ s5:local:abc" };
    for (const out of [
      await project.node(["app.mjs"], fromEnv),
      await project.node(["app.cjs"], fromEnv),
      await project.node(["--import", "s5/preload", "app.mjs"], fromEnv),
      await project.s5(
        ["run", "--", process.execPath, "-e", 'console.log("APP STARTED")'],
        fromEnv,
      ),
    ]) {
      expectStopped(out);
      for (const secret of ["before", "after-secret", altered, binary, nul]) {
        expect(out.stderr).not.toContain(secret);
      }
      // The exit code is the first failure's, in file order (6: a token that does not open).
      expect(out.code).toBe(6);
      expect(out.stderr).toContain("8 variables could not be set:");
      const lines = out.stderr.split("\n");
      const at = report.map((line) => lines.findIndex((row) => row.includes(line)));
      expect(
        at.every((index) => index > 0),
        out.stderr,
      ).toBe(true);
      expect(new Set(at).size).toBe(at.length);
      expect(at).toEqual([...at].sort((a, b) => a - b));
      expect(out.stderr).not.toContain("GOOD");
    }
  });

  it("a variable of process.env whose name holds a terminal control is named escaped", async () => {
    project.write({ ".env": "PLAIN=1\n" });
    // Names from the environment are not dotenv's `[\w.-]+`: one can clear the line shown.
    const out = await project.node(["app.mjs"], { "EVIL\u001b[2K\rNAME": "{{ s5:local:abc" });
    expectStopped(out);
    expect(out.stderr).not.toContain("\u001b");
    expect(out.stderr).toContain("EVIL\\u001b[2K\\u000dNAME (process.env): malformed token");
    expect(out.stderr).toContain("the variable EVIL\\u001b[2K\\u000dNAME could not be decrypted");
  });

  it("a failure is placed on its line in a file with CR line ends or a byte-order mark", async () => {
    for (const [text, line] of [
      ["A=1\rBROKEN={{ s5:local:abc\rC=3\r", 2],
      ["\ufeffBROKEN={{ s5:local:abc\n", 1],
      ["A=1\r\nB=2\r\nBROKEN={{ s5:local:abc\r\n", 3],
    ] as const) {
      project.write({ ".env": text });
      const out = await project.node(["app.mjs"]);
      expectStopped(out);
      expect(out.stderr).toContain(`BROKEN (.env:${line}:8): malformed token`);
    }
  });

  it.runIf(isRoot)(
    "a default .env another user owns in a directory others can write is not loaded; a named one is",
    async () => {
      project.write({ ".env": "PLANTED=1\n" });
      chownSync(join(project.dir, ".env"), 65534, 65534);
      chmodSync(project.dir, 0o1777);
      try {
        for (const out of [
          await project.node(["app.mjs"]),
          await project.s5(["run", "--", process.execPath, "-e", 'console.log("APP STARTED")']),
        ]) {
          expectStopped(out);
          expect(out.stderr).toContain(".env belongs to another user (uid 65534)");
          expect(out.stderr).toContain("S5_CONFIG_UNSAFE");
        }
        const named = await project.node(["app.mjs"], { S5_CONFIG_PATH: ".env" });
        expect(named.stdout).toContain("APP STARTED");
        // Their link to a file they do not own (root's, text they chose) is theirs all the same.
        rmSync(join(project.dir, ".env"));
        writeFileSync(join(project.home, "root-owned.env"), "PLANTED=1\n");
        symlinkSync(join(project.home, "root-owned.env"), join(project.dir, ".env"));
        lchownSync(join(project.dir, ".env"), 65534, 65534);
        const linked = await project.node(["app.mjs"]);
        expectStopped(linked);
        expect(linked.stderr).toContain(".env is a symbolic link another user made (uid 65534)");
        // Yours, but others may write it (umask 002 in a team directory): a warning.
        rmSync(join(project.dir, ".env"));
        writeFileSync(join(project.dir, ".env"), "PLANTED=1\n");
        chmodSync(join(project.dir, ".env"), 0o664);
        const writable = await project.node(["app.mjs"]);
        expect(writable.stdout).toContain("APP STARTED");
        expect(writable.stderr).toContain(
          "[s5] warning: .env may be written by group or others (mode 0664)",
        );
      } finally {
        chmodSync(project.dir, 0o755);
        rmSync(join(project.dir, ".env"));
      }
    },
  );

  it("a .env file named in S5_CONFIG_PATH must exist (exit 3)", async () => {
    const out = await project.node(["app.mjs"], { S5_CONFIG_PATH: "missing.env" });
    expectStopped(out);
    expect(out.code).toBe(3);
    expect(out.stderr).toContain("cannot read missing.env (ENOENT)");
  });
});
