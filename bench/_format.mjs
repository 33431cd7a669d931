// Units and the markdown table.

export const COLUMNS = ["Figure", "s5", "Baseline", "Ratio", "Goal", "Result"];

export function formatMs(ms) {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** Megabytes of 10^6 bytes, as file sizes are usually given. */
export function formatMB(bytes) {
  return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
}

export function formatRatio(ratio) {
  return `${ratio >= 100 ? ratio.toFixed(0) : ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

/** PASS or MISS for a goal; "info" rows carry no goal. */
export function verdict(ok) {
  return ok ? "PASS" : "MISS";
}

function cell(value) {
  return String(value ?? "").replaceAll("|", "\\|");
}

export function markdownTable(rows, columns = COLUMNS) {
  const lines = [`| ${columns.join(" | ")} |`, `|${columns.map(() => "---").join("|")}|`];
  for (const row of rows) {
    const cells = Array.isArray(row)
      ? row
      : [row.figure, row.s5, row.baseline, row.ratio, row.goal, row.result];
    lines.push(`| ${cells.map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}
