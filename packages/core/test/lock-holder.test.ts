// Who holds a lock file, as another s5 on the same machine judges it (src/lock-holder.ts).
import { spawnSync } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hidesProcesses, holderGone, holderMark } from "../src/lock-holder.ts";
import { parseMountInfo } from "../src/trusted-path.ts";

const linux = process.platform === "linux";
const boot = linux ? readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() : "";
const namespace = linux ? readlinkSync("/proc/self/ns/pid") : "";

describe.runIf(linux)("a lock's holder", () => {
  it("this process's own mark names it as alive", () => {
    const mark = holderMark();
    expect(mark).toMatch(new RegExp(`^ holder ${process.pid} \\d+ ${boot} pid:\\[\\d+\\]$`));
    expect(holderGone(`123.abc${mark}`)).toBe(false);
  });

  it("a process that has ended is gone; one by the same id started at another time too", () => {
    const ended = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    const pid = Number(ended.stdout.toString());
    const start = holderMark().split(" ")[3];
    expect(holderGone(`1.a holder ${pid} ${start} ${boot} ${namespace}`)).toBe(true);
    expect(holderGone(`1.a holder ${process.pid} 1 ${boot} ${namespace}`)).toBe(true);
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
