// `npm run bench`: the figures of issue 2, section 6, measured in one run, each beside a baseline
// measured in the same run. Prints a markdown table and writes it to .cache/bench-results.md.
//   (a) decrypt 1000 values, whole process: `s5 render` vs `dotenvx decrypt --stdout`
//   (b) render a 50 MB file with 100k tokens: time (linear: 25 MB vs 50 MB) and peak memory
//   (c) `s5 --version` vs `node -e 0`
// plus bench/vault-peers.mjs (s5 vs sops and the Go tool's way over Vault, app start with Vault
// tokens; BENCH_VAULT_PEERS=0 skips it), the loader and the bundler plugin rows, the rows of
// bench/vault.mjs when it exists, the fan-out row (bench/fanout.mjs; BENCH_FANOUT=0 skips it),
// and `s5 ls` / `s5 check` of a 20,000-file tree (bench/tree.mjs; BENCH_TREE=0 skips it). A
// command, not a test: nothing here fails CI.
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, peakRssMethod, run } from "./_child.mjs";
import {
  countDecrypted,
  createDotenvxProject,
  createProject,
  encryptTokens,
  plaintexts,
  sha256File,
  writeTokenFile,
} from "./_fixtures.mjs";
import { formatMB, formatMs, formatRatio, markdownTable, verdict } from "./_format.mjs";
import { vaultResults } from "./_vault.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const node = process.execPath;
const s5Bin = join(root, "packages/cli/bin/s5.cjs");
const coreEntry = join(root, "packages/core/dist/index.mjs");
const dotenvx = join(root, "node_modules/.bin/dotenvx");
const resultsFile = join(root, ".cache/bench-results.md");

const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 20);
const DECRYPT_RUNS = 7;
const DOTENVX_RUNS = Number(process.env.BENCH_DOTENVX_RUNS ?? 1);

const say = (line) => process.stderr.write(`bench: ${line}\n`);

/** (c) Start-up: `s5 --version` must cost little more than starting Node. */
function startup(project) {
  const { version } = JSON.parse(readFileSync(join(root, "packages/cli/package.json"), "utf8"));
  const s5 = () => run(node, [s5Bin, "--version"], project);
  const bare = () => run(node, ["-e", "0"], project);
  if (s5().stdout.trim() !== version) throw new Error(`s5 --version did not print ${version}`);
  bare();
  const s5Times = [];
  const nodeTimes = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    s5Times.push(s5().ms);
    nodeTimes.push(bare().ms);
  }
  const ratio = median(s5Times) / median(nodeTimes);
  return {
    figure: "(c) Start-up: `s5 --version` vs `node -e 0`",
    s5: `${formatMs(median(s5Times))} (median of ${STARTUP_RUNS})`,
    baseline: `${formatMs(median(nodeTimes))} (median of ${STARTUP_RUNS})`,
    ratio: formatRatio(ratio),
    goal: "≤ 1.2×",
    result: verdict(ratio <= 1.2),
  };
}

/** (a), s5 side: one `s5 render` process decrypting 1000 distinct local-key tokens. */
async function s5Decrypt(core, project, values) {
  const tokens = await encryptTokens(core, project, "local", values);
  const name = (i) => `secret_${String(i).padStart(4, "0")}`;
  writeFileSync(
    join(project.cwd, "secrets.yml"),
    tokens.map((token, i) => `${name(i)}: ${token}\n`).join(""),
  );
  const expected = values.map((value, i) => `${name(i)}: ${value}\n`).join("");
  const times = [];
  for (let i = 0; i <= DECRYPT_RUNS; i++) {
    const { ms, stdout } = run(node, [s5Bin, "render", "secrets.yml"], project);
    if (stdout !== expected) throw new Error("s5 render printed something else than the values");
    if (i > 0) times.push(ms); // the first run warms the page cache
  }
  return median(times);
}

/** (a), baseline: dotenvx decrypting the same 1000 values, encrypted by itself. */
async function dotenvxDecrypt(dir, values) {
  const started = performance.now();
  const project = await createDotenvxProject(dir, { dotenvx, values });
  say(`dotenvx encrypted its ${values.length} values in ${formatMs(performance.now() - started)}`);
  const times = [];
  for (let i = 0; i < DOTENVX_RUNS; i++) {
    say(`dotenvx decrypt --stdout, run ${i + 1} of ${DOTENVX_RUNS}…`);
    const { ms, stdout } = run(dotenvx, ["decrypt", "--stdout"], project);
    const count = countDecrypted(stdout, project.names, values);
    if (count !== values.length) {
      throw new Error(`dotenvx decrypted ${count} of ${values.length} values`);
    }
    times.push(ms);
  }
  return median(times);
}

function decryptRow(s5Ms, dotenvxMs) {
  const ratio = dotenvxMs / s5Ms;
  return {
    figure:
      "(a) Decrypt 1000 distinct values, whole process: `s5 render FILE` (local keys) vs `dotenvx decrypt --stdout`",
    s5: `${formatMs(s5Ms)} (median of ${DECRYPT_RUNS})`,
    baseline: `${formatMs(dotenvxMs)} (${DOTENVX_RUNS === 1 ? "1 run" : `median of ${DOTENVX_RUNS}`})`,
    ratio: `${formatRatio(ratio)} faster`,
    goal: "≥ 50× faster",
    result: verdict(ratio >= 50),
  };
}

/** `s5 render FILE -o OUT`, a few times: median time, highest peak RSS, output checked once. */
function measureRender(project, input, reps, rssFile) {
  const output = `${input.path}.out`;
  const times = [];
  const peaks = [];
  for (let i = 0; i < reps; i++) {
    rmSync(output, { force: true });
    const { ms, peakRss } = run(node, [s5Bin, "render", input.path, "-o", output], {
      ...project,
      stdout: "ignore",
      rssFile,
    });
    if (i === 0 && sha256File(output) !== input.sha256) {
      throw new Error(`s5 render ${input.path} wrote something else than the expected output`);
    }
    times.push(ms);
    peaks.push(peakRss);
  }
  rmSync(output, { force: true });
  return { ms: median(times), peak: Math.max(...peaks) };
}

/** `cat FILE > OUT`: the floor for reading and writing the same bytes. */
function measureCat(input, reps) {
  const output = `${input.path}.cat`;
  const times = [];
  for (let i = 0; i < reps; i++) {
    const fd = openSync(output, "w");
    try {
      times.push(run("cat", [input.path], { stdout: fd }).ms);
    } finally {
      closeSync(fd);
    }
  }
  rmSync(output, { force: true });
  return median(times);
}

/** (b) Large files: time, linearity (25 MB vs 50 MB) and peak memory. */
async function largeRender(core, project, dir) {
  const rssFile = join(dir, "peak-rss.txt");
  const repeated = plaintexts(500);
  const repeatedTokens = await encryptTokens(core, project, "local", repeated);
  const make = (name, bytes, lines, tokens, values) => ({
    path: join(dir, name),
    lines,
    ...writeTokenFile(join(dir, name), { bytes, lines, tokens, values }),
  });

  say("(b) 25 MB and 50 MB files, 500 distinct local-key tokens repeated…");
  const small = make("25mb.yml", 25e6, 50_000, repeatedTokens, repeated);
  const large = make("50mb.yml", 50e6, 100_000, repeatedTokens, repeated);
  const smallRun = measureRender(project, small, 3, rssFile);
  const largeRun = measureRender(project, large, 3, rssFile);
  const largeCat = measureCat(large, 3);
  rmSync(small.path);
  rmSync(large.path);

  say("(b) 50 MB file, 100k distinct AES tokens…");
  const distinct = plaintexts(100_000);
  const distinctTokens = await encryptTokens(core, project, "aes", distinct);
  const many = make("50mb-distinct.yml", 50e6, 100_000, distinctTokens, distinct);
  const manyRun = measureRender(project, many, 2, rssFile);
  const manyCat = measureCat(many, 3);
  rmSync(many.path);

  const perMB = (run, input) => run.ms / (input.size / 1e6);
  const linearity = perMB(largeRun, large) / perMB(smallRun, small);
  const timeRow = (label, runResult, input, catMs) => ({
    figure: `(b) Render ${formatMB(input.size)}, ${input.lines / 1000}k tokens (${label}), \`s5 render FILE -o OUT\`: time`,
    s5: `${formatMs(runResult.ms)} (${perMB(runResult, input).toFixed(1)} ms/MB)`,
    baseline: `\`cat FILE > OUT\` ${formatMs(catMs)}`,
    ratio: formatRatio(runResult.ms / catMs),
    goal: "— (context)",
    result: "info",
  });
  const memoryRow = (label, runResult, input) => {
    const ratio = runResult.peak / input.size;
    return {
      figure: `(b) Peak memory of that render (${label})`,
      s5: `${formatMB(runResult.peak)} peak RSS`,
      baseline: `${formatMB(input.size)} file`,
      ratio: formatRatio(ratio),
      goal: "≤ 4× the file",
      result: verdict(ratio <= 4),
    };
  };
  return [
    timeRow("500 distinct, local keys", largeRun, large, largeCat),
    {
      figure: `(b) Linear time: ms per MB at ${formatMB(large.size)} vs ${formatMB(small.size)} (same token density)`,
      s5: `${perMB(largeRun, large).toFixed(1)} ms/MB`,
      baseline: `${perMB(smallRun, small).toFixed(1)} ms/MB (${formatMs(smallRun.ms)})`,
      ratio: formatRatio(linearity),
      goal: "≤ 1.25×",
      result: verdict(linearity <= 1.25),
    },
    memoryRow("500 distinct, local keys", largeRun, large),
    timeRow("all distinct, AES", manyRun, many, manyCat),
    memoryRow("all distinct, AES", manyRun, many),
  ];
}

async function main() {
  const started = performance.now();
  if (!existsSync(coreEntry) || !existsSync(join(root, "packages/cli/dist/cli.mjs"))) {
    throw new Error("the packages are not built: run `npm run build` first");
  }
  if (!existsSync(dotenvx)) throw new Error("dotenvx is missing: run `npm install` first");
  const core = await import(pathToFileURL(coreEntry).href);
  const dir = mkdtempSync(join(tmpdir(), "s5-bench-"));
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ]) {
    process.once(signal, () => {
      cleanUp();
      process.exit(code);
    });
  }

  let rows;
  const notes = [];
  try {
    const project = createProject(dir, {
      node,
      s5Bin,
      aesKey: randomBytes(32).toString("hex"),
    });
    say(`(c) s5 --version and node -e 0, ${STARTUP_RUNS} runs each…`);
    const startupRow = startup(project);
    say("(a) s5 render of 1000 local-key tokens…");
    const values = plaintexts(1000);
    const s5Ms = await s5Decrypt(core, project, values);
    const largeRows = await largeRender(core, project, dir);
    say("(L) long lines and floods of malformed tokens…");
    const { runLongLineBench } = await import("./long-lines.mjs");
    largeRows.push(...(await runLongLineBench({ core, project, dir, node, s5Bin })));
    say("(a) dotenvx: encrypting 1000 values for the baseline (~20 ms of CPU each)…");
    const dotenvxMs = await dotenvxDecrypt(join(dir, "dotenvx"), values);
    rows = [decryptRow(s5Ms, dotenvxMs), ...largeRows, startupRow];
  } finally {
    cleanUp();
  }

  const vault = await vaultResults(join(root, "bench/vault.mjs"));
  rows.push(...vault.rows);
  if (vault.note) notes.push(vault.note);

  if (process.env.BENCH_FANOUT !== "0") {
    const { runFanoutBench } = await import("./fanout.mjs");
    rows.push(...(await runFanoutBench()));
  }
  if (process.env.BENCH_VAULT_PEERS !== "0") {
    say("Vault peers: s5 vs sops and the Go tool's way through a +5 ms proxy, app start…");
    const { runVaultPeerBench } = await import("./vault-peers.mjs");
    rows.push(...(await runVaultPeerBench({ log: say })));
  }
  if (process.env.BENCH_LOADER !== "0") {
    say("loader: node start-up with s5/config vs dotenv/config vs dotenvx/config…");
    const { runLoaderBench } = await import("./loader.mjs");
    rows.push(...(await runLoaderBench({ runs: 15 })).summaryRows);
  }
  if (process.env.BENCH_UNPLUGIN !== "0") {
    say("unplugin: Vite builds with and without the plugin…");
    const { runUnpluginBench } = await import("./unplugin.mjs");
    rows.push(...(await runUnpluginBench()));
    say("unplugin: Vite builds of a generated 321-module app with and without the plugin…");
    const { runViteLargeBench } = await import("./vite-large.mjs");
    rows.push(...(await runViteLargeBench({ log: say })));
  }

  // More rows, one file each (`export default async () => rows`); BENCH_<NAME>=0 skips one.
  for (const name of ["tree", "sodium", "binary", "install", "instructions"]) {
    const file = join(root, "bench", `${name}.mjs`);
    if (process.env[`BENCH_${name.toUpperCase()}`] === "0" || !existsSync(file)) continue;
    say(`${name}…`);
    rows.push(...(await (await import(pathToFileURL(file).href)).default()));
  }

  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const report = [
    "# s5 benchmark",
    "",
    `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · Node ${process.version} · ` +
      `${process.platform}/${process.arch} · ${cpu} × ${availableParallelism()} · ` +
      `one run of \`npm run bench\` (${formatMs(performance.now() - started)}); every baseline is measured in the same run.`,
    "",
    markdownTable(rows),
    ...(vault.table ? ["", "Vault (bench/vault.mjs, its own table):", "", vault.table] : []),
    "",
    "- Times are wall-clock, from spawning the child process to its exit (Node start-up included).",
    "- (a) Both tools decrypt the same 1000 distinct plaintexts; every output is checked.",
    "- (b) s5 writes with `-o`: a new file, fsync'd, renamed into place; `cat` does not fsync. " +
      "Repeated tokens are decrypted once (the engine de-duplicates); the AES rows have none repeated.",
    `- Peak memory: ${peakRssMethod}; MB = 10^6 bytes.`,
    ...notes.map((note) => `- ${note}`),
    "",
  ].join("\n");
  process.stdout.write(report);
  mkdirSync(join(root, ".cache"), { recursive: true });
  writeFileSync(resultsFile, report);
  say(`written to ${resultsFile}`);
}

await main();
