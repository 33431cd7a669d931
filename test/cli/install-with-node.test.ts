// scripts/with-node.mjs puts the repository's Node 24 first on PATH when npm runs on an older
// Node. With PATH unset it made `…/node/bin:`, whose empty entry is the working directory: a
// `turbo` or `node` file in the directory it ran from (a checkout, a download) ran instead.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

// The README's quick start: on an older Node first on PATH (this machine's /usr/bin/node is 20),
// `npx s5` stops; the README's block puts the fetched Node and the clone's `s5` on PATH, and s5
// then works in a directory of the user's own. The README said `npx s5 --help` worked as it was.
it.skipIf(!oldNode)(
  "the README's block gives a shell on an older Node an s5 that runs anywhere",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-quick-start-"));
    try {
      const env = { HOME: dir, PATH: "/usr/bin:/bin" };
      const npx = spawnSync("node_modules/.bin/s5", ["--version"], {
        cwd: root,
        env,
        encoding: "utf8",
      });
      expect(npx.status).toBe(12);
      expect(npx.stderr).toContain("(S5_CONFIG_NODE_VERSION)");
      // The block as the README shows it, then the user's own directory.
      const readme = readFileSync(join(root, "README.md"), "utf8");
      const after = readme.split("test/cli/install-with-node.test.ts runs it")[1] ?? "";
      const block = after.split("```")[1]?.replace(/^sh\n/, "") ?? "";
      expect(block).toContain("source .ci/node-env");
      const script = `${block}cd "${dir}" && s5 init --name me >/dev/null 2>&1 && printf %s hunter2 | s5 cipher | s5 decipher`;
      const run = spawnSync("bash", ["-c", script], { cwd: root, env, encoding: "utf8" });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^s5 — secrets inside ordinary config files\n[\s\S]*\nhunter2$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
