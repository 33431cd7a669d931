// scripts/with-node.mjs puts the repository's Node 24 first on PATH when npm runs on an older
// Node. With PATH unset it made `…/node/bin:`, whose empty entry is the working directory: a
// `turbo` or `node` file in the directory it ran from (a checkout, a download) ran instead.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
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
