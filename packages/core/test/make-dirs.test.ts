// makeDirs: `mkdir -p` one level at a time, which cannot loop where Node's recursive mkdirSync
// does (/proc); the hang itself is tested with the built CLI in test/cli/proc-paths.test.ts.
import { spawnSync } from "node:child_process";
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

  // Another process makes a level between this one's look and its mkdir: as good as made here.
  // The race is made certain in a child whose statSync makes the level as it answers ENOENT.
  it("takes a level made meanwhile by another process", () => {
    const base = mkdtempSync(join(tmpdir(), "s5-make-dirs-"));
    const dir = join(base, "a", "b");
    const source = new URL("../src/make-dirs.ts", import.meta.url).pathname;
    const script = `
      const fs = process.getBuiltinModule("node:fs");
      const stat = fs.statSync;
      fs.statSync = (path) => {
        try { return stat(path); } catch (error) { fs.mkdirSync(path, { recursive: true }); throw error; }
      };
      import(${JSON.stringify(source)}).then((m) => m.makeDirs(${JSON.stringify(dir)}));`;
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(statSync(dir).isDirectory()).toBe(true);
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
