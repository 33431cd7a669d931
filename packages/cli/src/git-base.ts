/**
 * The files as an earlier commit had them, for `s5 check --base REF`: every file that differs
 * between REF and what is checked (the work tree, or the index with `--staged`), with its content
 * at REF and its name now (git's rename detection, `-M`), and the names of the files changed since.
 */
import { spawnSync } from "node:child_process";
import { lstatSync, readFileSync, statSync } from "node:fs";
import { dirname, posix, relative, resolve } from "node:path";
import { IoError, PROJECT_FILE } from "@s5/core";
import type { EarlierFile } from "@s5/core/internal";
import { showable } from "@s5/core/internal";
import { git, gitAsync, gitEnv, gitTop, readBlobs } from "./git-blobs.ts";
import { namedAtHead } from "./git-named.ts";
import { nameInTree } from "./git-work-tree.ts";
import { earlierFile } from "./lfs.ts";

export interface BaseFiles {
  /** The files of REF that changed since, named from the current directory; `now` is absolute. */
  earlier: EarlierFile[];
  /** Absolute paths of the files that differ from REF (untracked ones too, outside `--staged`). */
  changed: Set<string>;
  /** How the warnings name the commit compared with: REF, or where this branch left REF. */
  label: string;
  /** Said on stderr when the commit compared with is REF only because no fork point was found. */
  note?: string;
  /** Absolute paths of the changed files that are symbolic links now (git's mode 120000). */
  links: Set<string>;
  /** Absolute paths of the files that were symbolic links at REF and are files now. */
  wereLinks: Set<string>;
  /**
   * Absolute paths of the changed files whose version at REF git-lfs stores and whose content
   * was not read — not in the LFS store (not fetched), or behind git-lfs extensions (`true`):
   * whether they held tokens there is not known.
   */
  unfetched: Map<string, boolean>;
}

const SYMLINK = "120000";

/** A submodule's entry: a commit, not a blob. */
export const GITLINK = "160000";

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

/** The parents HEAD's commit names (read from the object: a shallow clone's git sees none). */
function headParents(top: string): string[] {
  let text: string;
  try {
    text = git(["cat-file", "commit", "HEAD"], top, "--base").toString("latin1");
  } catch {
    return []; // no commit yet
  }
  const header = text.slice(0, text.indexOf("\n\n"));
  return header
    .split("\n")
    .filter((line) => line.startsWith("parent "))
    .map((line) => line.slice("parent ".length));
}

/** Whether this clone's history is cut short (`git clone --depth`, actions/checkout). */
function shallow(top: string): boolean {
  try {
    return (
      git(["rev-parse", "--is-shallow-repository"], top, "--base").toString().trim() === "true"
    );
  } catch {
    return true; // a git too old to say: the note that names both causes
  }
}

/** `git merge-base`'s answer, or undefined where the histories do not meet here. */
function mergeBase(commit: string, top: string): string | undefined {
  try {
    return git(["merge-base", commit, "HEAD"], top, "--base").toString().trim() || undefined;
  } catch {
    return undefined; // none in the history here (a shallow clone, unrelated histories, no HEAD)
  }
}

/**
 * The commit to compare with, as a pull request's diff does: where HEAD's history left REF's (`git
 * merge-base`), so that what REF gained since (another pull request merged, a token moved there)
 * is not taken for this branch's change, reversed. A shallow clone may hold no common history: if
 * HEAD is a merge of REF (a pull request's merge commit, as CI checks it out), REF is that point;
 * otherwise REF itself, with a note that says what that means and how to fetch the history.
 */
function compareWith(ref: string, commit: string, top: string) {
  const label = showable(ref);
  const fork = mergeBase(commit, top);
  if (fork && fork !== commit) {
    return { commit: fork, label: `${label} where this branch left it (${fork.slice(0, 12)})` };
  }
  if (fork || headParents(top).includes(commit)) return { commit, label };
  // No common history here: a shallow clone can fetch it; an orphan branch has it all already (and
  // git refuses --unshallow there).
  const note = shallow(top)
    ? `--base ${label}: git here knows no history common to it and HEAD (a shallow clone?), so s5 compares with ${label} itself: what it gained since this branch left it counts as changed here, and a token it moved shows as moved back; fetch the history (actions/checkout: fetch-depth: 0; or git fetch --unshallow)`
    : `--base ${label}: HEAD has no history in common with it (an orphan branch, or no commit yet), so s5 compares with ${label} itself: every difference from it counts as changed here`;
  return { commit, label, note };
}

/**
 * The blob a `.s5.json` that was a symbolic link at `commit` (`.s5.json -> config/s5.json`) led
 * to there: git stores the link's text, which is no JSON, so a pull request that replaced such a
 * link by a file naming another transit key or recipients changed nothing `--base` could see.
 * Followed in `commit`'s tree one name at a time, as the kernel follows it in a work tree (a
 * directory link on the way, `cfg -> conf`; `..` from where a link led); at most 8 links;
 * undefined for a link out of the repository, or to nothing there: no settings s5 can know.
 */
function linkedConfigId(commit: string, path: string, id: string, top: string): string | undefined {
  // A path of the tree goes through no link: the names resolved so far, and those still to go.
  const done = posix
    .dirname(path)
    .split("/")
    .filter((name) => name !== ".");
  let rest = linkText(id, top);
  for (let links = 1; rest !== undefined && rest.length > 0; ) {
    const name = rest.shift()!;
    if (name === "" || name === ".") continue;
    if (name === "..") {
      if (done.pop() === undefined) return undefined;
      continue;
    }
    const entry = treeEntry(commit, [...done, name].join("/"), top);
    if (entry === undefined) return undefined;
    if (entry.mode === SYMLINK) {
      if (++links > 8) return undefined;
      const text = linkText(entry.id, top);
      rest = text && [...text, ...rest];
    } else if (rest.length === 0) {
      return entry.type === "blob" ? entry.id : undefined;
    } else if (entry.type === "tree") {
      done.push(name);
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** A link's text as names; undefined for an absolute one (out of the repository). */
function linkText(id: string, top: string): string[] | undefined {
  let text = "";
  for (const { content } of readBlobs([{ id }], top, "--base")) text = content.toString();
  return posix.isAbsolute(text) ? undefined : text.split("/");
}

/** The entry at `path` (no link on its way) in `commit`'s tree; undefined for none. */
function treeEntry(
  commit: string,
  path: string,
  top: string,
): { mode: string; type: string; id: string } | undefined {
  // `<mode> <type> <id>\t<path>\0`, nothing when the tree has no such path.
  const [mode, type, id] = git(
    ["ls-tree", "-z", "--full-tree", commit, "--", `:(literal)${path}`],
    top,
    "--base",
  )
    .toString()
    .split("\t")[0]!
    .split(" ");
  return mode && type && id ? { mode, type, id } : undefined;
}

/** The largest file read as a source a new file may copy: a config file, not a data set. */
const SOURCE_LIMIT = 16 * 1024 * 1024;

/**
 * The files git tracks that hold something like a token and are none of `changed` (absolute
 * paths): the same at the commit compared with, and what a new file of values may be a copy of.
 * Read from the work tree (\`git grep\` there reads files, not blobs: half the time on 20,000
 * files); a file with unstaged changes is read as it is there. Named from the current directory;
 * `now` is their absolute path.
 */
export function sealedSources(changed: ReadonlySet<string>): EarlierFile[] {
  const cwd = process.cwd();
  const top = gitTop("--staged");
  // `path\0` per file, from the top (run there); exit 1 when none matches. `--no-color`: under
  // `color.ui=always` (or `color.grep`) git wrapped each name in escapes, no file was found by
  // them, and a rendered copy had nothing to be a copy of. No `-I`: git takes a file the
  // repository's .gitattributes marks `-diff` or `binary` for binary, and passed over every file
  // of tokens so marked; binary files are told by their content below.
  const listed = spawnSync(
    "git",
    ["grep", "--no-color", "-l", "-z", "--full-name", "-F", "-e", "s5:", "--"],
    {
      cwd: top,
      env: gitEnv(),
      maxBuffer: 1 << 30,
    },
  );
  if (listed.error || listed.status !== 0) return [];
  const sources: EarlierFile[] = [];
  for (const path of listed.stdout.toString().split("\0")) {
    const file = resolve(top, path);
    if (path === "" || changed.has(file)) continue;
    try {
      if (statSync(file).size > SOURCE_LIMIT) continue;
      const content = readFileSync(file);
      // Binary as git tells it without attributes: a NUL in the first 8,000 bytes.
      if (content.subarray(0, 8000).includes(0)) continue;
      sources.push({ name: relative(cwd, file) || path, content, now: file });
    } catch {
      // Gone from the work tree: nothing to copy from.
    }
  }
  return sources;
}

/** Whether the repository has a commit at HEAD (none before the first commit). */
export function hasHead(top: string): boolean {
  try {
    git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], top, "--staged");
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads what changed between `ref` and the work tree (or the index, `staged`): with the files git
 * does not track yet as changed (new since REF) outside `staged`.
 */
export async function baseFiles(ref: string, staged: boolean): Promise<BaseFiles> {
  const top = gitTop("--base");
  const { commit, label, note } = compareWith(ref, commitOf(ref, top), top);
  return (await filesSince(commit, top, { staged, untracked: !staged, label, note }))!;
}

/**
 * HEAD's versions of what changed since in the work tree (files git does not track are new:
 * nothing of theirs was sealed); undefined before the first commit. No
 * `rev-parse` nor `merge-base` first: `git diff HEAD` fails where there is no HEAD, and HEAD is
 * its own fork point (three git processes were one).
 *
 * `paths` (absolute): only these are checked (`s5 check -- FILE…`, the pre-commit framework's
 * form), and git is asked of them alone — `git diff` of a whole 20,000-file tree stats every
 * file (~30 ms here, against ~5 ms for one): by `git cat-file` where that tells all
 * (`namedAtHead`), else by `git diff -- PATH…`. A new file among them (one git pairs with no
 * earlier file: added, renamed, copied) may be a file of tokens renamed and rendered from
 * anywhere, so the whole tree is asked again; so is git when the narrow question fails. Paths
 * outside the work tree are no file of it.
 */
export async function headFiles(paths: readonly string[]): Promise<BaseFiles | undefined> {
  const top = gitTop("--staged");
  const options = { staged: false, untracked: false, label: "HEAD" };
  const specs = pathspecsOf(paths, top);
  if (specs?.length === 0) return undefined;
  if (specs) {
    try {
      const named = namedAtHead(paths, top);
      if (named) return named;
    } catch {
      // git diff decides below.
    }
    try {
      const narrow = await filesSince("HEAD", top, { ...options, specs });
      if (narrow) return narrow;
    } catch {
      // Asked again of the whole tree below, whose failure says what failed.
    }
  }
  try {
    return await filesSince("HEAD", top, options);
  } catch (error) {
    if (!hasHead(top)) return beforeFirstCommit(top, specs);
    throw error;
  }
}

/**
 * Before the first commit: nothing to compare with, and every file git would commit (tracked or
 * not ignored; of `specs` where given) is new — a copy rendered beside its file of tokens is
 * found among them as in any later commit.
 */
function beforeFirstCommit(top: string, specs: readonly string[] | undefined): BaseFiles {
  const listed = git(
    ["ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", ...(specs ?? [])],
    top,
    "--staged",
  );
  const changed = new Set<string>();
  for (const path of listed.toString().split("\0")) if (path) changed.add(resolve(top, path));
  return firstCommit(changed);
}

/** The comparison of a first commit: no earlier file, each of `changed` (absolute paths) new. */
export function firstCommit(changed: Set<string>): BaseFiles {
  return {
    earlier: [],
    changed,
    label: "HEAD",
    links: new Set(),
    wereLinks: new Set(),
    unfetched: new Map(),
  };
}

/**
 * `paths` (absolute) as literal pathspecs from the top, those outside the work tree left out;
 * undefined when one of them is the top itself (the whole tree is asked).
 */
function pathspecsOf(paths: readonly string[], top: string): string[] | undefined {
  const specs: string[] = [];
  for (const path of paths) {
    const name = nameInTree(top, path);
    if (name === "") return undefined;
    if (name !== undefined) specs.push(`:(literal)${name}`);
  }
  return specs;
}

interface Since {
  staged: boolean;
  /** The files git does not track count as changed (new). */
  untracked: boolean;
  label: string;
  note?: string | undefined;
  /**
   * Only these pathspecs are asked of git: then no file is gone that a new file could be, and
   * the answer is undefined where one of them is new (to ask the whole tree).
   */
  specs?: readonly string[];
}

/** The files of `commit` that changed since, and the paths changed (see `BaseFiles`). */
async function filesSince(
  commit: string,
  top: string,
  since: Since,
): Promise<BaseFiles | undefined> {
  const { staged, untracked, label, note, specs } = since;
  // `:old-mode new-mode old-id new-id status\0path\0` per file; a rename (`R087`) has two paths.
  const fields = (
    await gitAsync(
      [
        // A few paths: no threads started to stat the index's files ahead (~3 ms of a 20,000-file
        // tree's 8). The whole tree: they stat it on each core.
        ...(specs ? ["-c", "core.preloadIndex=false"] : []),
        "diff",
        "--raw",
        "-z",
        "--no-abbrev",
        "-M",
        ...(staged ? ["--cached"] : []),
        commit,
        "--",
        ...(specs ?? []),
      ],
      top,
      "--base",
    )
  )
    .toString()
    .split("\0");
  const { toRead: then, unknown, changed, links, wereLinks } = readDiff(fields, commit, top, specs);
  if (specs) {
    const paired = new Set([...then, ...unknown].map((file) => file.now));
    for (const path of changed) if (!paired.has(path)) return undefined;
  }
  if (untracked) {
    // Files git does not track yet are new since REF too.
    const others = git(["ls-files", "--others", "--exclude-standard", "-z"], top, "--base");
    for (const path of others.toString().split("\0")) {
      if (path) changed.add(resolve(top, path));
    }
  }
  const earlier: EarlierFile[] = unknown;
  const unfetched = new Map<string, boolean>();
  for (const { entry, content } of readBlobs(then, top, "--base")) {
    earlier.push(earlierFile(entry, content, top, unfetched));
  }
  return { earlier, changed, label, links, wereLinks, unfetched, ...(note ? { note } : {}) };
}

/** One `git diff --raw -z -M` answer, read. */
export interface Diff {
  /** The earlier files whose blobs are to be read, named from the current directory. */
  toRead: { id: string; name: string; now: string | undefined }[];
  /** Earlier project configs whose settings are unknown (a link out of the repository). */
  unknown: EarlierFile[];
  /**
   * Absolute paths of the files that differ now; `links`: those that are symbolic links now;
   * `wereLinks`: those that were links and are files now.
   */
  changed: Set<string>;
  links: Set<string>;
  wereLinks: Set<string>;
  /** Each file there now (not deleted): its path from the top, new mode, new blob and status. */
  now: { path: string; mode: string; id: string; status: string }[];
}

/**
 * Reads `git diff --raw -z -M` against `commit` (`fields`: its answer split at NUL): `:old-mode
 * new-mode old-id new-id status\0path\0` per file, a rename or copy (`R087`) with two paths.
 * `specs`: asked of some paths only, so no file is gone that a new file could be.
 */
export function readDiff(
  fields: readonly string[],
  commit: string,
  top: string,
  specs?: readonly string[],
): Diff {
  const cwd = process.cwd();
  const named = (path: string) => relative(cwd, resolve(top, path)) || path;
  const diff: Diff = {
    toRead: [],
    unknown: [],
    changed: new Set(),
    links: new Set(),
    wereLinks: new Set(),
    now: [],
  };
  for (let i = 0; i + 1 < fields.length; ) {
    const [oldMode, newMode = "", oldId, newId = "", status = ""] = fields[i]!.slice(1).split(" ");
    const twoPaths = status.startsWith("R") || status.startsWith("C");
    const path = fields[i + 1]!;
    const newPath = twoPaths ? fields[i + 2]! : path;
    i += twoPaths ? 3 : 2;
    const gone = status.startsWith("D");
    if (!gone) diff.now.push({ path: newPath, mode: newMode, id: newId, status });
    if (gone && specs) continue;
    if (!gone && newMode !== GITLINK) diff.changed.add(resolve(top, newPath));
    if (!gone && newMode === SYMLINK) diff.links.add(resolve(top, newPath));
    if (status.startsWith("A") || oldMode === GITLINK || !oldId) continue;
    // A link that became a file: the link's text is no earlier version of what the file holds (a
    // copy of the file it led to, rendered, passed as a change of that text), so it is new, and
    // the copy rule holds it to the files of tokens. A config's link is followed below.
    if (
      !gone &&
      oldMode === SYMLINK &&
      newMode !== SYMLINK &&
      posix.basename(path) !== PROJECT_FILE
    ) {
      diff.wereLinks.add(resolve(top, newPath));
      continue;
    }
    const now = gone ? undefined : resolve(top, newPath);
    const id =
      oldMode === SYMLINK && posix.basename(path) === PROJECT_FILE
        ? linkedConfigId(commit, path, oldId, top)
        : oldId;
    // Settings unknown: read as none, so that every setting now is said to be new.
    if (id === undefined) diff.unknown.push({ name: named(path), content: Buffer.from("{}"), now });
    else diff.toRead.push({ id, name: named(path), now });
  }
  return diff;
}

/**
 * Whether git sees a file under `dir` (absolute) now: in the index with `staged`, else tracked or
 * new in the work tree and there on disk (a file deleted but not staged is listed by the index).
 */
export function holdsFiles(dir: string, staged: boolean): boolean {
  const cwd = process.cwd();
  const listed = git(
    [
      "ls-files",
      "-z",
      "--cached",
      ...(staged ? [] : ["--others", "--exclude-standard"]),
      "--",
      dir,
    ],
    cwd,
    "--base",
  );
  return listed
    .toString()
    .split("\0")
    .some(
      (path) => path !== "" && (staged || lstatSync(resolve(cwd, path), { throwIfNoEntry: false })),
    );
}

/**
 * With `--staged`: the `.s5.json` nearest above `dir` (absolute) that the index holds, with the
 * content it will commit — not the work tree's, which may differ from it or be gone. `above`:
 * the index holds none in the work tree; the directory to look on from, on disk (a config
 * outside the repository is no part of a commit, and s5 reads it there).
 */
export function stagedProject(
  dir: string,
): { file: string; content: Buffer | undefined } | { above: string } {
  const cwd = process.cwd();
  // One git process: the top, then the prefix (an empty line at the top itself).
  const [top = "", prefix = ""] = git(
    ["rev-parse", "--show-toplevel", "--show-prefix"],
    cwd,
    "--staged",
  )
    .toString()
    .split("\n");
  // Paths from the top, as the index names them (`/` on every system).
  const candidates: string[] = [];
  let at = posix.normalize(posix.join(prefix, relative(cwd, dir).split("\\").join("/")));
  while (at !== ".." && !at.startsWith("../")) {
    candidates.push(at === "." ? PROJECT_FILE : `${at}/${PROJECT_FILE}`);
    if (at === ".") break;
    at = posix.dirname(at);
  }
  const listed = new Map<string, { mode: string; id: string }>();
  if (candidates.length > 0) {
    // `<mode> <id> <stage>\t<path>\0` per entry.
    const answer = git(
      ["ls-files", "--stage", "-z", "--", ...candidates.map((path) => `:(literal)${path}`)],
      top,
      "--staged",
    );
    for (const entry of answer.toString().split("\0")) {
      const tab = entry.indexOf("\t");
      if (tab === -1) continue;
      const [mode = "", id = ""] = entry.slice(0, tab).split(" ");
      listed.set(entry.slice(tab + 1), { mode, id });
    }
  }
  for (const path of candidates) {
    const entry = listed.get(path);
    if (!entry) continue;
    const file = resolve(top, path);
    // A symbolic link: s5 follows it on disk, where its target is read.
    if (entry.mode === SYMLINK) return { file, content: undefined };
    for (const { content } of readBlobs([{ id: entry.id }], top, "--staged")) {
      return { file, content };
    }
  }
  return { above: dirname(top) };
}
