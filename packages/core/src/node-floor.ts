/**
 * The oldest Node s5 runs on. 22.13 is the first 22.x that can leave the environment out of a
 * diagnostic report (`process.report.excludeEnv`, `--report-exclude-env`): on 22.12, a report
 * (a `--report-on-signal` flag, the program's own `process.report.writeReport()`) wrote the
 * decrypted values and credentials into a file others may read. It is also the first that loads
 * `require("s5/config")` without an ExperimentalWarning. Keep in step with every package.json's
 * `engines` and the check of packages/cli/bin/s5.cjs (which cannot import this module).
 */
import { ConfigError } from "./errors.ts";

export const NODE_FLOOR = "22.13";

/** Throws when `version` (default: this Node's) is older than {@link NODE_FLOOR}. */
export function refuseOldNode(version: string = process.versions.node): void {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const [floorMajor = 0, floorMinor = 0] = NODE_FLOOR.split(".").map(Number);
  if (major > floorMajor || (major === floorMajor && minor >= floorMinor)) return;
  throw new ConfigError(
    "S5_CONFIG_NODE_VERSION",
    `s5 needs Node >= ${NODE_FLOOR}, and this is Node ${version}: an older Node writes decrypted values into diagnostic reports; nothing was decrypted`,
    { hint: `upgrade Node to ${NODE_FLOOR} or newer (the 22 LTS line, or 24 LTS)` },
  );
}
