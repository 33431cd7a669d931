// Which Node this repository's scripts run on: the one running npm when it is >= 22.12, else the
// Node 24 that scripts/check-node.mjs put into .cache/node (Linux x64, as on CI machines).
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const NODE_VERSION = "24.21.0";
export const NODE_DIR = fileURLToPath(new URL("../.cache/node", import.meta.url));
export const nodeBin = join(NODE_DIR, "bin", "node");

export function needsNewerNode(version = process.versions.node) {
  const [major, minor] = version.split(".").map(Number);
  return major < 22 || (major === 22 && minor < 12);
}
