// Benchmark: render 1000 distinct Vault tokens + 1000 duplicates against a local OpenBao dev
// server, batched (s5's default) beside one request per token (the Go tool's way), in one run.
//
//   node bench/vault.mjs            # starts its own OpenBao (scripts/openbao.mjs), prints a table
//   import { runVaultBench } from "./vault.mjs"   # for bench/run.mjs
//
// Needs the build (`npx turbo run build`). Times are in-process (no Node start-up); requests are
// counted by a loopback proxy in a separate pass so the proxy never slows the timed runs.
import http from "node:http";
import { fileURLToPath } from "node:url";
import { createBackends, renderSources, resolveSettings } from "@s5/core";
import { api, apiOk, startOpenBao } from "../scripts/openbao.mjs";

const DISTINCT = 1000;

function countingProxy(target) {
  const counts = { requests: 0 };
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((request, response) => {
    counts.requests++;
    const upstream = http.request(
      new URL(request.url, target),
      { method: request.method, headers: request.headers, agent },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
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

async function renderOnce(addr, token, content, extraEnv) {
  const env = {
    VAULT_ADDR: addr,
    VAULT_TOKEN: token,
    NO_PROXY: "127.0.0.1,localhost",
    S5_VAULT_TRANSIT_KEY: "bench",
    HOME: "/nonexistent",
    ...extraEnv,
  };
  const backends = createBackends(resolveSettings({ env, cwd: "/" }));
  const started = performance.now();
  try {
    const [out] = await renderSources([{ name: "bench.yml", content }], backends);
    return { ms: performance.now() - started, out };
  } finally {
    await backends[Symbol.asyncDispose]();
  }
}

/** The Go tool's way: one sequential decrypt request per token occurrence, no de-duplication. */
async function goToolLoop(addr, token, ciphertexts) {
  const agent = new http.Agent({ keepAlive: true });
  const server = { addr, token };
  const started = performance.now();
  const out = [];
  for (const ciphertext of ciphertexts) {
    const { status, body } = await api(
      server,
      "POST",
      "transit/decrypt/bench",
      { ciphertext },
      token,
      agent,
    );
    if (status !== 200) throw new Error(`decrypt failed: HTTP ${status}`);
    out.push(Buffer.from(body.data.plaintext, "base64").toString());
  }
  agent.destroy();
  return { ms: performance.now() - started, out };
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

/**
 * Runs the benchmark; starts (and stops) its own OpenBao unless `server` is given.
 * Returns the rows and the markdown table.
 */
export async function runVaultBench({ server: given, log = () => {}, repeats = 11 } = {}) {
  const server = given ?? (await startOpenBao({ log }));
  try {
    await apiOk(server, "POST", "transit/keys/bench", {});
    const values = Array.from({ length: DISTINCT }, (_, i) => `secret-${i}-${"x".repeat(i % 13)}`);
    const ciphertexts = [];
    for (let i = 0; i < DISTINCT; i += 200) {
      const body = await apiOk(server, "POST", "transit/encrypt/bench", {
        batch_input: values.slice(i, i + 200).map((value) => ({
          plaintext: Buffer.from(value).toString("base64"),
        })),
      });
      ciphertexts.push(...body.data.batch_results.map((item) => item.ciphertext));
    }
    const lines = [...ciphertexts, ...ciphertexts].map((c, i) => `k${i}: {{ s5:${c} }}`);
    const content = `${lines.join("\n")}\n`;
    const expected = `${[...values, ...values].map((v, i) => `k${i}: ${v}`).join("\n")}\n`;

    const modes = [
      { name: "s5 batched (default: 240 per request, 8 in parallel)", env: {} },
      {
        name: "s5, one request per distinct token (S5_VAULT_BATCH_SIZE=1, S5_VAULT_PARALLELISM=1)",
        env: { S5_VAULT_BATCH_SIZE: "1", S5_VAULT_PARALLELISM: "1" },
        repeats: 1,
      },
    ];
    const rows = [];
    for (let i = 0; i < 3; i++) await renderOnce(server.addr, server.token, content, {}); // warm-up
    for (const mode of modes) {
      const times = [];
      for (let i = 0; i < (mode.repeats ?? repeats); i++) {
        const { ms, out } = await renderOnce(server.addr, server.token, content, mode.env);
        if (out !== expected) throw new Error(`${mode.name}: wrong output`);
        times.push(ms);
      }
      const proxy = await countingProxy(server.addr);
      await renderOnce(proxy.url, server.token, content, mode.env);
      await proxy.close();
      rows.push({ name: mode.name, ms: median(times), requests: proxy.counts.requests });
      log(`${mode.name}: ${median(times).toFixed(0)} ms, ${proxy.counts.requests} requests`);
    }
    const go = await goToolLoop(server.addr, server.token, [...ciphertexts, ...ciphertexts]);
    if (`${go.out.map((v, i) => `k${i}: ${v}`).join("\n")}\n` !== expected) {
      throw new Error("Go-tool loop: wrong output");
    }
    rows.push({
      name: "the Go tool's way: one sequential request per token, duplicates included",
      ms: go.ms,
      requests: ciphertexts.length * 2,
    });
    log(`Go-tool loop: ${go.ms.toFixed(0)} ms`);

    const base = rows[0].ms;
    const table = [
      `Render ${DISTINCT} distinct Vault tokens + ${DISTINCT} duplicates, local OpenBao dev server (${server.bin ?? "given server"}), median of ${repeats} for the batched run:`,
      "",
      "| mode | time | HTTP requests | vs batched |",
      "|---|---:|---:|---:|",
      ...rows.map(
        (row) =>
          `| ${row.name} | ${row.ms.toFixed(0)} ms | ${row.requests} | ${(row.ms / base).toFixed(1)}× |`,
      ),
    ].join("\n");
    return { rows, table };
  } finally {
    if (!given) await server.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { table } = await runVaultBench({ log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${table}\n`);
}
