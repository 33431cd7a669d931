// Node's compile cache: s5 keeps it in the user's own cache directory, private, and never in a
// directory someone else could write compiled code into.
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

async function render(box: ReturnType<typeof sandbox>, env: Record<string, string>) {
  const out = await box.s5(["render"], { input: "greeting: hello\n", env });
  expect(out.stderr).toBe("");
  expect(out.code).toBe(0);
  expect(out.stdout.toString()).toBe("greeting: hello\n");
}

describe.skipIf(process.platform === "win32")("the compile cache", () => {
  it("goes to $XDG_CACHE_HOME/s5/node-compile-cache, readable by the user alone", async () => {
    const box = sandbox();
    const cache = join(box.dir, "cache");
    await render(box, { XDG_CACHE_HOME: cache });
    const dir = join(cache, "s5", "node-compile-cache");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(cache, "s5")).mode & 0o077).toBe(0);
    expect(filesUnder(dir).length).toBeGreaterThan(0);
  });

  it("defaults to ~/.cache/s5 without XDG_CACHE_HOME", async () => {
    const box = sandbox();
    await render(box, {});
    const home = box.env.HOME!;
    expect(filesUnder(join(home, ".cache", "s5", "node-compile-cache")).length).toBeGreaterThan(0);
  });

  it("is not used when another user could write to it, or when it is a link", async () => {
    const box = sandbox();
    const shared = join(box.dir, "shared");
    mkdirSync(join(shared, "s5", "node-compile-cache"), { recursive: true });
    chmodSync(join(shared, "s5", "node-compile-cache"), 0o777);
    await render(box, { XDG_CACHE_HOME: shared });
    // (s5/ itself is this user's and private enough: the CLI's engine keeps its own cache there.)
    expect(filesUnder(join(shared, "s5", "node-compile-cache"))).toEqual([]);
    // Writable by the group alone: any member could plant compiled code.
    const team = join(box.dir, "team");
    mkdirSync(join(team, "s5", "node-compile-cache"), { recursive: true });
    chmodSync(join(team, "s5", "node-compile-cache"), 0o770);
    await render(box, { XDG_CACHE_HOME: team });
    expect(filesUnder(join(team, "s5", "node-compile-cache"))).toEqual([]);

    const linked = join(box.dir, "linked");
    const elsewhere = join(box.dir, "elsewhere");
    mkdirSync(join(linked, "s5"), { recursive: true, mode: 0o700 });
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, join(linked, "s5", "node-compile-cache"));
    await render(box, { XDG_CACHE_HOME: linked });
    expect(filesUnder(elsewhere)).toEqual([]);
  });

  it("leaves Node's own switches in charge: NODE_DISABLE_COMPILE_CACHE, NODE_COMPILE_CACHE", async () => {
    const box = sandbox();
    const cache = join(box.dir, "cache");
    await render(box, { XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: "1" });
    expect(existsSync(join(cache, "s5"))).toBe(false);

    const chosen = join(box.dir, "chosen");
    await render(box, { XDG_CACHE_HOME: cache, NODE_COMPILE_CACHE: chosen });
    expect(existsSync(join(cache, "s5", "node-compile-cache"))).toBe(false);
    expect(filesUnder(chosen).length).toBeGreaterThan(0);
  });
});
