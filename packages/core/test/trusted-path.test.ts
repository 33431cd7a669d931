// The one rule for files s5 trusts (a Vault CA, VAULT_CAPATH, sodium-native): src/trusted-path.ts.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseMountInfo, readOnlyMount, untrustedPart } from "../src/trusted-path.ts";

const OTHER = 65534;
const asRoot = process.platform === "linux" && process.getuid?.() === 0;

/** A fresh directory only root can change (mkdtemp: 0700), in the sticky /tmp. */
const fresh = () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "s5-trust-")));
  chmodSync(dir, 0o755);
  return dir;
};

describe("mountinfo", () => {
  // Shaped like a container's: a read-only tmpfs (a ConfigMap volume), a read-only bind mount of a
  // directory of the writable root filesystem, a filesystem that is read-only itself, two mounts
  // stacked on one point, and a mount point with a space (\040) in its name.
  const sample = [
    "43 42 254:0 / / rw,relatime - ext4 /dev/vda rw,discard",
    "63 43 0:39 / /etc/vault\\040ca ro,relatime - tmpfs tmpfs ro,size=1024k",
    "64 43 254:0 /srv/certs /etc/certs ro,relatime shared:5 master:1 - ext4 /dev/vda rw,discard",
    "65 43 7:0 / /opt/image rw,relatime - squashfs /dev/loop0 ro",
    "70 43 0:50 / /mnt/stack rw,relatime - tmpfs tmpfs rw",
    "71 70 0:51 / /mnt/stack ro,relatime - tmpfs tmpfs rw",
    "80 43 0:52 / /data rw - tmpfs tmpfs rw",
    "81 43 0:52 /sub /view ro - tmpfs tmpfs rw",
    "",
    "garbage line",
  ].join("\n");
  const mounts = parseMountInfo(sample);

  it("parses each mount, with escapes, optional fields and both kinds of options", () => {
    expect(mounts).toHaveLength(8);
    expect(mounts[1]).toEqual({
      id: 63,
      parent: 43,
      dev: "0:39",
      root: "/",
      point: "/etc/vault ca",
      ro: true,
      fsRo: true,
    });
    expect(mounts[2]).toMatchObject({ root: "/srv/certs", point: "/etc/certs", ro: true });
    expect(mounts[2]!.fsRo).toBe(false);
    expect(mounts[3]).toMatchObject({ ro: false, fsRo: true });
  });

  it("finds the mount that holds a path, and whether a writable mount shows the same file", () => {
    expect(readOnlyMount("/etc/vault ca/ca.pem", mounts)).toEqual({ readOnly: true });
    expect(readOnlyMount("/etc/vault ca", mounts)).toEqual({ readOnly: true });
    expect(readOnlyMount("/etc/vault cab/ca.pem", mounts)).toEqual({ readOnly: false });
    expect(readOnlyMount("/etc", mounts)).toEqual({ readOnly: false });
    // Read-only here, but the root filesystem shows /srv/certs writable.
    expect(readOnlyMount("/etc/certs/ca.pem", mounts)).toEqual({
      readOnly: false,
      writableAt: "/srv/certs/ca.pem",
    });
    // The filesystem itself is read-only, whatever the mount says.
    expect(readOnlyMount("/opt/image/lib/x.node", mounts)).toEqual({ readOnly: true });
    // The mount on top counts.
    expect(readOnlyMount("/mnt/stack/ca.pem", mounts)).toEqual({ readOnly: true });
    // A read-only view of a tmpfs also mounted writable.
    expect(readOnlyMount("/view/ca.pem", mounts)).toEqual({
      readOnly: false,
      writableAt: "/data/sub/ca.pem",
    });
    expect(readOnlyMount("/anything", [])).toEqual({ readOnly: false });
  });
});

describe.skipIf(process.platform === "win32")("the rule", () => {
  it("trusts root's and this user's files, a group that may write, and sticky directories", () => {
    const dir = fresh();
    const file = join(dir, "ca.pem");
    writeFileSync(file, "x");
    chmodSync(file, 0o664);
    expect(untrustedPart(file)).toBeUndefined();
    expect(untrustedPart(tmpdir())).toBeUndefined(); // 01777
    const shared = join(dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    writeFileSync(join(shared, "ca.pem"), "x");
    expect(untrustedPart(join(shared, "ca.pem"))).toBeUndefined();
    // …but not when every file of the directory is used (VAULT_CAPATH): anyone could add one.
    expect(untrustedPart(shared, { entriesUsed: true })?.text).toBe(
      `everyone can add files to ${shared} (mode 01777)`,
    );
    chmodSync(file, 0o666);
    expect(untrustedPart(file)).toMatchObject({
      entry: file,
      reason: "writable",
      target: true,
      text: `everyone can write to ${file} (mode 0666)`,
    });
    // Relative, with `..` and `.`, as the kernel resolves it.
    const rel = relative(process.cwd(), join(dir, "shared", "..", ".", "ca.pem"));
    expect(untrustedPart(rel)?.entry).toBe(file);
  });

  it.skipIf(!asRoot)(
    "refuses what another user owns or everyone can write, above or on the way",
    () => {
      const dir = fresh();
      const safe = join(dir, "safe.pem");
      writeFileSync(safe, "x");
      // The file of another user.
      const theirs = join(dir, "theirs.pem");
      writeFileSync(theirs, "x");
      chownSync(theirs, OTHER, OTHER);
      expect(untrustedPart(theirs)?.text).toBe(`${theirs} belongs to another user (uid ${OTHER})`);
      // Another user's link to a safe file: they can point it elsewhere.
      const link = join(dir, "link.pem");
      symlinkSync(safe, link);
      lchownSync(link, OTHER, OTHER);
      expect(untrustedPart(link)).toMatchObject({
        entry: link,
        link: true,
        text: `${link} is a symbolic link of another user (uid ${OTHER}), who can point it elsewhere`,
      });
      // A root file in a directory everyone can write, without the sticky bit: swapped by anyone.
      const open = join(dir, "open");
      mkdirSync(open);
      chmodSync(open, 0o777);
      writeFileSync(join(open, "ca.pem"), "x");
      expect(untrustedPart(join(open, "ca.pem"))).toMatchObject({
        entry: open,
        reason: "writable",
        target: false,
        text: `everyone can write to ${open} (mode 0777)`,
      });
      // A root link in that directory, to a safe file: the link is replaced as easily.
      const rootLink = join(open, "link.pem");
      symlinkSync(safe, rootLink);
      expect(untrustedPart(rootLink)?.entry).toBe(open);
      // A directory of another user above the file, reached through a link of root's.
      const theirDir = join(dir, "their-dir");
      mkdirSync(theirDir);
      writeFileSync(join(theirDir, "ca.pem"), "x");
      chownSync(theirDir, OTHER, OTHER);
      const viaLink = join(dir, "via");
      symlinkSync("their-dir", viaLink);
      expect(untrustedPart(join(viaLink, "ca.pem"))?.entry).toBe(theirDir);
      // An owner the caller trusts (sodium-native: the owner of s5's own files).
      expect(untrustedPart(theirs, { owners: [OTHER] })).toBeUndefined();
      // A link's own mode bits (0777) are not "writable by everyone".
      const ownLink = join(dir, "own-link.pem");
      symlinkSync(safe, ownLink);
      expect(untrustedPart(ownLink)).toBeUndefined();
      // A loop is an error, as reading it would be.
      symlinkSync("loop-b", join(dir, "loop-a"));
      symlinkSync("loop-a", join(dir, "loop-b"));
      expect(() => untrustedPart(join(dir, "loop-a"))).toThrow(/too many symbolic links/);
    },
  );

  it.skipIf(process.platform !== "linux")(
    "takes a descriptor of /proc as it is (VAULT_CACERT=<(…))",
    () => {
      const out = spawnSync(
        "bash",
        [
          "-c",
          `"${process.execPath}" -e 'import(process.argv[1]).then(m => console.log(JSON.stringify(m.untrustedPart(process.argv[2]) ?? null)))' "$0" <(echo ca)`,
          join(fileURLToPath(new URL("../src/trusted-path.ts", import.meta.url))),
        ],
        { encoding: "utf8" },
      );
      expect(out.stderr).toBe("");
      expect(out.stdout.trim()).toBe("null");
    },
  );
});

/**
 * Read-only mounts, for real: a child in its own mount namespace (`unshare -m`, as root) mounts a
 * tmpfs read-only and a read-only bind mount of a writable directory, then asks the rule.
 */
const unshare =
  asRoot && spawnSync("unshare", ["-m", "--propagation", "private", "true"]).status === 0;

describe.skipIf(!unshare)("read-only mounts (unshare -m)", () => {
  it("exempts a read-only mount from both parts, unless the same files are writable elsewhere", () => {
    const dir = fresh();
    const tmpfs = join(dir, "tmpfs");
    const src = join(dir, "src");
    const bind = join(dir, "bind");
    for (const d of [tmpfs, src, bind]) mkdirSync(d);
    writeFileSync(join(src, "ca.pem"), "x");
    chmodSync(join(src, "ca.pem"), 0o666);
    const module = fileURLToPath(new URL("../src/trusted-path.ts", import.meta.url));
    const script = `
      set -e
      mount -t tmpfs -o size=64k tmpfs ${tmpfs}
      echo x > ${tmpfs}/ca.pem
      chmod 0666 ${tmpfs}/ca.pem; chown ${OTHER}:${OTHER} ${tmpfs}/ca.pem; chmod 0777 ${tmpfs}
      ln -s ca.pem ${tmpfs}/link.pem; chown -h ${OTHER}:${OTHER} ${tmpfs}/link.pem
      mount -o remount,ro ${tmpfs}
      mount --bind ${src} ${bind}; mount -o remount,bind,ro ${bind}
      "${process.execPath}" -e '
        import(process.argv[1]).then((m) => {
          const ask = (p, o) => m.untrustedPart(p, o)?.text ?? null;
          console.log(JSON.stringify([
            ask(process.argv[2] + "/ca.pem"),
            ask(process.argv[2] + "/link.pem"),
            ask(process.argv[2], { entriesUsed: true }),
            ask(process.argv[3] + "/ca.pem"),
          ]));
        })' ${module} ${tmpfs} ${bind}`;
    const out = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script], {
      encoding: "utf8",
    });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual([
      null,
      null,
      null,
      `everyone can write to ${bind}/ca.pem (mode 0666) (mounted read-only, but also writable as ${src}/ca.pem)`,
    ]);
  });
});
