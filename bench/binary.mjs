// The single-file `s5` (npm run build:binary): its size, its start-up (`s5 --version`) beside
// `s5 --version` on Node and `node -e 0`, and a render of a one-token local-key file beside the same
// render on Node, all measured in this run. The Go tool's binary is not measured: the Go module
// proxy does not serve github.com/mvisonneau/s5 (403), so its size is the one its releases publish.
// The executable is measured as a copy, as an image layer holds it: run straight from the file
// postject wrote, the kernel maps its text in other sizes (docs/decisions.md, twenty-ninth look).
// `node bench/binary.mjs` prints the rows.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { ensureBinary } from "../scripts/build-binary.mjs";
import { median, run } from "./_child.mjs";
import { keysSandbox } from "./_fixtures.mjs";
import { formatMB, formatMs, formatRatio, markdownTable } from "./_format.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 20);
const bin = join(root, "packages/cli/bin/s5.cjs");

export default async function runBinaryBench() {
  const built = await ensureBinary();
  const dir = mkdtempSync(join(tmpdir(), "s5-bench-binary-"));
  try {
    const binary = join(dir, "s5");
    copyFileSync(built, binary);
    chmodSync(binary, 0o755);
    return measure(binary, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Medians of `RUNS` interleaved rounds of each command, after one run each to warm the caches. */
function interleaved(commands) {
  const times = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (const command of Object.values(commands)) command();
  for (let i = 0; i < RUNS; i++) {
    for (const [name, command] of Object.entries(commands)) times[name].push(command().ms);
  }
  return Object.fromEntries(Object.entries(times).map(([name, ms]) => [name, median(ms)]));
}

function measure(binary, dir) {
  const env = keysSandbox(dir, bin);
  const cipher = spawnSync(process.execPath, [bin, "cipher"], {
    cwd: dir,
    env,
    input: "a value of the bench\n",
    encoding: "utf8",
  });
  if (cipher.status !== 0) throw new Error(`s5 cipher failed: ${cipher.stderr}`);
  writeFileSync(join(dir, "app.yml"), `db:\n  password: ${cipher.stdout.trim()}\n`);
  const options = { cwd: dir, env };
  const ms = interleaved({
    binary: () => run(binary, ["--version"], options),
    node: () => run(process.execPath, [bin, "--version"], options),
    bare: () => run(process.execPath, ["-e", "0"], options),
    binaryRender: () => run(binary, ["render", "app.yml"], options),
    nodeRender: () => run(process.execPath, [bin, "render", "app.yml"], options),
  });
  return [
    {
      figure: "Single-file `s5` (`npm run build:binary`): size on disk",
      s5: `${formatMB(statSync(binary).size)} (gzip, as in an image layer: ${formatMB(gzipSync(readFileSync(binary)).length)})`,
      baseline: "the Go tool: ~35 MB (its releases; not served by the Go proxy here)",
      ratio: "—",
      goal: "—",
      result: "info",
    },
    {
      figure: `Single-file \`s5 --version\` vs \`s5 --version\` on Node (median of ${RUNS})`,
      s5: formatMs(ms.binary),
      baseline: `${formatMs(ms.node)} (\`node -e 0\`: ${formatMs(ms.bare)})`,
      ratio: formatRatio(ms.binary / ms.node),
      goal: "—",
      result: "info",
    },
    {
      figure: `Single-file \`s5 render\` of a 1-token local-key file vs the same on Node (median of ${RUNS})`,
      s5: formatMs(ms.binaryRender),
      baseline: formatMs(ms.nodeRender),
      ratio: formatRatio(ms.binaryRender / ms.nodeRender),
      goal: "—",
      result: "info",
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${markdownTable(await runBinaryBench())}\n`);
}
