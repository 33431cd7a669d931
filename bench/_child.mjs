// Running a command as a child process and measuring it: wall-clock time, and peak RSS through
// GNU time when it is installed, else through a preload that reports Node's own maxRSS on exit.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const GNU_TIME = "/usr/bin/time";
const PRELOAD = new URL("./_maxrss.mjs", import.meta.url).href;

/** How peak RSS is measured on this machine, for the notes under the table. */
export const peakRssMethod = existsSync(GNU_TIME)
  ? "`/usr/bin/time -f %M` (max RSS of the child)"
  : "`process.resourceUsage().maxRSS` at exit (a `--import` preload)";

/**
 * Runs `command args` once and returns its wall-clock time in ms, its output and, with `rssFile`,
 * its peak RSS in bytes. Throws when it does not exit with `status` (default 0), so a broken build
 * cannot pass as fast.
 * `stdout` is "pipe" (captured, as text), "ignore", or a file descriptor.
 */
export function run(command, args, options = {}) {
  const { cwd, env, stdout = "pipe", rssFile, status = 0 } = options;
  let file = command;
  let argv = args;
  let childEnv = env;
  if (rssFile) {
    rmSync(rssFile, { force: true });
    if (existsSync(GNU_TIME)) {
      file = GNU_TIME;
      argv = ["-f", "%M", "-o", rssFile, command, ...args];
    } else {
      if (command !== process.execPath) throw new Error("peak RSS without GNU time: Node only");
      argv = ["--import", PRELOAD, ...args];
      childEnv = { ...env, S5_BENCH_MAXRSS_FILE: rssFile };
    }
  }
  const start = performance.now();
  const result = spawnSync(file, argv, {
    cwd,
    env: childEnv,
    stdio: ["ignore", stdout, "pipe"],
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const ms = performance.now() - start;
  if (result.error) throw result.error;
  if (result.status !== status) {
    throw new Error(
      `\`${[command, ...args].join(" ")}\` exited with ${result.status ?? result.signal}:\n${result.stderr}`,
    );
  }
  const peakRss = rssFile ? readPeakRss(rssFile) : undefined;
  return { ms, stdout: result.stdout, stderr: result.stderr, peakRss };
}

function readPeakRss(file) {
  // GNU time writes "%M" in KiB on the last line (earlier lines may carry a signal note).
  const kib = Number(readFileSync(file, "utf8").trim().split("\n").at(-1));
  if (!Number.isFinite(kib) || kib <= 0) throw new Error(`no peak RSS in ${file}`);
  return kib * 1024;
}

/** Runs several commands at once (fixture set-up on all cores); rejects when one fails. */
export function runParallel(jobs) {
  return Promise.all(
    jobs.map(
      ({ command, args, cwd, env }) =>
        new Promise((resolve, reject) => {
          const child = spawn(command, args, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
          let stderr = "";
          child.stderr.on("data", (chunk) => {
            stderr += chunk;
          });
          child.on("error", reject);
          child.on("close", (code) => {
            if (code === 0) resolve();
            else
              reject(
                new Error(`\`${[command, ...args].join(" ")}\` exited with ${code}:\n${stderr}`),
              );
          });
        }),
    ),
  );
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
