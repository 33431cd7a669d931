// Runs a command with a Node that can build and test s5 first on PATH: `node scripts/with-node.mjs
// CMD ARGS…`. On another Node (`needsOwnNode`) it puts .cache/node/bin (see check-node.mjs) first,
// so turbo, tsdown, vitest and the demo run on Node 24 even when npm itself runs on Node 20.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { needsOwnNode, nodeBin, ownNodeReason } from "./node-version.mjs";

const [command, ...args] = process.argv.slice(2);
const env = { ...process.env };
if (needsOwnNode()) {
  if (!existsSync(nodeBin)) {
    console.error(`[s5] ${ownNodeReason()}: run \`npm install\` first (it fetches Node 24)`);
    process.exit(1);
  }
  // No empty entry: one (a PATH that was unset or empty) means the working directory, where a
  // checkout's own `turbo` or `node` would run in place of the real one.
  env.PATH = [dirname(nodeBin), ...(env.PATH ?? "").split(":").filter(Boolean)].join(":");
}
const result = spawnSync(command, args, { stdio: "inherit", env });
if (result.error) {
  console.error(`[s5] ${command} could not be run (${result.error.code ?? result.error.message})`);
  console.error("  hint: run npm install first, and run this through npm (npm run …)");
}
process.exit(result.status ?? 1);
