// Benchmark: Vite build (client + SSR) of the demo app (apps/vite-app) with the s5 plugin beside the
// same build without it, in one run: with no tokens in the app, and with 100 tokens in its server
// code. Alternating runs after a warm-up, the median of each pair's ratio; throw-away local keys.
//
//   node bench/unplugin.mjs                     # prints a markdown table
//   import { runUnpluginBench } from "./unplugin.mjs"   # for bench/run.mjs
//
// Needs the build (`npx turbo run build`). Builds run in-process through Vite's JS API, so Node
// start-up and config loading are not counted.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createBackends, formatToken, resolveSettings } from "@s5/core";
import s5 from "@s5/unplugin/vite";
import { build } from "vite";
import { keysSandbox } from "./_fixtures.mjs";
import { formatMs, formatRatio, markdownTable, verdict } from "./_format.mjs";

const repo = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.env.S5_BENCH_RUNS ?? 31);
const TOKENS = 100;
/** Builds per sample: one demo build takes tens of milliseconds, too short to time alone. */
const PER_SAMPLE = 3;

/** A temporary project with its own keys (nothing from the developer's environment). */
function projectSandbox() {
  const dir = mkdtempSync(join(tmpdir(), "s5-bench-unplugin-"));
  return { dir, env: keysSandbox(dir, join(repo, "packages/cli/bin/s5.cjs")) };
}

/** A copy of the demo app whose templates hold plain values or tokens. */
function makeApp(parent, name, values, extraServer) {
  const root = join(parent, name);
  mkdirSync(root);
  const app = join(repo, "apps/vite-app");
  cpSync(join(app, "index.html"), join(root, "index.html"));
  cpSync(join(app, "src"), join(root, "src"), {
    recursive: true,
    filter: (file) => !file.includes(".generated."),
  });
  for (const [file, ext] of [
    ["config", "json"],
    ["secrets", "ts"],
    ["public", "ts"],
    ["extra", "ts"],
  ]) {
    const text = readFileSync(join(root, "src", `${file}.template.${ext}`), "utf8");
    let out = text.replace(/%([A-Z_]+)%/g, (_, key) => values[key] ?? key);
    if (file === "secrets" && extraServer) out += extraServer;
    writeFileSync(join(root, "src", `${file}.generated.${ext}`), out);
  }
  return root;
}

async function viteBuild(root, plugin) {
  const common = { root, configFile: false, logLevel: "silent", plugins: plugin ? [plugin()] : [] };
  await build({ ...common, build: { outDir: join(root, "dist/client"), emptyOutDir: true } });
  await build({
    ...common,
    build: { ssr: "src/entry-server.ts", outDir: join(root, "dist/server"), emptyOutDir: true },
  });
}

const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function timePair(root, plugin) {
  const without = [];
  const withPlugin = [];
  await viteBuild(root, undefined);
  await viteBuild(root, plugin);
  for (let i = 0; i < RUNS; i++) {
    // Alternate so drift (CPU frequency, caches) hits both sides alike.
    for (const [list, p] of i % 2
      ? [[without], [withPlugin, plugin]]
      : [[withPlugin, plugin], [without]]) {
      const start = performance.now();
      for (let j = 0; j < PER_SAMPLE; j++) await viteBuild(root, p);
      list.push((performance.now() - start) / PER_SAMPLE);
    }
  }
  // The median of each pair's ratio: a pair's two samples share the moment (see vite-large.mjs).
  const ratios = withPlugin.map((ms, i) => ms / without[i]);
  return { without: median(without), with: median(withPlugin), ratio: median(ratios) };
}

export async function runUnpluginBench() {
  const { dir, env } = projectSandbox();
  try {
    const backends = createBackends(resolveSettings({ cwd: dir, env }));
    const local = await backends.get("local");
    const encrypt = async (value) => formatToken((await local.encrypt([Buffer.from(value)]))[0]);
    const plain = {
      API_KEY: "api-key-0123456789",
      DB_PASSWORD: "db-password-0123",
      GREETING: "world",
      PUBLIC_KEY: "pk_public_0123456789",
    };
    const plainApp = makeApp(dir, "plain", plain);
    const tokens = {};
    for (const [key, value] of Object.entries(plain)) {
      // The public value stays plain: a client build refuses tokens outside allowClient.
      tokens[key] = key === "PUBLIC_KEY" ? value : await encrypt(value);
    }
    let extra = "export const many = [\n";
    for (let i = 3; i < TOKENS; i++) extra += `  "${await encrypt(`value-number-${i}`)}",\n`;
    extra += "];\n";
    const tokenApp = makeApp(dir, "tokens", tokens, extra);
    await backends[Symbol.asyncDispose]();

    const plugin = () => s5({ env, allowClient: ["src/public.generated.ts"] });
    const none = await timePair(plainApp, plugin);
    const hundred = await timePair(tokenApp, plugin);
    const row = (figure, result, goal) => {
      const ratio = result.ratio;
      return {
        figure,
        s5: formatMs(result.with),
        baseline: formatMs(result.without),
        ratio: formatRatio(ratio),
        goal: `≤ ${formatRatio(goal)}`,
        result: verdict(ratio <= goal),
      };
    };
    return [
      row("Vite build (client + SSR), no tokens: with plugin / without", none, 1.05),
      row(`Vite build (client + SSR), ${TOKENS} tokens: with plugin / without`, hundred, 1.1),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await runUnpluginBench();
  console.log(
    `Median of ${RUNS} alternating samples of ${PER_SAMPLE} builds each, Node ${process.version}.\n`,
  );
  console.log(markdownTable(rows));
}
