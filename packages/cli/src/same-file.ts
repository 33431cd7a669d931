/**
 * One real file named more than once — `a.yml ./a.yml`, a symbolic link beside its target, a file
 * inside a directory also given — is read, counted and written once. Named twice, it was counted
 * twice in every summary, `check` warned that its tokens were copies of themselves
 * (S5_CHECK_COPY), and `-i` prepared and renamed it twice (from the same text: no update lost, but
 * `seal` encrypted every value twice, and the second rename's tokens won). The name kept is one
 * through no link when there is one (messages name the file where it is; its project is its real
 * place's whichever name is kept: core's `projectOfFile`).
 * Hard links stay apart: each is a name of its own, and `-i` replaces each name.
 */
import { realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { showable } from "@s5/core/internal";

/** How many names the note lists. */
const NOTE_NAMES = 10;

/** Where a path leads, symbolic links followed; a path that does not exist (yet), as written. */
function realOf(path: string | Buffer): string {
  try {
    return typeof path === "string"
      ? realpathSync(path)
      : realpathSync(path, { encoding: "buffer" }).toString("latin1");
  } catch {
    return typeof path === "string" ? resolve(path) : resolve(path.toString("latin1"));
  }
}

/** Whether `path` names the file `real` through no symbolic link. */
function direct(path: string | Buffer, real: string): boolean {
  return resolve(typeof path === "string" ? path : path.toString("latin1")) === real;
}

/**
 * `paths` with every real file once, at its first place; a note names the others. `-` (stdin) is
 * kept as it is. `walked`: a path a directory walk found, which is no symbolic link (the walk lists
 * regular files only): only its directory is resolved, once per directory, not each file. A file
 * both walked and named keeps the name given (a named file is read whatever it holds).
 */
export function onceEach<T extends string | Buffer>(
  paths: readonly T[],
  walked: (path: T) => boolean = () => false,
): T[] {
  const at = new Map<string, number>();
  const dirs = new Map<string, string>();
  const kept: T[] = [];
  const again: string[] = [];
  for (const path of paths) {
    if (path === "-") {
      kept.push(path);
      continue;
    }
    const found = walked(path) && typeof path === "string";
    let key: string;
    if (found) {
      const dir = dirname(path);
      const real = dirs.get(dir) ?? realOf(dir);
      dirs.set(dir, real);
      key = join(real, basename(path));
    } else key = realOf(path);
    const first = at.get(key);
    if (first === undefined) {
      at.set(key, kept.length);
      kept.push(path);
      continue;
    }
    const before = kept[first]!;
    // A name through no link is where the file is: messages name it so, whichever came first.
    if ((!found && walked(before)) || (direct(path, key) && !direct(before, key))) {
      kept[first] = path;
    }
    again.push(showable(path.toString()));
  }
  if (again.length > 0) {
    const list = again.slice(0, NOTE_NAMES).join(", ");
    const more = again.length > NOTE_NAMES ? ` and ${again.length - NOTE_NAMES} more` : "";
    process.stderr.write(
      `s5: note: ${list}${more}: the same file as one given before (another name, a link, or in a directory given): read once\n`,
    );
  }
  return kept;
}
