/**
 * What git knows about the work tree around a directory, beyond its .gitignore files: the ignore
 * rules of `info/exclude` and of `core.excludesFile` (by default `$XDG_CONFIG_HOME/git/ignore`),
 * and the files it tracks (its index). Read without running git: a walk must not start a
 * program, and git may not be installed where s5 runs.
 */
import { existsSync, lstatSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { expandHome, GitConfig, readOptional, xdgGitFile } from "./git-config.ts";
import { readTrackedPaths, type TrackedPaths } from "./git-index.ts";

export interface GitWorkTree {
  /** The top of the work tree. */
  top: string;
  /** The start, relative to the top, with `/` (`""`: the top itself). */
  rel: string;
  /** Files of rules for the whole work tree, lowest precedence first (as git orders them). */
  excludeFiles: string[];
  /** The files git tracks below the start, or undefined when its index cannot be read. */
  tracked: TrackedPaths | undefined;
}

/**
 * The work tree around `start` (an absolute path), or undefined outside one. As git finds it:
 * `GIT_DIR` names the repository (its work tree is `GIT_WORK_TREE`, else `core.worktree`, else
 * the current directory); without it, the first directory up from the start with a `.git`.
 */
export function gitWorkTree(start: string): GitWorkTree | undefined {
  const found = findWorkTree(start);
  if (!found) return undefined;
  const { top, gitDir, rel } = found;
  if (!gitDir) return { top, rel, excludeFiles: [], tracked: undefined };
  const common = commonDirOf(gitDir);
  const config = found.config ?? new GitConfig(gitDir, common);
  const excludeFiles = [join(common, "info", "exclude")];
  const global = excludesFile(config, top);
  if (global) excludeFiles.unshift(global);
  const hashSize = config.get("extensions.objectformat")?.toLowerCase() === "sha256" ? 32 : 20;
  // The index is the work tree's own (a linked worktree has one of its own).
  const index = process.env.GIT_INDEX_FILE
    ? resolve(process.env.GIT_INDEX_FILE)
    : join(gitDir, "index");
  return { top, rel, excludeFiles, tracked: readTrackedPaths(index, gitDir, hashSize, rel) };
}

/**
 * The top of the git work tree `start` (an absolute path) is in, found as `gitWorkTree` finds it
 * but without reading its index: ~25 ms of a 20,000-file tree's, which `s5 check -- FILE` and
 * `render -o` read only to know whether they were in a work tree.
 */
export function workTreeTop(start: string): string | undefined {
  return findWorkTree(start)?.top;
}

/**
 * The top of the work tree around `start` (absolute) as git names it, found without running git
 * (`git rev-parse --show-toplevel` was ~4 ms of a one-file check); undefined wherever git may name
 * another: `GIT_DIR` or `GIT_WORK_TREE` set, a `core.worktree`, a `.git` that names no directory
 * or one git takes for no repository (it looks further up).
 */
export function discoveredTop(start: string): string | undefined {
  if (process.env.GIT_DIR || process.env.GIT_WORK_TREE) return undefined;
  const found = findWorkTree(start);
  if (!found?.gitDir || !found.repository) return undefined;
  const config = new GitConfig(found.gitDir, commonDirOf(found.gitDir));
  if (config.get("core.worktree") !== undefined || config.get("core.bare") === "true") {
    return undefined;
  }
  return found.top;
}

/**
 * `path` (absolute) as a name in the work tree whose top is `top`, with `/` (`""`: the top
 * itself); undefined when it is outside.
 */
export function nameInTree(top: string, path: string): string | undefined {
  const name = relative(top, path);
  if (name === ".." || name.startsWith(`..${sep}`) || isAbsolute(name)) return undefined;
  return name.split(sep).join("/");
}

function findWorkTree(start: string): (Found & { rel: string }) | undefined {
  const found = process.env.GIT_DIR ? fromEnvironment(process.env.GIT_DIR) : discover(start);
  if (!found) return undefined;
  const rel = nameInTree(found.top, start);
  return rel === undefined ? undefined : { ...found, rel };
}

interface Found {
  top: string;
  gitDir: string | undefined;
  config?: GitConfig;
  /** Whether git takes `gitDir` for a repository (`isRepository`); found by discovery only. */
  repository?: boolean;
}

/**
 * The first directory up from `start` with a `.git`, as git discovers it: a `.git` directory git
 * takes for no repository (an empty one, a tool's marker) is passed over, and the search goes on
 * above it — stopping there read the ignore rules and the index of nothing, and a tracked file
 * under an ignored path went unread by `s5 check .`. A `.git` file stops the search (git fails
 * there when it names no repository).
 */
function discover(start: string): Found | undefined {
  for (let top = start; ; ) {
    const dotGit = join(top, ".git");
    if (existsSync(dotGit)) {
      const gitDir = gitDirAt(top);
      const repository = gitDir !== undefined && isRepository(gitDir);
      if (repository || gitDir !== dotGit) return { top, gitDir, repository };
    }
    const parent = dirname(top);
    if (parent === top) return undefined;
    top = parent;
  }
}

/** `GIT_DIR` (with `GIT_WORK_TREE` or `core.worktree`), as git takes them: no discovery. */
function fromEnvironment(dir: string): Found | undefined {
  const gitDir = resolve(dir);
  try {
    if (!statSync(gitDir).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const config = new GitConfig(gitDir, commonDirOf(gitDir));
  const worktree = process.env.GIT_WORK_TREE;
  const setting = config.get("core.worktree");
  if (worktree) return { top: resolve(worktree), gitDir, config };
  if (setting) return { top: resolve(gitDir, setting), gitDir, config };
  // A bare repository has no work tree.
  if (config.get("core.bare") === "true") return undefined;
  return { top: process.cwd(), gitDir, config };
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

/**
 * Whether git takes `gitDir` for a repository where it finds it (git's `is_git_directory`): a
 * HEAD that is a link or names a ref or a commit, and `objects` and `refs` in its common
 * directory. Git passes over a `.git` directory that is not (an empty one, a tool's marker) and
 * finds the work tree further up, where a check of a subdirectory found its top there and read
 * every path of git's answers from the wrong directory: no file was held to HEAD.
 */
function isRepository(gitDir: string): boolean {
  const head = lstatSync(join(gitDir, "HEAD"), { throwIfNoEntry: false });
  if (!head) return false;
  if (
    !head.isSymbolicLink() &&
    !/^(ref:|[0-9a-f]{40})/.test(readOptional(join(gitDir, "HEAD")) ?? "")
  ) {
    return false;
  }
  const common = commonDirOf(gitDir);
  const objects = process.env.GIT_OBJECT_DIRECTORY || join(common, "objects");
  return existsSync(objects) && existsSync(join(common, "refs"));
}

/** A linked worktree shares `info/exclude` and `config` with its main repository. */
function commonDirOf(gitDir: string): string {
  try {
    return resolve(gitDir, readFileSync(join(gitDir, "commondir"), "utf8").trim());
  } catch {
    return gitDir;
  }
}

/**
 * The file `core.excludesFile` names (its last value in git's configuration), or its default.
 * Undefined when set to nothing.
 */
function excludesFile(config: GitConfig, top: string): string | undefined {
  const setting = config.get("core.excludesfile");
  if (setting === undefined) return xdgGitFile("ignore");
  if (setting === "") return undefined;
  const path = expandHome(setting);
  return path === undefined ? undefined : resolve(top, path);
}
