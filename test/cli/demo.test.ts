// The README's first quick-start command runs the demo; it must keep working.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("npm run demo encrypts the sample Secret and renders it back", () => {
  const script = fileURLToPath(new URL("../../scripts/demo.mjs", import.meta.url));
  const result = spawnSync(process.execPath, [script], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout).toContain("Demo complete");
  expect(result.stdout).not.toContain("FAIL");
});
