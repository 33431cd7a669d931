/**
 * Which project a file belongs to. Settings are found from the working directory, but a file in a
 * subdirectory with its own `.s5.json` (a monorepo's package, another team's directory) belongs
 * to that project: `s5 seal -i sub/x.yml` run from the top sealed to the top project's key,
 * silently, and the sub-project's recipients could not read the value (its own CI failed at
 * render); `s5 render -i apps/*\/values.yml` from the top failed on every sub-project's token
 * (S5_KEY_LOCAL_UNKNOWN). `s5 check` already reads each file with its own project's keys.
 */
import { type Overrides, projectOfDir, resolveSettings, type Settings } from "@s5/core";
import { realDirectoryOf } from "@s5/core/internal";
import { decidedFrom } from "./read-place.ts";

/** Files of one project: their indexes in the list given, and how to read its settings. */
export interface ProjectGroup {
  /** The project's `.s5.json`, or undefined for none. */
  project: string | undefined;
  /** The first file of the group, for messages. */
  first: string;
  indexes: number[];
  /** Its settings, read again on each call (after a rotation, a login). */
  read: () => Settings;
}

/**
 * `files` by their project (core's `projectOfFile`: the nearest `.s5.json` above each file's real
 * place, links followed; the working directory's for stdin `-`, for files outside any project, and
 * for all when a config is named). `known`: real directories already found.
 */
export function groupByProject(
  files: readonly string[],
  overrides: Overrides,
  settings: Settings,
  known = new Map<string, string>(),
): ProjectGroup[] {
  const groups = new Map<string | undefined, ProjectGroup>();
  // A named config is every file's project: no link is looked at.
  const named = namesConfig(overrides, settings);
  for (const [i, file] of files.entries()) {
    const dir = file === "-" || named ? undefined : realDirectoryOf(file, known);
    // Reading it checks that what it reads is there still (a link changed meanwhile).
    if (dir !== undefined) decidedFrom(file, dir);
    const { project, read } = projectOfDir(dir, settings, { overrides });
    const group = groups.get(project);
    if (group) group.indexes.push(i);
    else groups.set(project, { project, first: file, indexes: [i], read });
  }
  return [...groups.values()];
}

/** Whether a config is named (`--config`, `S5_CONFIG`): every file's project, no link looked at. */
const namesConfig = (overrides: Overrides, settings: Settings) =>
  overrides.configFile !== undefined || settings.env.S5_CONFIG !== undefined;

/** One project's files of a run that seals, and the settings to seal them with. */
export interface SealingProject {
  /** Indexes of its files in the list given. */
  indexes: number[];
  settings: Settings;
  /** Its settings read again (after a rotation, a login). */
  fresh: () => Settings;
}

/**
 * The projects to seal `files` with, each file with its own (as {@link groupByProject}), in the
 * order of their first file. The working directory's project keeps the settings read for it.
 */
export function projectsForFiles(files: readonly string[], overrides: Overrides): SealingProject[] {
  const settings = resolveSettings({ overrides });
  return groupByProject(files, overrides, settings).map((group) =>
    group.project === settings.project?.file
      ? { indexes: group.indexes, settings, fresh: () => resolveSettings({ overrides }) }
      : { indexes: group.indexes, settings: group.read(), fresh: group.read },
  );
}

/**
 * Each file's project's settings, one file at a time (a walk that does not list its files first,
 * `s5 ls`): read once per project, and looked up once per real directory (a walk of 20,000 files
 * looked for `.s5.json` in every directory above each file: 120,000 `stat`s). The same rules as
 * {@link groupByProject}; a directory costs one `realpath`, a file named (maybe a link) one
 * `lstat`, a file a walk found (`walked`: no link) none.
 */
export function settingsPerFile(
  overrides: Overrides,
  settings: Settings,
): (file: string, walked?: boolean) => Settings {
  const read = new Map<string | undefined, Settings>([[settings.project?.file, settings]]);
  const known = new Map<string, string>();
  const byDir = new Map<string, Settings>();
  const named = namesConfig(overrides, settings);
  return (file, walked = false) => {
    const dir = file === "-" || named ? undefined : realDirectoryOf(file, known, !walked);
    const cached = dir === undefined ? undefined : byDir.get(dir);
    if (cached) return cached;
    const { project, read: readIt } = projectOfDir(dir, settings, { overrides });
    let found = read.get(project);
    if (!found) {
      found = readIt();
      read.set(project, found);
    }
    if (dir !== undefined) byDir.set(dir, found);
    return found;
  };
}
