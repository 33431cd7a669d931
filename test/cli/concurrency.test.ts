// Many s5 processes at once sharing one home and one project (a monorepo's task runner, parallel
// CI jobs): what one writes must not undo what another wrote. Each race is made deterministic by
// stopping one process at a known point (strace delivers SIGSTOP on a chosen system call), running
// the other to its end, then letting the first go on.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { S5_BIN, type Sandbox, sandbox } from "./run.ts";

const hasStrace = spawnSync("strace", ["-V"]).status === 0;

interface Stopped {
  /** Lets the stopped s5 go on; resolves with its exit code and stderr once it ends. */
  resume(): Promise<{ code: number | null; stderr: string }>;
}

/**
 * Starts s5 under strace, stopped (SIGSTOP) right after its `when`-th `syscall` on `path` returns.
 * Resolves once it is stopped there.
 */
async function stoppedAt(
  box: Sandbox,
  args: string[],
  stop: { path: string; syscall: string; when?: number },
): Promise<Stopped> {
  const log = join(box.dir, "..", `strace-${Math.random().toString(36).slice(2)}.log`);
  const traced = spawn(
    "strace",
    ["-f", "-qq", "-o", log, "-P", stop.path, "-e", `trace=${stop.syscall}`, "-e"]
      .concat([`inject=${stop.syscall}:signal=SIGSTOP:when=${stop.when ?? 1}`])
      .concat([process.execPath, S5_BIN, ...args]),
    { cwd: box.dir, env: box.env, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  traced.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ended = new Promise<number | null>((resolve) => traced.on("close", resolve));
  let pid: number | undefined;
  while (pid === undefined) {
    const text = existsSync(log) ? readFileSync(log, "utf8") : "";
    const match = /^(\d+) --- stopped by SIGSTOP ---$/m.exec(text);
    if (match) pid = Number(match[1]);
    else await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    async resume() {
      process.kill(pid!, "SIGCONT");
      return { code: await ended, stderr };
    },
  };
}

/** Whether this home can encrypt and decrypt a value in `dir`'s project. */
async function roundTrip(box: Sandbox, dir: string): Promise<string> {
  const cipher = await box.s5(["cipher"], { input: "a-value", cwd: dir });
  if (cipher.code !== 0) return cipher.stderr;
  const token = cipher.stdout.toString().trim();
  const decipher = await box.s5(["decipher", token], { cwd: dir });
  return decipher.code === 0 ? decipher.stdout.toString() : decipher.stderr;
}

describe.runIf(hasStrace)("s5 processes at once", () => {
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
});
