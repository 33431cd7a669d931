// turbo serves a package's dist from its cache when the hash of the build's inputs is unchanged.
// A file the build reads that is not among those inputs can be edited without turbo noticing: the
// next `turbo run build` (and the tests and the bench after it) ran the old dist. That happened
// with packages/cli/build/engine.ts, which writes dist/engine.js. This test follows each
// package's tsdown.config.ts through its relative imports and requires every file it reaches to
// be a build input (the package's own files) or a global dependency (the repository's).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const turbo = JSON.parse(readFileSync(join(root, "turbo.json"), "utf8")) as {
  globalDependencies: string[];
  tasks: { build: { inputs: string[] } };
};

/** turbo's globs as this repository writes them: `dir/**` or a plain path. */
function matches(glob: string, path: string): boolean {
  if (glob.endsWith("/**")) return path.startsWith(glob.slice(0, -2));
  if (/[*?[{]/.test(glob)) throw new Error(`turbo-inputs.test.ts cannot read the glob ${glob}`);
  return path === glob;
}

/** The files a build script reaches through relative imports, itself included. */
function reached(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  for (const [, specifier] of text.matchAll(/\bfrom\s+"(\.{1,2}\/[^"]+)"/g)) {
    const target = resolve(dirname(file), specifier!);
    if (existsSync(target)) reached(target, seen);
  }
  return seen;
}

const packages = readdirSync(join(root, "packages")).filter((name) =>
  existsSync(join(root, "packages", name, "tsdown.config.ts")),
);

describe("turbo's build inputs", () => {
  it.each(packages)("cover every file the build of packages/%s reads", (name) => {
    const dir = join(root, "packages", name);
    const missing: string[] = [];
    for (const file of reached(join(dir, "tsdown.config.ts"))) {
      const inPackage = relative(dir, file);
      const inRepo = relative(root, file);
      const covered = inPackage.startsWith("..")
        ? turbo.globalDependencies.some((glob) => matches(glob, inRepo))
        : turbo.tasks.build.inputs.some((glob) => matches(glob, inPackage));
      if (!covered) missing.push(inRepo);
    }
    expect(missing).toEqual([]);
  });
});
