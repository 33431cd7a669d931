/**
 * Switches that make Node print or record the environment of a process whose environment holds
 * decrypted values (`import "s5/config"`, `s5/preload`, the command of `s5 run`). Node's
 * `child_process` debug section prints the whole environment of every process the application
 * starts (`envPairs`), and `worker` the options of every Worker, `env` included. A diagnostic
 * report records every environment variable, in a file Node creates with the umask's mode
 * (0644) in the working directory.
 */
import { nodeDebugSwitch } from "./vault/debug-switch.ts";

const ENV_SECTIONS = ["child_process", "worker"];

/** The flags of Node that write a diagnostic report without being asked by the program. */
const REPORT_TRIGGERS = [
  "--report-on-signal",
  "--report-uncaught-exception",
  "--report-on-fatalerror",
];

/**
 * The switch (as `NAME=value`) that would make Node print the environment of the processes and
 * workers this one starts, or undefined. `live`: also ask Node, which read NODE_DEBUG once at
 * start-up whatever the environment says now.
 */
export function environmentDebugSwitch(
  env: Readonly<Record<string, string | undefined>> = process.env,
  live = env === process.env,
): string | undefined {
  return nodeDebugSwitch(env, live, ENV_SECTIONS);
}

/**
 * The arguments Node reads from a `NODE_OPTIONS` value, as Node splits it: at spaces outside
 * double quotes, quotes removed wherever they stand (`--report-"on"-signal`), and a backslash
 * inside quotes taking the next character as it is. Undefined for a value Node refuses to start
 * with (an unterminated string, a backslash at the end).
 */
function nodeOptionsArgs(value: string): string[] | undefined {
  const args: string[] = [];
  let quoted = false;
  let fresh = true;
  for (let index = 0; index < value.length; index++) {
    let char = value[index]!;
    if (char === "\\" && quoted) {
      if (index + 1 === value.length) return undefined;
      char = value[++index]!;
    } else if (char === " " && !quoted) {
      fresh = true;
      continue;
    } else if (char === '"') {
      quoted = !quoted;
      continue;
    }
    if (fresh) args.push(char);
    else args[args.length - 1] += char;
    fresh = false;
  }
  return quoted ? undefined : args;
}

/**
 * The flag of a `NODE_OPTIONS` value that would write a diagnostic report holding the environment,
 * or undefined: none, or `--report-exclude-env` in force beside it. Read as Node reads it: quotes,
 * `_` for `-` in a name, a value after `=` that a switch ignores, and the last of `--X` and `--no-X`
 * wins (`--report-exclude-env --no-report-exclude-env` records the environment).
 */
export function reportSwitch(nodeOptions: string | undefined): string | undefined {
  if (!nodeOptions) return undefined;
  return reportFlag(nodeOptionsArgs(nodeOptions) ?? []);
}

/** {@link reportSwitch} of arguments Node has split already (`process.execArgv`). */
function reportFlag(args: readonly string[]): string | undefined {
  const on = new Map<string, boolean>();
  for (const arg of args) {
    if (!arg.startsWith("--")) continue;
    const name = arg.split("=")[0]!.replace(/_/g, "-");
    if (name.startsWith("--no-")) on.set(`--${name.slice(5)}`, false);
    else on.set(name, true);
  }
  if (on.get("--report-exclude-env")) return undefined;
  return REPORT_TRIGGERS.find((flag) => on.get(flag));
}

/**
 * Keeps the environment out of this process's diagnostic reports (a flag, the program's own
 * `process.report.writeReport()`): called once decrypted values are in `process.env`. Node
 * < 22.13 has no such setting: s5 refuses it (node-floor.ts); a runtime without `process.report`
 * has no reports.
 */
export function excludeEnvFromReports(): void {
  const report = (process as { report?: { excludeEnv?: boolean } }).report;
  try {
    if (report) report.excludeEnv = true;
  } catch {
    // an older Node's frozen object: it has no such setting either
  }
}

/**
 * Keeps the environment out of the reports of the Node processes this one starts (they inherit
 * `NODE_OPTIONS` and the decrypted values; s5 cannot reach into them): adds `--report-exclude-env`
 * to a `NODE_OPTIONS` whose report flag would record it. Only on a Node that has the flag, so that
 * a child on the same Node accepts it.
 */
export function excludeEnvFromChildReports(env: Record<string, string | undefined>): void {
  const report = (process as { report?: object }).report;
  if (!report || !("excludeEnv" in report)) return;
  if (reportSwitch(env.NODE_OPTIONS)) env.NODE_OPTIONS = `${env.NODE_OPTIONS} --report-exclude-env`;
  // A flag on node's own command line: `fork()` gives the child `process.execArgv`, whether or
  // not the child loads s5 (a `child.cjs` that does not, its environment the decrypted one).
  if (reportFlag(process.execArgv)) process.execArgv.push("--report-exclude-env");
}
