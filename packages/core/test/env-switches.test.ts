// reportSwitch reads NODE_OPTIONS as Node does: each case is checked against a real Node, whose
// report of an uncaught exception holds the environment or not.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reportSwitch } from "../src/env-switches.ts";

const MARK = "env-switches-value-Qx81";

/** Whether Node, started with this NODE_OPTIONS, writes a report that holds the environment. */
function nodeRecordsEnv(nodeOptions: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), "s5-env-switches-"));
  try {
    spawnSync(process.execPath, ["-e", "throw new Error('x')"], {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: nodeOptions, MARKED: MARK },
      encoding: "utf8",
    });
    return readdirSync(dir).some((name) => readFileSync(join(dir, name), "utf8").includes(MARK));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("reportSwitch", () => {
  it("says a report would hold the environment exactly when Node's would", () => {
    const cases = [
      "--report-uncaught-exception",
      '"--report-uncaught-exception"',
      '--report-"uncaught"-exception',
      '"--report-uncaught\\-exception"',
      "--report_uncaught_exception",
      "--report-uncaught-exception=false",
      "--report-uncaught-exception --no-report-uncaught-exception",
      "--report-uncaught-exception --report-exclude-env",
      '--report-uncaught-exception "--report-exclude-env"',
      "--report-uncaught-exception --report-exclude-env=false",
      "--report-uncaught-exception --report-exclude-env --no-report-exclude-env",
      "--no-report-exclude-env --report-uncaught-exception",
      "--report-exclude-env --report-uncaught-exception --no-report_exclude_env",
      "--report-uncaught-exception  --report-exclude-env",
      "--report-compact --report-dir=. --report-signal=SIGUSR2",
      "--max-old-space-size=512",
    ];
    for (const options of cases) {
      expect(reportSwitch(options) !== undefined, options).toBe(nodeRecordsEnv(options));
    }
  });
});
