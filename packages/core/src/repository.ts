/** Which git repository a directory belongs to: its worktrees and submodules counted as one. */

// Not `import … from "node:fs"`: its ESM facade costs milliseconds at every application start.
const { existsSync, readFileSync, realpathSync, statSync } = process.getBuiltinModule("node:fs");
const { dirname, join, resolve, sep } = process.getBuiltinModule("node:path");

/**
 * The repository that holds `dir`: the git directory that every worktree of it shares (a
 * worktree's `.git` file names its own, whose `commondir` names the shared one), and for a
 * submodule its superproject's (its git directory is under the superproject's `.git/modules/`).
 * Undefined outside git. A clone inside another repository is a repository of its own.
 */
export function repositoryOf(dir: string): string | undefined {
  const at = workTreeOf(dir);
  if (at === undefined) return undefined;
  const dotGit = join(at, ".git");
  try {
    let gitDir = dotGit;
    if (statSync(dotGit).isFile()) {
      const named = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"))?.[1];
      if (!named) return realpathSync.native(at);
      gitDir = resolve(at, named);
    }
    return superOf(commonOf(gitDir));
  } catch {
    return resolve(at);
  }
}

/** The top of the work tree that holds `dir` (where its `.git` is), as named; undefined outside git. */
export function workTreeOf(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, ".git"))) return at;
    if (dirname(at) === at) return undefined;
  }
}

/** The git directory a worktree's git directory shares (its `commondir`), real. */
function commonOf(gitDir: string): string {
  const commonFile = join(gitDir, "commondir");
  const common = existsSync(commonFile)
    ? resolve(gitDir, readFileSync(commonFile, "utf8").trim())
    : gitDir;
  return realpathSync.native(common);
}

/**
 * A submodule's git directory is its superproject's `GITDIR/modules/NAME` — `.git/modules/…`,
 * or `.git/worktrees/W/modules/…` for a superproject's worktree (such a submodule was refused
 * as another repository), nested ones `…/modules/a/modules/b`: the outermost git directory
 * above `/modules/`, with its own `commondir`. Another git directory as it is.
 */
function superOf(gitDir: string): string {
  const marker = `${sep}modules${sep}`;
  for (let at = gitDir.indexOf(marker); at >= 0; at = gitDir.indexOf(marker, at + 1)) {
    const above = gitDir.slice(0, at);
    if (existsSync(join(above, "HEAD"))) return commonOf(above);
  }
  return gitDir;
}
