/**
 * HEAD's versions of the files `s5 check -- FILE…` names (the pre-commit framework's form), from
 * one `git cat-file --batch` of `HEAD:PATH` and of the index's `:0:PATH`: no `git diff`, which
 * loads the whole index (~5 ms of a 20,000-file tree's) and is a second process after it.
 */
import { lstatSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import type { EarlierFile } from "@s5/core/internal";
import type { BaseFiles } from "./git-base.ts";
import { batchObjects, git } from "./git-blobs.ts";
import { nameInTree } from "./git-work-tree.ts";
import { earlierFile } from "./lfs.ts";

/** The largest file compared here; a larger one is left to `git diff`. */
const NAMED_LIMIT = 16 * 1024 * 1024;

/**
 * What `git diff HEAD -- PATH…` (the work tree against HEAD) tells of `paths` (absolute), where
 * each is a regular file of the work tree that both HEAD and the index hold: a file changed when
 * its bytes differ from HEAD's blob (a file git's filters alone change, CRLF to LF, is held to
 * HEAD's too: its tokens stand where they stood, and nothing is found). Undefined wherever that
 * does not tell it all, for `git diff` to decide: a name new since HEAD (added, renamed: the file
 * it was may be anywhere), one the index no longer holds (`git rm --cached`: gone from the
 * commit), a directory, a link, a submodule's path, a name with a line break, a larger file, a
 * HEAD version of one line with no end (a link's text?). Paths outside the work tree are no file
 * of it.
 */
export function namedAtHead(paths: readonly string[], top: string): BaseFiles | undefined {
  const files = new Map<string, string>();
  for (const path of paths) {
    const name = nameInTree(top, path);
    if (name === undefined) continue;
    // git reads its input a line at a time and drops a CR before the line's end: `HEAD:a.yml\r`
    // asked for `HEAD:a.yml`, another file (a new `a.yml\r` paired with it passed the copy rule).
    if (name === "" || /[\n\r]/.test(name)) return undefined;
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > NAMED_LIMIT) return undefined;
    files.set(path, name);
  }
  if (files.size === 0) return undefined;
  // HEAD's blob then the index's, per file; the whole line is the object's name.
  const input = [...files.values()].map((name) => `HEAD:${name}\n:0:${name}\n`).join("");
  const answer = git(["cat-file", "--batch"], top, "--staged", input);
  const earlier: EarlierFile[] = [];
  const changed = new Set<string>();
  const unfetched = new Map<string, boolean>();
  const objects = [...batchObjects(answer, files.size * 2)];
  if (objects.length < files.size * 2) throw new Error("git cat-file's answer is cut short");
  /** The `i`th object's content if it is a blob; undefined for one missing or of another type. */
  const blob = (i: number) => (objects[i]?.type === "blob" ? objects[i]!.content : undefined);
  let i = 0;
  for (const [path, name] of files) {
    const then = blob(i++);
    const staged = blob(i++);
    if (!then || !staged) return undefined;
    // One line with no end may be a link's text (cat-file gives no mode): git diff tells a link
    // that became a file, which is new to the rules (readDiff).
    if (then.length <= 4096 && !then.includes(0x0a)) return undefined;
    // A file git-lfs stores: HEAD holds its pointer, compared as the content it names (lfs.ts).
    const file = earlierFile(
      { name: relative(process.cwd(), path) || name, now: path },
      then,
      top,
      unfetched,
    );
    if (readFileSync(path).equals(file.content)) continue;
    changed.add(path);
    earlier.push(file);
  }
  return { earlier, changed, label: "HEAD", links: new Set(), wereLinks: new Set(), unfetched };
}
