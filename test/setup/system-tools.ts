// Tests that drive a system tool (strace, a FUSE mount) run where it is; in CI
// (`S5_REQUIRE_SYSTEM_TOOLS=1`, set by .ci/run, which installs the tools) they run anyway and fail
// when it is missing, instead of being skipped: a security claim without its test is no claim.
export const requireSystemTools = process.env.S5_REQUIRE_SYSTEM_TOOLS === "1";

/** Whether to run a test that needs what `available` says is here. */
export function canRun(available: boolean): boolean {
  return available || requireSystemTools;
}
