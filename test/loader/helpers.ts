// Shared pieces of the loader's end-to-end tests: a project with local keys (`s5 init`), apps
// written into it, and Node child processes run there the way a user would run them.

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cipherValues, createBackends, resolveSettings } from "@s5/core";
import { runChild } from "../child.ts";
import { killGroups } from "../setup/processes.ts";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const s5Bin = join(root, "packages/cli/bin/s5.cjs");

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node ARGS` (or another program) and collects its output. */
export function run(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; command?: string },
): Promise<Result> {
  return runChild(options.command ?? process.execPath, args, options);
}

/** An environment without the developer's S5_, VAULT_, DOTENV_ and NODE_OPTIONS variables. */
function cleanEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(S5_|VAULT_|BAO_|DOTENV_|XDG_|NODE_OPTIONS$|NO_COLOR|FORCE_COLOR|CI$)/.test(key))
      continue;
    env[key] = value;
  }
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), NO_COLOR: "1" };
}

export interface Project {
  dir: string;
  home: string;
  env: Record<string, string>;
  /** Writes files into the project (parents created). */
  write(files: Record<string, string>): void;
  /** Complete local-key tokens for the plaintexts, made in one batch through core. */
  encrypt(plaintexts: readonly string[]): Promise<string[]>;
  node(args: readonly string[], extra?: Record<string, string>): Promise<Result>;
  s5(args: readonly string[], extra?: Record<string, string>): Promise<Result>;
}

/** Makes node_modules of `dir` point at this repository's, as an installed application has. */
export function linkModules(dir: string): void {
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
}

/** A temporary project with `s5 init` done (identity in its own XDG_CONFIG_HOME). */
export async function localProject(): Promise<Project> {
  const base = mkdtempSync(join(tmpdir(), "s5-loader-"));
  const home = join(base, "home");
  const dir = join(base, "app");
  mkdirSync(home);
  mkdirSync(dir);
  linkModules(dir);
  const env = cleanEnv(home);
  const project: Project = {
    dir,
    home,
    env,
    write(files) {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
    },
    async encrypt(plaintexts) {
      await using backends = createBackends(resolveSettings({ cwd: dir, env }));
      const encoder = new TextEncoder();
      return cipherValues(
        backends,
        "local",
        plaintexts.map((text) => encoder.encode(text)),
      );
    },
    node(args, extra = {}) {
      return run(args, { cwd: dir, env: { ...env, ...extra } });
    },
    s5(args, extra = {}) {
      return run([s5Bin, ...args], { cwd: dir, env: { ...env, ...extra } });
    },
  };
  const init = await project.s5(["init", "--name", "loader-test"]);
  if (init.code !== 0) throw new Error(`s5 init failed: ${init.stderr}`);
  return project;
}

/** A module that records what the environment held when it was evaluated. */
export const SIBLING_ESM = `export const seen = { ...process.env };\n`;

/** Prints the named variables as JSON (missing ones as null). */
export function printVars(names: readonly string[]): string {
  return `console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((name) => [name, process.env[name] ?? null]))));`;
}

// `s5 run` started by hand (to signal it) leads a process group of its own, with its command in
// it; the group is killed after each test (`afterEach(killRunGroups)`), so a test that fails or
// times out while s5 or its command still runs (a signal not passed on) leaves neither behind.
const runGroups = new Set<number>();

/** `s5 run ARGS` in a process group of its own, its stdout and stderr piped. */
export function spawnRun(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
) {
  const s5 = spawn(process.execPath, [s5Bin, "run", ...args], {
    ...options,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (s5.pid !== undefined) runGroups.add(s5.pid);
  return s5;
}

/** Kills what {@link spawnRun} started and is still running. */
export function killRunGroups(): void {
  killGroups(runGroups);
}

const bridge = join(root, "test/loader/pty-bridge.py");

/**
 * `ARGS` run in a real pseudo-terminal (pty-bridge.py): the command leads a new session, with the
 * terminal as its controlling one, as a shell in a terminal window. `type` writes keys into the
 * terminal (`\x03` is Ctrl-C); `hangUp` closes it. The session's process group is killed after the
 * test ({@link killRunGroups}), with any group passed to `group` (a shell's jobs).
 */
export function spawnTerminal(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
) {
  const python = spawn("python3", [bridge, ...args], {
    ...options,
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (python.pid !== undefined) runGroups.add(python.pid);
  let output = "";
  let errors = "";
  python.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  python.stderr.on("data", (chunk: Buffer) => {
    errors += chunk.toString();
    const session = /^session (\d+)$/m.exec(errors);
    if (session) runGroups.add(Number(session[1]));
  });
  const exited = new Promise<number | null>((resolve) => python.on("close", resolve));
  return {
    /** What the terminal has shown so far. */
    output: () => output,
    type: (keys: string) => python.stdin.write(keys),
    hangUp: () => python.stdin.end(),
    group: (pgid: number) => runGroups.add(pgid),
    /** The command's exit status, once the terminal has closed. */
    exited,
  };
}
