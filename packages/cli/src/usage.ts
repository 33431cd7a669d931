/** `--help` texts, generated from the command declarations. */
import type { CommandDef, OptionDef } from "./define.ts";
import { visibleOptions } from "./define.ts";

/** `s5 cipher [BACKEND] [VALUE] [options]`. */
export function usageLine(def: CommandDef): string {
  if (def.usage !== undefined) return `s5 ${def.name} ${def.usage}`;
  const words = def.positionals.map((positional) => {
    const name =
      Array.isArray(positional.complete) && !positional.optional
        ? `<${positional.complete.join("|")}>`
        : positional.name;
    const shown = positional.multiple ? `${name}…` : name;
    return positional.optional ? `[${shown}]` : shown;
  });
  return ["s5", def.name, ...words, "[options]"].join(" ");
}

function optionLabel(name: string, option: OptionDef): string {
  const short = option.short ? `-${option.short}, ` : "    ";
  const value = option.type === "string" ? ` ${option.value ?? "VALUE"}` : "";
  return `  ${short}--${name}${value}`;
}

function optionText(option: OptionDef): string {
  const extra = [
    option.env,
    option.default !== undefined ? `default: ${option.default}` : undefined,
    option.multiple ? "repeatable" : undefined,
  ].filter(Boolean);
  return extra.length > 0 ? `${option.description} (${extra.join(", ")})` : option.description;
}

/** Two columns; a label too long for the first column puts its text on the next line. */
function columns(rows: readonly [string, string][], max = 32): string {
  const width = Math.min(max, Math.max(...rows.map(([label]) => label.length)) + 2);
  return rows
    .map(([label, text]) => {
      const lines = text.split("\n");
      const rest = lines.slice(1).map((line) => `${" ".repeat(width)}${line}`);
      const first =
        label.length + 2 > width
          ? `${label}\n${" ".repeat(width)}${lines[0]}`
          : `${label.padEnd(width)}${lines[0]}`;
      return [first, ...rest].join("\n");
    })
    .join("\n");
}

/** The `--help` text of one command. */
export function renderUsage(def: CommandDef): string {
  const parts = [`Usage: ${usageLine(def)}\n`, `${def.description.trimEnd()}\n`];
  const described = def.positionals.filter((positional) => positional.description);
  if (described.length > 0) {
    const rows = described.map((p): [string, string] => [`  ${p.name}`, p.description ?? ""]);
    parts.push(`Arguments:\n${columns(rows)}\n`);
  }
  const options = visibleOptions(def).map(([name, option]): [string, string] => [
    optionLabel(name, option),
    optionText(option),
  ]);
  parts.push(`Options:\n${columns(options)}\n`);
  if (def.examples.length > 0) {
    parts.push(`Examples:\n${def.examples.map((example) => `  ${example}`).join("\n")}\n`);
  }
  if (def.notes) parts.push(`${def.notes.trimEnd()}\n`);
  return parts.join("\n");
}

/** The first example without its comment, for `s5 --help`. */
function shortExample(def: CommandDef): string {
  return (def.examples[0] ?? "").replace(/\s+#.*$/, "");
}

/** The text of `s5 --help`. */
export function renderMainUsage(defs: readonly CommandDef[]): string {
  // A summary too long for its column puts its example on the next line, in the example column.
  const SUMMARY = 40;
  const rows = defs.map((def): [string, string] => [
    `  ${def.name}`,
    def.summary.length + 2 <= SUMMARY
      ? `${def.summary.padEnd(SUMMARY)}${shortExample(def)}`
      : `${def.summary}\n${" ".repeat(SUMMARY)}${shortExample(def)}`,
  ]);
  return `s5 — secrets inside ordinary config files

Usage: s5 <command> [BACKEND] [arguments] [options]

Commands:
${columns(rows, 15)}

BACKEND (optional, as in the Go tool): local, aes, vault — or --backend / S5_BACKEND.
Run \`s5 <command> --help\` for details. Exit codes: see the README.
Options: -h, --help; -V, -v, --version
`;
}
