/**
 * The files as an earlier commit had them, for `s5 check --base REF`: every file that differs
 * between REF and what is checked (the work tree, or the index with `--staged`), with its content
 * at REF and its name now (git's rename detection, `-M`), and the names of the files changed since.
 */
import { relative, resolve } from "node:path";
import { IoError } from "@s5/core";
import type { EarlierFile } from "@s5/core/internal";
import { showable } from "@s5/core/internal";
import { git, readBlobs } from "./git-blobs.ts";
import { GITLINK } from "./git-staged.ts";

export interface BaseFiles {
  /** The files of REF that changed since, named from the current directory; `now` is absolute. */
  earlier: EarlierFile[];
  /** Absolute paths of the files that differ from REF (untracked ones too, outside `--staged`). */
  changed: Set<string>;
}

/** The commit `ref` names, or an error that says what to do (CI clones are often shallow). */
function commitOf(ref: string, top: string): string {
  try {
    return git(["rev-parse", "--verify", "--end-of-options", `${ref}^{commit}`], top, "--base")
      .toString()
      .trim();
  } catch {
    throw new IoError("S5_INPUT", `--base ${showable(ref)}: git knows no commit by that name`, {
      hint: "fetch it first (a CI clone is often shallow: git fetch origin main), or name a commit, branch or tag",
    });
  }
}

/** Reads what changed between `ref` and the work tree (or the index, `staged`). */
export function baseFiles(ref: string, staged: boolean): BaseFiles {
  const cwd = process.cwd();
  const top = git(["rev-parse", "--show-toplevel"], cwd, "--base").toString().trim();
  const commit = commitOf(ref, top);
  // `:old-mode new-mode old-id new-id status\0path\0` per file; a rename (`R087`) has two paths.
  const fields = git(
    ["diff", "--raw", "-z", "--no-abbrev", "-M", ...(staged ? ["--cached"] : []), commit, "--"],
    top,
    "--base",
  )
    .toString()
    .split("\0");
  const named = (path: string) => relative(cwd, resolve(top, path)) || path;
  const then: { id: string; name: string; now: string | undefined }[] = [];
  const changed = new Set<string>();
  for (let i = 0; i + 1 < fields.length; ) {
    const [oldMode, newMode, oldId, , status = ""] = fields[i]!.slice(1).split(" ");
    const twoPaths = status.startsWith("R") || status.startsWith("C");
    const path = fields[i + 1]!;
    const newPath = twoPaths ? fields[i + 2]! : path;
    i += twoPaths ? 3 : 2;
    const gone = status.startsWith("D");
    if (!gone && newMode !== GITLINK) changed.add(resolve(top, newPath));
    if (status.startsWith("A") || oldMode === GITLINK || !oldId) continue;
    then.push({ id: oldId, name: named(path), now: gone ? undefined : resolve(top, newPath) });
  }
  if (!staged) {
    // Files git does not track yet are new since REF too.
    const untracked = git(["ls-files", "--others", "--exclude-standard", "-z"], top, "--base");
    for (const path of untracked.toString().split("\0")) {
      if (path) changed.add(resolve(top, path));
    }
  }
  const earlier: EarlierFile[] = [];
  for (const { entry, content } of readBlobs(then, top, "--base")) {
    earlier.push({ name: entry.name, content, now: entry.now });
  }
  return { earlier, changed };
}
