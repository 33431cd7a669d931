/**
 * Where a file named on the command line stands as git names it. git's paths are physical (the
 * work tree's top comes from the working directory, which the kernel gives with links followed);
 * a name through a linked directory — `d/values.yml` where `d` leads to `deploy`, or
 * `"$PWD/values.yml"` from a shell whose PWD went through a link — matched no file git had
 * changed, and a file rendered in place passed `s5 check FILE` and `s5 check -- FILE`.
 * Asked only where a name needs it ({@link placer}): a `realpath` per directory made a check of
 * 3,000 files named `index.ts` (one changed) ~40 ms slower.
 */
import { realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** Each directory's real path, asked once. */
const directories = new Map<string, string>();

function realDirectory(dir: string): string {
  let real = directories.get(dir);
  if (real === undefined) {
    try {
      real = realpathSync.native(dir);
    } catch {
      real = dir; // gone: named as written
    }
    directories.set(dir, real);
  }
  return real;
}

/**
 * `file`'s absolute path with its directory's links followed; its own name kept (a file that is a
 * link is one of its own to git).
 */
export function placeOf(file: string): string {
  const path = resolve(file);
  const dir = dirname(path);
  const real = realDirectory(dir);
  return real === dir ? path : join(real, basename(path));
}

/** A file or directory named: a directory's links followed to its end, a file's as {@link placeOf}. */
export function namedPlace(path: string): string {
  try {
    if (statSync(path).isDirectory()) return realDirectory(resolve(path));
  } catch {
    // gone: as a file
  }
  return placeOf(path);
}

/**
 * How the files checked under `paths` (the names given; none: the working directory) are matched
 * with git's paths. A walk lists no link (walk.ts), and the working directory is real: only a
 * name given can go through a linked directory, and where none does a file's place is its
 * absolute path.
 */
export function placer(paths: readonly string[]): (file: string) => string {
  const throughLink = paths.some((path) => namedPlace(path) !== resolve(path));
  return throughLink ? placeOf : (file) => resolve(file);
}
