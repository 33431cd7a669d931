// makeDirs: `mkdir -p` one level at a time, which cannot loop where Node's recursive mkdirSync
// does (/proc); the hang itself is tested with the built CLI in test/cli/proc-paths.test.ts.
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeDirs } from "../src/make-dirs.ts";

describe("makeDirs", () => {
  it("makes every missing level with the mode, and leaves one that exists", () => {
    const base = mkdtempSync(join(tmpdir(), "s5-make-dirs-"));
    const dir = join(base, "a", "b", "c");
    makeDirs(dir, 0o700);
    for (const level of [join(base, "a"), join(base, "a", "b"), dir]) {
      expect(statSync(level).mode & 0o077).toBe(0);
    }
    makeDirs(dir, 0o700);
    expect(existsSync(dir)).toBe(true);
  });

  it("throws Node's error for the level that cannot be made", () => {
    const base = mkdtempSync(join(tmpdir(), "s5-make-dirs-"));
    writeFileSync(join(base, "file"), "");
    expect(() => makeDirs(join(base, "file", "x", "y"))).toThrow(
      expect.objectContaining({ code: "ENOTDIR", path: join(base, "file", "x", "y") }),
    );
  });

  it.skipIf(!existsSync("/proc/self"))("fails once under /proc, naming the level", () => {
    expect(() => makeDirs("/proc/nonexistent/x/y")).toThrow(
      expect.objectContaining({ code: "ENOENT", path: "/proc/nonexistent" }),
    );
  });
});
