// Many s5 processes at once sharing one home and one project (a monorepo's task runner, parallel
// CI jobs): what one writes must not undo what another wrote. Each race is made deterministic by
// stopping one process at a known point (strace delivers SIGSTOP on a chosen system call), running
// the other to its end, then letting the first go on.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runChild } from "../child.ts";
import { asRoot, canRun, canUnshare, OTHER_UID } from "../setup/system-tools.ts";
import { S5_BIN, type Sandbox, sandbox } from "./run.ts";

const hasStrace = spawnSync("strace", ["-V"]).status === 0;
// Another user's s5, and a /proc of one's own that hides processes: root, a mount namespace.
const OTHER = OTHER_UID;
const unshare = canUnshare;

interface Stopped {
  /** The stopped process's id. */
  pid: number;
  /** Lets the stopped s5 go on; resolves with its exit code, stdout and stderr once it ends. */
  resume(): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** strace's log so far: the traced calls on the path, one a line. */
  trace(): string;
  /** Kills the stopped s5 (SIGKILL: it can clean nothing up); resolves once it has ended. */
  kill(): Promise<void>;
}

/**
 * Starts s5 under strace, stopped (SIGSTOP) right after its `when`-th `syscall` on `path` returns.
 * Resolves once it is stopped there.
 */
async function stoppedAt(
  box: Sandbox,
  args: string[],
  stop: { path: string; syscall: string; when?: number; inject?: string },
): Promise<Stopped> {
  const log = join(box.dir, "..", `strace-${Math.random().toString(36).slice(2)}.log`);
  const traced = spawn(
    "strace",
    ["-f", "-qq", "-o", log, "-P", stop.path, "-e", `trace=${stop.syscall}`, "-e"]
      .concat([`inject=${stop.syscall}:signal=SIGSTOP:when=${stop.when ?? 1}`])
      // Another call made to fail: `link:error=EPERM` is a file system without hard links.
      .concat(stop.inject ? ["-e", `trace=${stop.syscall},${stop.inject.split(":")[0]}`] : [])
      .concat(stop.inject ? ["-e", `inject=${stop.inject}`] : [])
      .concat([process.execPath, S5_BIN, ...args]),
    { cwd: box.dir, env: box.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  traced.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  let stderr = "";
  traced.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ended = new Promise<number | null>((resolve) => traced.on("close", resolve));
  let pid: number | undefined;
  let exited = false;
  void ended.then(() => {
    exited = true;
  });
  while (pid === undefined) {
    const text = existsSync(log) ? readFileSync(log, "utf8") : "";
    // strace pads the process id to a width: "4108  ---", "14398 ---".
    const match = /^(\d+) +--- SIGSTOP \{/m.exec(text);
    if (match) pid = Number(match[1]);
    else if (exited) throw new Error(`s5 ended before it stopped: ${stderr}\n${text}`);
    else await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    pid,
    async resume() {
      process.kill(pid!, "SIGCONT");
      return { code: await ended, stdout, stderr };
    },
    trace: () => readFileSync(log, "utf8"),
    async kill() {
      process.kill(pid!, "SIGKILL");
      await ended;
    },
  };
}

/**
 * A lock token as s5 writes it for process `pid` started at `start` (clock ticks after boot, as
 * this test's time namespace shows it): its boot, PID namespace and time namespace.
 */
function markedToken(pid: number, start: string | number): string {
  const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  const time = existsSync("/proc/self/ns/time") ? `+${readlinkSync("/proc/self/ns/time")}` : "";
  return `1.x holder ${pid} ${start} ${boot} ${readlinkSync("/proc/self/ns/pid")}${time}`;
}

/** This process's start time, as /proc/self/stat gives it. */
function ownStart(): string {
  const stat = readFileSync("/proc/self/stat", "latin1");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
}

/**
 * Starts `command` (s5, or a wrapper that runs it) in the sandbox's project and resolves once it
 * says it waits for a lock, or once it has ended without saying so (it took the lock at once).
 */
async function untilWaiting(
  box: Sandbox,
  command: string,
  args: string[],
  env: Record<string, string> | undefined = box.env,
): Promise<{ stderr: () => string; code: Promise<number | null> }> {
  const child = spawn(command, args, { cwd: box.dir, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const code = new Promise<number | null>((resolve) => child.on("close", resolve));
  await new Promise<void>((resolve) => {
    void code.then(() => resolve());
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("s5: note: waiting for")) resolve();
    });
  });
  return { stderr: () => stderr, code };
}

/**
 * A real s5 holds `.s5.json.lock` (its own mark), stopped right after writing its token; another
 * `keys add`, started through `launch`, must wait for it, not take it over; both changes land.
 */
async function liveHolderWaitedFor(launch: (args: string[]) => [string, string[]]): Promise<void> {
  const box = sandbox();
  expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
  const key = async () => (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
  const [carol, dave] = [await key(), await key()];
  const lock = join(box.dir, ".s5.json.lock");
  const holder = await stoppedAt(box, ["keys", "add", "carol", carol], {
    path: lock,
    syscall: "write",
  });
  const held = readFileSync(lock, "utf8");
  const waiting = await untilWaiting(box, ...launch(["keys", "add", "dave", dave]));
  expect(waiting.stderr()).toContain("s5: note: waiting for");
  expect(readFileSync(lock, "utf8")).toBe(held);
  const first = await holder.resume();
  expect([first.code, await waiting.code], first.stderr + waiting.stderr()).toEqual([0, 0]);
  const config = readFileSync(join(box.dir, ".s5.json"), "utf8");
  expect(config).toContain(carol);
  expect(config).toContain(dave);
}

/** Whether this home can encrypt and decrypt a value in `dir`'s project. */
async function roundTrip(box: Sandbox, dir: string): Promise<string> {
  const cipher = await box.s5(["cipher"], { input: "a-value", cwd: dir });
  if (cipher.code !== 0) return cipher.stderr;
  const token = cipher.stdout.toString().trim();
  const decipher = await box.s5(["decipher", token], { cwd: dir });
  return decipher.code === 0 ? decipher.stdout.toString() : decipher.stderr;
}

describe.runIf(canRun(hasStrace))("s5 processes at once", () => {
  it("s5 init in two projects at once, in a fresh home, makes one identity that opens both", async () => {
    const box = sandbox();
    const [a, b] = [join(box.dir, "a"), join(box.dir, "b")];
    mkdirSync(a);
    mkdirSync(b);
    const identity = join(box.env.XDG_CONFIG_HOME!, "s5", "identity.txt");
    mkdirSync(join(box.env.XDG_CONFIG_HOME!, "s5"), { recursive: true, mode: 0o700 });
    // The first has found no identity, and will make one; the second makes one meanwhile.
    const first = await stoppedAt(box, ["init", "--dir", a], { path: identity, syscall: "openat" });
    const second = await box.s5(["init", "--dir", b]);
    expect(second.stderr).toContain("created your identity");
    const done = await first.resume();
    expect(done.code).toBe(0);
    // Replacing the second's identity would have lost the only key that opens b's project key.
    expect(done.stderr).toContain("using your identity");
    expect(await roundTrip(box, a)).toBe("a-value");
    expect(await roundTrip(box, b)).toBe("a-value");
  });

  // Without hard links (vfat, exFAT: strace makes link fail here as it does there), the identity
  // is made with O_EXCL and is empty until written; another s5 that read it empty replaced it.
  it("s5 init at once where there are no hard links: the second waits for the first's identity", async () => {
    const box = sandbox();
    const [a, b] = [join(box.dir, "a"), join(box.dir, "b")];
    mkdirSync(a);
    mkdirSync(b);
    const identity = join(box.env.XDG_CONFIG_HOME!, "s5", "identity.txt");
    mkdirSync(join(box.env.XDG_CONFIG_HOME!, "s5"), { recursive: true, mode: 0o700 });
    // The first has made the identity (empty) with O_EXCL: stopped before it writes its key.
    const first = await stoppedAt(box, ["init", "--dir", a], {
      path: identity,
      syscall: "openat",
      when: 2,
      inject: "link:error=EPERM",
    });
    expect(readFileSync(identity, "utf8")).toBe("");
    // The second finds it empty, and is stopped where it tries the lock the first holds (the
    // code before replaced the empty file with an identity of its own, and went on).
    const second = await stoppedAt(box, ["init", "--dir", b], {
      path: `${identity}.lock`,
      syscall: "openat",
    });
    // The second goes on first: it must wait for the first's lock (its next look at the lock
    // judges it), not read the identity still empty and write one of its own.
    const secondEnded = second.resume();
    let ended = false;
    void secondEnded.then(() => {
      ended = true;
    });
    while (!ended && (second.trace().match(/openat\(/g) ?? []).length < 2) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [doneFirst, doneSecond] = [await first.resume(), await secondEnded];
    expect([doneFirst.code, doneSecond.code], doneFirst.stderr + doneSecond.stderr).toEqual([0, 0]);
    expect(doneFirst.stderr).toContain("created your identity");
    expect(doneSecond.stderr).toContain("using your identity");
    expect(await roundTrip(box, a)).toBe("a-value");
    expect(await roundTrip(box, b)).toBe("a-value");
    expect(existsSync(`${identity}.lock`)).toBe(false);
  });
});

describe.runIf(canRun(hasStrace))("changes of .s5.json at once", () => {
  it("keys rotate beside keys remove: the removed recipient stays removed, and gets no new key", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const bob = (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
    expect((await box.s5(["keys", "add", "bob", bob])).code).toBe(0);
    const file = join(box.dir, ".s5.json");
    // The rotation has read the project config (with Bob); Bob is removed meanwhile.
    const rotate = await stoppedAt(box, ["keys", "rotate"], { path: file, syscall: "openat" });
    const remove = await box.s5(["keys", "remove", "bob"]);
    expect(remove.code).toBe(0);
    const rotated = await rotate.resume();
    expect(rotated.code).toBe(0);
    const keys = JSON.parse(readFileSync(file, "utf8")).local.keys as {
      recipients: { name: string }[];
    }[];
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key.recipients.map((r) => r.name)).toEqual(["alice"]);
  });

  it("another program's write of .s5.json while keys add holds it is refused, not undone", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const carol = (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
    const file = join(box.dir, ".s5.json");
    // Stopped once it has read the config under its lock (the first read is the settings').
    const add = await stoppedAt(box, ["keys", "add", "carol", carol], {
      path: file,
      syscall: "openat",
      when: 2,
    });
    expect(existsSync(`${file}.lock`)).toBe(true);
    // A `git pull` meanwhile, which knows nothing of s5's lock.
    const pulled = `${readFileSync(file, "utf8").trimEnd()}\n`.replace('"alice"', '"alice-pulled"');
    writeFileSync(file, pulled);
    const result = await add.resume();
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("(S5_OUTPUT_CHANGED)");
    expect(readFileSync(file, "utf8")).toBe(pulled);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("two keys add at once keep both recipients", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const [carol, dave] = await Promise.all(
      [0, 1].map(
        async () => (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0],
      ),
    );
    const file = join(box.dir, ".s5.json");
    const first = await stoppedAt(box, ["keys", "add", "carol", carol!], {
      path: file,
      syscall: "openat",
    });
    expect((await box.s5(["keys", "add", "dave", dave!])).code).toBe(0);
    expect((await first.resume()).code).toBe(0);
    const [key] = JSON.parse(readFileSync(file, "utf8")).local.keys;
    expect(key.recipients.map((r: { name: string }) => r.name)).toEqual(["alice", "dave", "carol"]);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("keys remove beside keys add: the recipient added meanwhile stays", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const key = async () => (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
    const [bob, carol] = [await key(), await key()];
    expect((await box.s5(["keys", "add", "bob", bob])).code).toBe(0);
    const file = join(box.dir, ".s5.json");
    // The removal has read the project config (its settings, before the lock); Carol is added
    // meanwhile.
    const remove = await stoppedAt(box, ["keys", "remove", "bob"], {
      path: file,
      syscall: "openat",
    });
    expect((await box.s5(["keys", "add", "carol", carol])).code).toBe(0);
    const removed = await remove.resume();
    expect(removed.code, removed.stderr).toBe(0);
    const [only] = JSON.parse(readFileSync(file, "utf8")).local.keys;
    expect(only.recipients.map((r: { name: string }) => r.name)).toEqual(["alice", "carol"]);
  });
});

describe.runIf(canRun(hasStrace))("the record of known keys", () => {
  it("an s5 cipher that read the record before a keys rotate recorded its key does not move the machine back", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    // A teammate's rotation, pulled: this machine has not encrypted with it yet.
    const elsewhere = join(box.dir, "..", "other-known-keys.json");
    const pulled = await box.s5(["keys", "rotate"], { env: { S5_KNOWN_KEYS_FILE: elsewhere } });
    expect(pulled.code).toBe(0);
    const record = join(box.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    // The cipher has read the record (it knows only the first key, and will add the teammate's);
    // this machine rotates again meanwhile.
    const cipher = await stoppedAt(box, ["cipher", "x"], { path: record, syscall: "openat" });
    expect((await box.s5(["keys", "rotate"])).code).toBe(0);
    const stale = await cipher.resume();
    // Its key list is from before that rotation: refused, rather than encrypted to the key it retired.
    expect(stale.code).toBe(7);
    expect(stale.stderr).toContain("a key list from before a rotation");
    // Running it again is what to do: it reads the list as the rotation left it.
    expect(stale.stderr).toContain("if .s5.json changed just now");
    expect(stale.stderr).toContain("run the command again");
    // And the rotation stays the key this machine encrypts to.
    const after = await box.s5(["cipher", "y"]);
    expect(after.stderr).toBe("");
    expect(after.code).toBe(0);
  });

  it("two s5 that record keys at once: the second waits for the first's lock, and both are kept", async () => {
    const box = sandbox();
    const [a, b] = [join(box.dir, "a"), join(box.dir, "b")];
    mkdirSync(a);
    mkdirSync(b);
    expect((await box.s5(["init", "--dir", a])).code).toBe(0);
    expect((await box.s5(["init", "--dir", b])).code).toBe(0);
    const record = join(box.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    // A machine that has recorded neither project yet (projects it cloned).
    writeFileSync(record, JSON.stringify({ version: 1, projects: {} }));
    // The first holds the record's lock: stopped once it opens the record under it.
    const first = await stoppedAt(box, ["cipher", "--config", join(a, ".s5.json"), "x"], {
      path: record,
      syscall: "openat",
      when: 2,
    });
    expect(existsSync(`${record}.lock`)).toBe(true);
    // The second finds the lock taken (its create failed; it opens the lock to judge it).
    const second = await stoppedAt(box, ["cipher", "--config", join(b, ".s5.json"), "y"], {
      path: `${record}.lock`,
      syscall: "openat",
      when: 2,
    });
    const [one, two] = [await first.resume(), await second.resume()];
    expect([one.code, two.code], one.stderr + two.stderr).toEqual([0, 0]);
    const projects = JSON.parse(readFileSync(record, "utf8")).projects as Record<string, string[]>;
    const keysOf = (dir: string) =>
      JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8")).local.keys[0].publicKey as string;
    const listed = Object.values(projects).flat();
    expect(listed).toContain(keysOf(a));
    expect(listed).toContain(keysOf(b));
  });

  it("an s5 decipher that read the record before a keys rotate recorded its key does not move the machine back", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    // A teammate's rotation, pulled, and a token of its key: this machine has not met it yet.
    const elsewhere = { S5_KNOWN_KEYS_FILE: join(box.dir, "..", "other-known-keys.json") };
    expect((await box.s5(["keys", "rotate"], { env: elsewhere })).code).toBe(0);
    const cipher = await box.s5(["cipher", "x"], { env: elsewhere });
    const token = cipher.stdout.toString().trim();
    const record = join(box.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    // The decipher has read the record, and will move on to the teammate's key it opened; this
    // machine rotates again meanwhile.
    const decipher = await stoppedAt(box, ["decipher", token], { path: record, syscall: "openat" });
    expect((await box.s5(["keys", "rotate"])).code).toBe(0);
    const done = await decipher.resume();
    expect([done.code, done.stdout], done.stderr).toEqual([0, "x"]);
    const keys = JSON.parse(readFileSync(join(box.dir, ".s5.json"), "utf8")).local.keys as {
      publicKey: string;
    }[];
    expect(keys).toHaveLength(3);
    // Still the rotation's key, not the teammate's it retired.
    const projects = JSON.parse(readFileSync(record, "utf8")).projects as Record<string, string[]>;
    for (const entry of Object.values(projects)) expect(entry.at(-1)).toBe(keys[2]!.publicKey);
  });
});

describe("the project config's lock", () => {
  // Two s5 judge the same dead lock stale; the first takes it over and holds a fresh one. The
  // second, going on, must not remove that one as if it were the dead lock.
  it.runIf(canRun(hasStrace))(
    "a stale lock two s5 judged at once is taken over by one of them only",
    async () => {
      const box = sandbox();
      expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
      const key = async () =>
        (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
      const [carol, dave] = [await key(), await key()];
      const lock = join(box.dir, ".s5.json.lock");
      writeFileSync(lock, "12345.killed");
      const dead = new Date(Date.now() - 40_000);
      utimesSync(lock, dead, dead);
      // B: its create failed (EEXIST), it has opened the dead lock to judge it: stopped there.
      const b = await stoppedAt(box, ["keys", "add", "carol", carol], {
        path: lock,
        syscall: "openat",
        when: 2,
      });
      // A: judges it too, takes it over, and is stopped right after making its own lock.
      const a = await stoppedAt(box, ["keys", "add", "dave", dave], {
        path: lock,
        syscall: "openat",
        when: 3,
      });
      expect(readFileSync(lock, "utf8")).not.toBe("12345.killed");
      const held = readFileSync(lock, "utf8");
      // B goes on: it finds the dead lock gone and A's in its place, and waits for A's.
      const bEnded = b.resume();
      while ((b.trace().match(/openat\(/g) ?? []).length < 3) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(readFileSync(lock, "utf8")).toBe(held);
      const [aDone, bDone] = [await a.resume(), await bEnded];
      expect([aDone.code, bDone.code], aDone.stderr + bDone.stderr).toEqual([0, 0]);
      const config = readFileSync(join(box.dir, ".s5.json"), "utf8");
      expect(config).toContain(carol);
      expect(config).toContain(dave);
      expect(existsSync(lock)).toBe(false);
    },
  );

  // A killed s5 (SIGKILL, an OOM kill, a cancelled CI job) leaves its lock: on the same machine
  // its token says whose it was, and a holder that has ended is not waited for.
  it.runIf(canRun(hasStrace))(
    "one left by an s5 killed while it held it is taken over at once",
    async () => {
      const box = sandbox();
      expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
      const key = async () =>
        (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
      const [carol, dave] = [await key(), await key()];
      const lock = join(box.dir, ".s5.json.lock");
      // Stopped right after it wrote its token into the lock, then killed there.
      const killed = await stoppedAt(box, ["keys", "add", "carol", carol], {
        path: lock,
        syscall: "write",
      });
      await killed.kill();
      expect(readFileSync(lock, "utf8")).toContain(` holder ${killed.pid} `);
      const add = await box.s5(["keys", "add", "dave", dave]);
      expect(add.code, add.stderr).toBe(0);
      expect(add.stderr).not.toContain("waiting for");
      const config = readFileSync(join(box.dir, ".s5.json"), "utf8");
      expect(config).toContain(dave);
      expect(config).not.toContain(carol);
      expect(existsSync(lock)).toBe(false);
    },
  );

  it.runIf(canRun(hasStrace))(
    "one whose holder still runs is waited for, not taken over",
    async () => {
      // Alive, stopped while it holds the lock (as a slow disk or a debugger would hold it).
      await liveHolderWaitedFor((args) => [process.execPath, [S5_BIN, ...args]]);
    },
  );

  it("one whose process id now belongs to a process started later is taken over at once", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const carol = (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
    const lock = join(box.dir, ".s5.json.lock");
    // The id is this test's own process (alive), the start time not its own: the id was reused.
    writeFileSync(lock, markedToken(process.pid, 1));
    const add = await box.s5(["keys", "add", "carol", carol]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).not.toContain("waiting for");
    expect(readFileSync(join(box.dir, ".s5.json"), "utf8")).toContain(carol);
  });

  // With /proc mounted hidepid=2 (a hardened host), another user's processes are not shown: a
  // lock another user's running s5 holds would look ended, and taking it over would lose a change.
  it.runIf(asRoot && unshare)(
    "one held by a process /proc does not show (hidepid) is waited for, not judged",
    async () => {
      const box = sandbox();
      expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
      const carol = (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
      const lock = join(box.dir, ".s5.json.lock");
      // Held by this test's own process (root, alive), its mark as s5 writes it.
      const held = markedToken(process.pid, ownStart());
      writeFileSync(lock, held);
      const root = join(box.dir, "..");
      spawnSync("chown", ["-R", `${OTHER}:${OTHER}`, root]);
      const env = Object.entries(box.env).map(([name, value]) => `${name}=${value}`);
      const waiting = await untilWaiting(
        box,
        "unshare",
        ["-m", "--propagation", "private", "sh", "-c"].concat([
          'mount -t proc -o hidepid=2 proc /proc && exec setpriv --reuid=$0 --regid=$0 --clear-groups env -i "$@"',
          String(OTHER),
          ...env,
          process.execPath,
          S5_BIN,
          "keys",
          "add",
          "carol",
          carol,
        ]),
        undefined,
      );
      expect(waiting.stderr()).toContain("s5: note: waiting for");
      expect(readFileSync(lock, "utf8")).toBe(held);
      rmSync(lock);
      expect(await waiting.code, waiting.stderr()).toBe(0);
      expect(readFileSync(join(box.dir, ".s5.json"), "utf8")).toContain(carol);
    },
  );

  // A clock set back (a VM restored from a snapshot, NTP stepping back) leaves a lock "made in the
  // future": judged by its age alone it would never be stale, and would hold every change for good.
  it("one made in the future (a clock set back) is taken over at once", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const carol = (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
    const lock = join(box.dir, ".s5.json.lock");
    writeFileSync(lock, "12345.killed");
    const future = new Date(Date.now() + 40_000);
    utimesSync(lock, future, future);
    const add = await box.s5(["keys", "add", "carol", carol]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).not.toContain("waiting for");
    expect(existsSync(lock)).toBe(false);
    expect(readFileSync(join(box.dir, ".s5.json"), "utf8")).toContain(carol);
  });

  // In a time namespace (`unshare -T`, a CRIU restore) /proc shows start times shifted by its
  // boot-clock offset: a live holder would look like another process by the same id.
  it.runIf(asRoot && unshare && canRun(hasStrace))(
    "one held by a live s5 is waited for from another time namespace",
    async () => {
      await liveHolderWaitedFor((args) => [
        "unshare",
        ["-T", "--boottime", "100000", process.execPath, S5_BIN, ...args],
      ]);
    },
  );

  it("one left by a killed s5 is said while waiting, then taken over", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const carol = (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
    const lock = join(box.dir, ".s5.json.lock");
    // Made 28 s ago by an s5 that was killed (SIGKILL leaves it): stale at 30 s.
    writeFileSync(lock, "12345.killed");
    const made = new Date(Date.now() - 28_000);
    utimesSync(lock, made, made);
    const add = await box.s5(["keys", "add", "carol", carol]);
    expect(add.code).toBe(0);
    // Who holds it, and that it is taken over only if it stays as it is.
    expect(add.stderr).toMatch(
      new RegExp(
        `^s5: note: waiting for ${lock.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(held by process 12345 \\(whether it runs cannot be told here\\)\\): another s5 is changing \\S+, or one was killed while it did; s5 waits 3[345] s more at most, and takes the lock over if it stays unchanged [12] s$`,
        "m",
      ),
    );
    expect(existsSync(lock)).toBe(false);
    expect(readFileSync(join(box.dir, ".s5.json"), "utf8")).toContain(carol);
  });

  it("one that is a directory or a symbolic link, which no s5 makes, is refused at once, not waited for", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const carol = (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
    const config = join(box.dir, ".s5.json");
    const before = readFileSync(config, "utf8");
    const lock = join(box.dir, ".s5.json.lock");
    for (const [kind, make] of [
      ["a directory", () => mkdirSync(lock)],
      ["a symbolic link", () => symlinkSync(join(box.dir, "nowhere"), lock)],
      ["no regular file", () => execFileSync("mkfifo", [lock])],
    ] as const) {
      make();
      // Before: 35 s of waiting, then "is held" with no holder named.
      const add = await box.s5(["keys", "add", "carol", carol]);
      expect(add.code).toBe(4);
      expect(add.stderr).toBe(
        `s5: error: cannot write ${config}: ${lock} is ${kind}, not a lock s5 made (S5_OUTPUT)\n` +
          "  hint: its lock is no regular file (a directory, a link, a FIFO), which no s5 makes: remove it (`ls -ld` it first), then run the command again\n",
      );
      expect(readFileSync(config, "utf8")).toBe(before);
      rmSync(lock, { recursive: true });
    }
    expect((await box.s5(["keys", "add", "carol", carol])).code).toBe(0);
    // The record of known keys' lock: named as such (it was "(ENOTLOCK)", and the hint blamed
    // S5_KNOWN_KEYS_FILE's directory).
    const known = join(box.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    mkdirSync(`${known}.lock`);
    const rotate = await box.s5(["keys", "rotate"]);
    expect(rotate.code).toBe(7);
    expect(rotate.stderr).toContain(
      `but this machine could not record it: cannot write ${known}: ${known}.lock is a directory, not a lock s5 made (S5_KEY_KNOWN_WRITE)`,
    );
  });

  it("a lock that was fresh when s5 began to wait is said once it is old, and s5 goes on when it goes", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const carol = (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[\w-]{43}/)![0];
    const lock = join(box.dir, ".s5.json.lock");
    writeFileSync(lock, "12345.busy");
    // The other s5 finishes once this one has said it waits (about 2 s after the lock was made).
    const waiting = await untilWaiting(box, process.execPath, [
      S5_BIN,
      "keys",
      "add",
      "carol",
      carol,
    ]);
    rmSync(lock);
    expect(await waiting.code).toBe(0);
    expect(waiting.stderr().match(/s5: note: waiting for/g)).toHaveLength(1);
    expect(readFileSync(join(box.dir, ".s5.json"), "utf8")).toContain(carol);
  });

  // A lock older than 30 s is taken over, so one outlasts the wait (35 s) only when it is taken
  // again and again, or kept fresh: here a live process's, touched while s5 waits (~35 s).
  it.runIf(existsSync("/proc/self/stat"))(
    "one held past the wait in one project of a seal: which project, who holds it, nothing written anywhere",
    async () => {
      const box = sandbox();
      const [a, b] = [join(box.dir, "apps", "a"), join(box.dir, "apps", "b")];
      for (const dir of [a, b]) {
        mkdirSync(dir, { recursive: true });
        expect((await box.s5(["init", "--dir", ".", "--name", "dev"], { cwd: dir })).code).toBe(0);
      }
      const files = [join(a, "x.yml"), join(b, "y.yml"), join(a, ".s5.json"), join(b, ".s5.json")];
      writeFileSync(files[0]!, "x: {{ s5:seal for-a }}\n");
      writeFileSync(files[1]!, "y: {{ s5:seal for-b }}\n");
      const before = files.map((file) => readFileSync(file, "utf8"));
      const holder = spawn("sleep", ["600"], { stdio: "ignore" });
      const stat = readFileSync(`/proc/${holder.pid}/stat`, "latin1");
      const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
      const token = markedToken(holder.pid!, start).replace(/^1\./, `${holder.pid}.`);
      const lock = join(b, ".s5.json.lock");
      writeFileSync(lock, token);
      const fresh = setInterval(() => utimesSync(lock, new Date(), new Date()), 500);
      let seal: Awaited<ReturnType<typeof runChild>>;
      try {
        seal = await runChild(
          process.execPath,
          [S5_BIN, "seal", "-i", "apps/a/x.yml", "apps/b/y.yml"],
          {
            cwd: box.dir,
            env: box.env,
          },
        );
      } finally {
        clearInterval(fresh);
        holder.kill("SIGKILL");
      }
      // Before: "cannot write …/apps/b/.s5.json: …lock is held", with no holder, no word of
      // the other project, nor that nothing was written.
      expect(seal.code).toBe(4);
      // Said while it waited, with no promise of a take-over: the lock was kept fresh. Before,
      // nothing was said for the 35 s (the lock was never 2 s old). The seconds as the clock gave.
      const said = seal.stderr.replace(
        / \d+ s more at most(.*) \d+ s\n/,
        " N s more at most$1 M s\n",
      );
      expect(said).toContain(
        `s5: note: waiting for ${lock} (held by s5 process ${holder.pid}, still running on this machine): another s5 is changing ${join(b, ".s5.json")}, or one was killed while it did; s5 waits N s more at most, and takes the lock over if it stays unchanged M s\n`,
      );
      expect(seal.stderr).toContain(
        `s5: error: cannot write ${join(b, ".s5.json")}: ${lock} is held by s5 process ${holder.pid}, still running on this machine, and was for all of the 35 s s5 waits; ${join(b, ".s5.json")} is one of the 2 projects this run seals in, and nothing was written (or printed) for any of them (S5_OUTPUT)\n` +
          `  hint: another s5 is changing it: run the command again once it is done; if no s5 runs (\`ps -p ${holder.pid}\`), remove ${lock}\n`,
      );
      expect(files.map((file) => readFileSync(file, "utf8"))).toEqual(before);
      // No temporary file left in either project, the holder's lock left as it was, a's let go.
      for (const dir of [a, b]) {
        expect(readdirSync(dir).sort()).toEqual(
          dir === a ? [".s5.json", "x.yml"] : [".s5.json", ".s5.json.lock", "y.yml"],
        );
      }
      expect(readFileSync(lock, "utf8")).toBe(token);
    },
  );
});

/** Alice's project with Bob as a recipient; returns Bob's secret key and the config as he kept it. */
async function projectWithBob(box: Sandbox): Promise<{ bobSecret: string; bobsCopy: string }> {
  expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
  const generated = await box.s5(["keys", "generate"]);
  const bob = generated.stderr.match(/s5pk-[\w-]{43}/)![0];
  expect((await box.s5(["keys", "add", "bob", bob])).code).toBe(0);
  // What Bob has: his secret key, and the project config as it was while he was a recipient.
  const bobsCopy = join(box.dir, "..", "bobs-copy.s5.json");
  writeFileSync(bobsCopy, readFileSync(join(box.dir, ".s5.json")));
  return { bobSecret: generated.stdout.toString().trim(), bobsCopy };
}

/** The key ids of the local-key tokens in `text`. */
const keyIds = (text: string) => [...text.matchAll(/s5:local:([\w-]{8}):/g)].map((m) => m[1]);

/** What Bob, removed, reads of `token` with the key he kept: the plaintext, or an error. */
async function bobReads(
  box: Sandbox,
  kept: { bobSecret: string; bobsCopy: string },
  token: string,
) {
  const home = join(box.dir, "..", "bob-home");
  const env = { S5_PRIVATE_KEY: kept.bobSecret, HOME: home, XDG_CONFIG_HOME: home };
  const read = await box.s5(["decipher", "--config", kept.bobsCopy, token], { env });
  return read.code === 0 ? read.stdout.toString() : `exit ${read.code}`;
}

describe.runIf(canRun(hasStrace))("a key retired while another s5 seals", () => {
  // The README's `s5 keys remove bob && s5 keys rotate`, while a task runner's `s5 seal -i` has
  // read .s5.json and the record of known keys: its new tokens must not go to the key Bob kept.
  it("seal -i that read .s5.json before keys rotate seals again to the new key", async () => {
    const box = sandbox();
    const bob = await projectWithBob(box);
    const file = join(box.dir, ".s5.json");
    const oldKey = JSON.parse(readFileSync(file, "utf8")).local.keys[0].id as string;
    writeFileSync(join(box.dir, "values.yml"), "password: {{ s5:seal after-bob-left }}\n");
    const record = join(box.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    // Stopped once it has read both: the record needs no change, so nothing is asked again.
    const seal = await stoppedAt(box, ["seal", "-i", "values.yml"], {
      path: record,
      syscall: "openat",
    });
    expect((await box.s5(["keys", "remove", "bob"])).code).toBe(0);
    expect((await box.s5(["keys", "rotate"])).code).toBe(0);
    const newKey = JSON.parse(readFileSync(file, "utf8")).local.keys[1].id as string;
    const done = await seal.resume();
    expect(done.code, done.stderr).toBe(0);
    const sealed = readFileSync(join(box.dir, "values.yml"), "utf8");
    expect(keyIds(sealed)).toEqual([newKey]);
    expect(done.stderr).toContain(`local key ${oldKey} was retired`);
    // The summary names the key the value went to in the end, and its one recipient left.
    expect(done.stderr).toContain(
      `\nvalues.yml: 1 new token(s): 1 to local key ${newKey} (1 recipient)\n`,
    );
    expect(await bobReads(box, bob, sealed.slice("password: ".length).trim())).toBe("exit 7");
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect((await box.s5(["render", "values.yml"])).stdout.toString()).toBe(
      "password: after-bob-left\n",
    );
  });

  // The key is checked under .s5.json.lock, which keys rotate holds from its read to its write:
  // a rotation lands wholly before the check or wholly after the sealed file.
  it("seal -i checks its key under .s5.json.lock: a keys rotate lands wholly after its output", async () => {
    const box = sandbox();
    const bob = await projectWithBob(box);
    const file = join(box.dir, ".s5.json");
    const oldKey = JSON.parse(readFileSync(file, "utf8")).local.keys[0].id as string;
    writeFileSync(join(box.dir, "values.yml"), "password: {{ s5:seal before-the-rotation }}\n");
    // Stopped once it has read .s5.json again (the first read is the settings'), after sealing.
    const seal = await stoppedAt(box, ["seal", "-i", "values.yml"], {
      path: file,
      syscall: "openat",
      when: 2,
    });
    // It holds the lock while it checks.
    expect(readFileSync(`${file}.lock`, "utf8")).toMatch(new RegExp(`^${seal.pid}\\.`));
    expect(readFileSync(join(box.dir, "values.yml"), "utf8")).toContain("s5:seal");
    const rotating = box.s5(["keys", "rotate"]);
    const done = await seal.resume();
    expect(done.code, done.stderr).toBe(0);
    expect((await rotating).code).toBe(0);
    // Sealed to the key the project encrypted to until the rotation, which came after it landed.
    const sealed = readFileSync(join(box.dir, "values.yml"), "utf8");
    expect(keyIds(sealed)).toEqual([oldKey]);
    // Its summary names that key, not the rotation's.
    expect(done.stderr).toBe(
      `values.yml: 1 new token(s): 1 to local key ${oldKey} (2 recipients)\n`,
    );
    expect(JSON.parse(readFileSync(file, "utf8")).local.keys).toHaveLength(2);
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(await bobReads(box, bob, sealed.slice("password: ".length).trim())).toBe(
      "before-the-rotation",
    );
  });

  // The lock is held until the sealed file is in place, not only while the key is checked: a
  // rotation that took it between the check and the rename would retire the key under the file.
  // Stopped as it releases the lock (its second open: it reads its own token back first).
  it("seal -i holds .s5.json.lock until its file is renamed into place", async () => {
    const box = sandbox();
    await projectWithBob(box);
    const file = join(box.dir, ".s5.json");
    const values = join(box.dir, "values.yml");
    writeFileSync(values, "password: {{ s5:seal held-to-the-rename }}\n");
    const seal = await stoppedAt(box, ["seal", "-i", "values.yml"], {
      path: `${file}.lock`,
      syscall: "openat",
      when: 2,
    });
    expect(seal.trace()).toMatch(/O_CREAT\|O_EXCL[^\n]*\n(?:.*\n)*.*\.s5\.json\.lock", O_RDONLY/);
    expect(readFileSync(values, "utf8")).toMatch(/^password: \{\{ s5:local:/);
    const done = await seal.resume();
    expect(done.code, done.stderr).toBe(0);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  // A rotation each time the seal has read the project: it seals again twice, then stops with
  // nothing written rather than going on for as long as rotations come.
  it("seal -i gives up after three keys retired in a row, nothing written", async () => {
    const box = sandbox();
    await projectWithBob(box);
    const file = join(box.dir, ".s5.json");
    const record = join(box.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    const values = join(box.dir, "values.yml");
    const text = "password: {{ s5:seal never-lands }}\n";
    writeFileSync(values, text);
    const log = join(box.dir, "..", "strace-retired.log");
    // Stopped after every open of the record of known keys: the project has been read then.
    const traced = spawn(
      "strace",
      ["-f", "-qq", "-o", log, "-P", record, "-e", "trace=openat"]
        .concat(["-e", "inject=openat:signal=SIGSTOP:when=1+"])
        .concat([process.execPath, S5_BIN, "seal", "-i", "values.yml"]),
      { cwd: box.dir, env: box.env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    traced.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let exited = false;
    const ended = new Promise<number | null>((resolve) => traced.on("close", resolve));
    void ended.then(() => {
      exited = true;
    });
    let seen = 0;
    let rotations = 0;
    while (!exited) {
      const stops = [
        ...(existsSync(log) ? readFileSync(log, "utf8") : "").matchAll(/^(\d+) +--- SIGSTOP \{/gm),
      ];
      if (stops.length === seen) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      seen = stops.length;
      // Not while the seal holds a lock a rotation needs (it would wait for the stopped s5).
      if (!existsSync(`${file}.lock`) && !existsSync(`${record}.lock`)) {
        expect((await box.s5(["keys", "rotate"])).code).toBe(0);
        rotations++;
      }
      process.kill(Number(stops.at(-1)![1]), "SIGCONT");
    }
    expect(await ended, stderr).toBe(4);
    expect(rotations).toBeGreaterThanOrEqual(3);
    expect(stderr).toContain("S5_OUTPUT_KEY_RETIRED");
    expect(stderr.match(/was retired while s5 sealed/g)).toHaveLength(3);
    expect(readFileSync(values, "utf8")).toBe(text);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  // A monorepo's files sealed in one run from its top, two projects of their own: a rotation in
  // one of them retires only that project's key; the other keeps its settings and its tokens.
  it("seal -i of two projects' files seals again to the new key of the one that rotated", async () => {
    const box = sandbox();
    const [a, b] = [join(box.dir, "apps", "a"), join(box.dir, "apps", "b")];
    for (const dir of [a, b]) {
      mkdirSync(dir, { recursive: true });
      expect((await box.s5(["init", "--dir", ".", "--name", "dev"], { cwd: dir })).code).toBe(0);
    }
    const keyOf = (dir: string) =>
      JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8")).local.keys.at(-1).id as string;
    const [keyA, oldB] = [keyOf(a), keyOf(b)];
    writeFileSync(join(a, "x.yml"), "x: {{ s5:seal for-a }}\n");
    writeFileSync(join(b, "y.yml"), "y: {{ s5:seal for-b }}\n");
    const record = join(box.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    // Stopped once it has read the record for both projects (a's file first, then b's).
    const seal = await stoppedAt(box, ["seal", "-i", "apps/a/x.yml", "apps/b/y.yml"], {
      path: record,
      syscall: "openat",
      when: 2,
    });
    expect((await box.s5(["keys", "rotate"], { cwd: b })).code).toBe(0);
    const newB = keyOf(b);
    const done = await seal.resume();
    // Before: refused, "one run seals with one project's keys" (S5_USAGE), exit 2.
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain(`local key ${oldB} was retired`);
    expect(done.stderr.match(/sealing again/g)).toHaveLength(1);
    expect(keyIds(readFileSync(join(a, "x.yml"), "utf8"))).toEqual([keyA]);
    expect(keyIds(readFileSync(join(b, "y.yml"), "utf8"))).toEqual([newB]);
    // Both locks let go: the one taken for the refused try, and those of the try that landed.
    expect(existsSync(join(a, ".s5.json.lock"))).toBe(false);
    expect(existsSync(join(b, ".s5.json.lock"))).toBe(false);
    const rendered = await box.s5(["render", "apps/a/x.yml", "apps/b/y.yml"]);
    expect(rendered.stdout.toString()).toBe("x: for-a\ny: for-b\n");
  });

  // Two runs naming the same projects in other orders must not each hold one lock and wait for
  // the other's: the locks are taken in one order (their paths, sorted), whatever the files'.
  it("seal -i of two projects takes their locks in one order and holds both to the renames", async () => {
    const box = sandbox();
    const [a, b] = [join(box.dir, "apps", "a"), join(box.dir, "apps", "b")];
    for (const dir of [a, b]) {
      mkdirSync(dir, { recursive: true });
      expect((await box.s5(["init", "--dir", ".", "--name", "dev"], { cwd: dir })).code).toBe(0);
    }
    writeFileSync(join(a, "x.yml"), "x: {{ s5:seal for-a }}\n");
    writeFileSync(join(b, "y.yml"), "y: {{ s5:seal for-b }}\n");
    const log = join(box.dir, "..", "strace-order.log");
    const traced = spawnSync(
      "strace",
      ["-f", "-qq", "-o", log, "-e", "trace=openat,rename", process.execPath, S5_BIN].concat([
        "seal",
        "-i",
        "apps/b/y.yml",
        "apps/a/x.yml",
      ]),
      { cwd: box.dir, env: box.env },
    );
    expect(traced.status, traced.stderr.toString()).toBe(0);
    const steps = readFileSync(log, "utf8")
      .split("\n")
      .flatMap((line) => {
        const lock = /apps\/(a|b)\/\.s5\.json\.lock", O_(WRONLY\|O_CREAT|RDONLY)/.exec(line);
        if (lock) return [`${lock[2] === "RDONLY" ? "release" : "take"} ${lock[1]}`];
        const renamed = /^\d+ +rename\(.*apps\/(a|b)\//.exec(line);
        return renamed ? [`rename ${renamed[1]}`] : [];
      });
    // Released as each lock is read back before it is removed (its holder's check).
    expect(steps).toEqual(["take a", "take b", "rename b", "rename a", "release b", "release a"]);
  });

  it("cipher that read .s5.json before a teammate's keys rotate prints a token of the new key", async () => {
    const box = sandbox();
    const bob = await projectWithBob(box);
    const file = join(box.dir, ".s5.json");
    const oldKey = JSON.parse(readFileSync(file, "utf8")).local.keys[0].id as string;
    // The teammate's machine (or CI) rotates in this checkout: this machine's record is unchanged.
    const teammate = { S5_KNOWN_KEYS_FILE: join(box.dir, "..", "teammate-known-keys.json") };
    const cipher = await stoppedAt(box, ["cipher", "after-bob-left"], {
      path: file,
      syscall: "openat",
    });
    expect((await box.s5(["keys", "remove", "bob"], { env: teammate })).code).toBe(0);
    expect((await box.s5(["keys", "rotate"], { env: teammate })).code).toBe(0);
    const newKey = JSON.parse(readFileSync(file, "utf8")).local.keys[1].id as string;
    const done = await cipher.resume();
    expect(done.code, done.stderr).toBe(0);
    expect(keyIds(done.stdout)).toEqual([newKey]);
    expect(done.stderr).toContain(`local key ${oldKey} was retired while s5 sealed`);
    // A rotation from the key this machine encrypted to, checked by opening it, as ever.
    expect(done.stderr).toContain(`local key ${newKey} now encrypts`);
    expect(await bobReads(box, bob, done.stdout)).toBe("exit 7");
  });
});

describe("a key retired while s5 edit's editor is open", () => {
  const editor = `"${process.execPath}" "${fileURLToPath(new URL("../fixtures/editor.mjs", import.meta.url))}"`;

  it("the edits are sealed to the key the project encrypts to once the editor closes", async () => {
    const box = sandbox();
    const bob = await projectWithBob(box);
    const file = join(box.dir, ".s5.json");
    const before = readFileSync(file, "utf8");
    // A teammate's `keys remove bob && keys rotate`, which a `git pull` brings while the editor
    // is open (made here, then put back as it was before).
    const teammate = { S5_KNOWN_KEYS_FILE: join(box.dir, "..", "teammate-known-keys.json") };
    expect((await box.s5(["keys", "remove", "bob"], { env: teammate })).code).toBe(0);
    expect((await box.s5(["keys", "rotate"], { env: teammate })).code).toBe(0);
    const rotated = readFileSync(file, "utf8");
    const newKey = JSON.parse(rotated).local.keys[1].id as string;
    writeFileSync(file, before);
    writeFileSync(join(box.dir, "values.yml"), "a: 1\n");
    const edit = await box.s5(["edit", "values.yml"], {
      env: {
        EDITOR: editor,
        TEST_EDIT: JSON.stringify([["a: 1", "a: 1\npassword: {{ s5:seal after-bob-left }}"]]),
        TEST_EDIT_ALSO: JSON.stringify([file, rotated]),
      },
    });
    expect(edit.code, edit.stderr).toBe(0);
    // Sealed from the project as it is once the editor closed: not first to the retired key.
    expect(edit.stderr).not.toContain("sealing again");
    const sealed = readFileSync(join(box.dir, "values.yml"), "utf8");
    expect(keyIds(sealed)).toEqual([newKey]);
    const token = sealed.split("password: ")[1]!.trim();
    expect(await bobReads(box, bob, token)).toBe("exit 7");
    expect((await box.s5(["render", "values.yml"])).stdout.toString()).toBe(
      "a: 1\npassword: after-bob-left\n",
    );
  });
});
