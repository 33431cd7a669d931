import { spawnSync } from "node:child_process";
// Tests that drive a system tool (strace, a FUSE mount) run where it is; in CI
// (`S5_REQUIRE_SYSTEM_TOOLS=1`, set by .ci/run, which installs the tools) they run anyway and fail
// when it is missing, instead of being skipped: a security claim without its test is no claim.
export const requireSystemTools = process.env.S5_REQUIRE_SYSTEM_TOOLS === "1";

/** Whether to run a test that needs what `available` says is here. */
export function canRun(available: boolean): boolean {
  return available || requireSystemTools;
}

/** A user id that is not the test's: files and processes of "another user" (needs root). */
export const OTHER_UID = 65534;
export const asRoot = process.platform === "linux" && process.getuid?.() === 0;
/** Root, a mount namespace of one's own (util-linux's unshare) and setpriv to be another user. */
export const canUnshare =
  asRoot &&
  spawnSync("unshare", ["-m", "--propagation", "private", "true"]).status === 0 &&
  spawnSync("setpriv", ["--version"]).status === 0;
