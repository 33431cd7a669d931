// Long-running servers (bao, haproxy) and temp dirs of the HA harness. Everything started here is
// also killed when this process exits, so a test that fails before its `afterAll` (or a worker
// that is torn down) leaves no server listening on the machine.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let hooked = false;

function cleanupNow(): void {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", cleanupNow);
  // A signal skips the "exit" event; clean up, then let the signal do what it would have done.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanupNow();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** A temp dir removed by `removeDir` or, at the latest, when this process exits. */
export function tempDir(prefix: string): string {
  hookExit();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/**
 * Starts a server with stdout and stderr appended to `logFile` (a file, not a pipe: nobody has to
 * drain it, and it survives for the error message when the server dies).
 */
export function spawnLogged(
  command: string,
  args: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  hookExit();
  const fd = openSync(logFile, "a");
  try {
    const child = spawn(command, args, { stdio: ["ignore", fd, fd], env });
    children.add(child);
    child.once("exit", () => children.delete(child));
    child.once("error", () => children.delete(child));
    return child;
  } finally {
    closeSync(fd);
  }
}

export function running(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Sends `signal` and waits for the exit; SIGKILL after `graceMs` if it is still there. */
export async function stopChild(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = 5000,
): Promise<void> {
  if (!running(child)) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The end of a log file, for error messages. */
export function tail(file: string, chars = 1500): string {
  try {
    return readFileSync(file, "utf8").slice(-chars);
  } catch {
    return "(no log)";
  }
}

/**
 * Kills each process group in `groups` (children spawned with `detached`, each leading its own)
 * and forgets them: after each test, what a failing or timed-out test left running goes.
 */
export function killGroups(groups: Set<number>): void {
  for (const group of groups) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // ESRCH: the whole group has ended.
    }
  }
  groups.clear();
}
