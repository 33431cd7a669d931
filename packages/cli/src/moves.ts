/**
 * Tokens moved since a commit, for `s5 check --base REF`: a token taken from one place to another
 * (the production password into a ConfigMap or a variable a test prints, two environments' tokens
 * swapped) decrypts at its new place to its old place's value, and a reviewer of opaque tokens
 * sees only a changed token. Core finds them (`comparePlaces`), and the project config changes
 * that redirect new values (`configChanges`); this reads the earlier files from git and reports
 * each as a warning on the line it is about now, naming where it stood.
 */

import { readFileSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, relative, resolve } from "node:path";
import type { BackendName } from "@s5/core";
import { type FoundTokens, findProjectFile, formatLocation, PROJECT_FILE } from "@s5/core";
import type { EarlierFile } from "@s5/core/internal";
import { comparePlaces, configChanges, LineIndex, showable } from "@s5/core/internal";
import { ignoredLine } from "./copies.ts";
import { type BaseFiles, holdsFiles, stagedProject } from "./git-base.ts";
import type { Problem } from "./sarif.ts";

/** A checked file with its tokens (check.ts's `Checked`). */
interface Source {
  file: string;
  found: FoundTokens;
  content: Buffer;
}

/** How a backend is named in a warning. */
const BACKEND_WORDS: Record<BackendName, string> = {
  local: "a local-key token",
  vault: "a Vault transit token",
  aes: "an AES token",
};

/**
 * One warning per token of `sources` that stood elsewhere at `base`'s commit (S5_CHECK_MOVED), and
 * per new token at a place that held one of another backend there (S5_CHECK_BACKEND).
 */
export function findPlaceChanges(
  sources: readonly Source[],
  configs: readonly { file: string; content: Buffer }[],
  base: BaseFiles,
  staged: boolean,
  goToolBackend: BackendName | undefined,
  placeOf: (file: string) => string,
): Problem[] {
  const { earlier, changed, label, note, links } = base;
  if (note) process.stderr.write(`note: ${note}\n`);
  const problems = [
    ...projectChanges(configs, earlier, changed, label),
    ...removedProjects(configs, earlier, label, links, staged),
  ];
  const current = sources
    .filter(({ file }) => changed.has(placeOf(file)))
    .map(({ file, found, content }) => ({ name: placeOf(file), content, found, file }));
  const seen = new Map<string, Map<number, boolean>>();
  for (const change of comparePlaces(earlier, current, goToolBackend)) {
    const { file, token, from } = change;
    const source = current[file]!;
    const location = source.found.lines.locate(token.start);
    let lines = seen.get(source.file);
    if (!lines) {
      lines = new Map();
      seen.set(source.file, lines);
    }
    if (ignoredLine(source.content, token.start, location.line, lines)) continue;
    const at = `${formatLocation(from)} at ${label}`;
    problems.push(
      change.kind === "moved"
        ? {
            location,
            message: `this token stood at ${at}: moved, it decrypts here to the value it had there, which a review of tokens cannot see; if the move is meant, mark the line s5:ignore`,
            code: "S5_CHECK_MOVED",
            warning: true,
          }
        : {
            location,
            message: `this place held ${BACKEND_WORDS[change.was]} (${at}) and holds ${BACKEND_WORDS[token.info.backend]} now: who may read its value changed; if that is meant, mark the line s5:ignore`,
            code: "S5_CHECK_BACKEND",
            warning: true,
          },
    );
  }
  return problems;
}

/**
 * One warning (S5_CHECK_CONFIG) per change since `ref` to a project config among the files checked
 * that changes where new values go or who may read them (core's `configChanges`), at its member.
 */
function projectChanges(
  configs: readonly { file: string; content: Buffer }[],
  earlier: readonly EarlierFile[],
  changed: ReadonlySet<string>,
  label: string,
): Problem[] {
  const problems: Problem[] = [];
  for (const { file, content } of configs) {
    const path = resolve(file);
    if (!changed.has(path)) continue;
    const before = earlier.find((then) => then.now === path);
    const text = content.toString("utf8");
    const lines = new LineIndex(file, text);
    for (const change of configChanges(
      before && Buffer.from(before.content).toString("utf8"),
      text,
    )) {
      problems.push({
        location: lines.locate(change.offset),
        message: `${change.message} (changed since ${label})`,
        code: "S5_CHECK_CONFIG",
        warning: true,
      });
    }
  }
  return problems;
}

/**
 * One warning (S5_CHECK_CONFIG) per change of settings that a project config of `ref` gone from
 * its directory since (deleted, or moved elsewhere) makes: the files of that directory now take
 * the settings of the next `.s5.json` above, or of none — a pull request that deletes a
 * sub-project's config sends its new values to the parent project's keys. The same for one
 * replaced by a symbolic link (`links`), which s5 follows: it reads the settings it points at.
 * A directory that holds no file now (the sub-project deleted or moved whole) has none to say.
 * Said at the removed file's first line.
 */
function removedProjects(
  configs: readonly { file: string; content: Buffer }[],
  earlier: readonly EarlierFile[],
  label: string,
  links: ReadonlySet<string>,
  staged: boolean,
): Problem[] {
  const problems: Problem[] = [];
  for (const then of earlier) {
    if (basename(then.name) !== PROJECT_FILE) continue;
    const path = resolve(then.name);
    const link = links.has(path);
    if (then.now === path && !link) continue; // changed in place: compared above
    if (!holdsFiles(dirname(path), staged)) continue;
    const next = link ? { file: path } : configAbove(dirname(dirname(path)), staged);
    const text =
      next &&
      // --staged: a config the index holds comes with its content, a link is read where it leads.
      (next.content?.toString("utf8") ?? contentOf(next.file, link || staged ? [] : configs));
    if (next && text === undefined) continue; // unreadable: reported where it is read
    const gone = link
      ? `a symbolic link since ${label} (to ${linkTarget(path)})`
      : `gone since ${label} (${then.now ? `moved to ${relative(process.cwd(), then.now)}` : "deleted"})`;
    const settingsOf = next && (link ? realpathSync(next.file) : next.file);
    const now = settingsOf
      ? `the settings of ${relative(process.cwd(), settingsOf)}`
      : "no project config";
    for (const change of configChanges(Buffer.from(then.content).toString("utf8"), text ?? "{}")) {
      problems.push({
        location: { file: then.name, line: 1, column: 1 },
        message: `this project config is ${gone}: the files of its directory now take ${now}, so ${change.message.replace(/^a new project config: /, "")}`,
        code: "S5_CHECK_CONFIG",
        warning: true,
      });
    }
  }
  return problems;
}

/** Where a link points, as written (shown escaped: a name may hold anything). */
function linkTarget(path: string): string {
  try {
    return showable(readlinkSync(path));
  } catch {
    return "?";
  }
}

/** The `.s5.json` s5 now finds from `dir` upward; none when there is none or it is refused. */
function nextProject(dir: string): string | undefined {
  try {
    return findProjectFile(dir);
  } catch {
    return undefined; // another user's in a directory others can write: s5 refuses it
  }
}

/**
 * The `.s5.json` s5 finds from `dir` upward for what is checked: with `staged`, the one the index
 * holds, with its staged content (none there: on disk above the work tree); else on disk.
 */
function configAbove(
  dir: string,
  staged: boolean,
): { file: string; content?: Buffer | undefined } | undefined {
  const found = staged ? stagedProject(dir) : { above: dir };
  if (!("above" in found)) return found;
  const file = nextProject(found.above);
  return file === undefined ? undefined : { file };
}

/** A config's text as checked, else as on disk; undefined if unreadable. */
function contentOf(
  file: string,
  configs: readonly { file: string; content: Buffer }[],
): string | undefined {
  const checked = configs.find((config) => resolve(config.file) === file);
  if (checked) return checked.content.toString("utf8");
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
