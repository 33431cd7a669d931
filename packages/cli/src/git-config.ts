/**
 * Git's configuration as git reads it, for the few settings the walk needs: the system file
 * (unless `GIT_CONFIG_NOSYSTEM`), the global ones, the repository's, `config.worktree`, then
 * `GIT_CONFIG_COUNT` / `GIT_CONFIG_KEY_n` and `git -c` (`GIT_CONFIG_PARAMETERS`); `include.path`
 * and `includeIf` (`gitdir:`, `gitdir/i:`, `onbranch:`) followed in place. The last value wins.
 * Not evaluated: `includeIf "hasconfig:…"` (taken as false).
 */
import { readFileSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

/** One `section.key = value` (section and key in lower case; a subsection kept as written). */
interface Entry {
  name: string;
  value: string;
}

/** Git's own limit on nested includes. */
const MAX_INCLUDE_DEPTH = 10;

/** `os.homedir()`, with `node:os` loaded only without HOME (it costs every start ~2 M instructions). */
export function home(): string | undefined {
  if (process.env.HOME) return process.env.HOME;
  try {
    return process.getBuiltinModule("node:os").homedir() || undefined;
  } catch {
    return undefined;
  }
}

/** `$XDG_CONFIG_HOME/git/NAME`, or `~/.config/git/NAME`. */
export function xdgGitFile(name: string): string | undefined {
  const xdg = process.env.XDG_CONFIG_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, "git", name);
  const dir = home();
  return dir ? join(dir, ".config", "git", name) : undefined;
}

/** `~/…` with the home directory, as git expands a path setting. */
export function expandHome(path: string): string | undefined {
  if (path !== "~" && !path.startsWith("~/")) return path;
  const dir = home();
  return dir ? join(dir, path.slice(1)) : undefined;
}

export function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The configuration of the repository at `gitDir` (its common directory: `commonDir`). */
export class GitConfig {
  private readonly entries: Entry[] = [];

  constructor(
    private readonly gitDir: string,
    commonDir: string,
  ) {
    const env = process.env;
    if (!env.GIT_CONFIG_NOSYSTEM && process.platform !== "win32") {
      this.readFile(env.GIT_CONFIG_SYSTEM || "/etc/gitconfig", 0);
    }
    if (env.GIT_CONFIG_GLOBAL) this.readFile(env.GIT_CONFIG_GLOBAL, 0);
    else {
      const dir = home();
      const xdg = xdgGitFile("config");
      if (xdg) this.readFile(xdg, 0);
      if (dir) this.readFile(join(dir, ".gitconfig"), 0);
    }
    this.readFile(join(commonDir, "config"), 0);
    if (this.get("extensions.worktreeconfig") === "true") {
      this.readFile(join(gitDir, "config.worktree"), 0);
    }
    this.readEnvironment();
  }

  /** The last value of `name` (`section.key`, or `section.subsection.key`), or undefined. */
  get(name: string): string | undefined {
    const wanted = name.toLowerCase();
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i]!.name === wanted) return this.entries[i]!.value;
    }
    return undefined;
  }

  private readFile(file: string, depth: number): void {
    const text = readOptional(file);
    if (text === undefined || depth > MAX_INCLUDE_DEPTH) return;
    for (const entry of parseConfig(text)) {
      this.entries.push(entry);
      const include = entry.name === "include.path" || this.includeIf(entry.name, file);
      if (!include || entry.value === "") continue;
      const path = expandHome(entry.value);
      if (path) this.readFile(resolve(dirname(file), path), depth + 1);
    }
  }

  /** Whether `includeif.<condition>.path` holds for this repository. */
  private includeIf(name: string, file: string): boolean {
    const match = /^includeif\.(.*)\.path$/s.exec(name);
    if (!match) return false;
    const condition = /^(gitdir|gitdir\/i|onbranch):(.*)$/s.exec(match[1]!);
    if (!condition) return false;
    const [, kind, raw] = condition;
    if (kind === "onbranch") {
      const head = readOptional(join(this.gitDir, "HEAD"))?.trim() ?? "";
      const branch = /^ref:\s*refs\/heads\/(.+)$/.exec(head)?.[1];
      return branch !== undefined && globMatches(raw!.endsWith("/") ? `${raw}**` : raw!, branch);
    }
    let pattern = raw!.startsWith("./") ? join(dirname(file), raw!.slice(2)) : expandHome(raw!);
    if (!pattern) return false;
    if (!isAbsolute(pattern)) pattern = `**/${pattern}`;
    if (pattern.endsWith("/")) pattern += "**";
    // Git matches the git directory's real path, then the path as found.
    const fold = kind === "gitdir/i";
    return (
      globMatches(pattern, realPath(this.gitDir), fold) || globMatches(pattern, this.gitDir, fold)
    );
  }

  /** `GIT_CONFIG_COUNT` with `GIT_CONFIG_KEY_n` / `GIT_CONFIG_VALUE_n`, then `git -c`. */
  private readEnvironment(): void {
    const env = process.env;
    const count = Number(env.GIT_CONFIG_COUNT ?? 0);
    for (let i = 0; Number.isInteger(count) && i < count; i++) {
      const key = env[`GIT_CONFIG_KEY_${i}`];
      if (key)
        this.entries.push({ name: entryName(key), value: env[`GIT_CONFIG_VALUE_${i}`] ?? "" });
    }
    // `git -c a.b=c` passes 'a.b=c' (older git) or 'a.b'='c', each single-quoted, space-separated.
    const parameters = env.GIT_CONFIG_PARAMETERS ?? "";
    for (const item of parameters.matchAll(/'((?:[^']|'\\'')*)'(?:='((?:[^']|'\\'')*)')?/g)) {
      const unquote = (text: string) => text.replaceAll("'\\''", "'");
      const first = unquote(item[1]!);
      const equals = first.indexOf("=");
      if (item[2] !== undefined)
        this.entries.push({ name: entryName(first), value: unquote(item[2]) });
      else if (equals > 0) {
        this.entries.push({
          name: entryName(first.slice(0, equals)),
          value: first.slice(equals + 1),
        });
      }
    }
  }
}

/** `Section.Sub.Key` as an entry name: section and key in lower case, the subsection as written. */
function entryName(key: string): string {
  const first = key.indexOf(".");
  const last = key.lastIndexOf(".");
  if (first < 0) return key.toLowerCase();
  return `${key.slice(0, first).toLowerCase()}${key.slice(first, last)}${key.slice(last).toLowerCase()}`;
}

/** The entries of one configuration file, in order. */
function parseConfig(text: string): Entry[] {
  const entries: Entry[] = [];
  const lines = text.split(/\r?\n/);
  let section = "";
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!.trim();
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (header) {
      // `[section "sub"]`, or the older `[section.sub]` (whose subsection is in lower case).
      const name = header[1]!.toLowerCase();
      section = header[2] === undefined ? name : `${name}.${header[2].replace(/\\(.)/g, "$1")}`;
      line = line.slice(header[0].length).trim();
    }
    if (!section) continue;
    // `[\s\S]`, not `.`: a lone CR inside a value is part of it to git.
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=([\s\S]*))?$/.exec(line);
    if (!entry) continue;
    // A key alone (`[core] bare`) is true.
    let value = entry[2] === undefined ? { text: "true", continues: false } : configValue(entry[2]);
    // A backslash at the end of a line goes on with the next line, as in git.
    let raw = entry[2] ?? "";
    while (value.continues && n + 1 < lines.length) {
      raw = `${raw.slice(0, -1)}${lines[++n]}`;
      value = configValue(raw);
    }
    entries.push({ name: `${section}.${entry[1]!.toLowerCase()}`, value: value.text });
  }
  return entries;
}

/**
 * A value as git reads it: quotes removed, escapes undone, a comment outside quotes cut, blanks
 * outside quotes read as spaces (leading and trailing ones dropped). `continues` when the line
 * ends in a backslash outside a comment: the value goes on with the next line.
 */
function configValue(raw: string): { text: string; continues: boolean } {
  let out = "";
  let quoted = false;
  let kept = 0; // the length up to the last character that was quoted or not blank
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]!;
    if (char === '"') {
      quoted = !quoted;
      kept = out.length;
      continue;
    }
    if (char === "\\") {
      if (i + 1 === raw.length) return { text: out.slice(0, kept), continues: true };
      const next = raw[++i]!;
      out += next === "n" ? "\n" : next === "t" ? "\t" : next === "b" ? "\b" : next;
      kept = out.length;
      continue;
    }
    if (!quoted && (char === "#" || char === ";")) break;
    const blank = /\s/.test(char);
    if (!quoted && out.length === 0 && blank) continue;
    out += blank && !quoted ? " " : char;
    if (quoted || !blank) kept = out.length;
  }
  return { text: out.slice(0, kept), continues: false };
}

/**
 * Whether `text` matches a wildmatch pattern with paths (`*` and `?` stop at `/`, `**` crosses
 * directories, `[…]` a class), as git matches `includeIf` conditions.
 */
export function globMatches(pattern: string, text: string, fold = false): boolean {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "*" && pattern[i + 1] === "*") {
      const atStart = i === 0 || pattern[i - 1] === "/";
      i++;
      if (atStart && pattern[i + 1] === "/") {
        source += "(?:.*/)?";
        i++;
      } else source += ".*";
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) source += "\\[";
      else {
        const body = pattern
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        source += `[${body}]`;
        i = end;
      }
    } else source += char.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  try {
    return new RegExp(`^${source}$`, fold ? "si" : "s").test(text);
  } catch {
    return false;
  }
}
