/**
 * Who holds a lock file, written so that another s5 on the same machine can tell the holder has
 * ended: a killed s5 (SIGKILL, an OOM kill, a closed CI job) leaves its lock, and waiting out the
 * 30 s of staleness held every seal and key change of the project meanwhile (the record of known
 * keys waits only 5 s: its writes failed). The mark is the holder's process id with the start
 * time Linux gives it (a reused id has another), the boot it ran in, its PID namespace (a
 * container that shares the directory sees other processes, or none: never judged there) and its
 * time namespace (start times are shown shifted by its boot-clock offset). Where
 * any of this cannot be read (not Linux, no /proc, another host over NFS), nothing is judged and
 * the age alone decides, as before.
 */
import { processStat } from "./proc-stat.ts";
import { type MountEntry, parseMountInfo } from "./trusted-path.ts";

const { readFileSync, readlinkSync } = process.getBuiltinModule("node:fs");

interface Machine {
  boot: string;
  namespace: string;
}

let machine: Machine | null | undefined;

/**
 * This boot and PID namespace, when /proc is this process's own (`/proc/self` is its id) and
 * shows every process: mounted with `hidepid`, another user's s5 would look ended.
 */
function thisMachine(): Machine | null {
  if (machine !== undefined) return machine;
  machine = null;
  try {
    if (readlinkSync("/proc/self") !== String(process.pid)) return machine;
    if (hidesProcesses(parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8")))) {
      return machine;
    }
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "latin1").trim();
    // A start time is read in the reader's time namespace (its boot clock may be shifted:
    // `unshare -T`, a CRIU restore): judged only within the same one, where Linux has them.
    const time = timeNamespace();
    const namespace = `${readlinkSync("/proc/self/ns/pid")}${time ? `+${time}` : ""}`;
    if (/^[\w-]+$/.test(boot) && /^pid:\[\d+\](\+time:\[\d+\])?$/.test(namespace)) {
      machine = { boot, namespace };
    }
  } catch {
    // not Linux, or /proc hidden
  }
  return machine;
}

/** This process's time namespace (Linux 5.6 and later), or undefined where there are none. */
function timeNamespace(): string | undefined {
  try {
    return readlinkSync("/proc/self/ns/time");
  } catch {
    return undefined;
  }
}

/** Whether the `proc` mounted on /proc hides some processes (`hidepid=` other than 0 or off). */
export function hidesProcesses(mounts: readonly MountEntry[]): boolean {
  const proc = mounts.findLast((mount) => mount.point === "/proc" && mount.type === "proc");
  const hidepid = proc?.superOptions.find((option) => option.startsWith("hidepid="))?.slice(8);
  return hidepid !== undefined && hidepid !== "0" && hidepid !== "off";
}

/**
 * What s5 adds to its lock token so that others can judge it later; empty where none could. Of
 * another process (`s5 run`'s command) for a record that lasts while it runs.
 */
export function holderMark(pid = process.pid): string {
  const here = thisMachine();
  const held = here && processStat(pid);
  if (!here || !held) return "";
  return ` holder ${pid} ${held.start} ${here.boot} ${here.namespace}`;
}

/**
 * Whether the lock's token names a holder on this machine that has ended: no such process, a
 * process by that id started at another time, or one that is a zombie. False whenever it cannot
 * be told (a lock written by an older s5, another machine or namespace, a token being written).
 */
export function holderGone(token: string): boolean {
  const mark = / holder (\d+) (\d+) (\S+) (\S+)$/.exec(token);
  const here = thisMachine();
  if (!mark || !here) return false;
  const [, pid, start, boot, namespace] = mark;
  if (boot !== here.boot || namespace !== here.namespace) return false;
  const now = processStat(Number(pid));
  return now === undefined || String(now.start) !== start || now.state === "Z" || now.state === "X";
}

/**
 * Who holds a lock, from its token, for a refusal to say (never the token itself): its process
 * id, and whether that process still runs here where that can be told.
 */
export function describeHolder(token: string): { pid?: number | undefined; text: string } {
  const pid = /^(\d{1,10})\./.exec(token)?.[1];
  if (pid === undefined) return { text: "a holder s5 cannot name" };
  const mark = / holder (\d+) (\d+) (\S+) (\S+)$/.exec(token);
  const here = thisMachine();
  if (!mark || !here)
    return { pid: Number(pid), text: `process ${pid} (whether it runs cannot be told here)` };
  if (mark[3] !== here.boot || mark[4] !== here.namespace) {
    return { pid: Number(pid), text: `process ${pid} of another machine, boot or container` };
  }
  return holderGone(token)
    ? { pid: Number(pid), text: `process ${pid}, which has ended` }
    : { pid: Number(pid), text: `s5 process ${pid}, still running on this machine` };
}
