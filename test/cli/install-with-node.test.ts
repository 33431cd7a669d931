// scripts/with-node.mjs puts the repository's Node 24 first on PATH when npm runs on an older
// Node. With PATH unset it made `…/node/bin:`, whose empty entry is the working directory: a
// `turbo` or `node` file in the directory it ran from (a checkout, a download) ran instead.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { cachedNode, NODE_VERSION, needsOwnNode } from "../../scripts/node-version.mjs";
import { root } from "../loader/helpers.ts";

// An older Node takes the branch that edits PATH; this machine ships one in /usr/bin.
const OLD_NODE = "/usr/bin/node";
// Where scripts/node-version.mjs keeps the Node 24 that `npm install` fetched.
const nodeBin = join(root, ".cache", "node", "bin", "node");
const oldNode =
  existsSync(OLD_NODE) &&
  existsSync(nodeBin) &&
  /^v(1\d|20|21|22\.([0-9]|1[01])\.)/.test(
    spawnSync(OLD_NODE, ["--version"], { encoding: "utf8" }).stdout ?? "",
  );

it.skipIf(!oldNode)("with-node.mjs never looks for the command in the working directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "s5-with-node-"));
  try {
    const marker = join(dir, "ran");
    const planted = join(dir, "turbo");
    writeFileSync(planted, `#!/bin/sh\necho planted > "${marker}"\n`);
    chmodSync(planted, 0o755);
    const out = spawnSync(OLD_NODE, [join(root, "scripts/with-node.mjs"), "turbo", "--version"], {
      cwd: dir,
      env: { HOME: dir },
      encoding: "utf8",
    });
    expect(existsSync(marker)).toBe(false);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("[s5] turbo could not be run (ENOENT)");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The packages run on 22.13, but tsdown needs ^22.18 || ^24.11 and the controller 22.19: on the
// floor Node the repository's scripts must still run on the Node 24 of .cache/node.
const FLOOR = "22.13.0";

it("needsOwnNode names the Nodes the build and tests cannot run on", () => {
  for (const version of ["20.19.0", "22.13.0", "22.18.1", "23.11.0", "24.10.0", "25.2.0"])
    expect(needsOwnNode(version), version).toBe(true);
  for (const version of ["22.19.0", "22.22.0", "24.11.0", "24.21.0", "26.0.0"])
    expect(needsOwnNode(version), version).toBe(false);
});

it.skipIf(!existsSync(nodeBin))(
  `on Node ${FLOOR} the scripts run on the repository's Node 24`,
  async () => {
    const floor = await cachedNode(FLOOR, join(root, ".cache", `node-${FLOOR}`));
    const out = spawnSync(floor, [join(root, "scripts/with-node.mjs"), "node", "--version"], {
      cwd: root,
      env: { PATH: "/usr/bin:/bin" },
      encoding: "utf8",
    });
    expect(out.stderr).toBe("");
    expect(out.stdout.trim()).toBe(`v${NODE_VERSION}`);
  },
  300_000,
);
