// Instructions instead of milliseconds: `valgrind --tool=callgrind` counts what a whole process
// executes, the same to ±0.5 % run after run, where a wall-clock median on a shared 2-core VM moves
// by a few milliseconds — as much as is left between a start-up figure and its goal. Counted:
// `node -e` importing nothing, `dotenv/config`, `s5/config` without tokens and with 50 local-key
// tokens, and `s5 render` of the same .env. Info rows only (the goals are in milliseconds).
//
// Subtracted from every count: V8's search for primes for its string hash seed
// (`detail::sprp` under `HashSeed::InitializeRoots`), 8–22 million instructions at random in
// every Node start. Not fixed with `--hash-seed`: that flag (like `--no-maglev`, unlike the heap
// sizes) is part of the hash V8 checks cached code against, so Node's embedded code cache of its
// own modules goes unused, which adds millions of instructions of compiling.
//
//   node bench/instructions.mjs [runs]     # prints a markdown table
//   BENCH_INSTRUCTIONS=0 npm run bench     # skips it there; without valgrind it is skipped too
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median } from "./_child.mjs";
import { createProject, encryptTokens, plaintexts } from "./_fixtures.mjs";
import { markdownTable } from "./_format.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const node = process.execPath;
const s5Bin = join(root, "packages/cli/bin/s5.cjs");
const COUNT = 50;

function hasValgrind() {
  const found = spawnSync("valgrind", ["--version"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** Millions of instructions of one process, the hash seed's prime search taken out. */
function count(args, options, out) {
  const ran = spawnSync(
    "valgrind",
    ["--tool=callgrind", `--callgrind-out-file=${out}`, node, ...args],
    { ...options, encoding: "utf8", maxBuffer: 1 << 26 },
  );
  if (ran.status !== 0) throw new Error(`instructions: ${args.join(" ")} failed: ${ran.stderr}`);
  const annotated = spawnSync("callgrind_annotate", ["--inclusive=no", out], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  }).stdout;
  const number = (line) => Number(line.trim().split(/\s+/)[0].replaceAll(",", ""));
  const lines = annotated.split("\n");
  const total = number(lines.find((line) => line.includes("PROGRAM TOTALS")) ?? "NaN");
  const seed = lines.filter((line) => line.includes("sprp")).reduce((s, l) => s + number(l), 0);
  return (total - seed) / 1e6;
}

export default async function runInstructionBench({ runs = 3 } = {}) {
  const valgrind = hasValgrind();
  if (!valgrind) {
    return [
      {
        figure:
          "Instructions (callgrind): skipped, valgrind is not installed (`apt-get install valgrind`)",
        s5: "—",
        baseline: "—",
        ratio: "—",
        goal: "info",
        result: "",
      },
    ];
  }
  const dir = mkdtempSync(join(tmpdir(), "s5-bench-instructions-"));
  try {
    const values = plaintexts(COUNT);
    const names = values.map((_, i) => `VAR_${String(i).padStart(4, "0")}`);
    const project = createProject(join(dir, "s5"), { node, s5Bin });
    symlinkSync(join(root, "node_modules"), join(project.cwd, "node_modules"), "dir");
    const core = await import(pathToFileURL(join(root, "packages/core/dist/index.mjs")).href);
    const tokens = await encryptTokens(core, project, "local", values);
    const dotenv = (list) => `${names.map((name, i) => `${name}=${list[i]}`).join("\n")}\n`;
    writeFileSync(join(project.cwd, ".env"), dotenv(tokens));
    const plainDir = join(dir, "plain");
    mkdirSync(plainDir);
    symlinkSync(join(root, "node_modules"), join(plainDir, "node_modules"), "dir");
    writeFileSync(join(plainDir, ".env"), dotenv(values));

    const env = { ...project.env };
    for (const name of Object.keys(env)) if (/^(DOTENV_|S5_CONFIG)/.test(name)) delete env[name];
    const module = (code) => ["--input-type=module", "-e", code];
    const cases = [
      { name: "bare", cwd: plainDir, args: module("") },
      { name: "dotenv", cwd: plainDir, args: module('import "dotenv/config";') },
      { name: "none", cwd: plainDir, args: module('import "s5/config";') },
      { name: "local", cwd: project.cwd, args: module('import "s5/config";') },
      { name: "render", cwd: project.cwd, args: [s5Bin, "render", ".env"] },
    ];
    const counts = {};
    for (const item of cases) {
      const options = { cwd: item.cwd, env };
      // Twice outside valgrind first: the code caches are written, as on any machine after a start.
      for (let i = 0; i < 2; i++) spawnSync(node, item.args, options);
      const each = [];
      for (let i = 0; i < runs; i++) {
        each.push(count(item.args, options, join(dir, `${item.name}-${i}.out`)));
      }
      counts[item.name] = median(each);
    }
    const m = (value) => `${value.toFixed(1)} M`;
    const row = (figure, s5, baseline, baselineName) => ({
      figure,
      s5: m(s5),
      baseline: `${baselineName} ${m(baseline)}`,
      ratio: `+${m(s5 - baseline)}`,
      goal: "info",
      result: "",
    });
    return [
      row(
        `Instructions (callgrind, median of ${runs}; ${valgrind}): \`import "s5/config"\`, ${COUNT} local-key tokens vs \`dotenv/config\``,
        counts.local,
        counts.dotenv,
        "`dotenv/config`",
      ),
      row(
        '… `import "s5/config"` with no tokens vs `dotenv/config`',
        counts.none,
        counts.dotenv,
        "`dotenv/config`",
      ),
      row(
        `… \`s5 render\` of that .env (${COUNT} local-key tokens) vs \`node -e\` importing nothing`,
        counts.render,
        counts.bare,
        "`node`",
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await runInstructionBench({ runs: Number(process.argv[2] ?? 3) });
  console.log(markdownTable(rows));
}
