// A file system without modes: a FAT through FUSE (Debian's fusefat), where fchmod is ENOSYS and
// every file shows the mounting user's 0700. s5 writes through a temporary file it makes 0600 and
// then gives the target's mode; there that step cannot be done, and every write failed with it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canRun } from "../setup/system-tools.ts";
import { S5_BIN, sandbox } from "./run.ts";

const found = (program: string, args: string[]) => spawnSync(program, args).error === undefined;
// dosfstools puts mkfs.vfat in sbin, which a user's PATH (and CI's) may not name.
const mkfsVfat =
  ["/usr/sbin/mkfs.vfat", "/sbin/mkfs.vfat"].find((path) => existsSync(path)) ?? "mkfs.vfat";
// Mounting needs /dev/fuse and, here, root (no user_allow_other is needed: s5 runs as the mounter).
const canMountFat =
  process.getuid?.() === 0 &&
  existsSync("/dev/fuse") &&
  found("fusefat", ["-h"]) &&
  found(mkfsVfat, ["--help"]) &&
  found("fusermount", ["-V"]);
const hasStrace = spawnSync("strace", ["-V"]).status === 0;
const canBind =
  process.getuid?.() === 0 &&
  existsSync("/dev/fuse") &&
  found("bindfs", ["--version"]) &&
  found("fusermount", ["-V"]);

/** Temporary files s5 left in `dir` (`.NAME.s5-…`). */
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.includes(".s5-"));

describe("a file system without modes", () => {
  it.runIf(canRun(canMountFat))(
    "fusefat: init, seal -i, render -i and keys rotate write there",
    async () => {
      const box = sandbox();
      const image = join(box.dir, "..", "fat.img");
      const mount = join(box.dir, "..", "fat");
      mkdirSync(mount);
      writeFileSync(image, "");
      expect(spawnSync("truncate", ["-s", "8M", image]).status).toBe(0);
      expect(spawnSync(mkfsVfat, [image]).status).toBe(0);
      const mounted = spawnSync("fusefat", ["-o", "rw+", image, mount]);
      expect(mounted.status, mounted.stderr.toString()).toBe(0);
      try {
        const project = join(mount, "p");
        mkdirSync(project);
        const run = async (args: string[]) => {
          const out = await box.s5(args, { cwd: project });
          expect(out.code, `${args.join(" ")}: ${out.stderr}`).toBe(0);
          return out;
        };
        // `.s5.json`, then a file of tokens, then a file of plaintext, then `.s5.json` replaced.
        await run(["init", "--name", "fat"]);
        const file = join(project, "v.yml");
        writeFileSync(file, "a: {{ s5:seal hello }}\n");
        await run(["seal", "-i", "v.yml"]);
        expect(readFileSync(file, "utf8")).toMatch(/^a: \{\{ s5:local:[^ ]+ \}\}\n$/);
        await run(["keys", "rotate"]);
        await run(["render", "-i", "v.yml"]);
        expect(readFileSync(file, "utf8")).toBe("a: hello\n");
        // What the file system shows for every file: closed to group and others.
        expect(statSync(file).mode & 0o077).toBe(0);
        expect(leftovers(project)).toEqual([]);
      } finally {
        spawnSync("fusermount", ["-u", mount]);
      }
    },
  );

  // A file system that takes the chmod and still shows (and enforces) a mode of its own, as a
  // CIFS mount's file_mode does: s5 said "group and others lost access" of a file open to all.
  it.runIf(canRun(canBind))(
    "bindfs --perms=0777: plaintext is refused, tokens are written",
    async () => {
      const box = sandbox();
      expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
      const token = (await box.s5(["cipher", "hello"])).stdout.toString().trim();
      const source = join(box.dir, "..", "source");
      const mount = join(box.dir, "..", "open");
      mkdirSync(source);
      mkdirSync(mount);
      const bound = spawnSync("bindfs", ["--perms=0777", source, mount]);
      expect(bound.status, bound.stderr.toString()).toBe(0);
      try {
        const file = join(mount, "v.yml");
        const text = `a: ${token}\n`;
        writeFileSync(file, text);
        for (const args of [
          ["render", "-i", file],
          ["render", file, "-o", join(mount, "new.yml")],
        ]) {
          const refused = await box.s5(args);
          expect(refused.code, args.join(" ")).toBe(4);
          expect(refused.stderr).toContain(
            "its file system shows the new file as mode 0777, open to group or others: s5 writes no plaintext there; nothing was changed (S5_OUTPUT)",
          );
        }
        expect(readFileSync(file, "utf8")).toBe(text);
        expect(readdirSync(mount)).toEqual(["v.yml"]);
        // Refused before the plaintext is written: no write ever reaches the temporary file
        // (strace -y names each descriptor's file).
        if (hasStrace) {
          const log = join(box.dir, "..", "writes.log");
          const traced = spawnSync(
            "strace",
            ["-f", "-qq", "-y", "-o", log, "-e", "trace=write,pwrite64,writev,pwritev"].concat([
              process.execPath,
              S5_BIN,
              "render",
              "-i",
              file,
            ]),
            { cwd: box.dir, env: box.env, encoding: "utf8" },
          );
          expect(traced.status).toBe(4);
          const writes = readFileSync(log, "utf8");
          expect(writes).toContain("write(2<"); // the refusal, on stderr
          expect(writes).not.toMatch(/\.v\.yml\.s5-/);
        }
        // Tokens are no secret: seal writes them whatever the mode.
        writeFileSync(file, "b: {{ s5:seal hello }}\n");
        const sealed = await box.s5(["seal", "-i", file]);
        expect(sealed.code, sealed.stderr).toBe(0);
        expect(readdirSync(mount)).toEqual(["v.yml"]);
      } finally {
        spawnSync("fusermount", ["-u", mount]);
      }
    },
  );

  // The same without a mount: strace makes fchmod fail as fusefat does, on a file system whose
  // modes are real. The temporary file was made 0600: what render writes is no more open.
  it.runIf(canRun(hasStrace))(
    "fchmod made to fail with ENOSYS: render -i writes, 0600",
    async () => {
      const box = sandbox();
      expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
      const token = (await box.s5(["cipher", "hello"])).stdout.toString().trim();
      const file = join(box.dir, "v.yml");
      writeFileSync(file, `a: ${token}\n`, { mode: 0o644 });
      const traced = spawnSync(
        "strace",
        [
          "-f",
          "-qq",
          "-o",
          "/dev/null",
          "-e",
          "trace=fchmod",
          "-e",
          "inject=fchmod:error=ENOSYS",
        ].concat([process.execPath, S5_BIN, "render", "-i", "v.yml"]),
        { cwd: box.dir, env: box.env, encoding: "utf8" },
      );
      expect(traced.status, traced.stderr).toBe(0);
      expect(readFileSync(file, "utf8")).toBe("a: hello\n");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(leftovers(box.dir)).toEqual([]);
    },
  );

  // A file system that takes the chmod and changes it (bindfs --chmod-filter; a FUSE or network
  // file system with an ACL inheritance of its own): the new file shows 0600 until s5 gives it
  // its mode, then the group can read it. Checked only after the content, the plaintext sat in a
  // group-readable file until the refusal removed it. A group's bit alone is enough to refuse.
  it.runIf(canRun(canBind) && canRun(hasStrace))(
    "bindfs --chmod-filter=g+r: the mode a chmod gives is checked before the plaintext goes in",
    async () => {
      const box = sandbox();
      const init = await box.s5(["init", "--name", "alice"]);
      expect(init.code, init.stderr).toBe(0);
      const token = (await box.s5(["cipher", "hello"])).stdout.toString().trim();
      const source = join(box.dir, "..", "source");
      const mount = join(box.dir, "..", "filtered");
      mkdirSync(source);
      mkdirSync(mount);
      const bound = spawnSync("bindfs", ["--chmod-filter=g+r", source, mount]);
      expect(bound.status, bound.stderr.toString()).toBe(0);
      try {
        const file = join(mount, "v.yml");
        const text = `a: ${token}\n`;
        writeFileSync(file, text, { mode: 0o600 });
        const log = join(box.dir, "..", "writes.log");
        const traced = spawnSync(
          "strace",
          ["-f", "-qq", "-y", "-o", log, "-e", "trace=write,pwrite64,writev,pwritev"].concat([
            process.execPath,
            S5_BIN,
            "render",
            "-i",
            file,
          ]),
          { cwd: box.dir, env: box.env, encoding: "utf8" },
        );
        expect(traced.status, traced.stderr).toBe(4);
        expect(traced.stderr).toContain(
          "its file system shows the new file as mode 0640, open to group or others: s5 writes no plaintext there; nothing was changed (S5_OUTPUT)",
        );
        expect(readFileSync(log, "utf8")).not.toMatch(/\.v\.yml\.s5-/);
        expect(readFileSync(file, "utf8")).toBe(text);
        expect(readdirSync(mount)).toEqual(["v.yml"]);
      } finally {
        spawnSync("fusermount", ["-u", mount]);
      }
    },
  );
});
