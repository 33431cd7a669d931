// The one rule for files s5 trusts (a Vault CA, VAULT_CAPATH, sodium-native): src/trusted-path.ts.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { deviceOf, parseMountInfo, readOnlyMount, untrustedPart } from "../src/trusted-path.ts";

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
      type: "tmpfs",
      superOptions: ["ro", "size=1024k"],
    });
    expect(mounts[2]).toMatchObject({ root: "/srv/certs", point: "/etc/certs", ro: true });
    expect(mounts[2]!.fsRo).toBe(false);
    expect(mounts[3]).toMatchObject({ ro: false, fsRo: true });
  });

  it("finds the mount that holds a path, and whether a writable mount shows the same file", () => {
    expect(readOnlyMount("/etc/vault ca/ca.pem", mounts, "0:39")).toEqual({ readOnly: true });
    expect(readOnlyMount("/etc/vault ca", mounts, "0:39")).toEqual({ readOnly: true });
    expect(readOnlyMount("/etc/vault cab/ca.pem", mounts, "254:0")).toEqual({ readOnly: false });
    expect(readOnlyMount("/etc", mounts, "254:0")).toEqual({ readOnly: false });
    // Read-only here, but the root filesystem shows /srv/certs writable.
    expect(readOnlyMount("/etc/certs/ca.pem", mounts, "254:0")).toEqual({
      readOnly: false,
      writableAt: "/srv/certs/ca.pem",
    });
    // The filesystem itself is read-only, whatever the mount says.
    expect(readOnlyMount("/opt/image/lib/x.node", mounts, "7:0")).toEqual({ readOnly: true });
    // The mount on top counts.
    expect(readOnlyMount("/mnt/stack/ca.pem", mounts, "0:51")).toEqual({ readOnly: true });
    // A read-only view of a tmpfs also mounted writable.
    expect(readOnlyMount("/view/ca.pem", mounts, "0:52")).toEqual({
      readOnly: false,
      writableAt: "/data/sub/ca.pem",
    });
    expect(readOnlyMount("/anything", [], "254:0")).toEqual({ readOnly: false });
  });

  it("takes the mount the entry is on by its device, not the deepest mount point", () => {
    // A read-only tmpfs on /x/sub, then a writable tmpfs on /x that hides it: /x/sub/ca.pem is a
    // file of the writable tmpfs, though /x/sub is the longest mount point above it. Then a
    // read-only bind mount of part of that writable tmpfs on /y/sub, and a writable bind mount of
    // it placed later on /y, hiding it too.
    const stacked = parseMountInfo(
      [
        "43 42 254:0 / / rw,relatime - ext4 /dev/vda rw",
        "90 43 0:60 / /x/sub ro,relatime - tmpfs tmpfs rw",
        "91 43 0:61 / /x rw,relatime - tmpfs tmpfs rw",
        "92 43 0:61 /ro /y/sub ro,relatime - tmpfs tmpfs rw",
        "93 43 0:61 /other /y rw,relatime - tmpfs tmpfs rw",
        "94 43 0:62 / /z/sub ro,relatime - tmpfs tmpfs ro",
        "95 43 0:63 / /z rw,relatime - tmpfs tmpfs rw",
      ].join("\n"),
    );
    // On the writable tmpfs that hides the read-only one.
    expect(readOnlyMount("/x/sub/ca.pem", stacked, "0:61")).toEqual({ readOnly: false });
    expect(readOnlyMount("/x/sub", stacked, "0:61")).toEqual({ readOnly: false });
    // (Were it on the read-only one, it would be exempt.)
    expect(readOnlyMount("/x/sub/ca.pem", stacked, "0:60")).toEqual({ readOnly: true });
    // Two mounts of one tmpfs above the entry: the later, writable one is on top.
    expect(readOnlyMount("/y/sub/ca.pem", stacked, "0:61")).toEqual({ readOnly: false });
    // Hidden under a writable mount even when the hidden filesystem is itself read-only.
    expect(readOnlyMount("/z/sub/ca.pem", stacked, "0:63")).toEqual({ readOnly: false });
    // A device no mount above the entry has: no exemption.
    expect(readOnlyMount("/x/sub/ca.pem", stacked, "0:99")).toEqual({ readOnly: false });
    expect(readOnlyMount("/z/sub/ca.pem", stacked, "254:0")).toEqual({ readOnly: false });
  });

  it("writes a device number as mountinfo does", () => {
    // glibc's makedev: minor in bits 0-7 and 20-43, major in bits 8-19 and 44-63.
    expect(deviceOf(0)).toBe("0:0");
    expect(deviceOf(0xfe00)).toBe("254:0");
    expect(deviceOf(0x0801)).toBe("8:1");
    expect(deviceOf(0x2b)).toBe("0:43");
    expect(deviceOf(0x1234_5678_9abc)).toBe(`${0x189a}:${0x2345_67bc}`);
    expect(deviceOf(0x00f0_0000)).toBe("0:3840"); // minor 0xf00: bits 8-11 of the minor at 20-23
    expect(deviceOf(0x0001_0000_0000)).toBe("0:1048576"); // minor bit 20 at bit 32
    expect(deviceOf(0x1000_0000_0000)).toBe("4096:0"); // major bit 12 at bit 44
  });

  it.skipIf(process.platform !== "linux")("matches this system's mountinfo", () => {
    const own = parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8"));
    const root = own.findLast((m) => m.point === "/");
    expect(deviceOf(lstatSync("/").dev)).toBe(root?.dev);
    const proc = own.findLast((m) => m.point === "/proc");
    if (proc) expect(deviceOf(lstatSync("/proc").dev)).toBe(proc.dev);
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

  it("does not exempt a file by a read-only mount hidden under a writable one", () => {
    // A read-only tmpfs on om/sub, then a writable tmpfs on om that hides it; om/sub is now a
    // directory of the writable tmpfs, everyone can write to it, and another user owns its file.
    // Beside it, a read-only tmpfs that stays visible (its file exempt) under a writable tmpfs
    // mounted before it.
    const dir = fresh();
    const om = join(dir, "om");
    const shown = join(dir, "shown");
    mkdirSync(join(om, "sub"), { recursive: true });
    mkdirSync(shown);
    const module = fileURLToPath(new URL("../src/trusted-path.ts", import.meta.url));
    const script = `
      set -e
      mount -t tmpfs -o ro,size=64k tmpfs ${om}/sub
      mount -t tmpfs -o size=64k,mode=0755 tmpfs ${om}
      mkdir ${om}/sub; chmod 0777 ${om}/sub
      echo x > ${om}/sub/ca.pem; chown ${OTHER}:${OTHER} ${om}/sub/ca.pem
      mount -t tmpfs -o size=64k,mode=0755 tmpfs ${shown}
      mkdir ${shown}/sub
      mount -t tmpfs -o size=64k,mode=0777 tmpfs ${shown}/sub
      echo x > ${shown}/sub/ca.pem; chown ${OTHER}:${OTHER} ${shown}/sub/ca.pem
      mount -o remount,ro ${shown}/sub
      "${process.execPath}" -e '
        import(process.argv[1]).then((m) => {
          const ask = (p) => m.untrustedPart(p)?.text ?? null;
          console.log(JSON.stringify([ask(process.argv[2]), ask(process.argv[3])]));
        })' ${module} ${om}/sub/ca.pem ${shown}/sub/ca.pem`;
    const out = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script], {
      encoding: "utf8",
    });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual([
      `${om}/sub/ca.pem belongs to another user (uid ${OTHER})`,
      null,
    ]);
  });
});
