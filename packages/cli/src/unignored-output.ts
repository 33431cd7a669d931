/**
 * `s5 render -o FILE` writes values in clear. Inside a git work tree, a FILE that git does not
 * ignore is one `git add -A` away from a commit, and the pre-commit hook knows such a file only
 * while it repeats a tracked file of tokens (`S5_CHECK_RENDERED`): s5 says so (a warning; the file
 * is written). No warning outside a work tree, or where git cannot be run (nothing to commit it
 * with). `node:child_process` is loaded only when git is run: with it, every render loaded `net`,
 * `dgram` and Node's streams (~12 M instructions, callgrind) before reading a file.
 */
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { withoutCredentials } from "./child-env.ts";
import { workTreeTop } from "./git-work-tree.ts";

export function warnUnignoredOutput(path: string): void {
  const absolute = resolve(path);
  // A FIFO, a device or /dev/stdout is a stream, not a file to commit.
  if (!statSync(absolute, { throwIfNoEntry: false })?.isFile()) return;
  const top = workTreeTop(dirname(absolute));
  if (top === undefined) return;
  // 0: ignored, 1: not ignored, 128 and the rest: git could not tell (not its work tree after all).
  const { spawnSync } = process.getBuiltinModule("node:child_process");
  const result = spawnSync("git", ["check-ignore", "-q", "--", absolute], {
    cwd: dirname(absolute),
    env: withoutCredentials(process.env),
    stdio: "ignore",
  });
  if (result.error || result.status !== 1) return;
  process.stderr.write(
    `s5: warning: ${path} holds decrypted values and git does not ignore it (work tree ${top}): \`git add -A\` would commit them, and the pre-commit hook knows a new file of values only while it repeats a tracked file of tokens (S5_RENDER_NOT_IGNORED)\n` +
      "  hint: add it to .gitignore, or write it outside the work tree (or to stdout)\n",
  );
}
