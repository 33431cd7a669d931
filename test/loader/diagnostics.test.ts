// Node's own diagnostic switches where s5 puts decrypted values into an environment (`s5/config`,
// `s5/preload`, `s5 run`'s command) and where the CLI holds credentials: NODE_DEBUG's
// child_process and worker sections print the environment of every process and worker started,
// and a diagnostic report records every variable in a file Node creates 0644 in the working
// directory. Real Node processes, real reports.
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { localProject, type Project, s5Bin } from "./helpers.ts";

const SECRET = "diagnostics-plaintext-Vr7q";

/** An app that starts a child process and a worker with its environment, then prints a line. */
const APP = [
  `import { spawnSync } from "node:child_process";`,
  `import { Worker } from "node:worker_threads";`,
  `spawnSync("true");`,
  `const worker = new Worker("0", { eval: true, env: process.env });`,
  `await new Promise((done) => worker.on("exit", done));`,
  `if (process.argv[2] === "throw") throw new Error("the app failed");`,
  `console.log(process.env.PASSWORD === ${JSON.stringify(SECRET)} ? "decrypted" : "not decrypted");`,
].join("\n");

/** A port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

function reports(dir: string): string[] {
  return readdirSync(dir).filter((name) => /^report\..*\.json$/.test(name));
}

/** Reads and removes the one report in `dir`. */
function takeReport(dir: string): { text: string; mode: number } {
  const names = reports(dir);
  expect(names).toHaveLength(1);
  const path = join(dir, names[0]!);
  const text = readFileSync(path, "utf8");
  const mode = statSync(path).mode & 0o777;
  rmSync(path);
  return { text, mode };
}

describe("Node's diagnostic switches", () => {
  let project: Project;

  beforeAll(async () => {
    project = await localProject();
    const [token] = await project.encrypt([SECRET]);
    project.write({ ".env": `PASSWORD=${token}\n`, "app.mjs": `${APP}\n`, "plain.env": "A=b\n" });
  });

  it("s5/config and s5/preload refuse NODE_DEBUG=child_process, worker or *: the app's children would print the values", async () => {
    for (const entry of [
      ["--import", "s5/config"],
      ["--import", "s5/preload"],
      ["--require", "s5/config"],
    ]) {
      for (const NODE_DEBUG of ["child_process", "worker", "*", "http,child*"]) {
        const out = await project.node([...entry, "app.mjs"], { NODE_DEBUG });
        const what = `${entry.join(" ")} NODE_DEBUG=${NODE_DEBUG}`;
        expect(out.code, what).toBe(12);
        expect(out.stderr, what).toContain("(S5_CONFIG_DEBUG_SWITCH)");
        expect(out.stderr, what).toContain("hint: name only the sections you need");
        expect(out.stderr).not.toContain(SECRET);
        expect(out.stdout, what).toBe("");
      }
    }
    // Other sections run, and print no value: the app's children and worker included.
    const http = await project.node(["--import", "s5/config", "app.mjs"], {
      NODE_DEBUG: "http,net,tls,module,esm,timer",
    });
    expect(http.code, http.stderr).toBe(0);
    expect(http.stdout).toBe("decrypted\n");
    expect(http.stderr).not.toContain(SECRET);
    // Nothing to decrypt, nothing to refuse.
    const none = await project.node(["--import", "s5/config", "app.mjs"], {
      NODE_DEBUG: "child_process",
      S5_CONFIG_PATH: "plain.env",
    });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe("not decrypted\n");
  });

  // The README's security model says these record names and code positions, no value.
  it("tracing and profiling switches record no value: --trace-*, --cpu-prof, NODE_V8_COVERAGE", async () => {
    const out = await project.node(
      [
        "--trace-env",
        "--trace-warnings",
        "--trace-uncaught",
        "--trace-exit",
        "--cpu-prof",
        "--cpu-prof-dir=prof",
        "--import",
        "s5/config",
        "app.mjs",
      ],
      { NODE_V8_COVERAGE: join(project.dir, "coverage") },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe("decrypted\n");
    // Each switch did its work: the names it traced, a profile, coverage files.
    expect(out.stderr).toContain("PASSWORD");
    const written = ["prof", "coverage"].flatMap((dir) =>
      readdirSync(join(project.dir, dir)).map((name) => join(project.dir, dir, name)),
    );
    expect(written.some((file) => file.endsWith(".cpuprofile"))).toBe(true);
    expect(written.some((file) => file.includes("coverage"))).toBe(true);
    for (const text of [out.stderr, ...written.map((file) => readFileSync(file, "utf8"))]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it("an app that unsets NODE_DEBUG before s5/config still gets a refusal: Node read it at start-up", async () => {
    writeFileSync(
      join(project.dir, "unsets.mjs"),
      `delete process.env.NODE_DEBUG;\nawait import("s5/config");\nawait import("./app.mjs");\n`,
    );
    const out = await project.node(["unsets.mjs"], { NODE_DEBUG: "child_process" });
    expect(out.code).toBe(12);
    expect(out.stderr).toContain("NODE_DEBUG=(at start-up) makes Node print");
    expect(out.stdout + out.stderr).not.toContain(SECRET);
  });

  it("a diagnostic report of an app that s5 decrypted for holds no environment (Node writes it 0644)", async () => {
    const cases: [string[], string[], Record<string, string>][] = [
      [["--report-uncaught-exception", "--import", "s5/config"], ["throw"], {}],
      [["--import", "s5/preload"], ["throw"], { NODE_OPTIONS: "--report-uncaught-exception" }],
    ];
    for (const [flags, args, extra] of cases) {
      const out = await project.node([...flags, "app.mjs", ...args], extra);
      expect(out.code).toBe(1);
      const { text, mode } = takeReport(project.dir);
      // What this test guards against: a file any local user may read.
      expect(mode & 0o044).not.toBe(0);
      expect(text, flags.join(" ")).not.toContain(SECRET);
      expect(JSON.parse(text)).not.toHaveProperty("environmentVariables");
      expect(JSON.parse(text).javascriptStack.message).toContain("the app failed");
    }
    // The app's own writeReport(), after s5 decrypted.
    writeFileSync(
      join(project.dir, "writes.mjs"),
      `import "s5/config";\nprocess.report.writeReport();\n`,
    );
    const own = await project.node(["writes.mjs"]);
    expect(own.code, own.stderr).toBe(0);
    expect(takeReport(project.dir).text).not.toContain(SECRET);
  });

  it("the Node processes an app that s5 decrypted for starts keep the values out of their reports and logs", async () => {
    project.write({
      "child.cjs": `throw new Error("the child failed");\n`,
      "spawn.mjs": `import { spawnSync } from "node:child_process";\nspawnSync(process.execPath, ["child.cjs"]);\n`,
      "fork.mjs": `import { fork } from "node:child_process";\nawait new Promise((done) => fork("child.cjs").on("exit", done));\n`,
      // s5/config imported by the app's code, not by the flag: a forked child does not load it.
      "fork-plain.mjs": `import "s5/config";\nimport { fork } from "node:child_process";\nawait new Promise((done) => fork("child.cjs").on("exit", done));\n`,
      "nested.mjs": `import { spawnSync } from "node:child_process";\nconst out = spawnSync(process.execPath, ["-e", "require('node:child_process').spawnSync('true')"], { encoding: "utf8" });\nprocess.stdout.write(out.stderr);\n`,
      "debug.env": `${readFileSync(join(project.dir, ".env"), "utf8")}NODE_DEBUG=child_process\n`,
      "options.env": `${readFileSync(join(project.dir, ".env"), "utf8")}NODE_OPTIONS=--report-uncaught-exception\n`,
    });
    const cases: [string[], Record<string, string>][] = [
      // NODE_OPTIONS's flag is every Node child's too.
      [["--import", "s5/config", "spawn.mjs"], { NODE_OPTIONS: "--report-uncaught-exception" }],
      [["--import", "s5/config", "spawn.mjs"], { S5_CONFIG_PATH: "options.env" }],
      // A flag on node's command line goes to a forked child (with s5/config, which finds the
      // values already set: nothing to decrypt).
      [["--report-uncaught-exception", "--import", "s5/config", "fork.mjs"], {}],
      // …and to a forked child that never loads s5, the decrypted values in its environment.
      [["--report-uncaught-exception", "fork-plain.mjs"], {}],
    ];
    for (const [args, extra] of cases) {
      const out = await project.node(args, extra);
      const what = `${args.join(" ")} ${JSON.stringify(extra)}`;
      expect(out.code, `${what}: ${out.stderr}`).toBe(0);
      const { text } = takeReport(project.dir);
      expect(text, what).not.toContain(SECRET);
      expect(JSON.parse(text).javascriptStack.message, what).toContain("the child failed");
    }
    // The flag is added only where a report flag would record the environment.
    project.write({
      "options.mjs": `import "s5/config";\nconsole.log(process.env.NODE_OPTIONS);\n`,
    });
    for (const [NODE_OPTIONS, seen] of [
      ["--max-old-space-size=512", "--max-old-space-size=512"],
      ["--report-on-signal", "--report-on-signal --report-exclude-env"],
      ["--report-on-signal --report-exclude-env", "--report-on-signal --report-exclude-env"],
    ]) {
      const out = await project.node(["options.mjs"], { NODE_OPTIONS: NODE_OPTIONS! });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout, NODE_OPTIONS).toBe(`${seen}\n`);
    }
    // NODE_DEBUG set by the .env file: Node read this process's already, its children read it.
    const debug = await project.node(["--import", "s5/config", "nested.mjs"], {
      S5_CONFIG_PATH: "debug.env",
    });
    expect(debug.code).toBe(12);
    expect(debug.stderr).toContain("NODE_DEBUG=child_process makes Node print");
    expect(debug.stdout + debug.stderr).not.toContain(SECRET);
  });

  it("s5 run refuses a command environment that would print or record the values", async () => {
    const refused: Record<string, string>[] = [
      { NODE_DEBUG: "child_process" },
      { NODE_DEBUG: "worker,http" },
      { NODE_DEBUG: "*" },
      { NODE_OPTIONS: "--report-uncaught-exception" },
      { NODE_OPTIONS: "--report_on_signal" },
      { NODE_OPTIONS: "--max-old-space-size=512 --report-on-fatalerror" },
      // Read as Node reads NODE_OPTIONS: quotes, and the last of --X and --no-X.
      { NODE_OPTIONS: '"--report-uncaught-exception"' },
      { NODE_OPTIONS: "--report-on-signal --report-exclude-env --no-report-exclude-env" },
    ];
    for (const extra of refused) {
      const out = await project.s5(["run", "--", process.execPath, "app.mjs"], extra);
      const what = JSON.stringify(extra);
      expect(out.code, what).toBe(12);
      expect(out.stderr, what).toContain("(S5_CONFIG_DEBUG_SWITCH)");
      expect(out.stderr, what).toContain("nothing was started");
      expect(out.stderr).not.toContain(SECRET);
      expect(out.stdout, what).toBe("");
    }
    // NODE_OPTIONS from the .env file s5 reads for the command counts too.
    project.write({
      "options.env": `${readFileSync(join(project.dir, ".env"), "utf8")}NODE_OPTIONS=--report-on-fatalerror\n`,
    });
    const fromFile = await project.s5([
      "run",
      "-f",
      "options.env",
      "--",
      process.execPath,
      "app.mjs",
    ]);
    expect(fromFile.code, fromFile.stderr).toBe(12);
    expect(fromFile.stderr).toContain("NODE_OPTIONS has --report-on-fatalerror");
    // With the environment kept out of reports, the command runs and its report holds no value.
    const excluded = await project.s5(["run", "--", process.execPath, "app.mjs", "throw"], {
      NODE_OPTIONS: "--report-uncaught-exception --report-exclude-env",
    });
    expect(excluded.code).toBe(1);
    expect(takeReport(project.dir).text).not.toContain(SECRET);
    // Other sections are handed back, and nothing to decrypt is nothing to refuse.
    const http = await project.s5(["run", "--", process.execPath, "app.mjs"], {
      NODE_DEBUG: "http",
    });
    expect(http.code, http.stderr).toBe(0);
    expect(http.stdout).toBe("decrypted\n");
    const none = await project.s5(["run", "-f", "plain.env", "--", process.execPath, "app.mjs"], {
      NODE_DEBUG: "*",
      NODE_OPTIONS: "--report-uncaught-exception",
    });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe("not decrypted\n");
    expect(reports(project.dir)).toEqual([]);
  });

  it("NODE_OPTIONS=--inspect opens no inspector in s5's own process: the command gets the port, no one else reaches s5", async () => {
    const port = await freePort();
    // Asks the port from a process without the flag: who answers there while s5 runs?
    writeFileSync(
      join(project.dir, "probe.mjs"),
      `try { const list = await (await fetch("http://127.0.0.1:${port}/json/list")).json(); console.log(list.map((target) => target.title).join(" ")); } catch (error) { console.log(error.cause?.code ?? error.message); }\n`,
    );
    const NODE_OPTIONS = `--inspect=127.0.0.1:${port}`;
    // As Node reads NODE_OPTIONS: a backslash in quotes takes the next character as it is.
    for (const options of [NODE_OPTIONS, `"--insp\\ect=127.0.0.1:${port}"`]) {
      const probe = await project.s5(
        ["run", "--", "sh", "-c", `unset NODE_OPTIONS; exec "${process.execPath}" probe.mjs`],
        { NODE_OPTIONS: options },
      );
      expect(probe.code, probe.stderr).toBe(0);
      expect(probe.stdout, options).toBe("ECONNREFUSED\n");
      expect(probe.stderr).toContain("s5: warning: closed the inspector that NODE_OPTIONS opened");
    }
    // A Node command (the one the flag was meant for) opens its own on that port.
    const app = await project.s5(
      [
        "run",
        "--",
        process.execPath,
        "-e",
        `console.log(require("node:inspector").url() ?? "none")`,
      ],
      { NODE_OPTIONS },
    );
    expect(app.code, app.stderr).toBe(0);
    expect(app.stdout).toContain(`ws://127.0.0.1:${port}/`);
    expect(app.stderr).not.toContain("address already in use");
  });

  it("SIGUSR1 opens no inspector in s5's process (its command may send it): s5 run passes it on", async () => {
    // Node's default: SIGUSR1 opens an inspector on 127.0.0.1:9229, no password, for any local user.
    const out = await project.s5([
      "run",
      "--",
      "sh",
      "-c",
      // Twice: a listener that went after the first (`once`) let the second open the inspector.
      // The second is sent once the command got the first: s5 has handled it. A fixed pause can
      // be outrun on a loaded machine: two signals that reach sh while it waits are one to its trap.
      `got=0; trap 'got=$((got + 1)); echo command got USR1' USR1
      for i in 1 2; do
        kill -USR1 "$PPID"; n=0
        while [ "$got" -lt "$i" ] && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
      done
      echo still here`,
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe("command got USR1\ncommand got USR1\nstill here\n");
    expect(out.stderr).not.toMatch(/Debugger|inspector/);
    // Any command: `s5 edit` holds the plaintexts while its editor (this one sends the signal) runs.
    writeFileSync(
      join(project.dir, "editor.sh"),
      'for i in 1 2; do kill -USR1 "$PPID"; sleep 1; done\n',
    );
    const edit = await project.s5(["edit", ".env"], { EDITOR: "sh editor.sh" });
    expect(edit.code, edit.stderr).toBe(0);
    expect(edit.stderr).not.toMatch(/Debugger|inspector/);
  });

  it("--inspect on node's own command line keeps s5's inspector open, NODE_OPTIONS's too", async () => {
    const [mine, theirs] = [await freePort(), await freePort()];
    writeFileSync(
      join(project.dir, "probe-own.mjs"),
      `try { const list = await (await fetch("http://127.0.0.1:${mine}/json/list")).json(); console.log(list.length > 0 ? "open" : "none"); } catch (error) { console.log(error.cause?.code ?? error.message); }\n`,
    );
    // Node's command line comes after NODE_OPTIONS: the inspector listens on its port.
    const out = await project.node(
      [
        `--inspect=127.0.0.1:${mine}`,
        s5Bin,
        "run",
        "--",
        "sh",
        "-c",
        `unset NODE_OPTIONS; exec "${process.execPath}" probe-own.mjs`,
      ],
      { NODE_OPTIONS: `--inspect=127.0.0.1:${theirs}` },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe("open\n");
    expect(out.stderr).not.toContain("closed the inspector");
  });

  it("the CLI's own diagnostic report holds no credential (S5_PRIVATE_KEY in its environment)", async () => {
    const identity = readFileSync(join(project.home, ".config", "s5", "identity.txt"), "utf8");
    const key = identity.match(/S5-SECRET-KEY-\S+/)![0];
    // The signal arrives once s5's own code is running: a report of the process s5 runs in.
    writeFileSync(
      join(project.dir, "signal.cjs"),
      `setImmediate(() => process.kill(process.pid, "SIGUSR2"));\n`,
    );
    const out = await project.s5(["render", ".env"], {
      S5_PRIVATE_KEY: key,
      NODE_OPTIONS: `--report-on-signal --require ${join(project.dir, "signal.cjs")}`,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`PASSWORD=${SECRET}\n`);
    const { text } = takeReport(project.dir);
    expect(text).not.toContain(key);
    expect(text).not.toContain(SECRET);
    // The flag on node's own command line (`node --report-on-signal bin/s5.cjs`) as well.
    const direct = await project.node(
      ["--report-on-signal", "--require", join(project.dir, "signal.cjs"), s5Bin, "render", ".env"],
      { S5_PRIVATE_KEY: key },
    );
    expect(direct.code, direct.stderr).toBe(0);
    const own = takeReport(project.dir).text;
    expect(own).not.toContain(key);
    expect(own).not.toContain(SECRET);
  });
});
