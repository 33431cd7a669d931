// The Vault rows come from bench/vault.mjs, written separately: it is run standalone and its
// markdown table (or JSON rows) on stdout is taken in. A module that only exports its rows
// (`runVaultBench`, `rows`, `run`, `bench` or `default`: a function returning row objects,
// markdown, or `{ table }`) works too.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { COLUMNS } from "./_format.mjs";

const TIMEOUT_MS = 150_000;

/**
 * Returns `{ rows, table, note }`: rows with our six columns merge into the main table; a table of
 * another shape (`table`, markdown) is printed as it came, caption included, under its own heading.
 */
export async function vaultResults(file) {
  const wanted = process.env.BENCH_VAULT;
  if (wanted === "0") return { rows: [], note: "Vault rows skipped (BENCH_VAULT=0)." };
  if (!existsSync(file)) {
    return {
      rows: [],
      note: wanted === "1" ? "BENCH_VAULT=1, but bench/vault.mjs does not exist yet." : undefined,
    };
  }

  const result = spawnSync(process.execPath, [file], {
    encoding: "utf8",
    env: { ...process.env, BENCH_VAULT: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: TIMEOUT_MS,
    maxBuffer: 1 << 26,
  });
  if (result.error || result.status !== 0) {
    const why = result.error?.message ?? `exit code ${result.status ?? result.signal}`;
    const detail = (result.stderr ?? "").trim().split("\n").at(-1) ?? "";
    return errorResult(`bench/vault.mjs failed (${why})${detail ? `: ${detail}` : ""}`);
  }
  const fromStdout = parseOutput(result.stdout);
  if (fromStdout) return fromStdout;

  try {
    const module = await import(pathToFileURL(file).href);
    const produce = [
      module.runVaultBench,
      module.rows,
      module.run,
      module.bench,
      module.default,
    ].find((candidate) => typeof candidate === "function");
    if (produce) {
      const produced = await produce();
      const parsed =
        typeof produced === "string"
          ? parseOutput(produced)
          : typeof produced?.table === "string"
            ? parseOutput(produced.table)
            : fromObjects(produced);
      if (parsed) return parsed;
    }
  } catch (error) {
    return errorResult(`bench/vault.mjs failed: ${error.message.split("\n")[0]}`);
  }
  return errorResult("bench/vault.mjs printed no markdown table and exported no rows");
}

function errorResult(message) {
  return { rows: [["Vault benchmark", "—", "—", "—", "—", "ERROR"]], note: message };
}

function parseOutput(stdout) {
  const text = stdout.trim();
  if (text.startsWith("[") || text.startsWith("{")) {
    try {
      const value = JSON.parse(text);
      return fromObjects(Array.isArray(value) ? value : value.rows);
    } catch {
      // not JSON after all; try markdown
    }
  }
  const lines = text.split("\n").filter((line) => line.trim().startsWith("|"));
  if (lines.length < 3) return undefined;
  const split = (line) =>
    line
      .trim()
      .replace(/^\||\|$/g, "")
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replaceAll("\\|", "|"));
  const header = split(lines[0]);
  const body = lines.slice(1).filter((line) => !/^\|[\s:|-]+\|$/.test(line.trim()));
  const rows = body.map(split);
  if (header.length === COLUMNS.length) return { rows };
  return { rows: [], table: text };
}

function fromObjects(list) {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const pick = (row, ...names) => names.map((name) => row[name]).find((v) => v !== undefined);
  return {
    rows: list.map((row) =>
      Array.isArray(row)
        ? row
        : [
            pick(row, "figure", "name", "Figure"),
            pick(row, "s5", "value", "S5"),
            pick(row, "baseline", "Baseline"),
            pick(row, "ratio", "Ratio"),
            pick(row, "goal", "Goal"),
            pick(row, "result", "status", "Result"),
          ],
    ),
  };
}
