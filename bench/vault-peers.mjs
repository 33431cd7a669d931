// Vault, whole processes, beside their peers, through a loopback proxy that adds 5 ms to every
// request (a Vault on another host): one OpenBao dev server, one transit key, the same values.
//   - `s5 render` of 1000 distinct Vault tokens vs `sops decrypt` of the same 1000 values
//     (sops with hc_vault_transit: one data key, one transit call): time and peak memory;
//   - the same for a file of one value;
//   - the same 1000 tokens, one sequential request per token (the Go tool's way, bench/_sequential.cjs);
//   - app start: `import "s5/config"` with 50 Vault tokens vs `import "dotenv/config"`, and the
//     same tokens through `node --import s5/preload` (no worker thread).
// Runs are interleaved (one of each side per round) and the medians are kept.
//
//   node bench/vault-peers.mjs          # prints a markdown table (run.mjs's columns)
//   import { runVaultPeerBench } from "./vault-peers.mjs"   # for bench/run.mjs
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { apiOk, startOpenBao } from "../scripts/openbao.mjs";
import { median, run } from "./_child.mjs";
import { startDelayProxy } from "./_delay-proxy.mjs";
import { plaintexts } from "./_fixtures.mjs";
import { formatMB, formatMs, formatRatio, markdownTable, verdict } from "./_format.mjs";
import { findSops } from "./_sops.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const node = process.execPath;
// S5_BENCH_S5_ROOT: another checkout's build (its bin and node_modules), to compare two versions.
const s5Root = process.env.S5_BENCH_S5_ROOT ?? root;
const s5Bin = join(s5Root, "packages/cli/bin/s5.cjs");
const DELAY_MS = 5;
const KEY = "bench";
const APP_TOKENS = 50;

const name = (i) => `secret_${String(i).padStart(4, "0")}`;
const yaml = (items) => items.map((item, i) => `${name(i)}: ${item}\n`).join("");

/** The environment of every child: nothing of the caller's S5_, Vault or sops settings. */
function cleanEnv(dir, extra) {
  const env = { ...process.env, HOME: join(dir, "home"), XDG_CONFIG_HOME: join(dir, "config") };
  for (const key of Object.keys(env)) {
    if (/^(S5_|VAULT_|BAO_|SOPS_|DOTENV_|NODE_OPTIONS$)/.test(key)) delete env[key];
  }
  return { ...env, NO_PROXY: "127.0.0.1,localhost", ...extra };
}

/** Interleaved runs of several commands: median time and median peak RSS of each. */
function interleave(cases, runs, rssFile) {
  for (const item of cases) {
    const { stdout } = run(item.command, item.args, item.options);
    if (item.expect !== undefined && stdout !== item.expect) {
      throw new Error(`${item.label} printed something else than the values`);
    }
    item.times = [];
    item.peaks = [];
  }
  for (let round = 0; round < runs; round++) {
    for (const item of round % 2 ? [...cases].reverse() : cases) {
      const result = run(item.command, item.args, {
        ...item.options,
        stdout: "ignore",
        rssFile: item.rss ? rssFile : undefined,
      });
      item.times.push(result.ms);
      if (item.rss) item.peaks.push(result.peakRss);
    }
  }
  return cases.map((item) => ({
    ms: median(item.times),
    peak: item.rss ? median(item.peaks) : undefined,
  }));
}

/** Requests one command makes, counted at the proxy. */
function countRequests(proxy, command, args, options) {
  proxy.reset();
  run(command, args, { ...options, stdout: "ignore" });
  return proxy.requests();
}

async function encryptWithVault(server, values) {
  const core = await import(pathToFileURL(join(root, "packages/core/dist/index.mjs")).href);
  const env = { VAULT_ADDR: server.addr, VAULT_TOKEN: server.token, S5_VAULT_TRANSIT_KEY: KEY };
  const backends = core.createBackends(core.resolveSettings({ cwd: tmpdir(), env }));
  try {
    const encoder = new TextEncoder();
    return await core.cipherValues(
      backends,
      "vault",
      values.map((value) => encoder.encode(value)),
    );
  } finally {
    await backends[Symbol.asyncDispose]();
  }
}

/**
 * One side-by-side pair: s5 render of tokens vs sops decrypt of the same values; with `floor`, a
 * third process in the same rounds: the bare Node client of bench/_sequential.cjs on the same file.
 */
async function renderPair({ dir, sops, proxy, s5Env, sopsEnv, values, tokens, runs, tag, floor }) {
  const plain = join(dir, `plain-${tag}.yaml`);
  const encrypted = join(dir, `sops-${tag}.yaml`);
  const tokenFile = join(dir, `s5-${tag}.yaml`);
  writeFileSync(plain, yaml(values));
  writeFileSync(tokenFile, yaml(tokens));
  const { stdout } = run(
    sops.bin,
    ["encrypt", "--hc-vault-transit", `${proxy.url}/v1/transit/keys/${KEY}`, plain],
    { cwd: dir, env: sopsEnv },
  );
  writeFileSync(encrypted, stdout);
  rmSync(plain);
  const expected = yaml(values);
  const bare = {
    label: "bare Node client",
    command: node,
    args: [join(root, "bench/_sequential.cjs"), KEY, tokenFile],
    options: { cwd: dir, env: sopsEnv },
    expect: expected,
    rss: true,
  };
  const [s5, peer, floorResult] = interleave(
    [
      {
        label: "s5 render",
        command: node,
        args: [s5Bin, "render", tokenFile],
        options: { cwd: dir, env: s5Env },
        expect: expected,
        rss: true,
      },
      {
        label: "sops decrypt",
        command: sops.bin,
        args: ["decrypt", encrypted],
        options: { cwd: dir, env: sopsEnv },
        expect: expected,
        rss: true,
      },
      ...(floor ? [bare] : []),
    ],
    runs,
    join(dir, "peak-rss.txt"),
  );
  const requests = {
    s5: countRequests(proxy, node, [s5Bin, "render", tokenFile], { cwd: dir, env: s5Env }),
    sops: countRequests(proxy, sops.bin, ["decrypt", encrypted], { cwd: dir, env: sopsEnv }),
  };
  return { s5, peer, floor: floorResult, requests, tokenFile };
}

/** App start: `import "s5/config"` with Vault tokens in .env vs `import "dotenv/config"`. */
function appStart({ dir, env, tokens, values, runs }) {
  const names = values.map((_, i) => `VAR_${String(i).padStart(4, "0")}`);
  const dotenv = (items) => `${names.map((key, i) => `${key}=${items[i]}`).join("\n")}\n`;
  const check = `if (process.env.${names[0]} !== ${JSON.stringify(values[0])} || process.env.${names.at(-1)} !== ${JSON.stringify(values.at(-1))}) { console.error("values missing"); process.exit(1); }`;
  const project = (sub, content) => {
    const cwd = join(dir, sub);
    mkdirSync(cwd);
    symlinkSync(join(s5Root, "node_modules"), join(cwd, "node_modules"), "dir");
    writeFileSync(join(cwd, ".env"), content);
    return cwd;
  };
  const tokenDir = project("app-vault", dotenv(tokens));
  const plainDir = project("app-plain", dotenv(values));
  const script = (code) => ["--input-type=module", "-e", `${code}\n${check}`];
  const [s5, preload, baseline, bare] = interleave(
    [
      {
        label: "s5/config",
        command: node,
        args: script('import "s5/config";'),
        options: { cwd: tokenDir, env },
      },
      {
        label: "node --import s5/preload",
        command: node,
        args: ["--import", "s5/preload", ...script("")],
        options: { cwd: tokenDir, env },
      },
      {
        label: "dotenv/config",
        command: node,
        args: script('import "dotenv/config";'),
        options: { cwd: plainDir, env },
      },
      {
        label: "node",
        command: node,
        args: ["--input-type=module", "-e", ""],
        options: { cwd: plainDir, env },
      },
    ],
    runs,
  );
  return { s5: s5.ms, preload: preload.ms, dotenv: baseline.ms, bare: bare.ms };
}

export async function runVaultPeerBench({ runs = 9, log = () => {} } = {}) {
  const sops = findSops({ log });
  log(`${sops.version}; starting OpenBao and the +${DELAY_MS} ms proxy…`);
  const server = await startOpenBao({ log });
  const dir = mkdtempSync(join(tmpdir(), "s5-bench-vault-peers-"));
  let proxy;
  try {
    mkdirSync(join(dir, "home"));
    await apiOk(server, "POST", `transit/keys/${KEY}`, {});
    proxy = await startDelayProxy(server.addr, DELAY_MS);
    const vaultEnv = { VAULT_ADDR: proxy.url, VAULT_TOKEN: server.token };
    const s5Env = cleanEnv(dir, { ...vaultEnv, S5_VAULT_TRANSIT_KEY: KEY, NO_COLOR: "1" });
    // sops reads VAULT_TOKEN (the address is in its file); the sequential baseline both.
    const sopsEnv = cleanEnv(dir, vaultEnv);

    const values = plaintexts(1000);
    const tokens = await encryptWithVault(server, values);
    log(`1000 values: s5 render vs sops decrypt, ${runs} interleaved runs…`);
    const many = await renderPair({
      dir,
      sops,
      proxy,
      s5Env,
      sopsEnv,
      values,
      tokens,
      runs,
      tag: "1000",
    });
    // A 1-value process is ~0.1 s and its ratio sits near its goal: more runs for a steadier median.
    log(`1 value: s5 render vs sops decrypt, ${runs * 3} interleaved runs…`);
    const one = await renderPair({
      dir,
      sops,
      proxy,
      s5Env,
      sopsEnv,
      values: values.slice(0, 1),
      tokens: tokens.slice(0, 1),
      runs: runs * 3,
      tag: "1",
      floor: true,
    });

    log("1000 values, one sequential request per token (the Go tool's way), one run…");
    const sequentialRun = run(node, [join(root, "bench/_sequential.cjs"), KEY, many.tokenFile], {
      cwd: dir,
      env: sopsEnv,
    });
    if (sequentialRun.stdout !== yaml(values)) {
      throw new Error("the one-request-per-token baseline printed something else than the values");
    }
    const sequential = sequentialRun.ms;

    log(`app start with ${APP_TOKENS} Vault tokens, ${runs * 2} interleaved runs…`);
    const app = appStart({
      dir,
      env: s5Env,
      tokens: tokens.slice(0, APP_TOKENS),
      values: values.slice(0, APP_TOKENS),
      runs: runs * 2,
    });

    const via = `OpenBao dev server, +${DELAY_MS} ms per request`;
    const timeRow = (figure, pair) => {
      const ratio = pair.s5.ms / pair.peer.ms;
      return {
        figure,
        s5: `${formatMs(pair.s5.ms)} (${pair.requests.s5} request${pair.requests.s5 === 1 ? "" : "s"})`,
        baseline: `${formatMs(pair.peer.ms)} (${pair.requests.sops} request${pair.requests.sops === 1 ? "" : "s"})`,
        ratio: formatRatio(ratio),
        goal: "≤ 1.00×",
        result: verdict(ratio <= 1),
      };
    };
    const memoryRatio = many.s5.peak / many.peer.peak;
    const fasterBy = sequential / many.s5.ms;
    const overhead = app.s5 - app.dotenv;
    return [
      timeRow(
        `Vault: \`s5 render\` of 1000 distinct tokens vs \`sops decrypt\` (hc_vault_transit) of the same values, whole process (${via})`,
        many,
      ),
      {
        figure: "Vault: peak memory of that `s5 render` vs `sops decrypt`",
        s5: `${formatMB(many.s5.peak)} peak RSS`,
        baseline: formatMB(many.peer.peak),
        ratio: formatRatio(memoryRatio),
        goal: "≤ 1.20×",
        result: verdict(memoryRatio <= 1.2),
      },
      timeRow(
        `Vault: \`s5 render\` of a 1-token file vs \`sops decrypt\` of a 1-value file (medians of ${runs * 3})`,
        one,
      ),
      {
        figure:
          "… the floor of any Node program: the same 1-token file through a bare Node client (`bench/_sequential.cjs`: one request with `node:http`, no s5) vs `sops decrypt`, same runs",
        s5: `${formatMs(one.floor.ms)} (s5: +${formatMs(one.s5.ms - one.floor.ms)} over it)`,
        baseline: formatMs(one.peer.ms),
        ratio: formatRatio(one.floor.ms / one.peer.ms),
        goal: "—",
        result: "info",
      },
      {
        figure:
          "Vault: the 1000 tokens batched vs one sequential request per token, the Go tool's way (`bench/_sequential.cjs`: Node's http, keep-alive), whole process",
        s5: formatMs(many.s5.ms),
        baseline: `${formatMs(sequential)} (1 run, 1000 requests)`,
        ratio: `${formatRatio(fasterBy)} faster`,
        goal: "≥ 50× faster",
        result: verdict(fasterBy >= 50),
      },
      {
        figure: `App start with \`import "s5/config"\`, ${APP_TOKENS} Vault tokens (one round trip, +${DELAY_MS} ms) vs \`dotenv/config\` (${APP_TOKENS} values in clear)`,
        s5: formatMs(app.s5),
        baseline: `${formatMs(app.dotenv)} (bare \`node\`: ${formatMs(app.bare)})`,
        ratio: `+${formatMs(overhead)}`,
        goal: "≤ +40 ms",
        result: verdict(overhead <= 40),
      },
      {
        figure: `App start with \`node --import s5/preload\` (no worker thread), the same ${APP_TOKENS} Vault tokens vs \`dotenv/config\``,
        s5: formatMs(app.preload),
        baseline: formatMs(app.dotenv),
        ratio: `+${formatMs(app.preload - app.dotenv)}`,
        goal: "≤ +40 ms",
        result: verdict(app.preload - app.dotenv <= 40),
      },
    ];
  } finally {
    await proxy?.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 9);
  const rows = await runVaultPeerBench({
    runs,
    log: (line) => process.stderr.write(`bench: ${line}\n`),
  });
  console.log(`Median of ${runs} interleaved runs, Node ${process.version}.\n`);
  console.log(markdownTable(rows));
}
