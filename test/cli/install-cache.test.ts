// Compiled code is cached only where you alone can write, and on a path no one else can change:
// another user who owns (or may write to) a directory above the cache can rename the cache away
// and put a directory of theirs in its place between s5's check and its read. As root, with
// HOME or XDG_CACHE_HOME of another user (`sudo -E`), the same holds for that user's home. The
// CLI's compile cache and engine cache (bin/s5.cjs) and the loader's engine cache
// (packages/loader/src/code-cache.ts) follow the same rule.
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localProject, printVars } from "../loader/helpers.ts";
import { sandbox } from "./run.ts";

const OTHER = 65534;
const asRoot = process.platform === "linux" && process.getuid?.() === 0;

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

describe.skipIf(process.platform === "win32")("the caches' path", () => {
  it.skipIf(!asRoot)("is not used below a directory of another user", async () => {
    const box = sandbox();
    const theirs = join(box.dir, "theirs");
    mkdirSync(theirs, { mode: 0o755 });
    chownSync(theirs, OTHER, OTHER);
    const cache = join(theirs, "cache");
    await render(box, { XDG_CACHE_HOME: cache });
    expect(filesUnder(cache)).toEqual([]);
  });

  it("is not used below a directory everyone can write to that is not sticky", async () => {
    const box = sandbox();
    const open = join(box.dir, "open");
    mkdirSync(open);
    chmodSync(open, 0o777);
    const cache = join(open, "cache");
    await render(box, { XDG_CACHE_HOME: cache });
    expect(filesUnder(cache)).toEqual([]);
  });

  it("is used below a sticky directory (as /tmp) and through a link of one's own", async () => {
    const box = sandbox();
    const sticky = join(box.dir, "sticky");
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    const cache = join(sticky, "cache");
    await render(box, { XDG_CACHE_HOME: cache });
    expect(filesUnder(join(cache, "s5", "node-compile-cache")).length).toBeGreaterThan(0);
    expect(filesUnder(join(cache, "s5", "code-cache")).length).toBeGreaterThan(0);

    // ~/.cache as a link to another disk of one's own: the files land in the real directory.
    const real = join(box.dir, "disk");
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(box.dir, "linked"));
    await render(box, { XDG_CACHE_HOME: join(box.dir, "linked") });
    expect(filesUnder(join(real, "s5", "code-cache")).length).toBeGreaterThan(0);
  });

  it.skipIf(!asRoot)(
    'the loader\'s engine (import "s5/config") is not cached below a directory of another user',
    async () => {
      const project = await localProject();
      const [token] = await project.encrypt(["cache-path-value"]);
      project.write({
        ".env": `VALUE=${token}\n`,
        "app.mjs": `import "s5/config";\n${printVars(["VALUE"])}\n`,
      });
      const theirs = join(project.home, "theirs");
      mkdirSync(theirs, { mode: 0o755 });
      chownSync(theirs, OTHER, OTHER);
      const cache = join(theirs, "cache");
      const out = await project.node(["app.mjs"], { XDG_CACHE_HOME: cache });
      expect(out.stderr).toBe("");
      expect(JSON.parse(out.stdout)).toEqual({ VALUE: "cache-path-value" });
      expect(filesUnder(cache)).toEqual([]);

      const own = join(project.home, "own-cache");
      const ok = await project.node(["app.mjs"], { XDG_CACHE_HOME: own });
      expect(ok.code, ok.stderr).toBe(0);
      expect(filesUnder(join(own, "s5", "code-cache")).length).toBeGreaterThan(0);
    },
  );
});
