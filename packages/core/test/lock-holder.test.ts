// Who holds a lock file, as another s5 on the same machine judges it (src/lock-holder.ts).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeHolder, hidesProcesses, holderGone, holderMark } from "../src/lock-holder.ts";
import { parseMountInfo } from "../src/trusted-path.ts";

const linux = process.platform === "linux";
const boot = linux ? readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() : "";
// The PID namespace, and the time namespace where Linux has them (start times are shown in it).
const namespace = linux
  ? readlinkSync("/proc/self/ns/pid") +
    (existsSync("/proc/self/ns/time") ? `+${readlinkSync("/proc/self/ns/time")}` : "")
  : "";
// A PID namespace of its own whose /proc is still the parent's: root, util-linux's unshare.
const pidNamespace =
  linux &&
  process.getuid?.() === 0 &&
  spawnSync("unshare", ["--pid", "--fork", "true"]).status === 0;

describe.runIf(linux)("a lock's holder", () => {
  it("this process's own mark names it as alive", () => {
    const mark = holderMark();
    expect(mark).toBe(` holder ${process.pid} ${mark.split(" ")[3]} ${boot} ${namespace}`);
    expect(mark.split(" ")[3]).toMatch(/^\d+$/);
    expect(holderGone(`123.abc${mark}`)).toBe(false);
  });

  it("a process that has ended is gone; one by the same id started at another time too", () => {
    const ended = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    const pid = Number(ended.stdout.toString());
    const start = holderMark().split(" ")[3];
    expect(holderGone(`1.a holder ${pid} ${start} ${boot} ${namespace}`)).toBe(true);
    expect(holderGone(`1.a holder ${process.pid} 1 ${boot} ${namespace}`)).toBe(true);
  });

  // A holder killed while its parent does not reap it (a shell's `exec`, a container's init that
  // waits for nothing) stays a zombie: by id and start time it still "runs", and would be waited for.
  it("a zombie (ended, not yet reaped) is gone", async () => {
    // The child waits for the end of the test's pipe, which comes only once its parent has become
    // `sleep` (which never reaps): had it ended before the `exec`, the shell could reap it.
    const parent = spawn("sh", ["-c", "exec 3<&0; read _ <&3 & echo $!; exec sleep 60"], {
      stdio: ["pipe", "pipe", "ignore"],
    });
    const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
    try {
      const pid = await new Promise<number>((resolve) =>
        parent.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString()))),
      );
      while (readFileSync(`/proc/${parent.pid}/comm`, "latin1") !== "sleep\n") await tick();
      parent.stdin.end();
      let fields: string[] = [];
      do {
        await tick();
        const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
        fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      } while (fields[0] !== "Z");
      expect(holderGone(`1.a holder ${pid} ${fields[19]} ${boot} ${namespace}`)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
  });

  // `/proc/PID/stat` names the command in parentheses, and a command's name may hold ") ": the
  // fields are read after its last ")", or a live holder's start time is misread and it "ended".
  it("a live holder whose command name holds a parenthesis and spaces is not gone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-comm-"));
    const odd = join(dir, "a) b c");
    symlinkSync(spawnSync("sh", ["-c", "command -v sleep"]).stdout.toString().trim(), odd);
    const holder = spawn(odd, ["60"], { stdio: "ignore" });
    try {
      let stat = "";
      do {
        await new Promise((resolve) => setTimeout(resolve, 10));
        stat = readFileSync(`/proc/${holder.pid}/stat`, "latin1");
      } while (!stat.includes("(a) b c)"));
      const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
      expect(holderGone(`1.a holder ${holder.pid} ${start} ${boot} ${namespace}`)).toBe(false);
    } finally {
      holder.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is never judged from another boot, another PID namespace, or a token without a mark", () => {
    const gone = 2 ** 22 + 1; // above pid_max's largest value: no such process
    expect(holderGone(`1.a holder ${gone} 5 another-boot ${namespace}`)).toBe(false);
    expect(holderGone(`1.a holder ${gone} 5 ${boot} pid:[1]`)).toBe(false);
    expect(holderGone(`${gone}.abc`)).toBe(false);
    expect(holderGone("")).toBe(false);
    expect(holderGone(`1.a holder ${gone} 5 ${boot} ${namespace}`)).toBe(true);
  });
});

describe.runIf(linux)("a lock's holder, as a refusal names it", () => {
  it("names the process and whether it still runs, never the token's other text", () => {
    const mark = holderMark();
    expect(describeHolder(`${process.pid}.abc${mark}`)).toEqual({
      pid: process.pid,
      text: `s5 process ${process.pid}, still running on this machine`,
    });
    const ended = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    const pid = Number(ended.stdout.toString());
    const start = mark.split(" ")[3];
    expect(describeHolder(`${pid}.a holder ${pid} ${start} ${boot} ${namespace}`).text).toBe(
      `process ${pid}, which has ended`,
    );
    expect(describeHolder(`77.a holder 77 1 other-boot ${namespace}`).text).toBe(
      "process 77 of another machine, boot or container",
    );
    expect(describeHolder("12345.killed").text).toBe(
      "process 12345 (whether it runs cannot be told here)",
    );
    expect(describeHolder("\u001b[2Jsomeone")).toEqual({ text: "a holder s5 cannot name" });
  });
});

describe.runIf(pidNamespace)("a /proc of another PID namespace", () => {
  // In a container started with a PID namespace but the host's /proc (`unshare --pid` without
  // `--mount-proc`), /proc/PID names another process than s5's PID: a mark read there would name
  // a stranger, whose end would make a live holder's lock look abandoned.
  it("gives no mark: the lock's age alone decides", () => {
    const source = new URL("../src/lock-holder.ts", import.meta.url).pathname;
    const script = `import(${JSON.stringify(source)}).then((m) => process.stdout.write(JSON.stringify([process.pid, m.holderMark()])))`;
    const run = spawnSync("unshare", ["--pid", "--fork", process.execPath, "-e", script]);
    expect(run.stderr.toString()).toBe("");
    expect(JSON.parse(run.stdout.toString())).toEqual([1, ""]);
  });
});

describe("a /proc that hides processes", () => {
  const line = (options: string) =>
    `63 45 0:39 / /proc rw,relatime - proc proc ${options}\n22 27 0:21 / /sys rw - sysfs sysfs rw`;

  it("is one mounted with hidepid other than 0 or off, the last mount on /proc deciding", () => {
    expect(hidesProcesses(parseMountInfo(line("rw")))).toBe(false);
    expect(hidesProcesses(parseMountInfo(line("rw,hidepid=0")))).toBe(false);
    expect(hidesProcesses(parseMountInfo(line("rw,hidepid=off")))).toBe(false);
    expect(hidesProcesses(parseMountInfo(line("rw,hidepid=2")))).toBe(true);
    expect(hidesProcesses(parseMountInfo(line("rw,hidepid=invisible,gid=10")))).toBe(true);
    expect(hidesProcesses(parseMountInfo(line("rw,hidepid=ptraceable")))).toBe(true);
    const over = `${line("rw,hidepid=2")}\n64 63 0:40 / /proc rw - proc proc rw`;
    expect(hidesProcesses(parseMountInfo(over))).toBe(false);
  });
});
