/**
 * The code blocks of README.md and docs/*.md, with what the docs test does with each. A block is
 * run or checked by default according to its language; HTML comments right above it say more:
 *
 *   <!-- doc-test: skip REASON -->      not runnable here, and why (a real cluster, another tool…)
 *   <!-- doc-test: project NAME [vault] [fixture] -->  from here on, a fresh project directory and
 *                                       HOME; `vault`: the test's OpenBao in VAULT_ADDR/BAO_ADDR;
 *                                       `fixture`: the docs' own key (test/docs/fixture)
 *   <!-- doc-test: file NAME -->        the block is the file NAME of the project (written first)
 *   <!-- doc-test: output COMMAND -->   the block is exactly what COMMAND prints
 *   <!-- doc-test: before COMMAND -->   run before the block, in the same shell
 *   <!-- doc-test: expect COMMAND -->   run after the block, in the same shell; must succeed
 *   <!-- doc-test: after N COMMAND -->  console blocks: run after the N-th `$ ` step (not shown)
 *   <!-- doc-test: usage -->            the block lists exactly the commands of `s5 --help`
 *
 * Defaults: `sh` blocks run (each must succeed), `console` blocks run command by command (`$ `)
 * and their output is compared, `yaml`/`json` blocks must parse. Any other block needs a marker.
 */
import { readFileSync } from "node:fs";

export type Directive =
  | { kind: "skip"; reason: string }
  | { kind: "project"; name: string; vault: boolean; fixture: boolean }
  | { kind: "file"; name: string }
  | { kind: "output"; command: string }
  | { kind: "before"; command: string }
  | { kind: "expect"; command: string }
  | { kind: "after"; step: number; command: string }
  | { kind: "usage" };

export interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
  directives: Directive[];
}

const MARKER = /^<!--\s*doc-test:\s*(\S+)\s*(.*?)\s*-->$/;

function directive(raw: string, where: string): Directive {
  const match = MARKER.exec(raw);
  if (!match) throw new Error(`${where}: not a doc-test marker: ${raw}`);
  const [, kind, arg = ""] = match;
  switch (kind) {
    case "skip":
      if (arg.length < 10) throw new Error(`${where}: a skip needs a reason`);
      return { kind, reason: arg };
    case "project": {
      const [name = "", ...flags] = arg.split(/\s+/);
      return { kind, name, vault: flags.includes("vault"), fixture: flags.includes("fixture") };
    }
    case "file":
      return { kind, name: arg };
    case "output":
    case "before":
    case "expect":
      return { kind, command: arg };
    case "after": {
      const step = /^(\d+)\s+(.+)$/.exec(arg);
      if (!step) throw new Error(`${where}: \`after\` needs a step number and a command`);
      return { kind, step: Number(step[1]), command: step[2] ?? "" };
    }
    case "usage":
      return { kind };
    default:
      throw new Error(`${where}: unknown doc-test marker \`${kind}\``);
  }
}

/** Every fenced block of a markdown file, with the markers just above it. */
export function extractBlocks(file: string, label = file): Block[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i] ?? "");
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end] ?? "")) end++;
    if (end >= lines.length) throw new Error(`${label}:${i + 1}: a code block is not closed`);
    const text = lines
      .slice(i + 1, end)
      .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
      .join("\n");
    const markers: string[] = [];
    for (let j = i - 1; j >= 0; j--) {
      const above = (lines[j] ?? "").trim();
      if (above === "") continue;
      if (!above.startsWith("<!-- doc-test")) break;
      markers.unshift(above);
    }
    blocks.push({
      file: label,
      line: i + 1,
      lang: open[2] ?? "",
      text: `${text}\n`,
      directives: markers.map((m, k) => directive(m, `${label}:${i + 1} (marker ${k + 1})`)),
    });
    i = end;
  }
  return blocks;
}

export type Action =
  | "skip"
  | "file"
  | "output"
  | "usage"
  | "run"
  | "console"
  | "parse"
  | "unmarked";

/** What the test does with a block. */
export function actionOf(block: Block): Action {
  const has = (kind: Directive["kind"]) => block.directives.some((d) => d.kind === kind);
  if (has("skip")) return "skip";
  if (has("file")) return "file";
  if (has("output")) return "output";
  if (has("usage")) return "usage";
  if (["sh", "bash", "shell"].includes(block.lang)) return "run";
  if (block.lang === "console") return "console";
  if (["yaml", "yml", "json"].includes(block.lang)) return "parse";
  return "unmarked";
}

/** One `$ command` of a console block and the lines it prints. */
export interface ConsoleStep {
  command: string;
  expected: string;
}

export function consoleSteps(text: string): ConsoleStep[] {
  const steps: ConsoleStep[] = [];
  for (const line of text.replace(/\n$/, "").split("\n")) {
    if (line.startsWith("$ ")) steps.push({ command: line.slice(2), expected: "" });
    else if (steps.length === 0) throw new Error("a console block must start with `$ `");
    else steps[steps.length - 1]!.expected += `${line}\n`;
  }
  return steps;
}

// Parts of printed output that differ on every run: fresh tokens and key ids. `…` in the docs
// stands for anything.
const VARIABLE =
  /s5:local:[\w-]{8}:[\w-]+|s5:vault:v\d+:[A-Za-z0-9+/=]+|local key [\w-]{8}|s5pk-[\w-]+|…/g;
const PATTERN: Record<string, string> = {
  "s5:local": String.raw`s5:local:[\w-]{8}:[\w-]+`,
  "s5:vault": String.raw`s5:vault:v\d+:[A-Za-z0-9+/=]+`,
  "local key": String.raw`local key [\w-]{8}`,
  s5pk: String.raw`s5pk-[\w-]+`,
};

/** A regular expression that matches what the docs show, fresh tokens and `…` included. */
export function outputPattern(expected: string): RegExp {
  let source = "";
  let last = 0;
  for (const match of expected.matchAll(VARIABLE)) {
    source += escapeRegExp(expected.slice(last, match.index));
    const text = match[0];
    source +=
      text === "…"
        ? ".*?"
        : (PATTERN[Object.keys(PATTERN).find((key) => text.startsWith(key)) ?? ""] ??
          escapeRegExp(text));
    last = match.index + text.length;
  }
  source += escapeRegExp(expected.slice(last));
  return new RegExp(`^${source}$`, "s");
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
