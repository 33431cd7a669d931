/** Reading `.env` files: dotenv's own parser, plus the line of each variable for messages. */
import { relative, resolve } from "node:path";
import { ConfigError, IoError, type S5Error } from "@s5/core";
import { danglingHint, plantedBy, readHint, realDirectoryOf } from "@s5/core/internal";
import { parse } from "dotenv";

/** Where a value comes from: a line of a `.env` file, or the environment the process got. */
export interface Origin {
  /** The file as given (relative to `cwd` when it is inside it), or undefined for process.env. */
  file?: string | undefined;
  line?: number | undefined;
  /** The 1-based column of the value's first character on that line (after an opening quote). */
  column?: number | undefined;
  /**
   * A place in the value (1-based line and column) as a place in the file, when the two differ
   * by more than the value's start: a double-quoted value whose `\n` escapes dotenv turned into
   * line breaks.
   */
  inFile?: ((line: number, column: number) => { line: number; column: number }) | undefined;
}

/** A file's text, and its lines once a report asked for them. */
export interface Source {
  text: string;
  rows?: string[] | undefined;
}

export interface FileEntry {
  key: string;
  value: string;
  origin: Origin;
  /**
   * The file's text, to work out the value's column when a failure is reported (not before);
   * shared by the file's entries, which split it into lines once between them.
   */
  source?: Source | undefined;
  /**
   * The quote the value opens with when dotenv kept it in the value (`PASSWORD="{{ s5:… }}`, the
   * closing quote forgotten): the variable would arrive with a stray quote.
   */
  openQuote?: string | undefined;
  /**
   * With `openQuote`: the quote is closed on the line but text follows it (`"{{ s5:… }}" x`), so
   * dotenv kept both quotes and the text (only a comment may follow a closing quote).
   */
  textAfterQuote?: boolean | undefined;
  /** Why this variable cannot be set at all (a name dotenv drops); reported with the others. */
  refused?: S5Error | undefined;
  /**
   * The file's directory, when it is not the working directory: its tokens are decrypted with the
   * settings of the project found from there (the nearest `.s5.json` above the file's real
   * place). A getter in a file's entries: found when first read (a variable with a token).
   */
  readonly dir?: string | undefined;
}

// `\s` as dotenv's: a byte-order mark before the first name is white space to it. The white
// space after `=` is matched too: the value starts after it.
const ASSIGNMENT = /^\s*(?:export\s+)?([\w.-]+)\s*[=:]\s*/;
// Lines as dotenv counts them: it reads CR LF and a lone CR (classic Mac) as LF.
const LINE_END = /\r\n?|\n/;
// A line inside a value that assigns a variable as it would outside quotes (`NEXT=`). Stricter
// than ASSIGNMENT (a letter first, `=` only): base64 and `key: value` lines are values' text.
const ASSIGNED_LINE = /^\s*(?:export\s+)?[A-Za-z_][\w.-]*\s*=/;
const ENDS_WITH_TOKEN = /\}\}\s*$/;

/**
 * A quote opened and not closed on its line, closed by a line that ends with the same quote some
 * lines later (`NEXT=ok"`): dotenv reads every line between as one value — the secret, a newline
 * and `NEXT=ok` — and NEXT is gone (`NEXT="ok"` is not taken: dotenv's closing quote must end its
 * line). Told from a real multi-line value by a first line that ends with a token's `}}` and a
 * later line that assigns a variable (a PEM's last base64 line can look like `abc=`, but follows
 * no token). The 0-based line of the value where that happens, or -1; the caller checks the first
 * line holds a token.
 */
export function runOnLine(value: string): number {
  const lines = value.split("\n");
  if (!ENDS_WITH_TOKEN.test(lines[0]!)) return -1;
  return lines.findIndex((row, i) => i > 0 && ASSIGNED_LINE.test(row));
}

/**
 * The 1-based line where each key is last assigned (dotenv keeps the last assignment), in one
 * pass. A line inside a multi-line quoted value may look like an assignment; dotenv's own result
 * says which keys exist, so only those are kept. Nothing more per line: this runs at every start,
 * and working out each value's column and quote here cost ~3 M instructions (callgrind, a 50-line
 * `.env`); columns are needed only for a report.
 */
function placeLines(text: string, parsed: Map<string, FileEntry>, file: string): void {
  let number = 0;
  for (const line of text.split(LINE_END)) {
    number++;
    const key = ASSIGNMENT.exec(line)?.[1];
    const entry = key === undefined ? undefined : parsed.get(key);
    if (entry) entry.origin = { file, line: number };
  }
}

/** `NAME=` and the white space after it, on the line where `entry` is assigned. */
function assignmentOf(entry: FileEntry): { row: string; at: number } | undefined {
  const { line } = entry.origin;
  const { source } = entry;
  if (source === undefined || line === undefined) return undefined;
  // Once per file: a report asks for every variable's column.
  source.rows ??= source.text.split(LINE_END);
  const row = source.rows[line - 1] ?? "";
  const match = ASSIGNMENT.exec(row);
  return match ? { row, at: match[0].length } : undefined;
}

/**
 * dotenv strips a quote only when the value also ends with it (on this line, or a later one for a
 * multi-line value); otherwise the quote stays in the value: `"{{ s5:… }}` arrives as `"secret`.
 * Asked only of values that start with a quote.
 */
function markKeptQuote(entry: FileEntry): void {
  const found = assignmentOf(entry);
  if (!found) return;
  const rest = found.row.slice(found.at);
  const quote = rest[0]!;
  if (quote !== entry.value[0]) return;
  const unclosed = rest.startsWith(entry.value) && !rest.startsWith(quote + entry.value);
  // `""{{ s5:… }}"`: dotenv strips the outer pair and keeps the stray quote inside it (`""x""`,
  // a value quoted on both sides, is left alone).
  const stray = rest.startsWith(quote + entry.value + quote) && !entry.value.endsWith(quote);
  if (unclosed || stray) entry.openQuote = quote;
  if (unclosed && closesLater(entry.value, quote)) entry.textAfterQuote = true;
}

/** A closing `quote` after the value's first character: one no backslash escapes, as dotenv reads it. */
function closesLater(value: string, quote: string): boolean {
  for (let at = value.indexOf(quote, 1); at !== -1; at = value.indexOf(quote, at + 1)) {
    if (value[at - 1] !== "\\") return true;
  }
  return false;
}

/**
 * For a double-quoted value with `\n` or `\r` escapes (dotenv makes them a line break and a
 * carriage return), where a place in the value is in the file: the escapes on the way are walked
 * back over. Worked out only for a report; undefined when the places need no more than the
 * value's start.
 */
export function escapedPlaces(entry: FileEntry): Origin["inFile"] {
  const found = assignmentOf(entry);
  const rows = entry.source?.rows;
  const first = (entry.origin.line ?? 0) - 1;
  if (!found || !rows || entry.openQuote || found.row[found.at] !== '"') return undefined;
  // Only the value's own rows: a report asks this of every variable it names.
  const own = rows.slice(first, first + entry.value.split("\n").length);
  if (!own.some((row) => row.includes("\\n") || row.includes("\\r"))) {
    return undefined;
  }
  const start = found.at + 1;
  return (line, column) => {
    let row = first;
    let at = start;
    let inLine = 1;
    let inColumn = 1;
    while (inLine < line || inColumn < column) {
      const text = rows[row];
      if (text === undefined) break;
      if (at >= text.length) {
        row++;
        at = 0;
        inLine++;
        inColumn = 1;
      } else if (text[at] === "\\" && text[at + 1] === "n") {
        at += 2;
        inLine++;
        inColumn = 1;
      } else {
        at +=
          text[at] === "\\" && text[at + 1] === "r" ? 2 : text.codePointAt(at)! > 0xffff ? 2 : 1;
        inColumn++;
      }
    }
    const text = rows[row] ?? "";
    // Columns count code points, as core's do; a byte-order mark is no column to an editor.
    const bom = row === 0 && text.startsWith("\ufeff") ? 1 : 0;
    return { line: row + 1, column: [...text.slice(0, at)].length + 1 - bom };
  };
}

/**
 * The 1-based column where the value starts on its line: after `NAME=`, white space and a quote
 * dotenv stripped (a kept one is part of the value). Worked out only for a report.
 */
export function columnOf(entry: FileEntry): number | undefined {
  if (entry.origin.column !== undefined) return entry.origin.column;
  const found = assignmentOf(entry);
  if (!found) return undefined;
  const { row, at } = found;
  // A byte-order mark is white space to dotenv, and no column to an editor.
  const bom = entry.origin.line === 1 && row.startsWith("\ufeff") ? 1 : 0;
  const quote = row[at];
  const stripped = (quote === '"' || quote === "'" || quote === "`") && !entry.openQuote;
  return at + 1 - bom + (stripped ? 1 : 0);
}

/**
 * The `.env` found by default in the working directory sets variables of this process and of what
 * it starts (`NODE_OPTIONS`, `BASH_ENV`, `PATH`…), next to the decrypted values. Read through one
 * descriptor and checked on what was opened: one that another user owns in a directory others
 * can write (`/tmp`, a team directory), or a link to anything that another user made there, is
 * refused (S5_CONFIG_UNSAFE), as a project config is; one that group or others may write gets a
 * warning (a checkout made with umask 0000 in a CI container is one). A file named on purpose
 * (S5_CONFIG_PATH, `path`, `s5 run -f`) is trusted.
 */
function readDefault(full: string, shown: string): string {
  const fs = process.getBuiltinModule("node:fs");
  const me = process.getuid?.();
  const refuse = (what: string) =>
    new ConfigError(
      "S5_CONFIG_UNSAFE",
      `${shown} ${what} in a directory others can write: s5 will not load it`,
      {
        hint: "it would set variables of your process (NODE_OPTIONS among them): remove it, or name it (S5_CONFIG_PATH, the path option, s5 run -f) if you trust it",
      },
    );
  const link = fs.lstatSync(full);
  if (me !== undefined && link.isSymbolicLink() && plantedBy(full, link.uid) !== undefined) {
    throw refuse(`is a symbolic link another user made (uid ${link.uid})`);
  }
  const fd = fs.openSync(full, "r");
  try {
    const opened = fs.fstatSync(fd);
    // A link put in its place between the look and the open (a directory others can write).
    const now = fs.lstatSync(full);
    const swapped = now.isSymbolicLink()
      ? plantedBy(full, now.uid) !== undefined
      : now.ino !== opened.ino || now.dev !== opened.dev;
    if (me !== undefined && swapped) throw refuse("changed while s5 opened it");
    const owner = me === undefined ? undefined : plantedBy(full, opened.uid);
    if (owner !== undefined) throw refuse(`belongs to another user (uid ${owner})`);
    if (me !== undefined && (opened.mode & 0o022) !== 0) {
      process.stderr.write(
        `[s5] warning: ${shown} may be written by group or others (mode 0${(opened.mode & 0o777).toString(8)}): whoever can write it runs code as you (NODE_OPTIONS); chmod go-w ${shown}\n`,
      );
    }
    return fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * dotenv's parser collects into a plain object, where `__proto__=…` sets nothing: the variable,
 * token and all, would be missing from the environment without a word. Refused with its line.
 */
function protoEntry(text: string, shown: string): FileEntry | undefined {
  if (!text.includes("__proto__")) return undefined;
  const lines = text.split(LINE_END);
  const line = lines.findIndex((row) => ASSIGNMENT.exec(row)?.[1] === "__proto__");
  if (line === -1) return undefined;
  return {
    key: "__proto__",
    value: "",
    origin: { file: shown, line: line + 1, column: lines[line]!.indexOf("__proto__") + 1 },
    refused: new IoError("S5_INPUT_NAME", "a variable cannot be named __proto__ here", {
      hint: "dotenv's parser drops it without a word; rename it",
    }),
  };
}

/**
 * Reads one `.env` file. `undefined` when it is missing and `optional`; any other failure throws
 * an {@link IoError} naming the file.
 */
export function readEnvFile(
  path: string,
  cwd: string,
  optional: boolean,
  named = false,
): FileEntry[] | undefined {
  const full = resolve(cwd, path);
  const shown = relative(cwd, full).startsWith("..") ? full : relative(cwd, full) || path;
  let text: string;
  try {
    // Not `import … from "node:fs"`: its ESM facade loads all of fs (streams, promises), ~4 ms.
    text = optional
      ? readDefault(full, shown)
      : process.getBuiltinModule("node:fs").readFileSync(full, "utf8");
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    const code = (cause as { code?: string }).code ?? "error";
    if (optional && code === "ENOENT") return undefined;
    throw new IoError("S5_INPUT", `cannot read ${path} (${code})`, {
      cause,
      hint:
        code === "ENOENT"
          ? (danglingHint(full) ??
            "check S5_CONFIG_PATH / the path option; paths are relative to the working directory")
          : code === "ELOOP"
            ? readHint(code)
            : undefined,
    });
  }
  const parsed = new Map<string, FileEntry>();
  const quoted: FileEntry[] = [];
  const source: Source = { text };
  // Its project is found from where its bytes live (a `.env` linked from another project is that
  // project's): core's one rule for a file's project. `named`: a config is named (`S5_CONFIG`,
  // `--config`), every file's project. Found on first use, once per file: only a variable with a
  // token asks (a start whose files hold none looks at no link: 5.7 M instructions).
  let place: { dir: string | undefined } | undefined;
  const dirOfFile = () => {
    if (place === undefined) {
      const own = named ? undefined : realDirectoryOf(full);
      place = { dir: own === resolve(cwd) ? undefined : own };
    }
    return place.dir;
  };
  for (const [key, value] of Object.entries(parse(text))) {
    const entry: FileEntry = {
      key,
      value,
      origin: { file: shown },
      source,
      get dir() {
        return dirOfFile();
      },
    };
    parsed.set(key, entry);
    // Cheap first: a value dotenv stripped a quote from rarely starts with one.
    const first = value.charCodeAt(0);
    if (first === 34 || first === 39 || first === 96) quoted.push(entry);
  }
  placeLines(text, parsed, shown);
  for (const entry of quoted) markKeptQuote(entry);
  const entries = [...parsed.values()];
  const proto = protoEntry(text, shown);
  if (proto) entries.push(proto);
  return entries;
}
