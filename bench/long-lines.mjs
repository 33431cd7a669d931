// Long lines and floods of malformed tokens (issue 10, item 17): locations must be computed in
// one pass. Each row sets a one-line input beside the same tokens one per line (the baseline):
// linear code takes about as long for both.
//   (L1) `s5 render --keep-failed` (the git diff driver) of a 2 MB one-line JSON with 16k
//        tokens, without the key: every token fails and is located
//   (L2) `s5 ls` of a 1 MB line of tokens
//   (L3) `s5 render` of 20 MB of `{{ s5:` (all malformed; exits 5)
// and inputs shaped to hit a worst case, each beside a plain file of the same size:
//   (L4) `s5 check` of a 1.6 MB line of 100k near-miss markers and a 1 MB line of `a.a.a…`,
//        beside the same text in short lines
//   (L5) `s5 render` of a TOML file with a line of a million quotes before a token to judge
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, run } from "./_child.mjs";
import { encryptTokens, plaintexts } from "./_fixtures.mjs";
import { formatMB, formatMs, formatRatio, verdict } from "./_format.mjs";

const RUNS = 3;

function timed(node, args, options) {
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(run(node, args, options).ms);
  return median(times);
}

function row(figure, longMs, shortMs) {
  return {
    figure,
    s5: formatMs(longMs),
    baseline: `${formatMs(shortMs)} (same, one per line)`,
    ratio: formatRatio(longMs / shortMs),
    goal: "< 1 s",
    result: verdict(longMs < 1000),
  };
}

/** A row for an input shaped to hit a worst case, beside a plain input of the same size. */
function shapeRow(figure, shapedMs, plainMs, baseline) {
  return {
    figure,
    s5: formatMs(shapedMs),
    baseline: `${formatMs(plainMs)} (${baseline})`,
    ratio: formatRatio(shapedMs / plainMs),
    goal: "< 3× the plain file",
    result: verdict(shapedMs < 3 * plainMs),
  };
}

export async function runLongLineBench({ core, project, dir, node, s5Bin }) {
  const work = join(dir, "long-lines");
  mkdirSync(work, { recursive: true });
  const values = plaintexts(16_000);
  const tokens = await encryptTokens(core, project, "local", values);
  // No identity here: every token fails to decrypt, as for a reader without the key.
  const keyless = {
    cwd: project.cwd,
    env: { ...project.env, XDG_CONFIG_HOME: join(work, "none") },
  };

  const json = (separator) =>
    `{${tokens.map((token, i) => `"k${i}":"${token}"`).join(`,${separator}`)}}`;
  writeFileSync(join(work, "one-line.json"), json(""));
  writeFileSync(join(work, "lines.json"), json("\n"));
  const size = formatMB(Buffer.byteLength(json("")));
  const l1 = row(
    `(L1) \`s5 render --keep-failed\` without the key, ${size} one-line JSON, 16k tokens`,
    timed(node, [s5Bin, "render", "--keep-failed", join(work, "one-line.json")], keyless),
    timed(node, [s5Bin, "render", "--keep-failed", join(work, "lines.json")], keyless),
  );

  const half = tokens.slice(0, 8000);
  writeFileSync(join(work, "ls-one-line.txt"), half.join(" "));
  writeFileSync(join(work, "ls-lines.txt"), half.join("\n"));
  const l2 = row(
    `(L2) \`s5 ls\` of a ${formatMB(Buffer.byteLength(half.join(" ")))} line, 8k tokens`,
    timed(node, [s5Bin, "ls", join(work, "ls-one-line.txt")], project),
    timed(node, [s5Bin, "ls", join(work, "ls-lines.txt")], project),
  );

  const flood = "{{ s5:".repeat(Math.ceil(20e6 / 6));
  writeFileSync(join(work, "flood.txt"), flood);
  writeFileSync(join(work, "flood-lines.txt"), flood.replace(/(\{\{ s5:){13}/g, "$&\n"));
  const failing = { ...project, status: 5 };
  const l3 = row(
    "(L3) `s5 render` of 20 MB of `{{ s5:` on one line (3.3M malformed tokens, exit 5)",
    timed(node, [s5Bin, "render", join(work, "flood.txt")], failing),
    timed(node, [s5Bin, "render", join(work, "flood-lines.txt")], failing),
  );

  const shaped = `db: ${tokens[0]}\nk: ${"{{ s5 seal x }} ".repeat(100_000)}\nd: ${"a.".repeat(500_000)}\n`;
  writeFileSync(join(work, "shaped.yml"), shaped);
  // The same near misses and dots in lines of ~100 bytes: what is left is the cost of the shape.
  writeFileSync(
    join(work, "shaped-lines.yml"),
    `db: ${tokens[0]}\n${`k: ${"{{ s5 seal x }} ".repeat(6)}\n`.repeat(16_667)}` +
      `d: ${"a.".repeat(50)}\n`.repeat(10_000),
  );
  const checking = { ...project, status: 10 };
  const l4 = shapeRow(
    `(L4) \`s5 check\` of ${formatMB(shaped.length)}: a line of 100k near-miss markers, a line of \`a.a.a…\``,
    timed(node, [s5Bin, "check", join(work, "shaped.yml")], checking),
    timed(node, [s5Bin, "check", join(work, "shaped-lines.yml")], checking),
    "the same, in lines of ~100 bytes",
  );

  const [quoted] = await encryptTokens(core, project, "local", ['x"y']);
  const quotes = `a = ${'"'.repeat(1_000_000)}\nb = "${quoted}"\n`;
  writeFileSync(join(work, "quotes.toml"), quotes);
  writeFileSync(
    join(work, "quotes-plain.toml"),
    `${'a = "value"\n'.repeat(Math.ceil(quotes.length / 12))}b = "${quoted}"\n`,
  );
  const l5 = shapeRow(
    `(L5) \`s5 render\` of a TOML file, a line of a million quotes before a token (exit 5)`,
    timed(node, [s5Bin, "render", join(work, "quotes.toml")], failing),
    timed(node, [s5Bin, "render", join(work, "quotes-plain.toml")], failing),
    "a plain file of the same size",
  );
  return [l1, l2, l3, l4, l5, await bundleRow(project, work, tokens)];
}

/**
 * (L6): esbuild with the plugin over a module of 100k lines beside one of 50k (linear: 2×), each
 * line a token in code and the same in a comment (left as it is: the module stays as long).
 */
export async function bundleRow(project, work, tokens) {
  const dir = join(work, "bundle");
  mkdirSync(dir, { recursive: true });
  const env = { ...project.env, S5_CONFIG: join(project.cwd, ".s5.json") };
  const sizes = {};
  for (const count of [50_000, 100_000]) {
    const lines = Array.from(
      { length: count },
      (_, i) =>
        `export const v${i} = "${tokens[i % tokens.length]}"; // ${tokens[i % tokens.length]}`,
    );
    const text = `${lines.join("\n")}\n`;
    writeFileSync(join(dir, `m${count}.js`), text);
    sizes[count] = text.length;
  }
  // Each build in a child process: the plugin remembers every value it decrypted for the rest of
  // its process (its leak guard), and these 150k values made the bench's later Vite builds 3×.
  const script = fileURLToPath(new URL("./_esbuild-build.mjs", import.meta.url));
  const bundle = async (count) => {
    const child = spawnSync(process.execPath, [script, dir, `m${count}.js`, JSON.stringify(env)], {
      encoding: "utf8",
    });
    if (child.status !== 0) throw new Error(`esbuild build failed: ${child.stderr}`);
    return Number(child.stdout);
  };
  const times = { 50000: [], 100000: [] };
  for (let i = 0; i < RUNS; i++) {
    times[50_000].push(await bundle(50_000));
    times[100_000].push(await bundle(100_000));
  }
  const twice = median(times[100_000]);
  const once = median(times[50_000]);
  return {
    figure: `(L6) esbuild build with the plugin, no \`sourcemap\`: a ${formatMB(sizes[100_000])} module, 100k lines of a token and a token in a comment`,
    s5: formatMs(twice),
    baseline: `${formatMs(once)} (half of it, 50k lines)`,
    ratio: formatRatio(twice / once),
    goal: "< 2.5× (linear: 2×)",
    result: verdict(twice < 2.5 * once),
  };
}
