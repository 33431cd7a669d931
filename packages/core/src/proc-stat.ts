/**
 * What Linux's /proc/PID/stat says of a process: when it started (a pid alone may be another
 * process's by now: lock holders, `s5 run`'s left-over directories) and its process group,
 * session and terminal (`s5 run`'s signals).
 */
const { readFileSync } = process.getBuiltinModule("node:fs");

export interface ProcessStat {
  /** Its process id as this /proc shows it (another PID namespace's /proc shows another). */
  pid: number;
  /** `Z` (or `X`) for a process that has ended but is not yet waited for. */
  state: string;
  /** The process group. */
  pgrp: number;
  /** The session: its leader's process id. */
  session: number;
  /** The controlling terminal's device number; 0 for none. */
  tty: number;
  /** The foreground process group of the controlling terminal; -1 for none. */
  tpgid: number;
  /** When it started, in clock ticks after the boot. */
  start: number;
}

/** Fields 1, 3, 5 to 8 and 22 of /proc/PID/stat; undefined when it cannot be read (not Linux, gone). */
export function processStat(pid: number | "self"): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [state, , pgrp, session, tty, tpgid] = fields;
  const numbers = [text.slice(0, text.indexOf(" ")), pgrp, session, tty, tpgid, fields[19]].map(
    Number,
  );
  if (state === undefined || numbers.some((n) => !Number.isInteger(n))) return undefined;
  const [id, p, s, t, f, start] = numbers as [number, number, number, number, number, number];
  return { pid: id, state, pgrp: p, session: s, tty: t, tpgid: f, start };
}
