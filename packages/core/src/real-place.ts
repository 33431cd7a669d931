/**
 * Where a file's bytes live, for the project that reads them. The project was found above the
 * name given: `app/link.yml -> ../other/a.yml` was sealed with app's recipients (other's team and
 * CI could not read it, app's could) and rendered with app's keys. A file belongs to the project
 * of its real place: symbolic links in its name and in its directories followed.
 */
import { IoError } from "./errors.ts";
import { showable } from "./hidden.ts";
import { checkLinkCrossing, isLink, nearestProjectFile, type PlaceUse } from "./link-crossing.ts";

// Not `import … from "node:fs"`: its ESM facade costs milliseconds at every application start.
const { existsSync, readlinkSync, realpathSync } = process.getBuiltinModule("node:fs");
const { dirname, isAbsolute, resolve, sep } = process.getBuiltinModule("node:path");

/** A `..` segment. */
const UP = /(?:^|[\\/])\.\.(?:[\\/]|$)/;

/**
 * The real directory of `file` (links followed), to find its project from. A name that does not
 * exist yet (a file being created), a dangling link or a loop: the nearest existing directory
 * above the name, real; reading such a file fails with its own error. `known` caches directories
 * (one `realpath` each), as a walk of many files needs; a file costs one `lstat`, none when the
 * caller knows it is no link (`link: false`, a file a directory walk found). A link that leads
 * into another project out of its repository, or into another user's, is refused
 * (link-crossing.ts); `use: "write"` judges an output's place so, with a message about writing.
 * @example realDirectoryOf("app/link.yml") // "/repo/other" when it links to ../other/a.yml
 */
export function realDirectoryOf(
  file: string,
  known: Map<string, string> = new Map(),
  link = true,
  use: PlaceUse = "read",
): string {
  // A link changed while it was judged (a Kubernetes volume's `..data` swapped, its old directory
  // deleted: ENOENT on a place found a moment before) is judged again, where it leads now.
  for (let attempt = 1; ; attempt++) {
    try {
      return placeOf(file, known, link, use);
    } catch (cause) {
      if ((cause as { code?: unknown }).code !== "ENOENT") throw cause;
      if (attempt === 3) {
        throw new IoError(
          "S5_INPUT_CHANGED",
          `${showable(file)}: a symbolic link on its way changed while s5 looked for its project, three times`,
          {
            cause,
            hint: "run the command again once the links stay still (a Kubernetes volume changes them at each update of its ConfigMap or Secret)",
          },
        );
      }
    }
  }
}

function placeOf(file: string, known: Map<string, string>, link: boolean, use: PlaceUse): string {
  // `link/../x.yml`: the kernel, which opens the name, takes `..` from the link's target, where
  // `path.resolve` (and Node's JS `realpath`) drop both; such a name is resolved as it is opened.
  const upward = UP.test(file);
  const full = upward ? placeName(process.cwd(), file) : resolve(file);
  const real = upward ? realpathSync.native : realpathSync;
  if (link && isLink(full)) {
    let dir: string | undefined;
    try {
      dir = dirname(real(full));
    } catch {
      // Dangling, or a loop: found from the name's own directory, as before.
    }
    if (dir !== undefined) {
      checkLinkCrossing(full, full, dir, use);
      return projectPlace(dirname(full), dir);
    }
  }
  const dir = dirname(full);
  let found = known.get(dir);
  if (found === undefined) {
    found = nearestReal(dir, real);
    if (found !== dir) {
      checkLinkCrossing(full, dir, found, use);
      found = projectPlace(dir, found);
    }
    known.set(dir, found);
  }
  return found;
}

/**
 * Where to find the project of a file whose name's directory is `named` and whose real directory
 * is `real`: `named` when the nearest `.s5.json` above it is the file `real`'s is (the same
 * project), or when `real` is in no project; `real` otherwise (the target's project decides).
 * A Kubernetes ConfigMap volume (`.env -> ..data/.env`, `.s5.json -> ..data/.s5.json`, `..data ->
 * ..2026_…`) found its project in the timestamped directory, which the kubelet deletes at the
 * next update: a start during one failed with `cannot access …/..2026_…/.s5.json: ENOENT`, and
 * the CLI's check that the file read is the one its project was chosen for (`S5_INPUT_CHANGED`)
 * saw another directory. By its name the project is there through updates.
 */
function projectPlace(named: string, real: string): string {
  // `link/..`: looked up by name, `..` would be dropped (as `path.resolve` does), not taken from
  // the link's target as the kernel does; such a name is judged by its real place only.
  if (UP.test(named)) return real;
  const byName = nearestProjectFile(named);
  const byPlace = nearestProjectFile(real);
  // One project, or none by either: the name's. None at the real place (a Nix store's flat
  // `/nix/store/…-app.yml`, home-manager's links to it from `~/.config/app`): the name's own
  // project reads it, as before links were followed, not the working directory's of the moment.
  if (byName === byPlace || byPlace === undefined) return named;
  if (byName === undefined) return real;
  try {
    return realpathSync.native(byName) === realpathSync.native(byPlace) ? named : real;
  } catch {
    return real; // changed meanwhile: the real place decides, as for any file
  }
}

/**
 * `file` from `cwd` as the kernel opens it: not normalized, so that a `..` after a link is
 * resolved from the link's target ({@link realDirectoryOf}).
 */
export const placeName = (cwd: string, file: string): string =>
  isAbsolute(file) ? file : `${cwd}${sep}${file}`;

/**
 * `dir` real, or its nearest existing parent's real path; as named when a part of it cannot be
 * looked at (EACCES: reading below it fails with its own error).
 */
function nearestReal(dir: string, real: (path: string) => string): string {
  for (let at = dir; ; at = dirname(at)) {
    try {
      return real(at);
    } catch (cause) {
      const code = (cause as { code?: unknown }).code;
      if (dirname(at) === at || (code !== "ENOENT" && code !== "ENOTDIR")) return dir;
    }
  }
}

/**
 * The hint for a path that could not be read for ENOENT when it is a symbolic link to nothing
 * (undefined otherwise): "check the path" sent users looking at a name that is there.
 */
export function danglingHint(path: string): string | undefined {
  try {
    const target = readlinkSync(path);
    // There now: its target changed while it was read (a Kubernetes volume's update, whose
    // kubelet deletes the directory the link led into a moment before).
    if (existsSync(path)) {
      return `it is a symbolic link to ${showable(target)}, which changed while s5 read it: run again`;
    }
    return `it is a symbolic link to ${showable(target)}, which does not exist: point the link at the file, or remove it`;
  } catch {
    return undefined;
  }
}
