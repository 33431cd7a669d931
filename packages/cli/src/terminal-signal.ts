/**
 * Which signals `s5 run` got that COMMAND got too, from the terminal. A terminal sends Ctrl-C's
 * SIGINT and Ctrl-\'s SIGQUIT to its whole foreground process group; on a hangup, the shell that
 * leads the session (bash, zsh) sends SIGHUP to each job's whole group, or the kernel sends it to
 * the foreground group when that shell has ended. s5 and COMMAND (started in s5's group) both get
 * one; passed on as well, it would reach COMMAND twice, and many tools read a second interrupt as
 * "force quit" (OpenTofu stops its provisioners hard, docker compose and pulumi cancel). A signal
 * sent to s5 alone (`kill`, a supervisor) is still passed on. s5 cannot see who sent a signal
 * (Node has no siginfo), only where it stands: the cost is that `kill -INT <s5 pid>` from
 * elsewhere, while s5 is a terminal's foreground job, does not reach COMMAND. Linux's /proc;
 * elsewhere every signal is passed on, as before.
 */
import { processStat } from "@s5/core/internal";

/** The signals a terminal (or a shell on its hangup) sends to a whole process group. */
const GROUP_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(["SIGINT", "SIGQUIT", "SIGHUP"]);

/**
 * Remembers, when COMMAND starts, whether s5 has a controlling terminal; then tells for each
 * signal whether COMMAND got it too, s5 and COMMAND being in one process group: SIGINT and
 * SIGQUIT when that group is the terminal's foreground group; SIGHUP when the terminal s5 had is
 * gone (hung up) and s5 does not lead the session (the kernel sends a hangup's SIGHUP to the
 * session's leader alone: `ssh -t host s5 run …`, `docker run -t`). A SIGHUP while the terminal
 * is there came from `kill` (a reload: `kill -HUP <s5 pid>`).
 */
export function terminalSignals(): (signal: NodeJS.Signals, command: number) => boolean {
  const hadTerminal = (processStat("self")?.tty ?? 0) !== 0;
  return (signal, command) => {
    if (!GROUP_SIGNALS.has(signal)) return false;
    const self = processStat("self");
    const child = processStat(command);
    // Another PID namespace's /proc (not remounted for s5's): COMMAND's id names another process.
    if (self === undefined || child === undefined || self.pid !== process.pid) return false;
    if (child.pgrp !== self.pgrp) return false;
    if (signal === "SIGHUP") return hadTerminal && self.tty === 0 && self.session !== process.pid;
    // A group made out of s5's PID namespace reads 0 (`unshare --pid --mount-proc`, bubblewrap),
    // and so does the terminal's foreground group when it is such a group too: equal, they would
    // say nothing of whether they are one, and a signal sent to s5 alone would reach no one.
    return self.pgrp > 0 && self.tpgid === self.pgrp;
  };
}
