/** The `allowClient` option as a file matcher. */
import { isAbsolute } from "node:path";
import picomatch from "picomatch";

/**
 * Compiled matchers, shared by the plugin instances of one process: a build with a client and a
 * server environment (or a watch session) makes one instance per build, all with the same globs.
 */
const matchers = new Map<string, (file: string) => boolean>();

/** Matches absolute file paths against globs relative to `root` (or absolute, or `**`-led). */
export function allowMatcher(globs: readonly string[], root: string): (file: string) => boolean {
  if (globs.length === 0) return () => false;
  const key = JSON.stringify([root, globs]);
  let matcher = matchers.get(key);
  if (!matcher) {
    matcher = picomatch(
      globs.map((glob) => (isAbsolute(glob) || glob.startsWith("**") ? glob : `${root}/${glob}`)),
      { dot: true },
    );
    matchers.set(key, matcher);
  }
  return matcher;
}
