// reportSwitch reads NODE_OPTIONS as Node does: each case is checked against a real Node, whose
// report of an uncaught exception holds the environment or not. The NODE_DEBUG checks read the
// variable as Node's debuglog does, checked against a real Node's `debuglog(…).enabled`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Each case starts a real Node (~40 ms alone, seconds on a loaded 2-core machine): a guard
// against a hang, not a timing check.
const SPAWNS_TIMEOUT_MS = 60_000;

import { environmentDebugSwitch, reportSwitch } from "../src/env-switches.ts";
import { leakingDebugSwitch } from "../src/vault/debug-switch.ts";

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
  it(
    "says a report would hold the environment exactly when Node's would",
    () => {
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
    },
    SPAWNS_TIMEOUT_MS,
  );
});

/** The sections a real Node, started with this NODE_DEBUG, turns on among `sections`. */
function nodeEnables(nodeDebug: string, sections: readonly string[]): boolean {
  const probe = `const { debuglog } = require("node:util");
console.log(${JSON.stringify(sections)}.some((s) => debuglog(s).enabled));`;
  const result = spawnSync(process.execPath, ["-e", probe], {
    env: { ...process.env, NODE_DEBUG: nodeDebug },
    encoding: "utf8",
  });
  return result.stdout.trim() === "true";
}

describe("the NODE_DEBUG checks", () => {
  // Node splits NODE_DEBUG at commas only: a space stays part of the name (`http, child_process`
  // turns on http alone), as does every other character but `*`.
  const spellings = [
    "child_process",
    "CHILD_PROCESS",
    "http, child_process",
    " child_process",
    "child_process ",
    "child_process\t",
    "http child_process",
    "http,child_process",
    "net,,worker",
    "child_process*",
    "*_process",
    "*",
    "worker_threads",
    "x|child_process",
    "child.process",
    "http, net",
    "https",
    "undici ,fetch",
    "tls",
    "st*am",
  ];
  const env = ["child_process", "worker"];
  const vault = ["net", "http", "https", "tls", "http2", "undici", "fetch", "stream"];

  it(
    "refuse exactly what Node would turn on",
    () => {
      for (const value of spellings) {
        expect(environmentDebugSwitch({ NODE_DEBUG: value }, false) !== undefined, value).toBe(
          nodeEnables(value, env),
        );
        expect(leakingDebugSwitch({ NODE_DEBUG: value }, false) !== undefined, value).toBe(
          nodeEnables(value, vault),
        );
      }
    },
    SPAWNS_TIMEOUT_MS,
  );
});
