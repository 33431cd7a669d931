// The single-file `s5` (npm run build:binary): its size, and its start-up (`s5 --version`) beside
// `s5 --version` on Node and `node -e 0`, all measured in this run. The Go tool's binary is not
// measured: the Go module proxy does not serve github.com/mvisonneau/s5 (403), so its size is the
// one its releases publish. `node bench/binary.mjs` prints the rows.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { ensureBinary } from "../scripts/build-binary.mjs";
import { median, run } from "./_child.mjs";
import { formatMB, formatMs, formatRatio, markdownTable } from "./_format.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 20);

export default async function runBinaryBench() {
  const binary = await ensureBinary();
  const bin = join(root, "packages/cli/bin/s5.cjs");
  const commands = {
    binary: () => run(binary, ["--version"], { cwd: root }),
    node: () => run(process.execPath, [bin, "--version"], { cwd: root }),
    bare: () => run(process.execPath, ["-e", "0"], { cwd: root }),
  };
  const times = { binary: [], node: [], bare: [] };
  for (const command of Object.values(commands)) command(); // warm the page cache
  for (let i = 0; i < RUNS; i++) {
    for (const [name, command] of Object.entries(commands)) times[name].push(command().ms);
  }
  const [binaryMs, nodeMs, bareMs] = [times.binary, times.node, times.bare].map(median);
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
      s5: formatMs(binaryMs),
      baseline: `${formatMs(nodeMs)} (\`node -e 0\`: ${formatMs(bareMs)})`,
      ratio: formatRatio(binaryMs / nodeMs),
      goal: "—",
      result: "info",
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${markdownTable(await runBinaryBench())}\n`);
}
