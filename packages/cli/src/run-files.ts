/**
 * `s5 run --render FILE`: each FILE rendered into a private directory, and its path put in
 * COMMAND's arguments where `{}` (one FILE) or `{FILE}` stands. A file, not a FIFO: Node cannot
 * make one without the `mkfifo` program, and a tool that reads its input twice or looks at its
 * size (helm reads values files with os.ReadFile after a stat) would get nothing the second time.
 */
import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { ExitCode, S5Error, type Spliced } from "@s5/core";
import { writePrivate } from "./private-dir.ts";

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `{}` and `{FILE}` for each rendered FILE, matched as written: a name may hold braces itself
 * (`a{b}.yml`). Longer names first, so that of two names where one begins the other, each
 * `{FILE}` is the one it spells.
 */
function placeholders(files: Iterable<string>): RegExp {
  const names = [...files].sort((a, b) => b.length - a.length);
  return new RegExp([...names.map((name) => escaped(`{${name}}`)), "\\{\\}"].join("|"), "g");
}

/**
 * COMMAND's arguments with `{}` and `{FILE}` replaced by `paths` (FILE as given after --render,
 * also inside a larger argument: `--values={}`). A `{…}` that names no rendered file is left as
 * it is (a shell script's `${x}`, find's own `{}` when nothing is rendered). Refused: `{}` with
 * several files (which one?), and a rendered file no argument names (COMMAND could not find it).
 */
export function fillPaths(args: readonly string[], paths: ReadonlyMap<string, string>): string[] {
  if (paths.size === 0) return [...args];
  const only = paths.size === 1 ? [...paths.values()][0] : undefined;
  const named = new Set<string>();
  const pattern = placeholders(paths.keys());
  const filled = args.map((arg) =>
    arg.replace(pattern, (whole) => {
      const name = whole.slice(1, -1);
      if (name === "") {
        if (only === undefined) {
          throw new S5Error(
            "S5_RUN_PLACEHOLDER",
            ExitCode.usage,
            `\`{}\` in the command names no one file: ${paths.size} files are rendered; nothing was started`,
            {
              hint: `name each by the path given to --render: ${[...paths.keys()].map((file) => `{${file}}`).join(", ")}`,
            },
          );
        }
        named.add([...paths.keys()][0]!);
        return only;
      }
      named.add(name);
      return paths.get(name)!;
    }),
  );
  const unnamed = [...paths.keys()].filter((file) => !named.has(file));
  if (unnamed.length > 0) {
    throw new S5Error(
      "S5_RUN_PLACEHOLDER",
      ExitCode.usage,
      `no argument of the command names the rendered ${unnamed.map((file) => `\`${file}\``).join(", ")}; nothing was started`,
      {
        hint:
          paths.size === 1
            ? "put `{}` where the command takes the file: `s5 run --render values.yml -- helm upgrade app ./chart -f {}`"
            : `put \`{FILE}\` where the command takes each file: ${unnamed.map((file) => `{${file}}`).join(", ")}`,
      },
    );
  }
  return filled;
}

/**
 * Where each file is written in `dir`: under its own base name (a tool may judge a file by its
 * extension: `-var-file x.tfvars.json`); when two share one, each file in a numbered
 * subdirectory (`1/values.yml`, `2/values.yml`, `3/2`): a file named `2` beside them would
 * otherwise be where a subdirectory goes.
 */
export function renderedPaths(dir: string, files: readonly string[]): Map<string, string> {
  const names = new Set(files.map((file) => basename(file)));
  const numbered = names.size < files.length;
  return new Map(
    files.map((file, i) => [
      file,
      numbered ? join(dir, String(i + 1), basename(file)) : join(dir, basename(file)),
    ]),
  );
}

/** Writes `outputs[i]` (0600) at the path of `files[i]`; the directory is private (0700). */
export function writeRendered(
  paths: ReadonlyMap<string, string>,
  files: readonly string[],
  outputs: readonly Spliced[],
): void {
  for (const [i, file] of files.entries()) {
    const path = paths.get(file)!;
    mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
    writePrivate(path, outputs[i]!.chunks(), `the rendered ${file}`, "nothing was started");
  }
}
