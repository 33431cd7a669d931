// A child process under strace, stopped (SIGSTOP) at chosen system calls: a race made
// deterministic (a link changed exactly between two calls), no timing.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { killGroups } from "./processes.ts";

export const hasStrace = spawnSync("strace", ["-V"]).status === 0;

// strace and the program it runs lead a process group of their own: `killTraced` (after each
// test) kills what is left, so a test that fails or times out at a stop leaves no stopped process
// and no strace waiting on it.
const groups = new Set<number>();

export function killTraced(): void {
  killGroups(groups);
}

/**
 * `argv` under strace in `cwd`, stopped (SIGSTOP) by `rules` (`inject=…:signal=SIGSTOP:when=N`)
 * on the calls (`openat`, `access`, `readlink`) that touch `paths`: `stopped(n)` resolves at the n-th stop,
 * `go()` lets it go on, `end()` gives its exit code and stderr.
 */
export function traced(
  argv: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  paths: string[],
  rules: string[],
) {
  const log = join(options.cwd, "..", `strace-${Math.random().toString(36).slice(2)}.log`);
  const child = spawn(
    "strace",
    ["-f", "-qq", "-o", log, ...paths.flatMap((path) => ["-P", path])]
      .concat(["-e", "trace=openat,access,readlink", ...rules.flatMap((rule) => ["-e", rule])])
      .concat(argv),
    { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  if (child.pid !== undefined) groups.add(child.pid);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ended = new Promise<number | null>((resolve) => child.on("close", resolve));
  let pid = 0;
  return {
    async stopped(n: number) {
      for (;;) {
        const stops = [...readLog(log).matchAll(/^(\d+) +--- SIGSTOP \{/gm)];
        if (stops.length >= n) {
          pid = Number(stops[n - 1]![1]);
          return;
        }
        if ((await Promise.race([ended, sleep(10)])) !== "slept") {
          throw new Error(`ended before stop ${n}: ${stderr}\n${readLog(log)}`);
        }
      }
    },
    go: () => process.kill(pid, "SIGCONT"),
    async end() {
      return { code: await ended, stdout, stderr };
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(() => resolve("slept"), ms));
const readLog = (log: string) => (existsSync(log) ? readFileSync(log, "utf8") : "");
