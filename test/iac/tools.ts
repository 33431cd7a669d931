// Where scripts/build-tofu.sh and scripts/build-pulumi.sh put the real tools: a cache outside the
// clone (so CI on the same machine reuses it), `$S5_TOOLS_CACHE` or `~/.cache/s5-tools`.
import { homedir } from "node:os";
import { join } from "node:path";
import { it } from "vitest";

export const toolsDir =
  process.env.S5_TOOLS_CACHE ||
  join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "s5-tools");

/** With S5_REQUIRE_IAC_TOOLS=1 (set by .ci/run after building them), a missing tool fails the suite. */
export function missingTool(message: string): void {
  process.stderr.write(`[iac] SKIPPED ${message}\n`);
  if (process.env.S5_REQUIRE_IAC_TOOLS === "1") {
    it(`has the real tool (S5_REQUIRE_IAC_TOOLS=1): ${message}`, () => {
      throw new Error(message);
    });
  }
}
