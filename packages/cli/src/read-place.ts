/**
 * The file read is the one whose place chose its project. A command decides each file's project
 * from where its bytes live (a link followed), then reads the name again: a link changed in
 * between — by anyone who may write its directory — had `seal -i link.yml` read project B's file
 * and seal it to project A's recipients (a loop that flipped the link won 14 runs of 60).
 */
import { IoError } from "@s5/core";
import { realDirectoryOf } from "@s5/core/internal";

// Not `import … from "node:fs"`: its ESM facade costs milliseconds at every application start.
const { realpathSync, statSync } = process.getBuiltinModule("node:fs");

const decided = new Map<string, string>();

/** Remembers that the project of `file` (as named) was found from `dir` (core's `realDirectoryOf`). */
export function decidedFrom(file: string, dir: string): void {
  decided.set(file, dir);
}

/**
 * Throws unless the file read (`read`: the stat of the descriptor it was read through) is where
 * its name leads now and in the directory its project was decided from. A file whose project was
 * not decided from its place (stdin, a named config) passes.
 */
export function checkReadPlace(file: string, read: { dev: bigint; ino: bigint }): void {
  const dir = decided.get(file);
  if (dir === undefined) return;
  try {
    const now = statSync(realpathSync.native(file), { bigint: true });
    const same = now.dev === read.dev && now.ino === read.ino;
    // Found again the same way: a Kubernetes volume's update (a new `..data` directory) that
    // leaves the project as it was is no change of project.
    if (same && realDirectoryOf(file) === dir) return;
  } catch {
    // gone or unreadable now: it moved
  }
  throw new IoError(
    "S5_INPUT_CHANGED",
    `${file} moved while s5 read it (a symbolic link on its way was changed): its project was chosen for another file`,
    {
      hint: "run the command again (a Kubernetes ConfigMap or Secret volume updated at that moment does this once); if nobody you know changed the link, find out who else may write its directory",
    },
  );
}
