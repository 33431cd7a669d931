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
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { until } from "../k8s/controller-harness.ts";
import { killRunGroups, localProject, type Project, s5Bin, spawnTerminal } from "./helpers.ts";

afterEach(killRunGroups);

/** Counts the signals it gets into LOG; prints the counts and ends on SIGUSR1. */
const COUNT = `
const { appendFileSync } = require("node:fs");
const log = (line) => appendFileSync(process.argv[2], line + "\\n");
const counts = {};
for (const signal of ["SIGINT", "SIGQUIT", "SIGHUP"]) {
  process.on(signal, () => {
    counts[signal] = (counts[signal] ?? 0) + 1;
    log("got " + signal + " " + counts[signal]);
  });
}
process.on("SIGUSR1", () => {
  log("counts " + JSON.stringify(counts));
  process.exit(0);
});
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
    const terminal = inTerminal([
      "sh",
      "-c",
      `"$0" "${s5Bin}" run -- "$0" count.cjs "${log}"; true`,
      process.execPath,
    ]);
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
});
