// A repository of real size for the commands that read every text file of a tree, `s5 ls` and
// `s5 check` (a pre-commit hook or a CI step on a monorepo): 20,000 source files of ~3.6 kB in 200
// directories (~72 MB), one in 50 with a token, beside a .gitignore'd build output and a
// node_modules that are not read. Baseline, in the same rounds: `grep -rn` of the same tree for
// `{{` (it reads the ignored build output too). `node bench/tree.mjs` prints its rows.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, run } from "./_child.mjs";
import { formatMB, formatMs, formatRatio, markdownTable, verdict } from "./_format.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const node = process.execPath;
const s5Bin = join(root, "packages/cli/bin/s5.cjs");
const RUNS = 5;
const DIRS = 200;
const FILES_PER_DIR = 100;
const TOKEN_EVERY = 50;

function sourceFile(dir, file) {
  const lines = [];
  for (let line = 0; line < 60; line++) {
    lines.push(`export const value${line} = "an ordinary line of code, ${dir}/${file}/${line}";`);
  }
  return lines;
}

/** Writes the tree; returns its size in bytes and how many tokens it holds outside ignored paths. */
export function writeTree(tree) {
  let bytes = 0;
  let tokens = 0;
  const put = (path, text) => {
    writeFileSync(join(tree, path), text);
    bytes += Buffer.byteLength(text);
  };
  mkdirSync(tree, { recursive: true });
  put(".gitignore", "dist/\n");
  for (let d = 0; d < DIRS; d++) {
    const dir = `pkg${d}/src/part${d % 7}`;
    mkdirSync(join(tree, dir), { recursive: true });
    for (let f = 0; f < FILES_PER_DIR; f++) {
      const lines = sourceFile(d, f);
      if (f % TOKEN_EVERY === 0) {
        lines.push(`// db: {{ s5:vault:v1:${randomBytes(48).toString("base64")} }}`);
        tokens++;
      }
      put(`${dir}/f${f}.ts`, `${lines.join("\n")}\n`);
    }
  }
  for (const skipped of ["dist", "node_modules/dep"]) {
    mkdirSync(join(tree, skipped), { recursive: true });
    for (let f = 0; f < 100; f++) put(`${skipped}/f${f}.js`, `${sourceFile(0, f).join("\n")}\n`);
  }
  return { bytes, tokens, files: DIRS * FILES_PER_DIR };
}

export default async function runTreeBench() {
  const dir = mkdtempSync(join(tmpdir(), "s5-bench-tree-"));
  try {
    const tree = join(dir, "repo");
    const { bytes, tokens, files } = writeTree(tree);
    const options = { cwd: tree, env: { ...process.env, NO_COLOR: "1" } };
    const ls = () => run(node, [s5Bin, "ls", "."], { ...options, rssFile: join(dir, "rss-ls") });
    const check = () =>
      run(node, [s5Bin, "check", "--no-decrypt", "."], {
        ...options,
        rssFile: join(dir, "rss-check"),
      });
    const grep = () =>
      run("grep", ["-rn", "--exclude-dir=node_modules", "--exclude-dir=.git", "-F", "{{", "."], {
        ...options,
        rssFile: join(dir, "rss-grep"),
      });
    // Every process must find every token before it is timed.
    const lines = (text) => text.split("\n").filter(Boolean).length;
    if (lines(ls().stdout) !== tokens) throw new Error("s5 ls did not list every token");
    if (!check().stderr.includes(`${tokens} token(s)`)) throw new Error("s5 check missed tokens");
    if (lines(grep().stdout) !== tokens) throw new Error("grep did not find every token");
    const results = { ls: [], check: [], grep: [] };
    for (let round = 0; round < RUNS; round++) {
      for (const [name, once] of [
        ["ls", ls],
        ["check", check],
        ["grep", grep],
      ]) {
        results[name].push(once());
      }
    }
    const ms = (name) => median(results[name].map((r) => r.ms));
    const peak = (name) => median(results[name].map((r) => r.peakRss));
    const baseline = `\`grep -rn '{{'\` ${formatMs(ms("grep"))} (${formatMB(peak("grep"))} peak RSS)`;
    const size = `${files.toLocaleString("en")} files, ${formatMB(bytes)}, ${tokens} tokens`;
    return [
      {
        figure: `Tree: \`s5 ls\` of a repository (${size}; .gitignore honoured), median of ${RUNS}`,
        s5: `${formatMs(ms("ls"))} (${formatMB(peak("ls"))} peak RSS)`,
        baseline,
        ratio: formatRatio(ms("ls") / ms("grep")),
        goal: "< 1 s",
        result: verdict(ms("ls") < 1000),
      },
      {
        figure: "Tree: `s5 check --no-decrypt` of that repository",
        s5: `${formatMs(ms("check"))} (${formatMB(peak("check"))} peak RSS)`,
        baseline,
        ratio: formatRatio(ms("check") / ms("grep")),
        goal: "< 1 s",
        result: verdict(ms("check") < 1000),
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${markdownTable(await runTreeBench())}\n`);
}
