/**
 * Renders files each with its own project's keys (see file-project.ts), all or nothing: `s5
 * render` and `s5 run --render` share it, so a file renders the same in both.
 */
import {
  createBackends,
  type Overrides,
  type RenderOptions,
  renderSources,
  type Settings,
  type Source,
  type Spliced,
  type TokenFailure,
  TokenFailures,
} from "@s5/core";
import { groupByProject } from "./file-project.ts";

/**
 * `sources[i]` rendered, read as file `files[i]` (`-` for stdin). Every project's failed tokens
 * are thrown together (TokenFailures): nothing comes back unless all rendered.
 */
export async function renderFiles(
  files: readonly string[],
  sources: readonly Source<Uint8Array>[],
  overrides: Overrides,
  settings: Settings,
  options: RenderOptions,
): Promise<Spliced[]> {
  const groups = groupByProject(files, overrides, settings);
  const outputs: Spliced[] = [];
  const failures: TokenFailure[] = [];
  for (const group of groups) {
    const own = group.project === settings.project?.file;
    await using backends = createBackends(own ? settings : group.read());
    try {
      const rendered = await renderSources(
        group.indexes.map((i) => sources[i]!),
        backends,
        options,
      );
      for (const [k, i] of group.indexes.entries()) outputs[i] = rendered[k]!;
    } catch (error) {
      if (!(error instanceof TokenFailures) || groups.length === 1) throw error;
      failures.push(...error.failures);
    }
  }
  if (failures.length > 0) throw new TokenFailures(failures);
  return outputs;
}
