// The project's test command (`npm test`): build, lint + format, typecheck, package checks, then
// every vitest project. Runs every step even after a failure and ends with "N passed, N failed".
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const steps = [
  ["build", "npx", ["turbo", "run", "build", "--output-logs=errors-only"]],
  ["lint and format (biome)", "npx", ["biome", "check", "--error-on-warnings", "."]],
  ["typecheck", "npx", ["turbo", "run", "typecheck", "--output-logs=errors-only"]],
  [
    "package checks (publint, attw)",
    "npx",
    ["turbo", "run", "check:package", "--output-logs=errors-only"],
  ],
  [
    "API reports (npm run api:update after a deliberate change)",
    "node",
    ["scripts/api-report.mjs", "--check"],
  ],
];

let passed = 0;
let failed = 0;
for (const [name, command, args] of steps) {
  console.log(`\n== ${name}`);
  const { status } = spawnSync(command, args, { stdio: "inherit" });
  if (status === 0) passed++;
  else {
    failed++;
    console.log(`FAILED: ${name}`);
  }
}

mkdirSync(".cache", { recursive: true });
const report = ".cache/vitest-report.json";
rmSync(report, { force: true });
console.log("\n== tests (vitest)");
const extra = process.argv.slice(2);
// Every temporary directory of the tests (a sandbox per case: thousands a run, which stayed in
// /tmp) goes below one for the run, removed at its end. Sticky and open to all as /tmp is: tests
// of other users' files make their own directories there.
const runTemp = mkdtempSync(join(tmpdir(), "s5-test-"));
chmodSync(runTemp, 0o1777);
const run = spawnSync(
  "npx",
  [
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...extra,
  ],
  { stdio: "inherit", env: { ...process.env, TMPDIR: runTemp } },
);
try {
  rmSync(runTemp, { recursive: true, force: true });
} catch (error) {
  console.log(
    `note: could not remove ${runTemp} (${error.code ?? error}): a mount left by a test?`,
  );
}
let skipped = 0;
try {
  const result = JSON.parse(readFileSync(report, "utf8"));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + (result.numTodoTests ?? 0);
  // A suite that failed to load counts as a failure even when it ran no test.
  failed += result.testResults.filter(
    (file) => file.status === "failed" && file.assertionResults.length === 0,
  ).length;
  if (run.status !== 0 && result.numFailedTests === 0) failed++;
} catch {
  failed++;
  console.log("FAILED: vitest wrote no report");
}
// The last line is exactly "N passed, N failed" (what CI reads); skipped tests are said before it.
if (skipped)
  console.log(`\n${skipped} skipped (a tool or a privilege missing here; CI requires them)`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
