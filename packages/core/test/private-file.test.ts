// Where a private temporary directory may go (`s5 edit`'s copy, `s5 run --render`'s files), and
// whether the one made there is private: tempParentRefusal and isPrivateDirectory on real
// directories. The CLI's tests (test/loader/run-render*.test.ts) reach only the places this
// machine has: $XDG_RUNTIME_DIR as set, then /dev/shm, which a test cannot change.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isPrivateDirectory, tempParentRefusal } from "../src/private-file.ts";

const OTHER = 65534;
const asRoot = process.platform === "linux" && process.getuid?.() === 0;

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "s5-private-file-"));
  made.push(dir);
  return dir;
}

describe.skipIf(process.platform === "win32")("tempParentRefusal", () => {
  it("refuses a shared place that its group can change without the sticky bit", () => {
    const dir = join(temp(), "team");
    mkdirSync(dir);
    chmodSync(dir, 0o770);
    expect(tempParentRefusal(dir, false)).toBe(
      "others can rename files in it (mode 0770, no sticky bit)",
    );
    chmodSync(dir, 0o1770);
    expect(tempParentRefusal(dir, false)).toBeUndefined();
  });

  it("takes as $XDG_RUNTIME_DIR only a directory of mode 0700 exactly", () => {
    const dir = join(temp(), "runtime");
    mkdirSync(dir);
    for (const [mode, refusal] of [
      [0o700, undefined],
      [0o500, "has mode 0500, not 0700"],
      [0o750, "has mode 0750, not 0700"],
    ] as const) {
      chmodSync(dir, mode);
      expect(tempParentRefusal(dir, true)).toBe(refusal);
    }
  });

  it("refuses a file of mode 0700 where a directory belongs", () => {
    const file = join(temp(), "runtime");
    writeFileSync(file, "");
    chmodSync(file, 0o700);
    expect(tempParentRefusal(file, true)).toBe("is not a directory");
    expect(tempParentRefusal(file, false)).toBe("is not a directory");
  });

  it.runIf(asRoot)("refuses a shared place reached through another user's link", () => {
    const top = temp();
    chmodSync(top, 0o755);
    const dir = join(top, "real");
    mkdirSync(dir, { mode: 0o755 });
    const link = join(top, "link");
    symlinkSync(dir, link);
    lchownSync(link, OTHER, OTHER);
    expect(tempParentRefusal(dir, false)).toBeUndefined();
    expect(tempParentRefusal(link, false)).toBe(
      `is reached through a part another user can change: ${link} is a symbolic link of another user (uid ${OTHER}), who can point it elsewhere`,
    );
  });

  // Root passes every owner check as their owner: a place of root's, for another user, is a
  // child process of that uid, which reads this module from the checkout.
  it.runIf(asRoot)("takes root's shared place for another user, with the sticky bit", () => {
    const top = temp();
    chmodSync(top, 0o755);
    const shared = join(top, "shm");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const module = new URL("../src/private-file.ts", import.meta.url).pathname;
    const code = `import { tempParentRefusal } from ${JSON.stringify(module)};
      console.log(JSON.stringify([tempParentRefusal(${JSON.stringify(shared)}, false) ?? null,
        tempParentRefusal(${JSON.stringify(shared)}, true) ?? null]));`;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
      uid: OTHER,
      gid: OTHER,
      encoding: "utf8",
    });
    expect(child.stderr, `as uid ${OTHER} (is ${module} readable by it?)`).toBe("");
    expect(JSON.parse(child.stdout)).toEqual([null, "is owned by uid 0, not by you"]);
  });
});

describe.skipIf(process.platform === "win32")("isPrivateDirectory", () => {
  it("is a directory of this user that nobody else can enter, not a link to one", () => {
    const top = temp();
    const dir = join(top, "made");
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700);
    expect(isPrivateDirectory(dir)).toBe(true);
    const link = join(top, "link");
    symlinkSync(dir, link);
    expect(isPrivateDirectory(link)).toBe(false);
    chmodSync(dir, 0o750);
    expect(isPrivateDirectory(dir)).toBe(false);
    expect(isPrivateDirectory(join(top, "gone"))).toBe(false);
  });
});
