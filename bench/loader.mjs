// Start-up cost of the runtime loader: `node -e 'import "X/config"'` with a 50-variable .env, for
//   - nothing (bare Node), `dotenv/config` (the same 50 values in clear), `s5/config` with the
//     50 values in clear (no tokens: no worker is started), `s5/config` with 50 local-key tokens,
//   - `@dotenvx/dotenvx/config` decrypting 50 values it encrypted itself;
// and, in rounds of their own, a 20,000-variable .env without tokens through `dotenv/config` and
// `s5/config` (setting that many variables is Node's setenv, quadratic in the environment's size:
// what s5 adds must not be).
// Every case runs in its own directory whose node_modules links to this repository's, so the
// packages resolve as they would in an application. Runs are interleaved (one of each case per
// round) and the median is kept; the baselines are measured in the same run.
//
// Standalone: `node bench/loader.mjs [runs]` prints a markdown table. bench/run.mjs calls
// `runLoaderBench()` and uses its `summaryRows` (in run.mjs's columns).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, run } from "./_child.mjs";
import { createDotenvxProject, createProject, encryptTokens, plaintexts } from "./_fixtures.mjs";
import { formatMs, formatRatio, markdownTable, verdict } from "./_format.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const node = process.execPath;
const s5Bin = join(root, "packages/cli/bin/s5.cjs");
const dotenvx = join(root, "node_modules/.bin/dotenvx");
const COUNT = 50;
const GOAL_MS = 15;
const LARGE = 20_000;
const LARGE_RUNS = 5;

function dotenvText(names, values) {
  return `${names.map((name, i) => `${name}=${values[i]}`).join("\n")}\n`;
}

/** A script that fails unless the first and last variables arrived decrypted. */
function check(names, values) {
  const first = JSON.stringify(values[0]);
  const last = JSON.stringify(values.at(-1));
  return `if (process.env.${names[0]} !== ${first} || process.env.${names.at(-1)} !== ${last}) { console.error("values missing"); process.exit(1); }`;
}

function linkModules(dir) {
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
}

export async function runLoaderBench({ runs = 15, log = () => {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "s5-bench-loader-"));
  try {
    const values = plaintexts(COUNT);
    const names = values.map((_, i) => `VAR_${String(i).padStart(4, "0")}`);

    log("s5 project with local keys…");
    const project = createProject(join(dir, "s5"), { node, s5Bin });
    linkModules(project.cwd);
    const core = await import(pathToFileURL(join(root, "packages/core/dist/index.mjs")).href);
    const tokens = await encryptTokens(core, project, "local", values);
    const tokenDir = project.cwd;
    writeFileSync(join(tokenDir, ".env"), dotenvText(names, tokens));

    const plainDir = join(dir, "plain");
    mkdirSync(plainDir);
    linkModules(plainDir);
    writeFileSync(join(plainDir, ".env"), dotenvText(names, values));

    log("dotenvx project (dotenvx encrypt)…");
    const dx = await createDotenvxProject(join(dir, "dotenvx"), { dotenvx, values });
    linkModules(dx.cwd);

    const env = { ...project.env };
    for (const name of Object.keys(env)) if (/^(DOTENV_|S5_CONFIG)/.test(name)) delete env[name];
    const cases = [
      { name: "node (no loader)", cwd: plainDir, code: "" },
      { name: "dotenv/config", cwd: plainDir, code: 'import "dotenv/config";' },
      { name: "s5/config, no tokens", cwd: plainDir, code: 'import "s5/config";' },
      { name: "s5/config, 50 local-key tokens", cwd: tokenDir, code: 'import "s5/config";' },
      {
        name: "@dotenvx/dotenvx/config, 50 encrypted",
        cwd: dx.cwd,
        code: 'import "@dotenvx/dotenvx/config";',
        env: { DOTENV_QUIET: "true" },
      },
    ].map((item) => ({
      ...item,
      args: ["--input-type=module", "-e", item.code ? `${item.code}\n${check(names, values)}` : ""],
      times: [],
    }));

    // Warm the file system cache and prove every case really delivers the values.
    for (const item of cases) run(node, item.args, { cwd: item.cwd, env: { ...env, ...item.env } });

    for (let round = 0; round < runs; round++) {
      log(`round ${round + 1} of ${runs}…`);
      for (const item of cases) {
        item.times.push(run(node, item.args, { cwd: item.cwd, env: { ...env, ...item.env } }).ms);
      }
    }
    const ms = Object.fromEntries(cases.map((item) => [item.name, median(item.times)]));

    log(`a ${LARGE}-variable .env, ${LARGE_RUNS} rounds…`);
    const largeDir = join(dir, "large");
    mkdirSync(largeDir);
    linkModules(largeDir);
    const largeNames = Array.from({ length: LARGE }, (_, i) => `LARGE_${i}`);
    const largeValues = largeNames.map((_, i) => `value-${i}`);
    writeFileSync(join(largeDir, ".env"), dotenvText(largeNames, largeValues));
    const large = ["dotenv/config", "s5/config"].map((module) => ({
      module,
      args: ["--input-type=module", "-e", `import "${module}";\n${check(largeNames, largeValues)}`],
      times: [],
    }));
    for (let round = 0; round < LARGE_RUNS; round++) {
      for (const item of large) {
        item.times.push(run(node, item.args, { cwd: largeDir, env }).ms);
      }
    }
    const [largeDotenv, largeS5] = large.map((item) => median(item.times));
    const bare = ms["node (no loader)"];
    const dotenv = ms["dotenv/config"];
    const s5 = ms["s5/config, 50 local-key tokens"];
    const rows = cases.map((item) => {
      const value = ms[item.name];
      return [
        item.name,
        formatMs(value),
        `+${formatMs(value - bare)}`,
        item.name === "dotenv/config"
          ? "baseline"
          : `${value - dotenv >= 0 ? "+" : ""}${formatMs(value - dotenv)}`,
      ];
    });
    const dx50 = ms["@dotenvx/dotenvx/config, 50 encrypted"];
    // Rows in bench/run.mjs's columns (Figure, s5, Baseline, Ratio, Goal, Result).
    const summaryRows = [
      {
        figure: `Start-up with \`import "s5/config"\`, ${COUNT} local-key tokens vs \`dotenv/config\` (${COUNT} values in clear)`,
        s5: formatMs(s5),
        baseline: formatMs(dotenv),
        ratio: `+${formatMs(s5 - dotenv)}`,
        goal: `≤ +${GOAL_MS} ms`,
        result: verdict(s5 - dotenv <= GOAL_MS),
      },
      {
        figure: `Start-up with \`import "s5/config"\` vs \`@dotenvx/dotenvx/config\`, ${COUNT} encrypted values each`,
        s5: formatMs(s5),
        baseline: formatMs(dx50),
        ratio: formatRatio(s5 / dx50),
        goal: "info",
        result: "",
      },
      {
        figure: `Start-up with a ${LARGE.toLocaleString("en")}-variable \`.env\` (no tokens): \`import "s5/config"\` vs \`dotenv/config\` (median of ${LARGE_RUNS})`,
        s5: formatMs(largeS5),
        baseline: formatMs(largeDotenv),
        ratio: formatRatio(largeS5 / largeDotenv),
        goal: "info",
        result: "",
      },
    ];
    return {
      runs,
      rows,
      summaryRows,
      overhead: s5 - dotenv,
      goal: GOAL_MS,
      result: verdict(s5 - dotenv <= GOAL_MS),
      ms,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatLoaderBench(result) {
  const table = markdownTable(result.rows, [
    `\`node -e\` with ${COUNT} variables`,
    "Median",
    "vs bare Node",
    "vs dotenv/config",
  ]);
  return `${table}\n\ns5/config with ${COUNT} tokens vs dotenv/config: +${formatMs(result.overhead)} (goal ≤ +${result.goal} ms): **${result.result}**`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = Number(process.argv[2] ?? 15);
  const result = await runLoaderBench({
    runs,
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
  });
  console.log(
    `Start-up of \`node --input-type=module -e 'import "X/config"; …'\`, median of ${runs} interleaved runs each, Node ${process.version}.\n`,
  );
  console.log(formatLoaderBench(result));
}
