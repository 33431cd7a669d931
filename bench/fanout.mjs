// Benchmark: fan-out, as a CI matrix does it: 20 concurrent `s5 render` processes of 1000 distinct
// Vault tokens each, against a 3-node OpenBao raft cluster (test/setup/ha-cluster.ts) behind
// HAProxy — once with the usual health check (active node only), once through a second HAProxy
// that keeps standbys in rotation (`?standbyok=true`) — beside the same against one OpenBao dev
// server. All three are up at once and the rounds are interleaved (median of 3), so a busy moment
// of the machine does not land on one of them only. Every process must exit 0 with every value
// exact. Requests are counted by a loopback proxy in front of each target (the same for all).
//
//   node bench/fanout.mjs                              # prints its own table
//   import { runFanoutBench } from "./fanout.mjs"      # rows for bench/run.mjs
//
// Needs the build, haproxy and the `bao` binary (found or installed by scripts/openbao.mjs). The
// harness is TypeScript: Node ≥ 23.6 runs it as it is (type stripping).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiOk, findBao, freePort, startOpenBao } from "../scripts/openbao.mjs";
import { formatMs, formatRatio, markdownTable, verdict } from "./_format.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const s5Bin = join(root, "packages/cli/bin/s5.cjs");
const PROCESSES = Number(process.env.BENCH_FANOUT_PROCESSES ?? 20);
const TOKENS = 1000;
const ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? 3);
const say = (line) => process.stderr.write(`bench: ${line}\n`);

/**
 * CPU time in ms from /proc (Linux, 100 ticks a second): `pids`' own user + system time, or with
 * no pids this process's waited-for children (the finished renders). Undefined elsewhere.
 */
function cpuMs(pids) {
  try {
    const fields = (pid) => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat
        .slice(stat.lastIndexOf(")") + 2)
        .split(" ")
        .map(Number);
    };
    if (!pids) {
      const own = fields("self");
      return (own[13] + own[14]) * 10;
    }
    return pids.reduce((sum, pid) => {
      const each = fields(pid);
      return sum + (each[11] + each[12]) * 10;
    }, 0);
  } catch {
    return undefined;
  }
}

/** A pass-through proxy that counts requests and answers by status (with one error text each). */
function countingProxy(target) {
  const counts = { requests: 0, statuses: {}, samples: {}, nodes: {} };
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((request, response) => {
    counts.requests++;
    const upstream = http.request(
      new URL(request.url, target),
      { method: request.method, headers: request.headers, agent },
      (answer) => {
        const status = answer.statusCode ?? 502;
        counts.statuses[status] = (counts.statuses[status] ?? 0) + 1;
        // HAProxy names the node that answered (test/setup/haproxy.ts).
        const node = answer.headers["x-s5-backend"];
        if (node) counts.nodes[node] = (counts.nodes[node] ?? 0) + 1;
        response.writeHead(status, answer.headers);
        if (status !== 200 && !counts.samples[status]) {
          const parts = [];
          answer.on("data", (chunk) => parts.push(chunk));
          answer.on("end", () => {
            const text = Buffer.concat(parts)
              .toString()
              .replace(/<[^>]*>/g, " ");
            counts.samples[status] = text.replace(/\s+/g, " ").trim().slice(0, 120);
          });
        }
        answer.pipe(response);
      },
    );
    upstream.on("error", () => response.destroy());
    request.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        counts,
        close: () => {
          agent.destroy();
          server.closeAllConnections();
          return new Promise((done) => server.close(done));
        },
      }),
    ),
  );
}

/** 1000 tokens made through `addr` (400 per request), and the render's expected output. */
async function tokenFile(dir, addr, token, key) {
  const values = Array.from({ length: TOKENS }, (_, i) => `fanout-${i}-${"x".repeat(i % 9)}`);
  const lines = [];
  for (let start = 0; start < TOKENS; start += 400) {
    const body = await apiOk({ addr, token }, "POST", `transit/encrypt/${key}`, {
      batch_input: values
        .slice(start, start + 400)
        .map((value) => ({ plaintext: Buffer.from(value).toString("base64") })),
    });
    for (const item of body.data.batch_results) lines.push(`{{ s5:${item.ciphertext} }}`);
  }
  const file = join(dir, "secrets.yml");
  writeFileSync(file, lines.map((line, i) => `k${i}: ${line}\n`).join(""));
  return { file, expected: values.map((value, i) => `k${i}: ${value}\n`).join("") };
}

/** One `s5 render`; resolves with its wall time and whether its output was exact. */
function render(file, expected, env) {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, [s5Bin, "render", file], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = [];
    let stderr = "";
    child.stdout.on("data", (chunk) => out.push(chunk));
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) =>
      resolve({
        ms: performance.now() - start,
        ok: code === 0 && Buffer.concat(out).toString() === expected,
        stderr: stderr.trim().split("\n")[0] ?? "",
      }),
    );
  });
}

/**
 * A target: a counting proxy in front of `addr`, a token file made through it, the env of a render.
 * `round()` runs PROCESSES renders at once (after one alone) and returns what happened.
 */
async function target(name, addr, token, key, dir, serverPids) {
  const proxy = await countingProxy(addr);
  // What the servers burn doing nothing (raft heartbeats…), subtracted from a round's CPU.
  const idleStart = [cpuMs(serverPids), performance.now()];
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idlePerMs =
    idleStart[0] === undefined
      ? 0
      : (cpuMs(serverPids) - idleStart[0]) / (performance.now() - idleStart[1]);
  const own = mkdtempSync(join(dir, "target-"));
  const { file, expected } = await tokenFile(own, addr, token, key);
  const env = {
    PATH: process.env.PATH,
    HOME: own,
    NO_PROXY: "127.0.0.1,localhost",
    VAULT_ADDR: proxy.url,
    VAULT_TOKEN: token,
    S5_VAULT_TRANSIT_KEY: key,
  };
  const round = async () => {
    const alone = await render(file, expected, env); // also warms the file cache
    if (!alone.ok) throw new Error(`s5 render against ${name} failed: ${alone.stderr}`);
    Object.assign(proxy.counts, { requests: 0, statuses: {}, samples: {}, nodes: {} });
    say(`fan-out: ${PROCESSES} × s5 render of ${TOKENS} tokens against ${name}…`);
    const cpuBefore = [cpuMs(), cpuMs(serverPids)];
    const start = performance.now();
    const runs = await Promise.all(
      Array.from({ length: PROCESSES }, () => render(file, expected, env)),
    );
    const totalMs = performance.now() - start;
    const [clientCpu, busyCpu] = [cpuMs(), cpuMs(serverPids)].map((after, i) =>
      after === undefined || cpuBefore[i] === undefined ? undefined : after - cpuBefore[i],
    );
    const serverCpu =
      busyCpu === undefined ? undefined : Math.max(0, busyCpu - idlePerMs * totalMs);
    const failed = runs.filter((run) => !run.ok);
    const times = runs.map((run) => run.ms).sort((a, b) => a - b);
    return {
      totalMs,
      ok: runs.length - failed.length,
      firstError: failed[0]?.stderr,
      medianMs: times[Math.floor(times.length / 2)],
      maxMs: times.at(-1),
      aloneMs: alone.ms,
      clientCpu,
      serverCpu,
      ...structuredClone(proxy.counts),
    };
  };
  return { name, round, close: () => proxy.close() };
}

function describe(result) {
  const per = result.requests / PROCESSES;
  const statuses = Object.entries(result.statuses)
    .map(([status, count]) => {
      const sample = result.samples[status];
      return `${count}×${status}${sample ? ` “${sample}”` : ""}`;
    })
    .join(", ");
  const nodes = Object.entries(result.nodes)
    .map(([node, count]) => `${node} ${count}`)
    .join(", ");
  const cpu =
    result.clientCpu === undefined || result.serverCpu === undefined
      ? ""
      : `; CPU per render: s5 ${formatMs(result.clientCpu / PROCESSES)}, OpenBao ` +
        `${formatMs(result.serverCpu / PROCESSES)} (idle use subtracted)`;
  return (
    `${formatMs(result.totalMs)} for all (each: median ${formatMs(result.medianMs)}, max ` +
    `${formatMs(result.maxMs)}; one alone: ${formatMs(result.aloneMs)}); ${result.ok}/${PROCESSES} ` +
    `exact; ${per} requests/process (${statuses}${nodes ? `; answered by ${nodes}` : ""})${cpu}` +
    `${result.firstError ? `; first error: ${result.firstError}` : ""}`
  );
}

/** The round with the median total time: its figures stand for the target. */
function medianRound(rounds) {
  return [...rounds].sort((a, b) => a.totalMs - b.totalMs)[Math.floor(rounds.length / 2)];
}

/** Rows for bench/run.mjs (its six columns). */
export async function runFanoutBench() {
  const { startCluster } = await import("../test/setup/ha-cluster.ts");
  const { findHaproxy, HAPROXY_MISSING, startHaproxy } = await import("../test/setup/haproxy.ts");
  const figure = `(F) Fan-out: ${PROCESSES} concurrent \`s5 render\` × ${TOKENS} Vault tokens, 3 raft nodes behind HAProxy vs one dev server, median of ${ROUNDS} rounds`;
  const haproxy = findHaproxy();
  if (!haproxy) {
    say(`fan-out skipped: ${HAPROXY_MISSING}`);
    return [
      { figure, s5: "skipped: haproxy missing", baseline: "", ratio: "", goal: "", result: "" },
    ];
  }
  const { bin } = findBao({ log: say });
  const dir = mkdtempSync(join(tmpdir(), "s5-fanout-"));
  const stops = [];
  try {
    say("fan-out: starting a 3-node OpenBao cluster behind HAProxy, and one dev server…");
    const cluster = await startCluster({ bin, log: (line) => say(`cluster: ${line}`) });
    stops.push(() => cluster.stop());
    // A second HAProxy in front of the same nodes, with standbys in its rotation.
    const spread = await startHaproxy({
      bin: haproxy,
      dir: mkdtempSync(join(dir, "haproxy-")),
      port: await freePort(),
      backends: cluster.nodes.map((node) => ({ name: node.id, address: new URL(node.addr).host })),
      standbys: true,
    });
    stops.push(() => spread.stop());
    const single = await startOpenBao({ bin });
    stops.push(() => single.stop());
    await apiOk(single, "POST", "transit/keys/app", {});
    await waitForAllNodes(spread.addr, cluster.rootToken, cluster.key);

    const nodePids = cluster.nodes.map((node) => node.pid);
    const { rootToken, key } = cluster;
    const targets = [
      await target("the cluster, active only", cluster.proxyAddr, rootToken, key, dir, nodePids),
      await target("the cluster, standbys too", spread.addr, rootToken, key, dir, nodePids),
      await target("one node", single.addr, single.token, "app", dir, [single.pid]),
    ];
    for (const each of targets) stops.push(each.close);
    // Rounds interleaved, so a busy moment of the machine does not land on one target only.
    const rounds = targets.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, each] of targets.entries()) rounds[i].push(await each.round());
    }
    const [active, standbys, alone] = rounds.map(medianRound);
    const allOk = rounds.flat().every((round) => round.ok === PROCESSES);
    const row = (label, result) => ({
      figure: `${figure}${label}`,
      s5: describe(result),
      baseline: describe(alone),
      ratio: formatRatio(result.totalMs / alone.totalMs),
      goal: "all succeed, exact",
      result: verdict(allOk),
    });
    return [
      row(" (health check: active node only)", active),
      row(" (health check `?standbyok=true`: standbys serve too)", standbys),
    ];
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls until every node has answered through `addr` (HAProxy's first checks have run). */
async function waitForAllNodes(addr, token, key) {
  const seen = new Set();
  for (let i = 0; seen.size < 3; i++) {
    if (i > 200) throw new Error(`HAProxy at ${addr} did not put every node in its rotation`);
    const answer = await fetch(`${addr}/v1/transit/keys/${key}`, {
      headers: { "X-Vault-Token": token },
    });
    await answer.arrayBuffer();
    const node = answer.headers.get("x-s5-backend");
    if (answer.status === 200 && node) seen.add(node);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await runFanoutBench();
  process.stdout.write(`${markdownTable(rows)}\n`);
}
