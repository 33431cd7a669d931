/**
 * Whether a file s5 is about to trust (a Vault CA, the directory of VAULT_CAPATH, sodium-native's
 * native addon) can be changed by another user. One rule for all of them:
 *
 * Every entry the kernel looks at to reach the path — each directory on the way, each symbolic
 * link followed (its own owner: whoever owns a link can point it elsewhere) and the file itself —
 * must belong to root, to this user or to an owner the caller adds (sodium-native: the owner of
 * s5's own files), and none may be writable by everyone unless it is a sticky directory (as /tmp:
 * others cannot move or replace what they do not own there). A group may write: an administrator
 * grants it. This covers the path's real path and every directory above it, and also the
 * directories that hold the links followed (a root-owned link in a directory everyone can write
 * is replaced as easily as one another user owns).
 *
 * An entry on a read-only mount (Linux: `ro` in /proc/self/mountinfo, mount or filesystem) is
 * exempt from both parts, unless the same files are also mounted writable in this namespace (a
 * read-only bind mount of a directory that stays writable where it comes from). The mount is the
 * one the entry is really on, told by the entry's device (a mount hidden under a later one still
 * matches by its mount point). mountinfo is read only when an entry would otherwise be refused:
 * the common case costs a few `lstat`s.
 *
 * packages/loader/src/engine-run.ts has a self-contained copy (the worker runs it from its source
 * text): change both together.
 */

// Not `import … from "node:fs"`: its ESM facade costs milliseconds at every application start.
const { lstatSync, readFileSync, readlinkSync } = process.getBuiltinModule("node:fs");

type Stats = import("node:fs").Stats;

/** The part of a path that another user could change, and why. */
export interface Untrusted {
  /** The entry: a directory on the way, a symbolic link followed, or the file itself. */
  entry: string;
  /** `owner`: another user owns it; `writable`: everyone can write to it. */
  reason: "owner" | "writable";
  uid: number;
  /** Its mode, as `0644` or `01777`. */
  mode: string;
  link: boolean;
  directory: boolean;
  /** The entry is the path's real path (not a directory above it, nor a link on the way). */
  target: boolean;
  /** A clause for a message: `/tmp/ca.pem belongs to another user (uid 65534)`. */
  text: string;
}

export interface TrustOptions {
  /** Owners trusted besides root and this user (sodium-native: the owner of s5's own files). */
  owners?: readonly number[] | undefined;
  /**
   * A service's own directory (a Vault Agent's socket in /run/vault): the last `serviceDepth`
   * entries of the real path (2: the socket and its directory) are trusted when the highest of
   * them belongs to one user, that user owns each of them it is not root's or yours, and the
   * directory above is no place everyone may create entries in (not even a sticky one: anyone may
   * make a directory of their own in /tmp). Never a link on the way, nor any other entry.
   */
  serviceDepth?: number | undefined;
}

/**
 * Checks one path: `entriesUsed`, the path is a directory whose every file is used
 * (VAULT_CAPATH): then the sticky bit does not make it safe to be writable by everyone, who could
 * add a file.
 */
export type PathTrust = (path: string, entriesUsed?: boolean) => Untrusted | undefined;

/** One mount of /proc/self/mountinfo. */
export interface MountEntry {
  id: number;
  parent: number;
  /** `major:minor` of its filesystem. */
  dev: string;
  /** The directory of that filesystem mounted here (not `/` for a bind mount of a directory). */
  root: string;
  /** Where it is mounted. */
  point: string;
  /** Read-only as mounted here (`ro` in the mount's options). */
  ro: boolean;
  /** The filesystem itself is read-only (`ro` in its super options): everywhere. */
  fsRo: boolean;
  /** The filesystem's type (`proc`, `ext4`) and its super options (`rw`, `hidepid=2`). */
  type: string;
  superOptions: string[];
}

// mountinfo writes space, tab, newline and backslash in paths as \040, \011, \012, \134.
const unescapeField = (field: string) =>
  field.replace(/\\([0-7]{3})/g, (_, code: string) =>
    String.fromCharCode(Number.parseInt(code, 8)),
  );

/** Parses the text of /proc/self/mountinfo (see proc_pid_mountinfo(5)); skips lines it cannot read. */
export function parseMountInfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-", 6);
    if (dash < 0 || fields.length < dash + 4) continue;
    const hasRo = (options: string | undefined) => options?.split(",").includes("ro") === true;
    const superOptions = fields[dash + 3]!.split(",");
    mounts.push({
      id: Number(fields[0]),
      parent: Number(fields[1]),
      dev: fields[2]!,
      root: unescapeField(fields[3]!),
      point: unescapeField(fields[4]!),
      ro: hasRo(fields[5]),
      fsRo: superOptions.includes("ro"),
      type: fields[dash + 1]!,
      superOptions,
    });
  }
  return mounts;
}

/** `path` is `dir` or below it (both absolute, normalized). */
const within = (path: string, dir: string) =>
  dir === "/" || path === dir || path.startsWith(`${dir}/`);

/**
 * The `major:minor` of a device number as `stat` gives it (Linux, glibc's encoding: the minor in
 * bits 0-7 and 20-43, the major in bits 8-19 and 44-63), as /proc/self/mountinfo writes it.
 * Arithmetic, not `>>`: a Number's bit operators see only its low 32 bits.
 */
export function deviceOf(dev: number): string {
  const low = dev >>> 0;
  const high = Math.floor(dev / 0x1_0000_0000) >>> 0;
  const major = (((low >>> 8) & 0xfff) | (high & ~0xfff)) >>> 0;
  const minor = ((low & 0xff) | ((low >>> 12) & ~0xff) | ((high & 0xfff) << 20)) >>> 0;
  return `${major}:${minor}`;
}

/**
 * Whether nobody can change `path` (absolute, no links), whose own `lstat` device is `dev`
 * (`major:minor`, {@link deviceOf}), because the mount that holds it is read-only.
 *
 * That mount is, of the mounts whose mount point is the path or above it, the last in `mounts`
 * (mountinfo's order: a later mount stacks on top) of the entry's device. The mount point alone is
 * not enough: a read-only mount at /x/sub hidden under a writable mount placed later on /x still
 * matches by its point, though nothing under /x/sub is on it. When no such mount is of the entry's
 * device, none can be named: no exemption. Several can be (bind mounts of one filesystem): the one
 * on top must be read-only, and `readOnly` is false too when a writable mount of the same
 * filesystem in `mounts` shows the same file (a read-only bind mount of a directory that stays
 * writable where it comes from), which is then `writableAt`.
 */
export function readOnlyMount(
  path: string,
  mounts: readonly MountEntry[],
  dev: string,
): { readOnly: boolean; writableAt?: string } {
  let holder: MountEntry | undefined;
  for (const mount of mounts) {
    if (mount.dev === dev && within(path, mount.point)) holder = mount;
  }
  if (holder?.fsRo) return { readOnly: true };
  if (!holder?.ro) return { readOnly: false };
  // Where the file is inside its filesystem, and a writable mount that shows that place.
  const rest = path.slice(holder.point === "/" ? 0 : holder.point.length);
  const inFs = holder.root === "/" ? rest || "/" : `${holder.root}${rest}`;
  const other = mounts.find((m) => m.dev === dev && !m.ro && within(inFs, m.root));
  if (!other) return { readOnly: true };
  const below = inFs.slice(other.root === "/" ? 0 : other.root.length);
  return {
    readOnly: false,
    writableAt: other.point === "/" ? below || "/" : `${other.point}${below}`,
  };
}

function readMounts(): MountEntry[] {
  if (process.platform !== "linux") return [];
  try {
    return parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8"));
  } catch {
    return []; // no /proc: no exemption
  }
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

/** What was looked at, shared by the checks of one directory's files (see {@link pathTrust}). */
export type TrustCache = Map<string, Stats | string>;

/**
 * The part of `path` another user could change (the one nearest the file when several could), or
 * `undefined` when none can. `entriesUsed`: the path is a directory whose every file is used
 * (VAULT_CAPATH), so the sticky bit does not make it safe to be writable by everyone, who could
 * add a file. `cache` keeps each entry's `lstat` (and a link's target) for later calls. Throws the
 * file system's error when an entry cannot be looked at (ENOENT, ELOOP). On Windows (no owners to
 * compare), nothing is refused.
 */
export function untrustedPart(
  path: string,
  options?: TrustOptions & { entriesUsed?: boolean | undefined; cache?: TrustCache | undefined },
): Untrusted | undefined {
  if (typeof process.getuid !== "function") return undefined;
  const uid = process.getuid();
  const euid = process.geteuid?.() ?? uid;
  const cache = options?.cache;
  // Resolves `path` as the kernel does, one component at a time, keeping every entry looked at.
  // Flat, without closures: this runs once per start, cold, and each first call compiles.
  const visited: string[] = [];
  const stats: Stats[] = [];
  const pending = (path.startsWith("/") ? path : `${process.cwd()}/${path}`).split("/").reverse();
  pending.push("");
  let at = "";
  let links = 0;
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name === "." || (name === "" && at !== "")) continue;
    if (name === "..") {
      at = at.slice(0, Math.max(1, at.lastIndexOf("/"))); // `at` has no links: its parent is real
      continue;
    }
    const entry = at === "" ? "/" : at === "/" ? `/${name}` : `${at}/${name}`;
    let stat = cache?.get(entry) as Stats | undefined;
    if (!stat) {
      stat = lstatSync(entry);
      cache?.set(entry, stat);
    }
    if (!visited.includes(entry)) {
      visited.push(entry);
      stats.push(stat);
    }
    if (!stat.isSymbolicLink()) {
      at = entry;
      continue;
    }
    const key = `${entry}\0`;
    let target = cache?.get(key) as string | undefined;
    if (target === undefined) {
      target = readlinkSync(entry);
      cache?.set(key, target);
    }
    // A descriptor's link in /proc (`pipe:[123]`, VAULT_CACERT=<(…)) names no path: the link,
    // which belongs to the process's user, is the end.
    if (entry.startsWith("/proc/") && !target.startsWith("/") && target.includes(":")) {
      at = entry;
      continue;
    }
    if (++links > 40) {
      throw Object.assign(new Error(`too many symbolic links in ${path}`), { code: "ELOOP" });
    }
    if (target.startsWith("/")) at = "/";
    pending.push(...target.split("/").reverse());
  }
  // A service's own entries: the real path's last ones, under a directory nobody else adds to.
  const service: string[] = [];
  let serviceUid = -1;
  if (options?.serviceDepth) {
    let top = at;
    for (let depth = 1; depth < options.serviceDepth; depth++) {
      service.push(top);
      top = top.slice(0, Math.max(1, top.lastIndexOf("/")));
    }
    service.push(top);
    const above = top.slice(0, Math.max(1, top.lastIndexOf("/")));
    const aboveStat = stats[visited.indexOf(above)];
    const topStat = stats[visited.indexOf(top)];
    if (top !== "/" && aboveStat && topStat && (aboveStat.mode & 0o002) === 0) {
      serviceUid = topStat.uid;
    }
  }
  // The last looked at first: the file, then the directories above it, then the links on the
  // way and the directories that hold them; so the part named is the one nearest the file.
  let mounts: MountEntry[] | undefined;
  for (let i = visited.length - 1; i >= 0; i--) {
    const stat = stats[i]!;
    const owned =
      stat.uid === 0 ||
      stat.uid === uid ||
      stat.uid === euid ||
      options?.owners?.includes(stat.uid) === true ||
      (stat.uid === serviceUid && !stat.isSymbolicLink() && service.includes(visited[i]!));
    // A link's own mode bits mean nothing (0777 on Linux): only its owner can change it.
    const everyone = (stat.mode & 0o002) !== 0 && !stat.isSymbolicLink();
    const sticky = (stat.mode & 0o1000) !== 0 && stat.isDirectory();
    const target = visited[i] === at;
    if (owned && !(everyone && !(sticky && !(target && options?.entriesUsed)))) continue;
    mounts ??= readMounts();
    const { readOnly, writableAt } = readOnlyMount(visited[i]!, mounts, deviceOf(stat.dev));
    if (!readOnly) return describe(visited[i]!, stat, owned, target, writableAt);
  }
  return undefined;
}

function describe(
  entry: string,
  stat: Stats,
  owned: boolean,
  target: boolean,
  writableAt: string | undefined,
): Untrusted {
  const link = stat.isSymbolicLink();
  const directory = stat.isDirectory();
  const mode = octal(stat.mode);
  let text: string;
  if (!owned) {
    text = link
      ? `${entry} is a symbolic link of another user (uid ${stat.uid}), who can point it elsewhere`
      : `${entry} belongs to another user (uid ${stat.uid})`;
  } else {
    text =
      directory && (stat.mode & 0o1000) !== 0
        ? `everyone can add files to ${entry} (mode ${mode})`
        : `everyone can write to ${entry} (mode ${mode})`;
  }
  if (writableAt) text += ` (mounted read-only, but also writable as ${writableAt})`;
  const reason = owned ? "writable" : "owner";
  return { entry, reason, uid: stat.uid, mode, link, directory, target, text };
}

/**
 * A check for several paths with the same options (the files of VAULT_CAPATH and the directory):
 * each entry is looked at once.
 */
export function pathTrust(options?: TrustOptions): PathTrust {
  const cache: TrustCache = new Map();
  return (path, entriesUsed) => untrustedPart(path, { ...options, entriesUsed, cache });
}
