/**
 * A symbolic link that takes a file into another project than the one it sits in. A file's
 * project is found above its real place (real-place.ts), so a link chooses the keys and settings
 * that read and seal it. A link committed to repository A (`app/leak.yml -> ../b/prod.yml`, or
 * an absolute path to another checkout) made `s5 render app/leak.yml` decrypt repository B's
 * secrets into A's output, where before A's keys failed on them (S5_KEY_LOCAL_UNKNOWN); one into
 * another user's directory handed that user's `.s5.json` — its recipients, its Vault transit
 * key — the teammate's seal and credentials, with no more than a first-use warning. Such a link is
 * followed only within its own git repository and its owner's files; a file named by its real path
 * is the user's own choice and is not judged.
 */
import { ConfigError } from "./errors.ts";
import { showable } from "./hidden.ts";
import { repositoryOf, workTreeOf } from "./repository.ts";

// Not `import … from "node:fs"`: its ESM facade costs milliseconds at every application start.
const { lstatSync, realpathSync, statSync } = process.getBuiltinModule("node:fs");
const { basename, dirname, join, sep } = process.getBuiltinModule("node:path");

/**
 * The nearest `.s5.json` in `dir` or above it (as named), unchecked; undefined for none. A link
 * to nothing is one (reading it fails, naming it): taken for none, as `existsSync` does, a
 * committed `.s5.json -> cfg/missing.json` sent every new value of the project to the parent
 * project's keys, or to Vault's `transit/default`, with no word.
 */
export function nearestProjectFile(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, ".s5.json");
    if (present(candidate)) return candidate;
    if (dirname(at) === at) return undefined;
  }
}

/** Whether `path` is there as a name (a link to nothing too); not where it cannot be looked at. */
function present(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // EACCES, ENOTDIR: as existsSync
  }
}

/**
 * Throws when a symbolic link on the way to `file` (in `from` — the file, or its directory — or
 * above it, as named) takes it into the project of `realDir`, and that project is not the link's
 * own and lies out of the link's git repository, or belongs to another user than the link's
 * project (neither this user nor root). A real place in no project is read with the working
 * directory's, as any file outside a project is: nothing to refuse.
 */
export function checkLinkCrossing(
  file: string,
  from: string,
  realDir: string,
  use: PlaceUse = "read",
): void {
  const target = nearestProjectFile(realDir);
  if (target === undefined) return;
  for (let at = from; ; at = dirname(at)) {
    if (isLink(at)) {
      const refusal = refusalOf(file, at, target, use);
      if (refusal) throw refusal;
    }
    if (dirname(at) === at) return;
  }
}

/** Whether `path` is a symbolic link; a path that cannot be looked at (EACCES) is read as named. */
export function isLink(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  } catch {
    return false; // reading it fails with its own error (S5_INPUT and its hint)
  }
}

/**
 * What a file's place is judged for: `read` (its project's keys read and seal it), or `write` (an
 * output named by `-o`: a committed `out.yml -> ../b/prod.yml` made `s5 render -o out.yml` write
 * this project's plaintext over another repository's file).
 */
export type PlaceUse = "read" | "write";

/** Why `link`, on the way to `path`, may not lead into `target`'s project (undefined: it may). */
function refusalOf(
  path: string,
  link: string,
  target: string,
  use: PlaceUse,
): ConfigError | undefined {
  let holder: string;
  try {
    holder = realpathSync.native(dirname(link));
  } catch {
    return undefined; // the path fails to read with its own error
  }
  const own = nearestProjectFile(holder);
  if (own !== undefined && realpathSync.native(own) === realpathSync.native(target)) {
    return undefined;
  }
  const crossed = crossing(holder, own ?? holder, target);
  return crossed ? refused(path, link, target, crossed, nestedIn(holder, target), use) : undefined;
}

/**
 * What a link in the directory `holder` (whose project, or itself, `home` is) leads into at
 * `target`, when that is refused: another user's file (neither this user, root nor `home`'s
 * owner), or a place out of `holder`'s git repository. Undefined: allowed.
 */
function crossing(holder: string, home: string, target: string): string | undefined {
  const me = process.getuid?.();
  const owner = statSync(target).uid;
  if (me !== undefined && owner !== me && owner !== 0 && owner !== statSync(home).uid) {
    return `another user's project (uid ${owner})`;
  }
  const repository = repositoryOf(holder);
  if (repository !== undefined && repositoryOf(dirname(target)) !== repository) {
    return "a project out of its git repository";
  }
  return undefined;
}

/**
 * Throws when the project config `file` found upward is a symbolic link into another user's
 * file or out of its git repository (see {@link crossing}): a committed `.s5.json ->
 * /tmp/evil/.s5.json` made the project's every seal go to that user's key — silently once this
 * machine had trusted it anywhere, as the record of known keys knows a config by its real path.
 * A link within the repository (`.s5.json -> config/s5.json`) is used.
 */
export function checkLinkedProjectFile(file: string): void {
  if (!isLink(file)) return;
  let real: string;
  try {
    real = realpathSync.native(file);
  } catch {
    return; // reading it fails with its own error
  }
  const holder = dirname(file);
  const crossed = crossing(holder, holder, real);
  if (!crossed) return;
  throw new ConfigError(
    "S5_CONFIG_UNSAFE",
    `${showable(file)} is a symbolic link into ${crossed}, ${showable(real)}: s5 will not take it as the project config`,
    {
      hint: `it decides whom new secrets are encrypted to: make the project's own .s5.json a file, or, if you trust that one, name it: ${nameConfig(real)}`,
    },
  );
}

/**
 * Whether `target` is in a repository of its own inside the work tree of `holder`'s: a nested
 * clone, or a submodule whose git directory is its own `.git` (made by `git submodule add` of an
 * existing clone, or by an old git); absorbed into the superproject's `.git/modules/`, a
 * submodule counts as its repository.
 */
function nestedIn(holder: string, target: string): boolean {
  const outer = workTreeOf(holder);
  const inner = workTreeOf(dirname(target));
  if (outer === undefined || inner === undefined || inner === outer) return false;
  const real = (dir: string) => {
    try {
      return realpathSync.native(dir);
    } catch {
      return dir;
    }
  };
  return real(inner).startsWith(`${real(outer)}${sep}`);
}

function refused(
  path: string,
  link: string,
  target: string,
  what: string,
  nested: boolean,
  use: PlaceUse,
): ConfigError {
  const through =
    link === path
      ? `${showable(path)} is a symbolic link into`
      : `${showable(path)}: the symbolic link ${showable(link)} on its way leads into`;
  if (use === "write") {
    return new ConfigError(
      "S5_CONFIG_UNSAFE",
      `${through} ${what}, ${showable(target)}: s5 will not write its output there`,
      {
        hint: `a link committed to a repository could make s5 write this project's plaintext, or tokens of its keys, over another project's file; if you mean to write there, name the real path (${showable(realPlace(path))})`,
      },
    );
  }
  return new ConfigError(
    "S5_CONFIG_UNSAFE",
    `${through} ${what}, ${showable(target)}: s5 will not read or seal it with that project's keys and settings`,
    {
      hint:
        "a link committed to a repository could make s5 decrypt another project's secrets here, or seal to keys someone else chose; " +
        `if you mean that project, name the file by its real path (${showable(realPlace(path))}), or name its config: ${nameConfig(target)}` +
        (nested
          ? "; if it is a submodule with its own .git directory, `git submodule absorbgitdirs` makes it part of this repository"
          : ""),
    },
  );
}

/** The ways to name a project config, for a hint: the CLI's option, and the loader's variable. */
const nameConfig = (file: string) =>
  `--config ${showable(file)} (S5_CONFIG=${showable(file)} for s5/config)`;

/** `path` real; a name that does not exist yet in its real directory (an output to create). */
const realPlace = (path: string) => {
  try {
    return realpathSync.native(path);
  } catch {
    try {
      return join(realpathSync.native(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
};
