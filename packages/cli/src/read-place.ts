/**
 * The file read is the one whose place chose its project. A command decides each file's project
 * from where its bytes live (a link followed), then reads the name again: a link changed in
 * between — by anyone who may write its directory — had `seal -i link.yml` read project B's file
 * and seal it to project A's recipients (a loop that flipped the link won 14 runs of 60).
 */
import { IoError } from "@s5/core";

// Not `import … from "node:fs"`: its ESM facade costs milliseconds at every application start.
const { realpathSync, statSync } = process.getBuiltinModule("node:fs");
const { dirname } = process.getBuiltinModule("node:path");

const decided = new Map<string, string>();

/** Remembers that the project of `file` (as named) was found from the real directory `dir`. */
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
    const real = realpathSync.native(file);
    const now = statSync(real, { bigint: true });
    const there = statSync(dirname(real), { bigint: true });
    const then = statSync(dir, { bigint: true });
    const same = now.dev === read.dev && now.ino === read.ino;
    if (same && there.dev === then.dev && there.ino === then.ino) return;
  } catch {
    // gone or unreadable now: it moved
  }
  throw new IoError(
    "S5_INPUT_CHANGED",
    `${file} moved while s5 read it (a symbolic link on its way was changed): its project was chosen for another file`,
    {
      hint: "run the command again; if nobody you know changed the link, find out who else may write its directory",
    },
  );
}
