// takeLock against what another process puts at a lock's name while s5 waits for it. The race is
// made certain in a child whose openSync swaps the lock just before s5 opens it to read it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("takeLock", () => {
  // A held lock (a live holder: PID 1) replaced by a FIFO as s5 opens it: an open to read it
  // waited for a writer for good. Now it is refused as no lock s5 made.
  it.runIf(process.platform !== "win32")(
    "refuses a lock replaced by a FIFO while s5 waits, and does not hang on it",
    () => {
      const lock = join(mkdtempSync(join(tmpdir(), "s5-file-lock-")), ".s5.json.lock");
      writeFileSync(lock, "1.held");
      const source = new URL("../src/file-lock.ts", import.meta.url).pathname;
      const script = `
      const fs = process.getBuiltinModule("node:fs");
      const { execFileSync } = process.getBuiltinModule("node:child_process");
      const open = fs.openSync;
      let swapped = false;
      fs.openSync = (path, ...rest) => {
        if (!swapped && path === ${JSON.stringify(lock)}) {
          swapped = true;
          fs.rmSync(path);
          execFileSync("mkfifo", [path]);
        }
        return open(path, ...rest);
      };
      import(${JSON.stringify(source)}).then((m) => {
        try { m.takeLock(${JSON.stringify(lock)}, 5000); console.log("taken"); }
        catch (error) { console.log(error.code); }
      });`;
      // The timeout only ends a hang (the defect), so that the test fails instead of never ending.
      const run = spawnSync(process.execPath, ["-e", script], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(run.signal).toBeNull();
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe("ENOTLOCK\n");
    },
  );
});
