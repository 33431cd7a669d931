/** File-system helpers for the safety tests: read-only places that stay read-only for root too. */
import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";

export const isRoot = process.getuid?.() === 0;

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr}`);
}

/**
 * Makes a directory where nobody can create a file, root included (root ignores mode bits, so as
 * root the immutable attribute is used). Returns the undo.
 */
export function lockDirectory(dir: string): () => void {
  if (isRoot) {
    run("chattr", ["+i", dir]);
    return () => run("chattr", ["-i", dir]);
  }
  chmodSync(dir, 0o555);
  return () => chmodSync(dir, 0o755);
}

/**
 * Makes renaming over `file` fail (EBUSY) while everything before the rename still works: a bind
 * mount over it. Only root can mount; returns undefined elsewhere.
 */
export function pinFile(file: string, over: string): (() => void) | undefined {
  if (!isRoot) return undefined;
  run("mount", ["--bind", over, file]);
  return () => run("umount", [file]);
}
