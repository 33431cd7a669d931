// sodium-native vs the JavaScript libsodium (the fallback where sodium-native cannot load): one
// sealed-box open and seal in this process, and a whole `s5 render` of 1000 local-key tokens with
// S5_SODIUM=js beside the same render on sodium-native. `node bench/sodium.mjs` prints its rows.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, run } from "./_child.mjs";
import { createProject, encryptTokens, plaintexts } from "./_fixtures.mjs";
import { formatMs, formatRatio, markdownTable } from "./_format.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const s5Bin = join(root, "packages/cli/bin/s5.cjs");
const RENDER_RUNS = 5;

/** µs per call of `fn`, the median of 5 rounds of `count` calls. */
function perCall(count, fn) {
  const rounds = [];
  for (let round = 0; round < 6; round++) {
    const start = performance.now();
    for (let i = 0; i < count; i++) fn(i);
    if (round > 0) rounds.push(((performance.now() - start) * 1000) / count);
  }
  return median(rounds);
}

function inProcess(native, js) {
  const pk = Buffer.alloc(32);
  const sk = Buffer.alloc(32);
  native.crypto_box_keypair(pk, sk);
  const message = Buffer.from("postgres://billing:s3cr3t-p$sword@db:5432/billing");
  const sealed = Buffer.alloc(message.length + 48);
  native.crypto_box_seal(sealed, message, pk);
  const out = Buffer.alloc(message.length);
  const measure = (sodium) => ({
    open: perCall(300, () => {
      if (!sodium.crypto_box_seal_open(out, sealed, pk, sk)) throw new Error("did not open");
    }),
    seal: perCall(300, () => sodium.crypto_box_seal(Buffer.alloc(sealed.length), message, pk)),
  });
  return { native: measure(native), js: measure(js) };
}

export default async function runSodiumBench() {
  // The sources run directly (Node strips the types): the fallback is not a public export.
  const { loadSodiumPackage } = await import(
    pathToFileURL(join(root, "packages/core/src/local/sodium.ts")).href
  );
  const { jsSodium } = await import(
    pathToFileURL(join(root, "packages/core/src/local/sodium-js.ts")).href
  );
  const calls = inProcess(loadSodiumPackage(), jsSodium());

  const core = await import(pathToFileURL(join(root, "packages/core/dist/index.mjs")).href);
  const dir = mkdtempSync(join(tmpdir(), "s5-bench-sodium-"));
  try {
    const project = createProject(dir, { node: process.execPath, s5Bin, aesKey: "00".repeat(32) });
    const values = plaintexts(1000);
    const tokens = await encryptTokens(core, project, "local", values);
    writeFileSync(join(project.cwd, "secrets.yml"), tokens.map((t, i) => `k${i}: ${t}\n`).join(""));
    const expected = values.map((v, i) => `k${i}: ${v}\n`).join("");
    const render = (choice) => {
      const env = { ...project.env, S5_SODIUM: choice };
      const times = [];
      for (let i = 0; i <= RENDER_RUNS; i++) {
        const { ms, stdout } = run(process.execPath, [s5Bin, "render", "secrets.yml"], {
          cwd: project.cwd,
          env,
        });
        if (stdout !== expected) throw new Error(`S5_SODIUM=${choice}: wrong output`);
        if (i > 0) times.push(ms);
      }
      return median(times);
    };
    const nativeMs = render("native");
    const jsMs = render("js");
    const us = (value) => `${value.toFixed(0)} µs`;
    return [
      {
        figure:
          "Local keys on the JavaScript libsodium (`S5_SODIUM=js`) vs sodium-native: open one sealed box",
        s5: us(calls.js.open),
        baseline: us(calls.native.open),
        ratio: formatRatio(calls.js.open / calls.native.open),
        goal: "—",
        result: "info",
      },
      {
        figure: "… seal one value",
        s5: us(calls.js.seal),
        baseline: us(calls.native.seal),
        ratio: formatRatio(calls.js.seal / calls.native.seal),
        goal: "—",
        result: "info",
      },
      {
        figure: "… whole process: `s5 render` of 1000 distinct local-key tokens",
        s5: formatMs(jsMs),
        baseline: formatMs(nativeMs),
        ratio: formatRatio(jsMs / nativeMs),
        goal: "—",
        result: "info",
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${markdownTable(await runSodiumBench())}\n`);
}
