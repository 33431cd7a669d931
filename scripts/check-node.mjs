// Runs before `npm install`. s5 runs on Node >= 22.13, and its build and tests need ^22.19, ^24.11
// or >= 26 (CI: Node 24 LTS). On any other Node (this machine kind ships Node 20) it fetches Node 24
// from the npm registry into the git-ignored .cache/node once — the same as `source .ci/node-env` —
// and every npm script of this repository then runs on it (scripts/with-node.mjs): the quick start
// works as written.
import {
  fetchNode,
  NODE_DIR,
  NODE_VERSION,
  needsOwnNode,
  nodeBin,
  ownNodeReason,
} from "./node-version.mjs";

if (needsOwnNode()) {
  const { existsSync } = await import("node:fs");
  if (!existsSync(nodeBin)) {
    console.error(
      `[s5] ${ownNodeReason()}: fetching Node ${NODE_VERSION} into .cache/node for this repository's scripts`,
    );
    try {
      await fetchNode(NODE_VERSION, NODE_DIR);
    } catch (error) {
      console.error(
        `[s5] could not fetch Node ${NODE_VERSION} (${error.message.split("\n")[0]}).\n` +
          "Install Node 24 LTS (or >= 22.13), then run the command again.",
      );
      process.exit(1);
    }
  }
}
