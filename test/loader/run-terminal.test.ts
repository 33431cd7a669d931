// `s5 run` in a real pseudo-terminal, as a user at a terminal lives it: Ctrl-C and Ctrl-\ go to the
// terminal's whole foreground process group (s5 and its command), a hangup's SIGHUP to the whole
// job, so s5 must not pass them on a second time; Ctrl-Z, `fg` and a command that reads the
// terminal keep working; a signal sent to s5 alone still reaches the command.
//
// s5 could pass a signal on at once, before the command has taken the terminal's own: the two
// would merge into one pending signal and a test would see one. So the tests stop s5 (SIGSTOP)
// before the keys are typed, wait for the command to have handled the terminal's signal, then
// send s5 SIGUSR1 and let it go on: s5 handles its pending signals in order (the lower number
// first), so when the command gets the SIGUSR1 s5 passes on, s5 has done all it would do with
// the others.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { until } from "../k8s/controller-harness.ts";
import { killRunGroups, localProject, type Project, s5Bin, spawnTerminal } from "./helpers.ts";

afterEach(killRunGroups);

/** Whether this test may make a PID namespace with its own /proc (root, util-linux's unshare). */
const canUnsharePid =
  process.getuid?.() === 0 &&
  spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;

/** Counts the signals it gets into LOG; prints the counts and ends on SIGUSR1. */
const COUNT = `
const { appendFileSync } = require("node:fs");
const log = (line) => appendFileSync(process.argv[2], line + "\\n");
const counts = {};
for (const signal of ["SIGINT", "SIGQUIT", "SIGHUP", "SIGTERM"]) {
  process.on(signal, () => {
    counts[signal] = (counts[signal] ?? 0) + 1;
    log("got " + signal + " " + counts[signal]);
  });
}
process.on("SIGUSR1", () => {
  log("counts " + JSON.stringify(counts));
  process.exit(0);
});
log("pid " + process.pid);
log("ready " + process.ppid);
setInterval(() => {}, 1 << 30);
`;

/** Asks a question on the terminal, as `tofu apply` does, and ends with 3 on Ctrl-C. */
const PROMPT = `
const { appendFileSync } = require("node:fs");
const log = (line) => appendFileSync(process.argv[2], line + "\\n");
process.on("SIGINT", () => {
  log("got SIGINT");
  process.exit(3);
});
process.stdout.write("Apply? ");
log("ready " + process.ppid);
process.stdin.once("data", (line) => {
  process.stdin.pause();
  log("answer " + line.toString().trim());
});
setInterval(() => {}, 1 << 30);
`;

/** The process id, as this test sees it, of the s5 whose id in its own PID namespace is `inner`. */
function outerPid(inner: number): number | undefined {
  for (const name of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const status = readFileSync(`/proc/${name}/status`, "utf8");
      const ids = /^NSpid:\s+(.+)$/m.exec(status)?.[1]?.split(/\s+/);
      const command = readFileSync(`/proc/${name}/cmdline`, "utf8");
      if (ids?.length === 2 && ids[1] === String(inner) && command.includes(s5Bin))
        return Number(name);
    } catch {
      // ended meanwhile
    }
  }
  return undefined;
}

describe("s5 run in a terminal", () => {
  let project: Project;
  let logs = 0;
  const read = (log: string) => {
    try {
      return readFileSync(log, "utf8");
    } catch {
      return "";
    }
  };
  /** Waits for LINE (a prefix) in the log; returns the rest of that line. */
  const line = (log: string, prefix: string) =>
    until(`"${prefix}" in ${log}`, async () => {
      const found = read(log)
        .split("\n")
        .find((text) => text.startsWith(prefix));
      return found?.slice(prefix.length);
    });
  const newLog = () => join(project.dir, `signals-${++logs}.log`);
  /** `s5 run -- node count.cjs LOG`. */
  const counted = (log: string) => [
    process.execPath,
    s5Bin,
    "run",
    "--",
    process.execPath,
    "count.cjs",
    log,
  ];
  /** `sh -c 's5 run -- node count.cjs LOG; true'`: sh leads the session, s5 does not. */
  const underShell = (log: string) => [
    "sh",
    "-c",
    `"$0" "${s5Bin}" run -- "$0" count.cjs "${log}"; true`,
    process.execPath,
  ];
  const inTerminal = (args: string[]) =>
    spawnTerminal(args, { cwd: project.dir, env: { ...project.env, PS1: "$ " } });

  beforeAll(async () => {
    project = await localProject();
    project.write({ ".env": "PLAIN=plain\n", "count.cjs": COUNT, "prompt.cjs": PROMPT });
  });

  it("one Ctrl-C and one Ctrl-\\ reach the command once each", async () => {
    const log = newLog();
    const terminal = inTerminal(counted(log));
    const s5 = Number(await line(log, "ready "));
    process.kill(s5, "SIGSTOP");
    terminal.type("\x03");
    await line(log, "got SIGINT 1");
    terminal.type("\x1c");
    await line(log, "got SIGQUIT 1");
    process.kill(s5, "SIGUSR1");
    process.kill(s5, "SIGCONT");
    expect(JSON.parse(await line(log, "counts "))).toEqual({ SIGINT: 1, SIGQUIT: 1 });
    expect(await terminal.exited).toBe(0);
  });

  it("a hangup's SIGHUP reaches the command once", async () => {
    const log = newLog();
    // A shell without job control leads the session: on the hangup it ends, and the kernel sends
    // SIGHUP to the terminal's foreground group, s5's.
    const terminal = inTerminal(underShell(log));
    const s5 = Number(await line(log, "ready "));
    process.kill(s5, "SIGSTOP");
    terminal.hangUp();
    await line(log, "got SIGHUP 1");
    process.kill(s5, "SIGUSR1");
    process.kill(s5, "SIGCONT");
    expect(JSON.parse(await line(log, "counts "))).toEqual({ SIGHUP: 1 });
  });

  it("a hangup's SIGHUP reaches the command when s5 leads the session (ssh -t host s5 run …)", async () => {
    const log = newLog();
    // The kernel sends a hangup's SIGHUP to the session's leader alone: s5 must pass it on.
    const terminal = inTerminal(counted(log));
    const s5 = Number(await line(log, "ready "));
    terminal.hangUp();
    await line(log, "got SIGHUP 1");
    process.kill(s5, "SIGUSR1");
    expect(JSON.parse(await line(log, "counts "))).toEqual({ SIGHUP: 1 });
  });

  it("Ctrl-Z, fg, an answer typed to the command, then Ctrl-C, in an interactive shell", async () => {
    const log = newLog();
    const terminal = inTerminal(["bash", "--norc", "--noprofile", "-i"]);
    terminal.type(
      `"${process.execPath}" "${s5Bin}" run -- "${process.execPath}" prompt.cjs "${log}"\n`,
    );
    const s5 = Number(await line(log, "ready "));
    terminal.group(s5);
    await until("the question", async () => terminal.output().includes("Apply? ") || undefined);
    terminal.type("\x1a");
    await until("the job stopped", async () => /Stopped/.test(terminal.output()) || undefined);
    terminal.type("fg\n");
    terminal.type("yes\n");
    expect(await line(log, "answer ")).toBe("yes");
    terminal.type("\x03");
    await line(log, "got SIGINT");
    terminal.type("echo status=$?\n");
    await until("the status", async () => /status=3/.test(terminal.output()) || undefined);
    terminal.type("exit\n");
    await terminal.exited;
  });

  it("a SIGINT sent to s5 alone, a background job of the terminal, reaches the command once", async () => {
    const log = newLog();
    const terminal = inTerminal(["bash", "--norc", "--noprofile", "-i"]);
    terminal.type(
      `"${process.execPath}" "${s5Bin}" run -- "${process.execPath}" count.cjs "${log}" &\n`,
    );
    const s5 = Number(await line(log, "ready "));
    terminal.group(s5);
    process.kill(s5, "SIGINT");
    await line(log, "got SIGINT 1");
    process.kill(s5, "SIGUSR1");
    expect(JSON.parse(await line(log, "counts "))).toEqual({ SIGINT: 1 });
    terminal.type("wait; exit\n");
    await terminal.exited;
  });

  it.runIf(canUnsharePid)(
    "a SIGINT sent to s5 alone, a background job in a PID namespace of its own, reaches the command",
    async () => {
      // Its /proc (`unshare --mount-proc`, as a container's) shows no process of the terminal's
      // shell: the job's group, the session and the terminal's foreground group all read 0.
      const log = newLog();
      const pidFile = join(project.dir, `unshare-${logs}.pid`);
      const terminal = inTerminal(["bash", "--norc", "--noprofile", "-i"]);
      terminal.type(
        `unshare --pid --fork --mount-proc "${process.execPath}" "${s5Bin}" run -- "${process.execPath}" count.cjs "${log}" & echo $! > "${pidFile}"\n`,
      );
      await line(log, "ready ");
      const unshare = Number(readFileSync(pidFile, "utf8"));
      terminal.group(unshare);
      const s5 = Number(readFileSync(`/proc/${unshare}/task/${unshare}/children`, "utf8").trim());
      // Pending together, s5 handles SIGINT before SIGUSR1 and passes them on in that order.
      process.kill(s5, "SIGINT");
      process.kill(s5, "SIGUSR1");
      expect(JSON.parse(await line(log, "counts "))).toEqual({ SIGINT: 1 });
      terminal.type("wait; exit\n");
      await terminal.exited;
    },
  );

  it.runIf(canUnsharePid)(
    "one Ctrl-C reaches the command once in a shell's job in a PID namespace of its own",
    async () => {
      // The shell made the job's group in the namespace: it and the foreground group can be seen.
      // The job is `sh -c '…; true'`: bash would take the terminal back when its child s5 stops.
      const log = newLog();
      const terminal = inTerminal([
        "unshare",
        "--pid",
        "--fork",
        "--mount-proc",
        "bash",
        "--norc",
        "--noprofile",
        "-i",
      ]);
      terminal.type(
        `sh -c '${counted(log)
          .map((arg) => `"${arg}"`)
          .join(" ")}; true'\n`,
      );
      const s5 = outerPid(Number(await line(log, "ready ")));
      if (s5 === undefined) throw new Error("no s5 found by its id in the namespace");
      terminal.group(s5);
      process.kill(s5, "SIGSTOP");
      terminal.type("\x03");
      await line(log, "got SIGINT 1");
      process.kill(s5, "SIGUSR1");
      process.kill(s5, "SIGCONT");
      expect(JSON.parse(await line(log, "counts "))).toEqual({ SIGINT: 1 });
      terminal.type("exit\n");
      await terminal.exited;
    },
  );

  it("a SIGTERM and a reload's SIGHUP sent to s5 alone, the terminal's foreground job, reach the command", async () => {
    const log = newLog();
    // sh leads the session; s5, in its group, is the foreground job and does not lead.
    const terminal = inTerminal(underShell(log));
    const s5 = Number(await line(log, "ready "));
    process.kill(s5, "SIGHUP");
    await line(log, "got SIGHUP 1");
    process.kill(s5, "SIGTERM");
    await line(log, "got SIGTERM 1");
    process.kill(s5, "SIGUSR1");
    expect(JSON.parse(await line(log, "counts "))).toEqual({ SIGHUP: 1, SIGTERM: 1 });
    terminal.hangUp();
  });

  it("a Ctrl-C reaches a command that left s5's process group (setsid) through s5", async () => {
    const log = newLog();
    // setsid(1) in a process that leads no group makes a new session in place, then runs node:
    // the terminal's Ctrl-C reaches s5 alone, which passes it on.
    const terminal = inTerminal([
      process.execPath,
      s5Bin,
      "run",
      "--",
      "setsid",
      process.execPath,
      "count.cjs",
      log,
    ]);
    const s5 = Number(await line(log, "ready "));
    terminal.group(Number(await line(log, "pid ")));
    terminal.type("\x03");
    await line(log, "got SIGINT 1");
    process.kill(s5, "SIGUSR1");
    expect(JSON.parse(await line(log, "counts "))).toEqual({ SIGINT: 1 });
    expect(await terminal.exited).toBe(0);
  });

  it("without a terminal, a SIGHUP sent to s5 (a supervisor's reload) reaches the command", async () => {
    const log = newLog();
    // sh leads the session (no terminal); s5, its child, does not.
    const [shell, ...args] = underShell(log);
    const sh = spawn(shell!, args, {
      cwd: project.dir,
      env: project.env,
      detached: true,
      stdio: "ignore",
    });
    try {
      const s5 = Number(await line(log, "ready "));
      process.kill(s5, "SIGHUP");
      await line(log, "got SIGHUP 1");
      process.kill(s5, "SIGUSR1");
      expect(JSON.parse(await line(log, "counts "))).toEqual({ SIGHUP: 1 });
    } finally {
      try {
        if (sh.pid !== undefined) process.kill(-sh.pid, "SIGKILL");
      } catch {
        // all ended
      }
    }
  });
});
