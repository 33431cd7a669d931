// `s5 run --render FILE -- CMD {}`: the command reads the rendered file from a private directory
// (0700, file 0600, in memory when it can be), which is gone after the command ends, whatever
// ends it; a token that fails starts nothing and writes nothing. And s5 edit's copy, made the same way.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { until } from "../k8s/controller-harness.ts";
import { describeKube, kubeTool } from "../setup/kube-tools.ts";
import { asRoot, OTHER_UID } from "../setup/system-tools.ts";
import { killRunGroups, localProject, type Project, run, s5Bin, spawnRun } from "./helpers.ts";

const DB = "db-password-0123456789";
const API = "api-key-abcdefghijklmnop";

// Prints what it was handed: the file's mode, its directory's mode, a hash of its content, and
// its path, as JSON; then exits with the code in its second argument.
const INSPECT = `
  const { statSync, readFileSync } = require("node:fs");
  const { dirname } = require("node:path");
  const file = process.argv[1];
  const mode = (path) => (statSync(path).mode & 0o777).toString(8);
  console.log(JSON.stringify({
    file,
    mode: mode(file),
    dirMode: mode(dirname(file)),
    sha256: require("node:crypto").createHash("sha256").update(readFileSync(file)).digest("hex"),
  }));
  process.exitCode = Number(process.argv[2] ?? 0);
`;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

afterEach(killRunGroups);

describe("s5 run --render", () => {
  let project: Project;
  let runtime: string;
  let values: string;
  let failing: string;

  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh XDG_RUNTIME_DIR of this user, 0700: where the rendered files go. */
  function runtimeDir(mode = 0o700): string {
    const dir = mkdtempSync(join(tmpdir(), "s5-xf-runtime-"));
    chmodSync(dir, mode);
    made.push(dir);
    return dir;
  }

  beforeAll(async () => {
    project = await localProject();
    const [db, api] = await project.encrypt([DB, API]);
    // A token of another project's key: this project cannot decrypt it.
    const other = await localProject();
    failing = (await other.encrypt(["not-for-this-project"]))[0]!;
    values = `db:\n  password: ${db}\napi: ${api}\n`;
    project.write({
      "values.yml": values,
      "sub/values.yml": `db: ${db}\n`,
      "bad.yml": `x: ${failing}\n`,
    });
  });

  const rendered = `db:\n  password: ${DB}\napi: ${API}\n`;

  it("hands the command the rendered file at {} (0600 in a 0700 directory), removed after exit 0 and exit 3", async () => {
    for (const code of [0, 3]) {
      runtime = runtimeDir();
      const out = await project.s5(
        [
          "run",
          "--render",
          "values.yml",
          "--",
          process.execPath,
          "-e",
          INSPECT,
          "{}",
          String(code),
        ],
        { XDG_RUNTIME_DIR: runtime },
      );
      expect(out.stderr).toBe("");
      expect(out.code).toBe(code);
      const seen = JSON.parse(out.stdout);
      expect(seen).toMatchObject({ mode: "600", dirMode: "700", sha256: sha256(rendered) });
      // The memory-backed place, under the file's own name.
      expect(seen.file).toMatch(new RegExp(`^${runtime}/s5-run-[^/]+/values\\.yml$`));
      expect(existsSync(seen.file)).toBe(false);
      expect(readdirSync(runtime)).toEqual([]);
    }
  });

  it("removes the directory when SIGTERM sent to s5 ends the command", async () => {
    runtime = runtimeDir();
    // No `{}` in it: with --render, every `{}` in an argument is the path (`() => { }` is kept).
    const child = `${INSPECT}; setInterval(() => { }, 1000);`;
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const s5 = spawnRun(["--render", "values.yml", "--", process.execPath, "-e", child, "{}"], {
        cwd: project.dir,
        env: { ...project.env, XDG_RUNTIME_DIR: runtime },
      });
      let stdout = "";
      s5.stdout.on("data", (chunk) => {
        stdout += chunk;
        if (stdout.includes("\n") && !stdout.includes("sent")) {
          // The file is there while the command runs.
          expect(existsSync(JSON.parse(stdout).file)).toBe(true);
          stdout += "sent";
          s5.kill("SIGTERM");
        }
      });
      s5.on("close", (code) => resolve({ code, stdout }));
    });
    expect(result.code).toBe(128 + 15);
    expect(result.stdout).toContain("sent");
    expect(readdirSync(runtime)).toEqual([]);
  });

  it("the next s5 removes what an s5 killed with SIGKILL left, once its command has ended too", async () => {
    runtime = runtimeDir();
    const env = { ...project.env, XDG_RUNTIME_DIR: runtime };
    // Prints the file's path and its own pid, then runs until killed.
    const child = `console.log(JSON.stringify({ file: process.argv[1], pid: process.pid })); setInterval(() => { }, 1000);`;
    const start = async () => {
      const s5 = spawnRun(["--render", "values.yml", "--", process.execPath, "-e", child, "{}"], {
        cwd: project.dir,
        env,
      });
      let stdout = "";
      s5.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      const line = await until("the command's line", async () =>
        stdout.includes("\n") ? stdout : undefined,
      );
      return { s5, ...(JSON.parse(line) as { file: string; pid: number }) };
    };
    const next = async () => {
      const out = await project.s5(["run", "--render", "values.yml", "--", "true", "{}"], env);
      expect(out.stderr).toBe("");
      expect(out.code).toBe(0);
    };
    const live = await start();
    const killed = await start();
    const exited = new Promise((resolve) => killed.s5.on("exit", resolve));
    killed.s5.kill("SIGKILL");
    await exited;
    // The command runs on, orphaned: it may still read its file.
    await next();
    expect(existsSync(killed.file)).toBe(true);

    // Named as s5 names its directories, with the same marks of ended processes, but a link (to
    // a directory with a file) and another user's directory are not touched.
    const holders = readFileSync(join(dirname(killed.file), ".s5-holders"));
    const target = runtimeDir();
    writeFileSync(join(target, "keep"), "");
    writeFileSync(join(target, ".s5-holders"), holders);
    symlinkSync(target, join(runtime, "s5-run-linkAA"));
    const others = join(runtime, "s5-run-otherA");
    mkdirSync(others, { mode: 0o700 });
    writeFileSync(join(others, ".s5-holders"), holders);
    const root = process.getuid?.() === 0;
    if (root) chownSync(others, 65534, 65534);
    // An empty marks file (s5 killed while it wrote it) proves nothing; a name s5 does not give
    // is not s5's.
    const empty = join(runtime, "s5-run-emptyA");
    mkdirSync(empty, { mode: 0o700 });
    writeFileSync(join(empty, ".s5-holders"), "");
    writeFileSync(join(empty, "keep"), "");
    const unnamed = join(runtime, "s5-kept-dirA");
    mkdirSync(unnamed, { mode: 0o700 });
    writeFileSync(join(unnamed, ".s5-holders"), holders);

    process.kill(killed.pid, "SIGKILL");
    await until("the command ended", async () => {
      try {
        return readFileSync(`/proc/${killed.pid}/stat`, "latin1").includes(") Z ") || undefined;
      } catch {
        return true;
      }
    });
    await next();
    expect(existsSync(dirname(killed.file))).toBe(false);
    expect(existsSync(live.file)).toBe(true);
    expect(existsSync(join(target, "keep"))).toBe(true);
    expect(lstatSync(join(runtime, "s5-run-linkAA")).isSymbolicLink()).toBe(true);
    expect(existsSync(others)).toBe(root);
    expect(existsSync(join(empty, "keep"))).toBe(true);
    expect(existsSync(unnamed)).toBe(true);
    live.s5.kill("SIGTERM");
  });

  it("a file named .s5-holders is handed as rendered, not replaced by s5's marks", async () => {
    project.write({ "named/.s5-holders": values });
    const out = await project.s5(
      ["run", "--render", "named/.s5-holders", "--", process.execPath, "-e", INSPECT, "{}"],
      { XDG_RUNTIME_DIR: runtimeDir() },
    );
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toMatchObject({ sha256: sha256(rendered) });
  });

  it("a token that fails starts nothing and writes nothing, in FILE or in .env", async () => {
    const marker = join(project.dir, "started");
    const touch = `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "")`;
    runtime = runtimeDir();
    const bad = await project.s5(
      [
        "run",
        "--render",
        "values.yml",
        "--render",
        "bad.yml",
        "--",
        process.execPath,
        "-e",
        touch,
        "{values.yml}",
        "{bad.yml}",
      ],
      { XDG_RUNTIME_DIR: runtime },
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("bad.yml:1:4");
    expect(bad.stderr).toContain("S5_KEY_LOCAL_UNKNOWN");
    for (const plaintext of [DB, API]) expect(bad.stderr + bad.stdout).not.toContain(plaintext);
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(runtime)).toEqual([]);

    project.write({ "bad.env": `X=${failing}\n` });
    const env = await project.s5(
      ["run", "-f", "bad.env", "--render", "values.yml", "--", process.execPath, "-e", touch, "{}"],
      { XDG_RUNTIME_DIR: runtime },
    );
    expect(env.code).not.toBe(0);
    expect(env.stderr).toContain("bad.env");
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(runtime)).toEqual([]);
  });

  it("several files: each named by {FILE}, one base name twice in subdirectories; {} refused", async () => {
    runtime = runtimeDir();
    const print = "console.log(JSON.stringify(process.argv.slice(1)))";
    const out = await project.s5(
      [
        "run",
        "--render",
        "values.yml",
        "--render",
        "sub/values.yml",
        "--",
        process.execPath,
        "-e",
        print,
        "--",
        "--values={values.yml}",
        "{sub/values.yml}",
        "$" + "{HOME}",
        "{other}",
      ],
      { XDG_RUNTIME_DIR: runtime },
    );
    expect(out.stderr).toBe("");
    const [top, sub, ...kept] = JSON.parse(out.stdout) as string[];
    expect(top).toMatch(new RegExp(`^--values=${runtime}/s5-run-[^/]+/1/values\\.yml$`));
    expect(sub).toMatch(new RegExp(`^${runtime}/s5-run-[^/]+/2/values\\.yml$`));
    // A `{…}` that names no rendered file is left as it is.
    expect(kept).toEqual(["$" + "{HOME}", "{other}"]);

    const both = await project.s5(
      ["run", "--render", "values.yml", "--render", "sub/values.yml", "--", "cat", "{}"],
      { XDG_RUNTIME_DIR: runtime },
    );
    expect(both.code).toBe(2);
    expect(both.stdout).toBe("");
    expect(both.stderr).toContain(
      "`{}` in the command names no one file: 2 files are rendered; nothing was started (S5_RUN_PLACEHOLDER)\n  hint: name each by the path given to --render: {values.yml}, {sub/values.yml}",
    );
    expect(readdirSync(runtime)).toEqual([]);
  });

  it("--redact masks the rendered file's values in the command's output", async () => {
    const out = await project.s5(["run", "--redact", "--render", "values.yml", "--", "cat", "{}"], {
      XDG_RUNTIME_DIR: runtimeDir(),
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("db:\n  password: [REDACTED]\napi: [REDACTED]\n");
  });

  it("skips an XDG_RUNTIME_DIR others can write, with a note, for /dev/shm; a missing one silently", async () => {
    const open = runtimeDir(0o777);
    const out = await project.s5(
      ["run", "--render", "values.yml", "--", process.execPath, "-e", INSPECT, "{}"],
      { XDG_RUNTIME_DIR: open },
    );
    expect(out.code).toBe(0);
    expect(out.stderr).toBe(
      `s5: note: $XDG_RUNTIME_DIR (${open}) has mode 0777, not 0700: not used for the rendered files\n`,
    );
    const seen = JSON.parse(out.stdout);
    // /dev/shm when the system has one (Linux), else the temporary directory.
    const memory = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
    expect(seen.file.startsWith(`${memory}/s5-run-`)).toBe(true);
    expect(seen.file.endsWith("/values.yml")).toBe(true);
    expect(existsSync(seen.file)).toBe(false);
    expect(readdirSync(open)).toEqual([]);

    // Set but missing (a login without a session): passed over without a word.
    const missing = await project.s5(["run", "--render", "values.yml", "--", "cat", "{}"], {
      XDG_RUNTIME_DIR: join(open, "gone"),
    });
    expect(missing.stderr).toBe("");
    expect(missing.code).toBe(0);
  });

  it.runIf(asRoot)(
    "skips an XDG_RUNTIME_DIR of another user, or one not 0700, with a note",
    async () => {
      const theirs = runtimeDir(0o700);
      chownSync(theirs, OTHER_UID, OTHER_UID);
      const readOnly = runtimeDir(0o500);
      for (const [dir, why] of [
        [theirs, `is owned by uid ${OTHER_UID}, not by you`],
        [readOnly, "has mode 0500, not 0700"],
      ] as const) {
        const out = await project.s5(
          ["run", "--render", "values.yml", "--", process.execPath, "-e", INSPECT, "{}"],
          { XDG_RUNTIME_DIR: dir },
        );
        expect(out.code, out.stderr).toBe(0);
        expect(out.stderr).toBe(
          `s5: note: $XDG_RUNTIME_DIR (${dir}) ${why}: not used for the rendered files\n`,
        );
        expect(JSON.parse(out.stdout).file.startsWith(`${dir}/`)).toBe(false);
        expect(readdirSync(dir)).toEqual([]);
      }
    },
  );
});

describe("s5 edit's private copy", () => {
  it("is made in XDG_RUNTIME_DIR too, and removed", async () => {
    const project = await localProject();
    const [token] = await project.encrypt([DB]);
    project.write({ "s.yml": `a: ${token}\n` });
    const runtime = runtimeOf(project);
    const log = join(project.home, "edit-log.json");
    const editor = fileURLToPath(new URL("../fixtures/editor.mjs", import.meta.url));
    const out = await project.s5(["edit", "s.yml"], {
      EDITOR: `"${process.execPath}" "${editor}"`,
      TEST_EDIT_LOG: log,
      XDG_RUNTIME_DIR: runtime,
    });
    expect(out.code).toBe(0);
    const seen = JSON.parse(readFileSync(log, "utf8"));
    expect(seen.file).toMatch(new RegExp(`^${runtime}/s5-edit-[^/]+/s\\.yml$`));
    expect(readdirSync(runtime)).toEqual([]);
  });
});

describe("s5 edit killed with SIGKILL", () => {
  it("leaves its copy while the editor runs; the next s5 removes it once the editor has ended", async () => {
    const project = await localProject();
    const [token] = await project.encrypt([DB]);
    project.write({ "s.yml": `a: ${token}\n`, "v.yml": `b: ${token}\n` });
    const runtime = runtimeOf(project);
    const log = join(project.home, "editor.log");
    const editor = join(project.home, "editor.sh");
    writeFileSync(editor, `#!/bin/sh\necho "$1" > "${log}"\nexec sleep 600\n`, { mode: 0o755 });
    const env = { ...project.env, EDITOR: editor, XDG_RUNTIME_DIR: runtime };
    const s5 = spawn(process.execPath, [s5Bin, "edit", "s.yml"], {
      cwd: project.dir,
      env,
      detached: true,
      stdio: "ignore",
    });
    const group = s5.pid!;
    try {
      const copy = await until("the editor's file", async () => {
        try {
          return readFileSync(log, "utf8").trim() || undefined;
        } catch {
          return undefined;
        }
      });
      const next = async () => {
        const out = await project.s5(["run", "--render", "v.yml", "--", "true", "{}"], env);
        expect(out.stderr).toBe("");
        expect(out.code).toBe(0);
      };
      const exited = new Promise((resolve) => s5.on("exit", resolve));
      process.kill(group, "SIGKILL");
      await exited;
      await next();
      expect(existsSync(copy)).toBe(true);
      const marks = readFileSync(join(dirname(copy), ".s5-holders"), "latin1");
      const pids = [...marks.matchAll(/ holder (\d+) /g)].map((match) => Number(match[1]));
      expect(pids).toHaveLength(2);
      process.kill(-group, "SIGKILL");
      for (const pid of pids) {
        await until(`process ${pid} ended`, async () => {
          try {
            return readFileSync(`/proc/${pid}/stat`, "latin1").includes(") Z ") || undefined;
          } catch {
            return true;
          }
        });
      }
      await next();
      expect(existsSync(dirname(copy))).toBe(false);
    } finally {
      try {
        process.kill(-group, "SIGKILL");
      } catch {
        // ended
      }
    }
  });
});

describeKube("s5 run --render with helm", () => {
  it("helm template reads the rendered values file from -f {}", async () => {
    const project = await localProject();
    const [token] = await project.encrypt([DB]);
    project.write({
      "values.yml": `password: ${token}\n`,
      "chart/Chart.yaml": "apiVersion: v2\nname: tiny\nversion: 0.1.0\n",
      "chart/templates/secret.yaml":
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tiny\nstringData:\n  password: {{ .Values.password | quote }}\n",
    });
    const home = join(project.home, "helm");
    const out = await run(
      [
        s5Bin,
        "run",
        "--render",
        "values.yml",
        "--",
        kubeTool("helm"),
        "template",
        "app",
        "./chart",
        "-f",
        "{}",
      ],
      {
        cwd: project.dir,
        env: {
          ...project.env,
          XDG_RUNTIME_DIR: runtimeOf(project),
          HELM_CACHE_HOME: join(home, "cache"),
          HELM_CONFIG_HOME: join(home, "config"),
          HELM_DATA_HOME: join(home, "data"),
        },
      },
    );
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`password: "${DB}"`);
    expect(readdirSync(runtimeOf(project))).toEqual([]);
  });
}, ["helm"]);

/** A 0700 runtime directory inside the project's home. */
function runtimeOf(project: Project): string {
  const dir = join(project.home, "runtime");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
