/** Runs the built `s5` CLI as a child process in a private temporary home. */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const S5_BIN = fileURLToPath(new URL("../../packages/cli/bin/s5.cjs", import.meta.url));

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface Sandbox {
  dir: string;
  env: Record<string, string>;
  s5(
    args: string[],
    options?: { input?: string | Buffer; env?: Record<string, string>; cwd?: string },
  ): Promise<RunResult>;
}

/** A temporary project directory with its own HOME and config directory, and no inherited S5_/VAULT_ variables. */
export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "s5-e2e-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(S5_|VAULT_|BAO_|XDG_|NO_COLOR|FORCE_COLOR|CI$)/.test(key))
      base[key] = value;
  }
  const env = { ...base, HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
  const project = join(dir, "project");
  mkdirSync(project);
  return {
    dir: project,
    env,
    s5(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [S5_BIN, ...args], {
          cwd: options.cwd ?? project,
          env: { ...env, ...options.env },
          stdio: ["pipe", "pipe", "pipe"],
        });
        const out: Buffer[] = [];
        let err = "";
        child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
        child.stderr.on("data", (chunk: Buffer) => {
          err += chunk.toString();
        });
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
        // A child that ends before its stdin is written (EPIPE) is no failure of the harness: its
        // exit code and output say what happened. Unhandled, the error failed a whole test file.
        child.stdin.on("error", () => {});
        child.stdin.end(options.input ?? "");
      });
    },
  };
}

/** A directory holding an `s5` command (the built CLI), to put first on PATH as a user has it. */
export function s5OnPath(next: string): string {
  const bin = join(next, "..", "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "s5"), `#!/bin/sh\nexec "${process.execPath}" "${S5_BIN}" "$@"\n`);
  chmodSync(join(bin, "s5"), 0o755);
  return bin;
}

/**
 * A sandbox with `s5 init` done, s5 on PATH (for git's hooks), and git run in it without the
 * system's config and with an author: `git(…)` answers as text, `s5(…)` with stdout and stderr
 * joined.
 */
export async function gitProject() {
  const box = sandbox();
  await box.s5(["init", "--name", "dev"]);
  const env = {
    ...box.env,
    PATH: `${s5OnPath(box.dir)}:${box.env.PATH}`,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@example.com",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@example.com",
  };
  const git = (...args: string[]) =>
    spawnSync("git", args, { cwd: box.dir, env, encoding: "utf8" });
  const file = (name: string) => join(box.dir, name);
  const s5 = async (...args: string[]) => {
    const run = await box.s5(args, { env });
    return { code: run.code, out: run.stdout.toString() + run.stderr };
  };
  return { box, env, git, file, s5 };
}
