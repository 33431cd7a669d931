// sodium-native is optional: an install without it (`npm install --omit=optional`) falls back to
// the JavaScript libsodium. Node's resolution then goes on up through every `node_modules` above
// the install, the main script and the working directory, into directories other users can
// write to (/tmp on a CI runner or a jump host). A package another user planted there must not
// run as whoever starts s5 or an application with `s5/config` below it.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChild } from "../child.ts";
import { root } from "../loader/helpers.ts";

const OTHER = 65534;
const asRoot = process.platform === "linux" && process.getuid?.() === 0;

/** s5, the loader and core copied as `npm install s5 --omit=optional` lays them out: no sodium-native. */
function installWithoutSodium(project: string): void {
  const modules = join(project, "node_modules");
  const copy = (from: string, to: string, entries: string[]) => {
    for (const entry of entries) {
      cpSync(join(root, from, entry), join(modules, to, entry), { recursive: true });
    }
  };
  copy("packages/cli", "s5", ["package.json", "bin", "dist"]);
  copy("packages/loader", "@s5/loader", ["package.json", "dist"]);
  copy("packages/core", "@s5/core", ["package.json", "dist"]);
  for (const name of ["@noble/ciphers", "@noble/hashes", "ignore"]) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(root, "node_modules", name), join(modules, name), "dir");
  }
}

/**
 * What another user plants in `dir`/node_modules: a sodium-native (a release the fast path does
 * not take, so its JavaScript runs too) and an @noble/ciphers, each leaving a file when loaded.
 */
function plant(dir: string, marker: string): void {
  const modules = join(dir, "node_modules");
  const sodium = join(modules, "sodium-native");
  mkdirSync(join(sodium, "prebuilds", `${process.platform}-${process.arch}`), { recursive: true });
  writeFileSync(join(sodium, "package.json"), '{"name":"sodium-native","version":"4.0.0"}\n');
  writeFileSync(
    join(sodium, "index.js"),
    `require("node:fs").appendFileSync(${JSON.stringify(marker)}, "sodium-native " + process.getuid() + "\\n");\n` +
      `module.exports = require(${JSON.stringify(join(root, "node_modules", "sodium-native"))});\n`,
  );
  copyFileSync(
    join(
      root,
      "node_modules/sodium-native/prebuilds",
      `${process.platform}-${process.arch}`,
      "sodium-native.node",
    ),
    join(sodium, "prebuilds", `${process.platform}-${process.arch}`, "sodium-native.node"),
  );
  const noble = join(modules, "@noble", "ciphers");
  mkdirSync(noble, { recursive: true });
  writeFileSync(
    join(noble, "package.json"),
    '{"name":"@noble/ciphers","version":"2.9.0","exports":{"./salsa.js":"./salsa.js"}}\n',
  );
  writeFileSync(
    join(noble, "salsa.js"),
    `require("node:fs").appendFileSync(${JSON.stringify(marker)}, "noble " + process.getuid() + "\\n");\n`,
  );
  spawnSync("chown", ["-R", `${OTHER}:${OTHER}`, modules]);
}

describe.skipIf(!asRoot)("sodium-native planted above an install by another user", () => {
  let base: string;
  let shared: string;
  let project: string;
  let marker: string;
  let env: Record<string, string>;
  const s5 = (
    args: string[],
    options: { cwd?: string; input?: string; extra?: Record<string, string> } = {},
  ) =>
    runChild(process.execPath, [join(project, "node_modules/s5/bin/s5.cjs"), ...args], {
      cwd: options.cwd ?? project,
      env: { ...env, ...options.extra },
      input: options.input ?? "",
    });

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "s5-install-"));
    // A shared directory like /tmp: root's, sticky, open to everyone.
    shared = join(base, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    marker = join(base, "loaded-by-another-user");
    writeFileSync(marker, "");
    chmodSync(marker, 0o666);
    plant(shared, marker);
    // This user's project and install below it (a CI job checked out under /tmp).
    project = join(shared, "project");
    mkdirSync(project, { mode: 0o755 });
    installWithoutSodium(project);
    const home = join(base, "home");
    mkdirSync(home, { mode: 0o700 });
    env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      NODE_DISABLE_COMPILE_CACHE: "1",
      NO_COLOR: "1",
    };
    const init = await s5(["init", "--name", "me"], { extra: { S5_SODIUM: "js" } });
    expect(init.code, init.stderr).toBe(0);
  });
  afterAll(() => {
    if (base) rmSync(base, { recursive: true, force: true });
  });

  const loadedByOther = () => readFileSync(marker, "utf8");

  it("the CLI does not load it: the JavaScript libsodium is used, with a warning that says why", async () => {
    const planted = join(shared, "node_modules", "sodium-native");
    const sealed = await s5(["cipher"], { input: "hunter2-install\n" });
    expect(loadedByOther()).toBe("");
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(sealed.stderr).toContain(
      `s5: warning: sodium-native was found at ${planted}, but ${planted} belongs to another user (uid ${OTHER})`,
    );
    expect(sealed.stderr).toContain("(S5_CONFIG_SODIUM_UNSAFE)");
    expect(sealed.stderr).toContain("hint: install sodium-native beside s5");
    expect(sealed.stderr).not.toContain("hunter2-install");
    const opened = await s5(["decipher", sealed.stdout.trim()]);
    expect(opened.stdout).toBe("hunter2-install");
    expect(loadedByOther()).toBe("");
  });

  it("S5_SODIUM=native fails with S5_CONFIG_SODIUM_UNSAFE instead of loading it", async () => {
    const out = await s5(["cipher"], { input: "hunter2-native\n", extra: { S5_SODIUM: "native" } });
    expect(loadedByOther()).toBe("");
    expect(out.code).toBe(12);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain(
      "a native addon there could run code as you, so it is not loaded (S5_CONFIG_SODIUM_UNSAFE)",
    );
    expect(out.stderr).not.toContain("hunter2-native");
  });

  it('import "s5/config" does not load it, from an app below it or from a working directory below it', async () => {
    const token = (await s5(["cipher"], { input: "config-value\n" })).stdout.trim();
    writeFileSync(join(project, ".env"), `PW=${token}\n`);
    writeFileSync(
      join(project, "app.mjs"),
      'import "s5/config";\nprocess.stdout.write(String(process.env.PW));\n',
    );
    const below = await runChild(process.execPath, ["app.mjs"], { cwd: project, env });
    expect(below.stderr).not.toContain("S5_CONFIG_SODIUM_MISSING");
    expect([below.code, below.stdout]).toEqual([0, "config-value"]);
    expect(loadedByOther()).toBe("");

    // The application in a private directory, started from a working directory in the shared one.
    const app = join(base, "app");
    mkdirSync(app, { mode: 0o700 });
    installWithoutSodium(app);
    cpSync(join(project, "app.mjs"), join(app, "app.mjs"));
    const work = join(shared, "work");
    mkdirSync(work, { mode: 0o755 });
    cpSync(join(project, ".s5.json"), join(work, ".s5.json"));
    const fromWork = await runChild(process.execPath, [join(app, "app.mjs")], {
      cwd: work,
      env: { ...env, S5_CONFIG_PATH: join(project, ".env") },
    });
    expect(fromWork.stderr).not.toContain("S5_CONFIG_SODIUM_MISSING");
    expect([fromWork.code, fromWork.stdout]).toEqual([0, "config-value"]);
    expect(loadedByOther()).toBe("");
  });
});
