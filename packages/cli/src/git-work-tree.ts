/**
 * What git knows about the work tree around a directory, beyond its .gitignore files: the ignore
 * rules of `info/exclude` and of `core.excludesFile` (by default `$XDG_CONFIG_HOME/git/ignore`),
 * and the files it tracks (its index). Read without running git: a walk must not start a
 * program, and git may not be installed where s5 runs.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { readTrackedPaths, type TrackedPaths } from "./git-index.ts";

export interface GitWorkTree {
  /** The top of the work tree: the first directory up from the start with a `.git`. */
  top: string;
  /** The start, relative to the top, with `/` (`""`: the top itself). */
  rel: string;
  /** Files of rules for the whole work tree, lowest precedence first (as git orders them). */
  excludeFiles: string[];
  /** The files git tracks below the start, or undefined when its index cannot be read. */
  tracked: TrackedPaths | undefined;
}

/** The work tree around `start` (an absolute path), or undefined outside one. */
export function gitWorkTree(start: string): GitWorkTree | undefined {
  let top = start;
  while (!existsSync(join(top, ".git"))) {
    const parent = dirname(top);
    if (parent === top) return undefined;
    top = parent;
  }
  const rel = relative(top, start).split(sep).join("/");
  const gitDir = gitDirAt(top);
  if (!gitDir) return { top, rel, excludeFiles: [], tracked: undefined };
  const common = commonDirOf(gitDir);
  const excludeFiles = [join(common, "info", "exclude")];
  const repoConfig = readOptional(join(common, "config")) ?? "";
  const global = excludesFile(repoConfig, top);
  if (global) excludeFiles.unshift(global);
  const hashSize =
    lastConfigValue(repoConfig, "extensions", "objectformat")?.toLowerCase() === "sha256" ? 32 : 20;
  // The index is the work tree's own (a linked worktree has one of its own).
  const index = process.env.GIT_INDEX_FILE
    ? resolve(process.env.GIT_INDEX_FILE)
    : join(gitDir, "index");
  return { top, rel, excludeFiles, tracked: readTrackedPaths(index, gitDir, hashSize, rel) };
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** `.git` itself, or the directory a `.git` file names (a linked worktree, a submodule). */
function gitDirAt(top: string): string | undefined {
  const dotGit = join(top, ".git");
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"));
    return pointer ? resolve(top, pointer[1]!) : undefined;
  } catch {
    return undefined;
  }
}

/** A linked worktree shares `info/exclude` and `config` with its main repository. */
function commonDirOf(gitDir: string): string {
  try {
    return resolve(gitDir, readFileSync(join(gitDir, "commondir"), "utf8").trim());
  } catch {
    return gitDir;
  }
}

function home(): string | undefined {
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}

/** `$XDG_CONFIG_HOME/git/NAME`, or `~/.config/git/NAME`. */
function xdgGitFile(name: string): string | undefined {
  const xdg = process.env.XDG_CONFIG_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, "git", name);
  const dir = home();
  return dir ? join(dir, ".config", "git", name) : undefined;
}

/**
 * The file `core.excludesFile` names in git's configuration files (system, global, then the
 * repository's: the last one set wins), or its default. Undefined when set to nothing.
 * Not followed: `include` and `includeIf` sections.
 */
function excludesFile(repoConfig: string, top: string): string | undefined {
  const env = process.env;
  const files: (string | undefined)[] = [];
  if (!env.GIT_CONFIG_NOSYSTEM && process.platform !== "win32") {
    files.push(env.GIT_CONFIG_SYSTEM || "/etc/gitconfig");
  }
  if (env.GIT_CONFIG_GLOBAL) files.push(env.GIT_CONFIG_GLOBAL);
  else {
    const dir = home();
    files.push(xdgGitFile("config"), dir ? join(dir, ".gitconfig") : undefined);
  }
  let setting: string | undefined;
  for (const file of files) {
    const text = file ? readOptional(file) : undefined;
    if (text !== undefined) setting = lastConfigValue(text, "core", "excludesfile") ?? setting;
  }
  setting = lastConfigValue(repoConfig, "core", "excludesfile") ?? setting;
  if (setting === undefined) return xdgGitFile("ignore");
  if (setting === "") return undefined;
  if (setting === "~" || setting.startsWith("~/")) {
    const dir = home();
    return dir ? join(dir, setting.slice(1)) : undefined;
  }
  return resolve(top, setting);
}

/**
 * The last value of `key` in the `[section]` sections of one configuration file (both in lower
 * case; git's names are case-insensitive), or undefined.
 */
function lastConfigValue(text: string, section: string, key: string): string | undefined {
  let inSection = false;
  let value: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    const header = /^\[([^\]]*)\]/.exec(line);
    if (header) {
      inSection = header[1]!.trim().toLowerCase() === section;
      line = line.slice(header[0].length).trim();
    }
    if (!inSection) continue;
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=(.*))?$/.exec(line);
    if (entry && entry[1]!.toLowerCase() === key) value = configValue(entry[2] ?? "");
  }
  return value;
}

/** A value as git reads it: quotes removed, escapes undone, a comment outside quotes cut. */
function configValue(raw: string): string {
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
    if (char === "\\" && i + 1 < raw.length) {
      const next = raw[++i]!;
      out += next === "n" ? "\n" : next === "t" ? "\t" : next;
      kept = out.length;
      continue;
    }
    if (!quoted && (char === "#" || char === ";")) break;
    if (!quoted && out.length === 0 && /\s/.test(char)) continue;
    out += char;
    if (quoted || !/\s/.test(char)) kept = out.length;
  }
  return out.slice(0, kept);
}
