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
  for (let at = dir; ; at = dirname(at)) {
    const dotGit = join(at, ".git");
    if (existsSync(dotGit)) {
      try {
        let gitDir = dotGit;
        if (statSync(dotGit).isFile()) {
          const named = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"))?.[1];
          if (!named) return realpathSync.native(at);
          gitDir = resolve(at, named);
        }
        const commonFile = join(gitDir, "commondir");
        const common = existsSync(commonFile)
          ? resolve(gitDir, readFileSync(commonFile, "utf8").trim())
          : gitDir;
        const real = realpathSync.native(common);
        const modules = real.indexOf(`${sep}.git${sep}modules${sep}`);
        return modules >= 0 ? real.slice(0, modules + `${sep}.git`.length) : real;
      } catch {
        return resolve(at);
      }
    }
    if (dirname(at) === at) return undefined;
  }
}
