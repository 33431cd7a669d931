/**
 * Switches that make Node print or record the environment of a process whose environment holds
 * decrypted values (`import "s5/config"`, `s5/preload`, the command of `s5 run`). Node's
 * `child_process` debug section prints the whole environment of every process the application
 * starts (`envPairs`), and `worker` the options of every Worker, `env` included. A diagnostic
 * report records every environment variable, in a file Node creates with the umask's mode
 * (0644) in the working directory.
 */
import { nodeDebugCovers } from "./vault/debug-switch.ts";

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
  const node = env.NODE_DEBUG;
  if (node && nodeDebugCovers(node, ENV_SECTIONS)) return `NODE_DEBUG=${node}`;
  if (live) {
    const { debuglog } = process.getBuiltinModule("node:util");
    if (ENV_SECTIONS.some((section) => debuglog(section).enabled))
      return "NODE_DEBUG=(at start-up)";
  }
  return undefined;
}

/**
 * The flag of a `NODE_OPTIONS` value that would write a diagnostic report holding the environment,
 * or undefined: none, or `--report-exclude-env` beside it.
 */
export function reportSwitch(nodeOptions: string | undefined): string | undefined {
  if (!nodeOptions || !/--report[-_]/.test(nodeOptions)) return undefined;
  // Node reads `_` in a flag's name as `-`.
  const flags = nodeOptions.split(/\s+/).map((flag) => flag.split("=")[0]!.replace(/_/g, "-"));
  if (flags.includes("--report-exclude-env")) return undefined;
  return flags.find((flag) => REPORT_TRIGGERS.includes(flag));
}

/**
 * Keeps the environment out of this process's diagnostic reports (a flag, the program's own
 * `process.report.writeReport()`): called once decrypted values are in `process.env`. Node
 * < 22.13 has no such setting and ignores it; a runtime without `process.report` has no reports.
 */
export function excludeEnvFromReports(): void {
  const report = (process as { report?: { excludeEnv?: boolean } }).report;
  try {
    if (report) report.excludeEnv = true;
  } catch {
    // an older Node's frozen object: it has no such setting either
  }
}
