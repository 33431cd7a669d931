// Safety of the files s5 writes: modes, non-regular targets, temporary files and signals,
// several files all or nothing, read-only files, and failures to write stdout.
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canRun } from "../setup/system-tools.ts";
import { isRoot, lockDirectory, pinFile } from "./files.ts";
import { S5_BIN, sandbox } from "./run.ts";

const KEY = "22".repeat(32);
const env = { S5_AES_KEY: KEY };
const mode = (file: string) => statSync(file).mode & 0o7777;

async function aesBox() {
  const box = sandbox();
  const cipher = async (value: string) =>
    (await box.s5(["cipher", "aes", "--key", KEY, value])).stdout.toString();
  return { box, cipher };
}

/**
 * Someone reading `fifo` (its other owner, a member of its group): returns what they got, once
 * stopped. With a reader there, an s5 that wrongly writes finishes (and shows the plaintext given
 * away) instead of waiting for a reader for ever.
 */
function readFifo(fifo: string): () => string {
  const reader = spawn("cat", [fifo]);
  let read = "";
  reader.stdout.on("data", (chunk: Buffer) => {
    read += chunk.toString();
  });
  return () => {
    reader.kill();
    return read;
  };
}

describe("files holding plaintext are never readable by group or others", () => {
  it("render -o over an existing 0644 file, and -i on a 0644 file, keep only the owner bits", async () => {
    const { box, cipher } = await aesBox();
    const token = await cipher("hunter2-value");
    writeFileSync(join(box.dir, "a.yml"), `a: ${token}\n`);
    writeFileSync(join(box.dir, "out.yml"), "old\n");
    chmodSync(join(box.dir, "a.yml"), 0o644);
    chmodSync(join(box.dir, "out.yml"), 0o664);

    const toFile = await box.s5(["render", "a.yml", "-o", "out.yml"], { env });
    expect(toFile.code).toBe(0);
    expect(mode(join(box.dir, "out.yml"))).toBe(0o600);
    expect(readFileSync(join(box.dir, "out.yml"), "utf8")).toBe("a: hunter2-value\n");
    expect(toFile.stderr.match(/note:/g)).toHaveLength(1);
    expect(toFile.stderr).toContain("out.yml (was 0664)");

    const inPlace = await box.s5(["render", "-i", "a.yml"], { env });
    expect(inPlace.code).toBe(0);
    expect(mode(join(box.dir, "a.yml"))).toBe(0o600);
    expect(inPlace.stderr).toContain("a.yml (was 0644)");

    const fresh = await box.s5(["render", "out.yml", "-o", "new.yml"], { env });
    expect(fresh.code).toBe(0);
    expect(mode(join(box.dir, "new.yml"))).toBe(0o600);
    expect(fresh.stderr).toBe("");

    // Readable by the group alone (umask 027): narrowed, and said so, too.
    writeFileSync(join(box.dir, "a.yml"), `a: ${token}\n`);
    chmodSync(join(box.dir, "a.yml"), 0o640);
    const grouped = await box.s5(["render", "-i", "a.yml"], { env });
    expect(grouped.code).toBe(0);
    expect(mode(join(box.dir, "a.yml"))).toBe(0o600);
    expect(grouped.stderr).toContain("a.yml (was 0640)");
  });

  it("render -i of many 0644 files narrows them all and names the first ten in one line", async () => {
    const { box, cipher } = await aesBox();
    const token = await cipher("hunter2-value");
    const names = Array.from({ length: 13 }, (_, i) => `f${String(i).padStart(2, "0")}.yml`);
    for (const name of names) {
      writeFileSync(join(box.dir, name), `a: ${token}\n`);
      chmodSync(join(box.dir, name), 0o644);
    }
    const result = await box.s5(["render", "-i", ...names], { env });
    expect(result.code).toBe(0);
    for (const name of names) expect(mode(join(box.dir, name))).toBe(0o600);
    const shown = names.slice(0, 10).map((name) => `${name} (was 0644)`);
    expect(result.stderr).toBe(
      `s5: note: group and others lost access to ${shown.join(", ")} and 3 more: a file holding plaintext is never readable by them\n`,
    );
  });

  it("a 0700 file keeps its owner bits; seal -i (no plaintext out) keeps a 0644 mode", async () => {
    const { box, cipher } = await aesBox();
    writeFileSync(join(box.dir, "run.sh"), `echo ${await cipher("x1")}\n`);
    chmodSync(join(box.dir, "run.sh"), 0o755);
    expect((await box.s5(["render", "-i", "run.sh"], { env })).code).toBe(0);
    expect(mode(join(box.dir, "run.sh"))).toBe(0o700);

    writeFileSync(join(box.dir, "v.yml"), "p: {{ s5:seal abc123 }}\n");
    chmodSync(join(box.dir, "v.yml"), 0o644);
    expect((await box.s5(["seal", "aes", "-i", "v.yml"], { env })).code).toBe(0);
    expect(mode(join(box.dir, "v.yml"))).toBe(0o644);
  });
});

describe("outputs that are not regular files", () => {
  it("writes into a FIFO as a stream and leaves the FIFO in place", async () => {
    const { box, cipher } = await aesBox();
    writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("fifo-value")}\n`);
    const fifo = join(box.dir, "pipe");
    spawnSync("mkfifo", ["-m", "600", fifo]);
    const reader = spawn("cat", [fifo]);
    let read = "";
    reader.stdout.on("data", (chunk: Buffer) => {
      read += chunk.toString();
    });
    const closed = new Promise((resolve) => reader.on("close", resolve));
    const result = await box.s5(["render", "a.yml", "-o", "pipe"], { env });
    await closed;
    expect(result.code).toBe(0);
    expect(read).toBe("a: fifo-value\n");
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(box.dir).sort()).toEqual(["a.yml", "pipe"]);
  });

  it("writes into /dev/null and /dev/stdout without replacing them", async () => {
    const { box, cipher } = await aesBox();
    writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("device-value")}\n`);
    const before = statSync("/dev/null");
    const toNull = await box.s5(["render", "a.yml", "-o", "/dev/null"], { env });
    expect(toNull.code).toBe(0);
    const after = statSync("/dev/null");
    expect(after.isCharacterDevice()).toBe(true);
    expect([after.ino, after.rdev]).toEqual([before.ino, before.rdev]);

    const toStdout = await box.s5(["render", "a.yml", "-o", "/dev/stdout"], { env });
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout.toString()).toBe("a: device-value\n");
  });

  it("refuses a directory and -i on a FIFO", async () => {
    const { box, cipher } = await aesBox();
    writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("v")}\n`);
    mkdirSync(join(box.dir, "dir"));
    const toDir = await box.s5(["render", "a.yml", "-o", "dir"], { env });
    expect(toDir.code).toBe(4);
    expect(toDir.stderr).toContain("it is a directory");
    spawnSync("mkfifo", [join(box.dir, "pipe")]);
    // Refused before it is read: with no writer, reading it would wait for ever.
    const inPlace = await box.s5(["render", "-i", "pipe"], { env });
    expect(inPlace.code).toBe(4);
    expect(inPlace.stderr).toContain("it is a FIFO");
    expect(statSync(join(box.dir, "pipe")).isFIFO()).toBe(true);
  });
});

/**
 * Starts `s5 render` and sends `signal` as soon as its temporary file exists. `seen` is false when
 * the whole write ended before the temporary file could be observed (a fast disk): try again.
 */
async function signalDuringWrite(dir: string, args: string[], signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [S5_BIN, ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let exited = false;
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, sig) => {
      exited = true;
      resolve({ code, signal: sig });
    }),
  );
  let tempMode: number | undefined;
  while (!exited) {
    const temp = readdirSync(dir).find((name) => name.includes(".s5-"));
    if (temp) {
      // Frozen while we look, so the file cannot be renamed in between.
      child.kill("SIGSTOP");
      try {
        tempMode = mode(join(dir, temp));
      } catch {
        // renamed just before the stop
      }
      child.kill(signal);
      child.kill("SIGCONT");
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { ...(await ended), seen: tempMode !== undefined, tempMode, stderr };
}

describe("temporary files", () => {
  it("are created 0600 and removed when a signal that ends s5 arrives during a large write", async () => {
    const { box, cipher } = await aesBox();
    const token = await cipher("large-secret");
    // 96 MB of output: the write takes long enough to be interrupted.
    writeFileSync(join(box.dir, "big.txt"), `${"z".repeat(1 << 20)}${token}\n`.repeat(96));
    writeFileSync(join(box.dir, "out.txt"), "before\n");
    chmodSync(join(box.dir, "out.txt"), 0o644);
    // Ctrl-C, kill, a closed terminal, Ctrl-\, the signals of timers and scripts, and of CPU
    // limits (ulimit -t, a virtual timer): every one the README lists.
    for (const signal of [
      "SIGINT",
      "SIGTERM",
      "SIGHUP",
      "SIGQUIT",
      "SIGUSR2",
      "SIGALRM",
      "SIGVTALRM",
      "SIGXCPU",
    ] as const) {
      // The temporary file seen, then renamed before s5 was stopped: the write was over before
      // the signal (a busy machine's scheduling). Not what is tested: the same case again.
      let result = await signalDuringWrite(box.dir, ["render", "big.txt", "-o", "out.txt"], signal);
      for (let again = 0; !result.seen && again < 5; again++) {
        writeFileSync(join(box.dir, "out.txt"), "before\n");
        chmodSync(join(box.dir, "out.txt"), 0o644);
        result = await signalDuringWrite(box.dir, ["render", "big.txt", "-o", "out.txt"], signal);
      }
      expect(result.seen, signal).toBe(true);
      expect([result.signal, result.code, result.stderr]).toEqual([signal, null, ""]);
      expect(result.tempMode).toBe(0o600);
      expect(readdirSync(box.dir).sort()).toEqual(["big.txt", "out.txt"]);
      expect(readFileSync(join(box.dir, "out.txt"), "utf8")).toBe("before\n");
    }
  });

  it("are removed when the write fails (a directory that cannot take the file)", async () => {
    const { box, cipher } = await aesBox();
    writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("v")}\n`);
    mkdirSync(join(box.dir, "locked"));
    writeFileSync(join(box.dir, "locked", "out.yml"), "old\n");
    const unlock = lockDirectory(join(box.dir, "locked"));
    try {
      const result = await box.s5(["render", "a.yml", "-o", "locked/out.yml"], { env });
      expect(result.code).toBe(4);
      expect(result.stderr).toContain("nothing was changed");
    } finally {
      unlock();
    }
    expect(readdirSync(join(box.dir, "locked"))).toEqual(["out.yml"]);
  });
});

describe("plaintext and other users", () => {
  const hasSetpriv = spawnSync("setpriv", ["--version"]).status === 0;
  /** Runs s5 as uid 65534, a member of group 2000 (a teammate), with `home` as HOME. */
  const asTeammate = (args: string[], home: string) =>
    spawnSync(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--groups=2000", process.execPath, S5_BIN, ...args],
      { env: { ...process.env, ...env, HOME: home }, encoding: "utf8" },
    );
  // Only root can give a file to another user: the attacks below need another owner. Elsewhere
  // these tests are skipped (a user cannot plant a file owned by someone else).
  it.runIf(isRoot)(
    "refuses a file or FIFO another user owns where others can write; an administrator's file is written",
    async () => {
      const { box, cipher } = await aesBox();
      writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("owner-secret-Qz")}\n`);
      // A directory like /tmp: anyone may create a file in it.
      const shared = join(box.dir, "shared");
      mkdirSync(shared);
      chmodSync(shared, 0o1777);
      const planted = join(shared, "out.yml");
      writeFileSync(planted, "");
      chmodSync(planted, 0o666);
      chownSync(planted, 65534, 65534);
      const render = await box.s5(["render", "a.yml", "-o", planted], { env });
      expect(render.code).toBe(4);
      expect(render.stderr).toContain(
        "belongs to another user (uid 65534): s5 will not write plaintext",
      );
      expect(render.stderr).toContain("S5_OUTPUT_OWNER");
      expect(readFileSync(planted, "utf8")).toBe("");
      // An identity file planted the same way: no secret key is written into it.
      const identity = join(shared, "identity.txt");
      writeFileSync(identity, "", { mode: 0o600 });
      chownSync(identity, 65534, 65534);
      const init = await box.s5(["init"], { env: { S5_IDENTITY_FILE: identity } });
      expect(init.code).toBe(4);
      expect(readFileSync(identity, "utf8")).toBe("");
      // A FIFO another user reads from.
      const fifo = join(shared, "fifo.yml");
      expect(spawnSync("mkfifo", ["-m", "622", fifo]).status).toBe(0);
      chownSync(fifo, 1234, 1234);
      const theirRead = readFifo(fifo);
      const piped = await box.s5(["render", "a.yml", "-o", fifo], { env });
      expect(piped.code).toBe(4);
      expect(piped.stderr).toContain("belongs to another user (uid 1234)");
      expect(theirRead()).toBe("");
      // A directory only root can change (/etc/app): a file given to a service user stays theirs.
      const app = join(box.dir, "etc-app");
      mkdirSync(app, { mode: 0o755 });
      const service = join(app, "secret.yml");
      writeFileSync(service, "", { mode: 0o640 });
      chownSync(service, 65534, 65534);
      const given = await box.s5(["render", "a.yml", "-o", service], { env });
      expect(given.code).toBe(0);
      expect(readFileSync(service, "utf8")).toBe("a: owner-secret-Qz\n");
      expect([statSync(service).uid, mode(service)]).toEqual([65534, 0o600]);
      // A CI runner's checkout (its own directory, 0755) that a root container renders in.
      const checkout = join(box.dir, "runner-checkout");
      mkdirSync(checkout, { mode: 0o755 });
      chownSync(checkout, 1001, 1001);
      const env1001 = join(checkout, ".env");
      writeFileSync(env1001, "");
      chownSync(env1001, 1001, 1001);
      expect((await box.s5(["render", "a.yml", "-o", env1001], { env })).code).toBe(0);
      expect(statSync(env1001).uid).toBe(1001);
    },
  );

  it.runIf(isRoot)(
    "a symbolic link another user made on the way to an output is not followed (-o, -i)",
    async () => {
      const { box, cipher } = await aesBox();
      writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("link-secret")}\n`);
      // A team directory (group-writable, setgid) where Mallory (uid 65534) plants links: one to
      // the identity, one to a directory of the victim's.
      const team = join(box.dir, "team");
      mkdirSync(team);
      chmodSync(team, 0o2770);
      const identity = join(box.dir, "identity.txt");
      writeFileSync(identity, "# the victim's key\n", { mode: 0o600 });
      const victimDir = join(box.dir, "project");
      mkdirSync(victimDir);
      writeFileSync(join(victimDir, "values.yml"), "sealed\n");
      symlinkSync(identity, join(team, "app.yml"));
      lchownSync(join(team, "app.yml"), 65534, 65534);
      symlinkSync(victimDir, join(team, "dir"));
      lchownSync(join(team, "dir"), 65534, 65534);
      // One of the victim's own links that leads through Mallory's.
      symlinkSync(join(team, "app.yml"), join(box.dir, "mine.yml"));
      for (const args of [
        ["render", "a.yml", "-o", join(team, "app.yml")],
        ["render", "a.yml", "-o", join(team, "dir", "values.yml")],
        ["render", "a.yml", "-o", "mine.yml"],
        // `..` after their link leads out of where it points, as the kernel walks the path.
        ["render", "a.yml", "-o", `${team}/dir/../project/values.yml`],
        ["render", "-i", join(team, "app.yml")],
      ]) {
        const result = await box.s5(args, { env });
        expect(result.code, args.join(" ")).toBe(4);
        expect(result.stderr).toContain("is a symbolic link another user made (uid 65534)");
        expect(result.stderr).toContain("S5_OUTPUT_OWNER");
      }
      expect(readFileSync(identity, "utf8")).toBe("# the victim's key\n");
      expect(readFileSync(join(victimDir, "values.yml"), "utf8")).toBe("sealed\n");
      // Past 40 links the walk stops, and so does the write (it did not, once).
      const loop = join(box.dir, "d");
      mkdirSync(loop);
      symlinkSync(".", join(loop, "x"));
      symlinkSync(team, join(loop, "team"));
      const deep = `${loop}/${"x/".repeat(40)}team/app.yml`;
      const tooDeep = await box.s5(["render", "a.yml", "-o", deep], { env });
      expect(tooDeep.code).toBe(4);
      expect(readFileSync(identity, "utf8")).toBe("# the victim's key\n");
      // As root over a checkout uid 1001 owns (a CI container): its link there is followed.
      const checkout = join(box.dir, "checkout");
      mkdirSync(join(checkout, "shared"), { recursive: true });
      writeFileSync(join(checkout, "shared", "out.yml"), "");
      symlinkSync("shared", join(checkout, "config"));
      for (const entry of ["", "shared", "shared/out.yml", "config"]) {
        lchownSync(join(checkout, entry), 1001, 1001);
      }
      const ci = await box.s5(["render", "a.yml", "-o", join(checkout, "config", "out.yml")], {
        env,
      });
      expect(ci.stderr).not.toContain("S5_OUTPUT_OWNER");
      expect(ci.code).toBe(0);
      expect(readFileSync(join(checkout, "shared", "out.yml"), "utf8")).toBe("a: link-secret\n");
      // Links of your own (or root's) are followed as before.
      writeFileSync(join(box.dir, "out.yml"), "");
      symlinkSync(join(box.dir, "out.yml"), join(box.dir, "own-link.yml"));
      expect((await box.s5(["render", "a.yml", "-o", "own-link.yml"], { env })).code).toBe(0);
      expect(readFileSync(join(box.dir, "out.yml"), "utf8")).toBe("a: link-secret\n");
    },
  );

  const hasStrace = spawnSync("strace", ["-V"]).status === 0;
  it.runIf(isRoot && canRun(hasStrace))(
    "a FIFO swapped for another user's between the check and the open is refused",
    async () => {
      const { box, cipher } = await aesBox();
      writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("swapped-fifo-secret")}\n`);
      const shared = join(box.dir, "shared");
      mkdirSync(shared);
      chmodSync(shared, 0o1777);
      // Yours and private when s5 looks at it; Mallory's (uid 65534) when s5 opens it.
      const target = join(shared, "out.fifo");
      const theirs = join(shared, "theirs.fifo");
      expect(spawnSync("mkfifo", ["-m", "600", target]).status).toBe(0);
      expect(spawnSync("mkfifo", ["-m", "622", theirs]).status).toBe(0);
      chownSync(theirs, 65534, 65534);
      // strace holds s5's open of that path (-P: only calls on it) for 1.5 s and logs it on entry.
      const log = join(box.dir, "..", "strace.log");
      const traced = spawn(
        "strace",
        ["-f", "-qq", "-o", log, "-P", target, "-e", "trace=openat", "-e"]
          .concat(["inject=openat:delay_enter=1500000", process.execPath, S5_BIN])
          .concat(["render", "a.yml", "-o", target]),
        { cwd: box.dir, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      traced.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const ended = new Promise<number | null>((resolve) => traced.on("close", resolve));
      const opening = () => existsSync(log) && readFileSync(log, "utf8").includes("openat(");
      while (!opening()) await new Promise((resolve) => setTimeout(resolve, 10));
      // s5 checked its own FIFO and is opening the name: Mallory renames hers over it, and reads.
      renameSync(theirs, target);
      const reader = spawnSync("cat", [target], { encoding: "utf8", timeout: 20_000 });
      expect(await ended).toBe(4);
      expect(stderr).toContain("belongs to another user (uid 65534)");
      expect(reader.stdout).toBe("");
    },
  );

  it.runIf(isRoot && hasSetpriv)(
    "another user's s5 replaces a teammate's file with a file of its own, 0600",
    async () => {
      const team = mkdtempSync(join(tmpdir(), "s5-team-render-"));
      chmodSync(team, 0o2777);
      const { cipher } = await aesBox();
      writeFileSync(join(team, "a.yml"), `a: ${await cipher("team-secret")}\n`);
      chmodSync(join(team, "a.yml"), 0o644);
      const theirs = join(team, "app.yml");
      writeFileSync(theirs, "old\n");
      chmodSync(theirs, 0o664);
      chownSync(theirs, 1234, 2000);
      const result = asTeammate(["render", join(team, "a.yml"), "-o", theirs], team);
      expect(result.stderr).toContain("group and others lost access");
      expect(result.status).toBe(0);
      expect([statSync(theirs).uid, mode(theirs)]).toEqual([65534, 0o600]);
      expect(readFileSync(theirs, "utf8")).toBe("a: team-secret\n");
      rmSync(team, { recursive: true, force: true });
    },
  );

  it.runIf(isRoot && hasSetpriv)("a group member's seal -i keeps the file's group", async () => {
    // Under /tmp itself: the other user must reach it (a sandbox's parent is private).
    const shared = mkdtempSync(join(tmpdir(), "s5-team-"));
    chmodSync(shared, 0o777);
    const file = join(shared, "values.yml");
    writeFileSync(file, "a: {{ s5:seal v }}\n");
    chmodSync(file, 0o664);
    chownSync(file, 1234, 2000);
    // Another member of group 2000 seals it.
    const sealed = asTeammate(["seal", "aes", "-i", file], shared);
    expect(sealed.stderr).toBe(`${file}: 1 new token(s): 1 to AES\n`);
    expect(sealed.status).toBe(0);
    expect([statSync(file).gid, mode(file)]).toEqual([2000, 0o664]);
    rmSync(shared, { recursive: true, force: true });
  });
});

describe("other descriptors, names and modes", () => {
  it("-o /dev/stderr and /dev/fd/3 write to the descriptor, never replace the file behind it", async () => {
    const { box, cipher } = await aesBox();
    writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("fd-secret")}\n`);
    const log = join(box.dir, "build.log");
    for (const [target, fd] of [
      ["/dev/stderr", 2],
      ["/dev/fd/3", 3],
    ] as const) {
      writeFileSync(log, "earlier line\n");
      chmodSync(log, 0o600);
      const appended = openSync(log, "a");
      const stdio: ("ignore" | number)[] = ["ignore", "ignore", "ignore", "ignore"];
      stdio[fd] = appended;
      const result = spawnSync(process.execPath, [S5_BIN, "render", "a.yml", "-o", target], {
        cwd: box.dir,
        env: { ...process.env, ...env },
        stdio,
      });
      closeSync(appended);
      expect(result.status, target).toBe(0);
      expect(readFileSync(log, "utf8"), target).toBe("earlier line\na: fd-secret\n");
    }
  });

  it("plaintext on a stdout or descriptor that others may read gets a warning; a pipe none", async () => {
    const { box, cipher } = await aesBox();
    const token = await cipher("fd-secret");
    writeFileSync(join(box.dir, "a.yml"), `a: ${token}\n`);
    const out = join(box.dir, "out.yml");
    // The advice fits the command: `decipher` has no -o, and `render --textconv` refuses it
    // (before, both were told to use it).
    const withFile = "use -o FILE (created 0600), or chmod go-rwx it\n";
    const stdoutOnly = "chmod go-rwx it, or redirect to a file made under umask 077\n";
    for (const [fix, ...args] of [
      [withFile, "render", "a.yml"],
      [stdoutOnly, "decipher", token],
      [withFile, "render", "a.yml", "-o", "/dev/fd/1"],
      [stdoutOnly, "render", "--textconv", "a.yml"],
    ] as [string, ...string[]][]) {
      writeFileSync(out, "");
      chmodSync(out, 0o644);
      const fd = openSync(out, "w");
      const result = spawnSync(process.execPath, [S5_BIN, ...args], {
        cwd: box.dir,
        env: { ...process.env, ...env },
        stdio: ["ignore", fd, "pipe"],
        encoding: "utf8",
      });
      closeSync(fd);
      expect(result.status, args.join(" ")).toBe(0);
      expect(result.stderr, args.join(" ")).toContain(
        "s5: warning: stdout is a file that group or others may read (mode 0644)",
      );
      expect(result.stderr, args.join(" ")).toContain(
        `they can read the plaintext written to it; ${fix}`,
      );
      expect(result.stderr).not.toContain("fd-secret");
      expect(readFileSync(out, "utf8")).toContain("fd-secret");
    }
    // Readable by the group alone (umask 027): the same warning.
    writeFileSync(out, "");
    chmodSync(out, 0o640);
    const groupFd = openSync(out, "w");
    const grouped = spawnSync(process.execPath, [S5_BIN, "render", "a.yml"], {
      cwd: box.dir,
      env: { ...process.env, ...env },
      stdio: ["ignore", groupFd, "pipe"],
      encoding: "utf8",
    });
    closeSync(groupFd);
    expect(grouped.status).toBe(0);
    expect(grouped.stderr).toContain(
      "s5: warning: stdout is a file that group or others may read (mode 0640)",
    );
    // Another descriptor (`-o /dev/fd/3 3>out.yml`): the same warning, naming it.
    writeFileSync(out, "");
    chmodSync(out, 0o644);
    const fd3 = openSync(out, "w");
    const third = spawnSync(process.execPath, [S5_BIN, "render", "a.yml", "-o", "/dev/fd/3"], {
      cwd: box.dir,
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe", fd3],
      encoding: "utf8",
    });
    closeSync(fd3);
    expect(third.status).toBe(0);
    expect(third.stderr).toContain(
      "s5: warning: /dev/fd/3 is a file that group or others may read (mode 0644)",
    );
    expect(readFileSync(out, "utf8")).toBe("a: fd-secret\n");
    const piped = await box.s5(["render", "a.yml"], { env });
    expect(piped.stderr).toBe("");
  });

  it("a secret key that keys generate writes to a stdout others may read gets the same warning", async () => {
    const { box } = await aesBox();
    const out = join(box.dir, "ci.key");
    for (const mode of [0o644, 0o600]) {
      writeFileSync(out, "");
      chmodSync(out, mode);
      const fd = openSync(out, "w");
      const result = spawnSync(process.execPath, [S5_BIN, "keys", "generate"], {
        cwd: box.dir,
        env: { ...process.env, ...env },
        stdio: ["ignore", fd, "pipe"],
        encoding: "utf8",
      });
      closeSync(fd);
      expect(result.status).toBe(0);
      const key = readFileSync(out, "utf8");
      expect(key).toMatch(/^S5-SECRET-KEY-/);
      const warning =
        "s5: warning: stdout is a file that group or others may read (mode 0644): they can read the secret key written to it; chmod go-rwx it, or redirect to a file made under umask 077\n";
      if (mode === 0o644) expect(result.stderr).toContain(warning);
      else expect(result.stderr).not.toContain("warning");
      expect(result.stderr).not.toContain(key.trim());
    }
    const piped = await box.s5(["keys", "generate"], { env });
    expect(piped.stderr).not.toContain("warning");
  });

  it("a FIFO that group or others may read is refused, even your own", async () => {
    const { box, cipher } = await aesBox();
    writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("fifo-secret")}\n`);
    const fifo = join(box.dir, "p");
    expect(spawnSync("mkfifo", ["-m", "644", fifo]).status).toBe(0);
    const othersRead = readFifo(fifo);
    const result = await box.s5(["render", "a.yml", "-o", "p"], { env });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("p is a FIFO that group or others may read (mode 0644)");
    expect(result.stderr).toContain("S5_OUTPUT_MODE");
    expect(result.stderr).toContain("mkfifo -m 600");
    expect(othersRead()).toBe("");
    // Readable by the group alone: every member of it gets the plaintext.
    const group = join(box.dir, "g");
    expect(spawnSync("mkfifo", ["-m", "640", group]).status).toBe(0);
    const groupRead = readFifo(group);
    const grouped = await box.s5(["render", "a.yml", "-o", "g"], { env });
    expect(grouped.code).toBe(4);
    expect(grouped.stderr).toContain("g is a FIFO that group or others may read (mode 0640)");
    expect(groupRead()).toBe("");
  });

  it("a new file follows the umask; a name of 250 bytes can be written", async () => {
    const { box, cipher } = await aesBox();
    writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("v")}\nb: {{ s5:seal w }}\n`);
    const shell = (command: string) =>
      spawnSync("sh", ["-c", command], {
        cwd: box.dir,
        env: { ...process.env, ...env },
        encoding: "utf8",
      });
    expect(
      shell(`umask 077; "${process.execPath}" "${S5_BIN}" seal aes a.yml -o sealed.yml`).status,
    ).toBe(0);
    expect(mode(join(box.dir, "sealed.yml"))).toBe(0o600);
    expect(
      shell(`umask 002; "${process.execPath}" "${S5_BIN}" seal aes a.yml -o shared.yml`).status,
    ).toBe(0);
    expect(mode(join(box.dir, "shared.yml"))).toBe(0o664);
    const long = `${"é".repeat(123)}.yml`; // 250 bytes: its temporary name is cut to fit
    const result = await box.s5(["render", "sealed.yml", "-o", long], { env });
    expect(result.stderr).toBe("");
    expect(readFileSync(join(box.dir, long), "utf8")).toContain("a: v\n");
    expect(readdirSync(box.dir).filter((name) => name.includes(".s5-"))).toEqual([]);
  });
});

describe("several files with -i: all or nothing", () => {
  async function twoFiles() {
    const { box, cipher } = await aesBox();
    const a = `a: ${await cipher("first")}\n`;
    const b = `b: ${await cipher("second")}\n`;
    writeFileSync(join(box.dir, "a.yml"), a);
    mkdirSync(join(box.dir, "ro"));
    writeFileSync(join(box.dir, "ro", "b.yml"), b);
    return { box, a, b };
  }

  const hasStrace = spawnSync("strace", ["-V"]).status === 0;
  it.runIf(canRun(hasStrace))(
    "a signal while the files are renamed waits until all of them are",
    async () => {
      const { box, cipher } = await aesBox();
      const files = ["f1.yml", "f2.yml", "f3.yml"];
      for (const file of files) writeFileSync(join(box.dir, file), `v: ${await cipher(file)}\n`);
      // strace holds each rename for 0.4 s: wide enough to signal between two of them.
      const traced = spawn(
        "strace",
        [
          "-f",
          "-qq",
          "-o",
          "/dev/null",
          "-e",
          "trace=rename",
          "-e",
          "inject=rename:delay_exit=400000",
        ].concat([process.execPath, S5_BIN, "render", "-i", ...files]),
        { cwd: box.dir, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] },
      );
      const ended = new Promise<number | null>((resolve) => traced.on("close", resolve));
      const rendered = () =>
        files.filter((f) => readFileSync(join(box.dir, f), "utf8") === `v: ${f}\n`);
      while (rendered().length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      // The first file is in place: s5 (strace's child) is told to stop.
      const pid = Number(
        readFileSync(`/proc/${traced.pid}/task/${traced.pid}/children`, "utf8").trim(),
      );
      process.kill(pid, "SIGTERM");
      await ended;
      expect(rendered()).toEqual(files);
      expect(readdirSync(box.dir).filter((name) => name.includes(".s5-"))).toEqual([]);
    },
  );

  it("changes no file when one of them cannot be written (render, seal, rewrap)", async () => {
    const { box, a, b } = await twoFiles();
    const marked = "s: {{ s5:seal x1 }}\n";
    writeFileSync(join(box.dir, "s.yml"), marked);
    writeFileSync(join(box.dir, "ro", "t.yml"), marked);
    const unlock = lockDirectory(join(box.dir, "ro"));
    try {
      const render = await box.s5(["render", "-i", "a.yml", "ro/b.yml"], { env });
      expect(render.code).toBe(4);
      expect(render.stderr).toContain("cannot write ro/b.yml");
      expect(render.stderr).toContain("nothing was changed");
      const seal = await box.s5(["seal", "aes", "-i", "s.yml", "ro/t.yml"], { env });
      expect(seal.code).toBe(4);
      expect(seal.stderr).toContain("nothing was changed");
      const rewrap = await box.s5(["rewrap", "-i", "a.yml", "ro/b.yml"], { env });
      expect(rewrap.code).toBe(4);
    } finally {
      unlock();
    }
    expect(readFileSync(join(box.dir, "a.yml"), "utf8")).toBe(a);
    expect(readFileSync(join(box.dir, "ro", "b.yml"), "utf8")).toBe(b);
    expect(readFileSync(join(box.dir, "s.yml"), "utf8")).toBe(marked);
    expect(readdirSync(box.dir).sort()).toEqual(["a.yml", "ro", "s.yml"]);
    expect(readdirSync(join(box.dir, "ro")).sort()).toEqual(["b.yml", "t.yml"]);
  });

  it.runIf(isRoot)("names exactly which files changed when a rename fails midway", async () => {
    const { box } = await twoFiles();
    const c = join(box.dir, "c.txt");
    writeFileSync(c, "c: plain\n");
    writeFileSync(join(box.dir, "other"), "pinned\n");
    const unpin = pinFile(c, join(box.dir, "other"))!;
    try {
      const result = await box.s5(["render", "-i", "a.yml", "c.txt"], { env });
      expect(result.code).toBe(4);
      expect(result.stderr).toContain("cannot replace c.txt (EBUSY)");
      expect(result.stderr).toContain("a.yml was replaced");
      expect(result.stderr).toContain("c.txt was not changed");
    } finally {
      unpin();
    }
    expect(readFileSync(join(box.dir, "a.yml"), "utf8")).toBe("a: first\n");
    expect(readdirSync(box.dir).sort()).toEqual(["a.yml", "c.txt", "other", "ro"]);
  });
});

describe("read-only files", () => {
  it("render -i refuses a 0444 file unless --force", async () => {
    const { box, cipher } = await aesBox();
    const file = join(box.dir, "a.yml");
    const text = `a: ${await cipher("ro-value")}\n`;
    writeFileSync(file, text);
    chmodSync(file, 0o444);
    const refused = await box.s5(["render", "-i", "a.yml"], { env });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("a.yml is read-only (mode 0444)");
    expect(refused.stderr).toContain("--force");
    expect(readFileSync(file, "utf8")).toBe(text);
    expect(mode(file)).toBe(0o444);

    const forced = await box.s5(["render", "-i", "--force", "a.yml"], { env });
    expect(forced.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("a: ro-value\n");
    expect(mode(file)).toBe(0o400);
  });
  it("a read-only checkout still runs what changes nothing in .s5.json (its lock cannot be made there)", async () => {
    const box = sandbox();
    const project = join(box.dir, "checkout");
    mkdirSync(project);
    const made = await box.s5(["init"], { cwd: project });
    expect(made.code).toBe(0);
    const publicKey = made.stdout.toString().trim();
    const config = readFileSync(join(project, ".s5.json"), "utf8");
    mkdirSync(join(project, "pkg"));
    writeFileSync(join(project, "pkg", "values.yml"), "a: {{ s5:seal x }}\n");
    const unlock = lockDirectory(project);
    try {
      // New tokens are checked against .s5.json without its lock (current-key.ts).
      const sealed = await box.s5(["seal", "-i", "pkg/values.yml"], { cwd: project });
      const key = JSON.parse(config).local.keys.at(-1).id;
      expect(sealed.stderr).toBe(
        `pkg/values.yml: 1 new token(s): 1 to local key ${key} (1 recipient)\n`,
      );
      expect(sealed.code).toBe(0);
      const cipher = await box.s5(["cipher", "y"], { cwd: project });
      expect(cipher.stderr).toBe("");
      expect(cipher.code).toBe(0);
      // A teammate's first step: s5 init prints the public key to send to a recipient.
      const again = await box.s5(["init"], { cwd: project });
      expect(again.stderr).toContain("is already set up");
      expect(again.code).toBe(0);
      expect(again.stdout.toString().trim()).toBe(publicKey);
      // A refusal keeps its own words, not the lock's.
      const unknown = await box.s5(["keys", "remove", "nobody-here"], { cwd: project });
      expect(unknown.stderr).toContain("(S5_KEY_LOCAL_RECIPIENT)");
      expect(unknown.code).toBe(7);
      // A change that would be written is refused, with the lock named.
      const bob = "s5pk-zA__QiZVZmukgtVKLjOQ-iIRpX4_ln6jjB--LMaF524";
      const add = await box.s5(["keys", "add", "bob", bob], { cwd: project });
      expect(add.code).toBe(4);
      expect(add.stderr).toMatch(/cannot make .*\.s5\.json\.lock \((EACCES|EPERM)\) \(S5_OUTPUT\)/);
    } finally {
      unlock();
    }
    expect(readFileSync(join(project, ".s5.json"), "utf8")).toBe(config);
    expect(readdirSync(project).sort()).toEqual([".s5.json", "pkg"]);
    expect(readFileSync(join(project, "pkg", "values.yml"), "utf8")).toMatch(/^a: \{\{ s5:local:/);
  });
});

describe("failures to write stdout", () => {
  it("a full disk (/dev/full) is an error with its exit code, not a stack trace", async () => {
    const { box, cipher } = await aesBox();
    writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("v")}\n`);
    const full = openSync("/dev/full", "w");
    const result = spawnSync(process.execPath, [S5_BIN, "render", "a.yml"], {
      cwd: box.dir,
      env: { ...box.env, ...env },
      stdio: ["ignore", full, "pipe"],
      encoding: "utf8",
    });
    closeSync(full);
    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(/^s5: error: cannot write to stdout \(ENOSPC\)/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a failed write says what to do by its cause: a full disk, a missing directory", async () => {
    const { box, cipher } = await aesBox();
    writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("v")}\n`);
    const full = await box.s5(["render", "a.yml", "-o", "/dev/full"], { env });
    expect(full.code).toBe(4);
    expect(full.stderr).toContain("hint: the disk is full: free some space");
    const missing = await box.s5(["render", "a.yml", "-o", "no/such/dir/out.yml"], { env });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain("hint: the directory does not exist: create it first");
  });

  it("a reader that stops early (EPIPE) ends s5 quietly", async () => {
    const { box, cipher } = await aesBox();
    const token = await cipher("v");
    writeFileSync(join(box.dir, "big.txt"), `${"x".repeat(1 << 20)}${token}\n`.repeat(8));
    const script = `"${process.execPath}" "${S5_BIN}" render big.txt | head -c 10; echo " \${PIPESTATUS[0]}"`;
    const result = spawnSync("bash", ["-c", script], {
      cwd: box.dir,
      env: { ...box.env, ...env },
      encoding: "utf8",
    });
    expect(result.stdout).toBe("xxxxxxxxxx 0\n");
    expect(result.stderr).toBe("");
    expect(existsSync(join(box.dir, "big.txt"))).toBe(true);
  });

  it("a stdout that refuses to block (a non-blocking pipe, EAGAIN) still gets every byte", async () => {
    const { box, cipher } = await aesBox();
    const token = await cipher("v");
    const line = `${"x".repeat(1 << 16)}${token}\n`;
    writeFileSync(join(box.dir, "big.txt"), line.repeat(64));
    // Python hands s5 the write end of a pipe in non-blocking mode (as a parent that set
    // O_NONBLOCK on a shared pipe would) and starts reading only after s5 has filled it.
    const script = [
      "import os, subprocess, sys, time, hashlib",
      "r, w = os.pipe()",
      "os.set_blocking(w, False)",
      "child = subprocess.Popen(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)",
      "os.close(w)",
      "time.sleep(0.5)",
      "data = b''",
      "while True:",
      "    chunk = os.read(r, 1 << 20)",
      "    if not chunk: break",
      "    data += chunk",
      "err = child.stderr.read()",
      "print(child.wait(), len(data), hashlib.sha256(data).hexdigest(), err.decode())",
    ].join("\n");
    const result = spawnSync(
      "python3",
      ["-c", script, process.execPath, S5_BIN, "render", "big.txt"],
      {
        cwd: box.dir,
        env: { ...box.env, ...env },
        encoding: "utf8",
      },
    );
    const expected = `${"x".repeat(1 << 16)}v\n`.repeat(64);
    const { createHash } = await import("node:crypto");
    const sha = createHash("sha256").update(expected).digest("hex");
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe(`0 ${expected.length} ${sha}`);
  });
});
