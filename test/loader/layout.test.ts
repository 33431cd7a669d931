// `s5/config` in a strict node_modules layout (pnpm's): every package is a real directory in a
// store and sees only its own dependencies, through links. Without sodium-native, the engine must
// find the JavaScript libsodium's packages (@noble/*, dependencies of @s5/core only) from core's
// place, not from the loader's.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { localProject, printVars, root } from "./helpers.ts";

interface Unpacked {
  /** The package's own directory. */
  dir: string;
  /** The node_modules directory it sits in, where pnpm links its dependencies. */
  modules: string;
}

/** Copies a workspace package into the store, as pnpm unpacks it. */
function unpack(store: string, name: string, from: string, entries: string[]): Unpacked {
  const modules = join(store, ".pnpm", name.replace("/", "+"), "node_modules");
  const dir = join(modules, name);
  mkdirSync(dir, { recursive: true });
  for (const entry of entries)
    cpSync(join(root, from, entry), join(dir, entry), { recursive: true });
  return { dir, modules };
}

/** Makes `target` the dependency `name` of a package (a link beside it). */
function depend(pkg: Unpacked, name: string, target: string): void {
  const at = join(pkg.modules, name);
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at, "dir");
}

/** A project with two local-key tokens, and a pnpm-like store for s5 with core's links given. */
async function strictProject(coreLinks: string[]) {
  const project = await localProject();
  const values = ["strict-layout-one", "strict-layout-two"];
  const tokens = await project.encrypt(values);
  project.write({
    ".env": `FIRST=${tokens[0]}\nSECOND=${tokens[1]}\n`,
    "app.mjs": `import "s5/config";\n${printVars(["FIRST", "SECOND"])}\n`,
  });
  const store = mkdtempSync(join(tmpdir(), "s5-strict-"));
  const s5 = unpack(store, "s5", "packages/cli", ["package.json", "dist", "bin"]);
  const loader = unpack(store, "@s5/loader", "packages/loader", ["package.json", "dist"]);
  const core = unpack(store, "@s5/core", "packages/core", ["package.json", "dist"]);
  depend(s5, "@s5/loader", loader.dir);
  depend(loader, "@s5/core", core.dir);
  for (const name of coreLinks) depend(core, name, join(root, "node_modules", name));
  rmSync(join(project.dir, "node_modules"));
  mkdirSync(join(project.dir, "node_modules"));
  symlinkSync(s5.dir, join(project.dir, "node_modules", "s5"), "dir");
  const out = await project.node(["app.mjs"], { S5_CONFIG_DEBUG: "1" });
  rmSync(store, { recursive: true, force: true });
  return { out, values };
}

describe("s5/config in a strict layout (pnpm)", () => {
  it("no sodium-native anywhere: local-key tokens open with the JavaScript libsodium next to core", async () => {
    const { out, values } = await strictProject(["@noble/ciphers", "@noble/hashes"]);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ FIRST: values[0], SECOND: values[1] });
    expect(out.stderr).toContain("decrypted in this thread");
    for (const value of values) expect(out.stderr).not.toContain(value);
  });

  it("no libsodium at all: the application does not start, and the message says what is missing", async () => {
    const { out, values } = await strictProject([]);
    expect(out.code).toBe(7);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("FIRST (.env:1:7), SECOND (.env:2:8)");
    expect(out.stderr).toContain(
      "neither sodium-native nor the JavaScript libsodium (@noble/ciphers, @noble/hashes) can be loaded here (S5_CONFIG_SODIUM_MISSING)",
    );
    expect(out.stderr).toContain("hint: reinstall s5");
    expect(out.stderr).not.toContain("S5_INTERNAL");
    for (const value of values) expect(out.stderr).not.toContain(value);
  });
});
