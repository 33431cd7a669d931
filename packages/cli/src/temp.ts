/**
 * Temporary files that may hold plaintext: removed on any error, at exit, and when a signal ends
 * the process while one exists. (SIGKILL cannot be caught: such a file is 0600 in the target's
 * directory, named `.NAME.s5-…`.)
 */
import { unlinkSync } from "node:fs";

const live = new Set<string>();
/**
 * The signals whose default action ends the process and that Node lets a program catch: from the
 * terminal (Ctrl-C, Ctrl-\), from `kill` and timers. Not SIGUSR1 (Node's inspector), SIGPROF (the
 * CPU profiler), SIGPIPE and SIGXFSZ (Node ignores them: a write fails instead).
 */
export const ENDING_SIGNALS: NodeJS.Signals[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR2",
  "SIGALRM",
  "SIGVTALRM",
  "SIGXCPU",
];
const SIGNALS = ENDING_SIGNALS;
let installed = false;

function removeAll(): void {
  for (const temp of live) removeTemp(temp);
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  for (const name of SIGNALS) process.off(name, onSignal);
  // End the way the signal would have ended s5, so the caller sees the signal.
  process.kill(process.pid, signal);
}

/** Registers a temporary file (before it is created) for removal on signals and at exit. */
export function cleanupOnSignal(temp: string): void {
  live.add(temp);
  if (installed) return;
  installed = true;
  for (const name of SIGNALS) process.on(name, onSignal);
  process.on("exit", removeAll);
}

/** Removes a temporary file now (it may not exist yet). */
export function removeTemp(temp: string): void {
  live.delete(temp);
  try {
    unlinkSync(temp);
  } catch {
    // never created, or already gone
  }
}

/** The file was renamed into place: it is no longer temporary. */
export function forgetTemp(temp: string): void {
  live.delete(temp);
}
