// Benchmark: a Vite client + SSR build of a generated app of realistic size — 320 modules (260
// client components and helpers, 60 server modules), 100 tokens spread over 10 server modules —
// with the s5 plugin beside the same build without it and with a plugin that does nothing (the
// figure's resolution); and the same app with no tokens. Median of the ratios of rotating rounds
// after a warm-up; throw-away local keys.
//
//   node bench/vite-large.mjs [runs]        # prints a markdown table
//   import { runViteLargeBench } from "./vite-large.mjs"   # for bench/run.mjs
//
// Needs the build (`npx turbo run build`). Builds run in-process through Vite's JS API.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createBackends, formatToken, resolveSettings, TOKEN_HINT } from "@s5/core";
import s5 from "@s5/unplugin/vite";
import { build } from "vite";
import { median } from "./_child.mjs";
import { keysSandbox } from "./_fixtures.mjs";
import { formatMs, formatRatio, markdownTable, verdict } from "./_format.mjs";

const repo = fileURLToPath(new URL("..", import.meta.url));
const CLIENT_MODULES = 260;
const SERVER_MODULES = 60;
const TOKEN_MODULES = 10;
const TOKENS = 100;

/** Some ordinary code, so a module weighs what a real one does (~1.5 kB). */
function body(i) {
  return `
export interface Item${i} { id: number; label: string; tags: string[]; score: number }

export function make${i}(count: number): Item${i}[] {
  const items: Item${i}[] = [];
  for (let n = 0; n < count; n++) {
    items.push({ id: n * ${i + 1}, label: \`item-${i}-\${n}\`, tags: ["a${i}", "b", "c"], score: (n * 7) % 13 });
  }
  return items;
}

export function summarize${i}(items: Item${i}[]): string {
  const total = items.reduce((sum, item) => sum + item.score, 0);
  const best = items.slice().sort((a, b) => b.score - a.score)[0];
  return \`${i}: \${items.length} items, total \${total}, best \${best ? best.label : "none"}\`;
}

export class Store${i} {
  #items = new Map<number, Item${i}>();
  add(item: Item${i}) { this.#items.set(item.id, item); return this; }
  get(id: number) { return this.#items.get(id); }
  get size() { return this.#items.size; }
}
`;
}

/**
 * Writes the app: client modules import their two "children" (a tree under src/client/c0.ts),
 * server modules import a few client helpers, and the 10 token modules hold 10 values each
 * (tokens, or the same values in clear).
 */
function writeApp(dir, values) {
  mkdirSync(join(dir, "src/client"), { recursive: true });
  mkdirSync(join(dir, "src/server"), { recursive: true });
  writeFileSync(
    join(dir, "index.html"),
    '<!doctype html><html><body><div id="app"></div><script type="module" src="/src/client/c0.ts"></script></body></html>\n',
  );
  for (let i = 0; i < CLIENT_MODULES; i++) {
    const children = [2 * i + 1, 2 * i + 2].filter((c) => c < CLIENT_MODULES);
    const imports = children.map(
      (c) => `import { summarize${c}, make${c}, parts${c} } from "./c${c}.ts";`,
    );
    const uses = children.map((c) => `summarize${c}(make${c}(3)), ...parts${c}()`);
    const entry =
      i === 0
        ? `\nconst app = globalThis.document?.getElementById("app");\nif (app) app.textContent = [${uses.join(", ")}].join("\\n");\nexport const parts0 = () => [];\n`
        : `\nexport const parts${i} = () => [${uses.join(", ")}];\n`;
    writeFileSync(join(dir, `src/client/c${i}.ts`), `${imports.join("\n")}\n${body(i)}${entry}`);
  }
  let token = 0;
  for (let i = 0; i < SERVER_MODULES; i++) {
    const helpers = [i, i + 60, i + 120].map((c) => c % CLIENT_MODULES);
    const lines = helpers.map(
      (c) => `import { summarize${c}, make${c} } from "../client/c${c}.ts";`,
    );
    let secrets = "";
    if (i < TOKEN_MODULES) {
      const own = [];
      for (let k = 0; k < TOKENS / TOKEN_MODULES; k++) own.push(values[token++]);
      secrets = `\nexport const settings${i} = {\n${own.map((value, k) => `  key${k}: "${value}",`).join("\n")}\n};\n`;
    }
    const use = helpers.map((c) => `summarize${c}(make${c}(2))`).join(", ");
    writeFileSync(
      join(dir, `src/server/s${i}.ts`),
      `${lines.join("\n")}\n${body(1000 + i)}${secrets}\nexport const report${i} = () => [${use}];\n`,
    );
  }
  const server = Array.from({ length: SERVER_MODULES }, (_, i) => i);
  writeFileSync(
    join(dir, "src/entry-server.ts"),
    `${server.map((i) => `import * as s${i} from "./server/s${i}.ts";`).join("\n")}\n` +
      `export const modules = [${server.map((i) => `s${i}`).join(", ")}];\n` +
      "export function render() { return modules.length; }\n",
  );
}

async function viteBuild(root, plugin) {
  const common = { root, configFile: false, logLevel: "silent", plugins: plugin ? [plugin()] : [] };
  await build({ ...common, build: { outDir: join(root, "dist/client"), emptyOutDir: true } });
  await build({
    ...common,
    build: { ssr: "src/entry-server.ts", outDir: join(root, "dist/server"), emptyOutDir: true },
  });
}

/**
 * A plugin with the same hooks and filters as s5's that does nothing: what any plugin costs a
 * build, and how far apart two builds that do the same work land on this machine.
 */
function idlePlugin() {
  const skip = { filter: { code: TOKEN_HINT }, handler: () => null };
  return {
    name: "idle",
    enforce: "pre",
    transform: skip,
    renderChunk: skip,
    buildStart() {},
    buildEnd() {},
    generateBundle() {},
    renderError() {},
    configResolved() {},
    transformIndexHtml: { order: "pre", handler: (html) => html },
  };
}

/**
 * Builds without a plugin, with the idle one and with s5's, in a rotating order, after a warm-up
 * build of each.
 */
async function timeBuilds(root, plugin, runs) {
  const variants = [
    { plugin: undefined, times: [] },
    { plugin: idlePlugin, times: [] },
    { plugin, times: [] },
  ];
  for (const variant of variants) await viteBuild(root, variant.plugin);
  for (let i = 0; i < runs; i++) {
    const order = [0, 1, 2].map((k) => variants[(i + k) % 3]);
    if (i % 2) order.reverse();
    for (const variant of order) {
      const start = performance.now();
      await viteBuild(root, variant.plugin);
      variant.times.push(performance.now() - start);
    }
  }
  const [without, idle, withPlugin] = variants.map((variant) => variant.times);
  // The ratio of each round, then their median: a build's time drifts over a run (the heap grows,
  // the machine's load changes), and a round's builds share the moment.
  const ratio = (times) => median(times.map((ms, i) => ms / without[i]));
  return {
    without: median(without),
    with: median(withPlugin),
    ratio: ratio(withPlugin),
    idle: median(idle),
    idleRatio: ratio(idle),
  };
}

export async function runViteLargeBench({ runs = 41, log = () => {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "s5-bench-vite-large-"));
  try {
    const env = keysSandbox(dir, join(repo, "packages/cli/bin/s5.cjs"));
    const plain = Array.from(
      { length: TOKENS },
      (_, i) => `server-value-${i}-${"x".repeat(i % 17)}`,
    );
    const backends = createBackends(resolveSettings({ cwd: dir, env }));
    const local = await backends.get("local");
    const sealed = await local.encrypt(plain.map((value) => Buffer.from(value)));
    const tokens = sealed.map((body) => formatToken(body));
    await backends[Symbol.asyncDispose]();

    const plainApp = join(dir, "plain");
    const tokenApp = join(dir, "tokens");
    writeApp(plainApp, plain);
    writeApp(tokenApp, tokens);
    const plugin = () => s5({ env });
    log(`vite-large: ${CLIENT_MODULES + SERVER_MODULES + 1} modules, no tokens, ${runs} rounds…`);
    const none = await timeBuilds(plainApp, plugin, runs);
    log(`vite-large: ${TOKENS} tokens in ${TOKEN_MODULES} server modules, ${runs} rounds…`);
    const hundred = await timeBuilds(tokenApp, plugin, runs);
    await viteBuild(tokenApp, plugin);
    const built = await import(pathToFileURL(join(tokenApp, "dist/server/entry-server.mjs")).href);
    const got = built.modules
      .slice(0, TOKEN_MODULES)
      .flatMap((m, i) => Object.values(m[`settings${i}`]));
    if (JSON.stringify(got) !== JSON.stringify(plain)) {
      throw new Error(
        `vite-large: the SSR build does not hold the decrypted values: ${JSON.stringify(got).slice(0, 200)}`,
      );
    }
    const modules = CLIENT_MODULES + SERVER_MODULES + 1;
    const row = (figure, result, goal) => {
      const ratio = result.ratio;
      return {
        figure,
        s5: formatMs(result.with),
        baseline: `${formatMs(result.without)} without the plugin`,
        ratio: formatRatio(ratio),
        goal: `≤ ${formatRatio(goal)}`,
        result: verdict(ratio <= goal),
      };
    };
    return [
      row(
        `Vite build (client + SSR) of a ${modules}-module app, no tokens: with plugin / without`,
        none,
        1.02,
      ),
      row(
        `Vite build (client + SSR) of that app, ${TOKENS} tokens in ${TOKEN_MODULES} server modules: with plugin / without`,
        hundred,
        1.05,
      ),
      {
        figure: `… the resolution of these two rows: a plugin with the same hooks and filters that does nothing, the ${modules}-module app with no tokens, in the same rounds`,
        s5: formatMs(none.idle),
        baseline: `${formatMs(none.without)} without a plugin`,
        ratio: formatRatio(none.idleRatio),
        goal: "—",
        result: "info",
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = Number(process.argv[2] ?? 41);
  const rows = await runViteLargeBench({
    runs,
    log: (line) => process.stderr.write(`bench: ${line}\n`),
  });
  console.log(`Median of ${runs} rounds of builds, Node ${process.version}.\n`);
  console.log(markdownTable(rows));
}
