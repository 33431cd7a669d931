/**
 * Which project a file that gets new tokens belongs to. Settings are found from the working
 * directory, but a file in a subdirectory with its own `.s5.json` (a monorepo's package, another
 * team's directory) belongs to that project: `s5 seal -i sub/x.yml` run from the top sealed to the
 * top project's key, silently, and the sub-project's recipients could not read the value (its own
 * CI failed at render). `s5 check` already reads each file with its own project's keys.
 */
import { dirname, resolve } from "node:path";
import {
  findProjectFile,
  type Overrides,
  resolveSettings,
  type Settings,
  UsageError,
} from "@s5/core";

/**
 * The settings to seal into `files` with: those of their project (the nearest `.s5.json` above
 * each), or the working directory's for stdin, for files outside any project, and when a config
 * is named (`--config`, `S5_CONFIG`). Files of two projects in one run are refused: one run seals
 * with one project's keys. `fresh` reads them again (after a rotation, a login).
 */
export function settingsForFiles(
  files: readonly string[],
  overrides: Overrides,
): { settings: Settings; fresh: () => Settings } {
  const here = () => resolveSettings({ overrides });
  const settings = here();
  if (overrides.configFile !== undefined || settings.env.S5_CONFIG !== undefined) {
    return { settings, fresh: here };
  }
  const own = settings.project?.file;
  const projects = new Map<string | undefined, string>();
  for (const file of files) {
    const project = file === "-" ? own : (findProjectFile(dirname(resolve(file))) ?? own);
    if (!projects.has(project)) projects.set(project, file);
  }
  if (projects.size > 1) {
    const [[first, a], [second, b]] = [...projects] as [
      [string | undefined, string],
      [string | undefined, string],
    ];
    throw new UsageError(
      `${a} belongs to the project of ${first ?? "no .s5.json"} and ${b} to that of ${second ?? "no .s5.json"}; one run seals with one project's keys`,
      {
        hint: "seal each project's files in a run of their own (or name one config with --config)",
      },
    );
  }
  const [project] = projects.keys();
  if (project === undefined || project === own) return { settings, fresh: here };
  const fresh = () => resolveSettings({ cwd: dirname(project), overrides });
  return { settings: fresh(), fresh };
}
