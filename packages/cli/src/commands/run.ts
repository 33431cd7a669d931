import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { constants } from "node:os";
import {
  ConfigError,
  ExitCode,
  type Overrides,
  resolveSettings,
  S5Error,
  type Source,
  type Spliced,
} from "@s5/core";
import { environmentDebugSwitch, MIN_REDACTED_LENGTH, reportSwitch } from "@s5/core/internal";
import type { Redactor } from "@s5/loader";
import { overridesFrom } from "../args.ts";
import { childEnv } from "../child-env.ts";
import type { Context } from "../context.ts";
import { defineCommand } from "../define.ts";
import { readInput } from "../io.ts";
import { backendOptions, commonOptions } from "../options.ts";
import { makePrivateDir } from "../private-dir.ts";
import { renderFiles } from "../render-files.ts";
import { report } from "../report.ts";
import { fillPaths, renderedPaths, writeRendered } from "../run-files.ts";
import { stdoutError } from "../stdout.ts";
import { ENDING_SIGNALS } from "../temp.ts";
import { terminalSignals } from "../terminal-signal.ts";

/**
 * Refuses a command environment in which Node would print or record the decrypted values: its
 * `child_process` and `worker` debug sections print the environment of every process and worker
 * the command starts, and a diagnostic report records every variable, in a file Node creates 0644
 * in the working directory. s5 cannot turn either off inside the command, as the loader does in
 * its own process.
 */
function refuseCommandLogs(env: Record<string, string | undefined>): void {
  const debug = environmentDebugSwitch(env, false);
  if (debug) {
    throw new ConfigError(
      "S5_CONFIG_DEBUG_SWITCH",
      `${debug} would make a Node command print the environment of every process and worker it starts, decrypted values included; nothing was started`,
      {
        hint: "name only the sections you need, without child_process and worker (NODE_DEBUG=http,net), or unset NODE_DEBUG",
      },
    );
  }
  const report = reportSwitch(env.NODE_OPTIONS);
  if (report) {
    throw new ConfigError(
      "S5_CONFIG_DEBUG_SWITCH",
      `NODE_OPTIONS has ${report}: a Node command's diagnostic report would record its environment, decrypted values included, in a file others may read; nothing was started`,
      {
        hint: "add --report-exclude-env to NODE_OPTIONS (Node >= 22.13), or remove the flag",
      },
    );
  }
}

/**
 * Signals a supervisor passes on: every one that would end s5 (temp.ts's list), else s5 would die
 * and leave COMMAND running, with the decrypted environment, behind it (SIGALRM from
 * `timeout -s`, SIGXCPU from `ulimit -t`). SIGKILL and SIGSTOP cannot be caught. And SIGUSR1
 * (nginx's "reopen the logs", `docker kill -s USR1`), which s5 itself ignores (bin/s5.cjs).
 */
const FORWARDED: NodeJS.Signals[] = [...ENDING_SIGNALS, "SIGUSR1"];

/**
 * Copies COMMAND's output to s5's own, redacted. When s5's side cannot be written (its reader is
 * gone: `s5 run --redact … | head -1`), COMMAND's pipe is closed, so that COMMAND's next write
 * fails as it would in a pipeline without s5, and s5 waits for it: exiting at once would leave
 * COMMAND running, and remove its rendered files under it. `failed` gets an error other than
 * EPIPE (a full disk), for s5 to report once COMMAND has ended.
 */
function pipeRedacted(
  from: NodeJS.ReadableStream & { destroy(): void },
  to: NodeJS.WriteStream,
  redactor: Redactor,
  failed: (error: NodeJS.ErrnoException) => void,
): Promise<void> {
  return new Promise((resolve) => {
    let broken = false;
    to.on("error", (error: NodeJS.ErrnoException) => {
      if (broken) return;
      broken = true;
      if (error.code !== "EPIPE") failed(error);
      from.destroy();
      resolve();
    });
    from.on("data", (chunk: Buffer) => {
      if (broken) return;
      const out = redactor.push(chunk);
      if (out.length > 0 && !to.write(out)) {
        from.pause();
        to.once("drain", () => from.resume());
      }
    });
    from.on("end", () => {
      const rest = redactor.end();
      if (rest.length > 0 && !broken) to.write(rest);
      resolve();
    });
    from.on("error", () => resolve());
  });
}

/** s5's own messages while COMMAND runs are lost when stderr's reader is gone; COMMAND runs on. */
const ignore = () => {};

/** Why COMMAND did not start, with the exit codes shells use: 127 not found, 126 not runnable. */
function startError(file: string, error: NodeJS.ErrnoException): S5Error {
  const named = `\`${file}\``;
  const isPath = file.includes("/");
  if (error.code === "ENOENT") {
    return new S5Error(
      "S5_RUN_NOT_FOUND",
      ExitCode.notFound,
      `cannot run ${named}: command not found`,
      {
        hint: isPath
          ? "check the path (relative to the working directory); for a script, check the interpreter on its #! line"
          : "check its spelling, that it is installed, and that its directory is in PATH (or name it by its path)",
      },
    );
  }
  let directory = false;
  try {
    // A bare name was looked up in PATH, not in the working directory.
    directory = isPath && statSync(file).isDirectory();
  } catch {
    // gone since: the error says enough
  }
  if (directory) {
    return new S5Error(
      "S5_RUN_NOT_EXECUTABLE",
      ExitCode.cannotRun,
      `cannot run ${named}: it is a directory`,
      {
        hint: "name the program to run, not a directory",
      },
    );
  }
  const code = error.code ?? "error";
  return new S5Error("S5_RUN_NOT_EXECUTABLE", ExitCode.cannotRun, `cannot run ${named} (${code})`, {
    hint:
      code === "EACCES"
        ? `make it executable (\`chmod +x ${file}\`), or run it through its interpreter (\`s5 run -- sh ${file}\`)`
        : "check that it is a program this system can run",
  });
}

/**
 * Linux refuses an exec (E2BIG) with one environment or argument string over 128 KiB
 * (MAX_ARG_STRLEN, `NAME=value` with its NUL) or all of them over ARG_MAX: a decrypted value (a
 * bundle of certificates, a multi-line JSON) can be that large. Names the variables, never a value.
 */
const MAX_ARG_STRLEN = 128 * 1024;

function tooBigError(file: string, env: Record<string, string | undefined>): S5Error {
  const big = Object.entries(env)
    .filter(
      ([name, value]) =>
        value !== undefined && Buffer.byteLength(`${name}=${value}`) + 1 > MAX_ARG_STRLEN,
    )
    .map(([name]) => name);
  const which =
    big.length > 0
      ? `${big.join(", ")} ${big.length === 1 ? "is" : "are"} over the 128 KiB the system allows one variable`
      : "the environment and arguments together are over what the system allows (ARG_MAX)";
  return new S5Error(
    "S5_RUN_ENV_TOO_BIG",
    ExitCode.cannotRun,
    `cannot run \`${file}\`: ${which} (E2BIG)`,
    {
      hint: "keep large values in a file instead (render it with `s5 render -o FILE`, 0600) and pass its path in the variable",
    },
  );
}

export default defineCommand({
  name: "run",
  summary: "run a command with the env decrypted",
  usage: "[-f FILE]… [--render FILE]… [--override] [--redact] [options] -- COMMAND [ARGS…]",
  description: `Runs COMMAND with the environment decrypted: the .env file(s) are read (default: .env, when it
exists), and every token in them and in the current environment is decrypted — all or nothing,
before COMMAND starts. Signals are passed on to COMMAND, except what a terminal sent it too (a
Ctrl-C reaches it once); s5 exits with its exit code (128 + the signal number when a signal ended
it).
--render FILE hands COMMAND a decrypted copy of FILE without one in the work tree: FILE is rendered
as \`s5 render FILE\` renders it (all or nothing, with the .env), written under its own name (0600)
in a new private directory (0700; in $XDG_RUNTIME_DIR when it is yours and 0700, else /dev/shm,
else $TMPDIR), and its path replaces every \`{}\` in COMMAND's arguments, also inside one
(\`--values={}\`); with several --render, \`{FILE}\` (FILE as given) names each and \`{}\` is refused.
A \`{…}\` naming no rendered file stays as it is (\`\${x}\`, \`{ }\`). The directory is removed when COMMAND
ends, also when a signal passed on ended it; when s5 itself is killed with SIGKILL, by the next s5
that makes one in the same place, once COMMAND has ended too.`,
  positionals: [
    { name: "COMMAND", description: "the command to run, after `--` or after s5's options" },
    { name: "ARGS", optional: true, multiple: true },
  ],
  passThrough: true,
  options: {
    ...commonOptions,
    ...backendOptions,
    file: {
      type: "string",
      short: "f",
      value: "FILE",
      multiple: true,
      description: `read this .env file (the first one that sets a variable wins, or the last
one with --override), decrypted with its own project's keys (the nearest .s5.json above it)`,
    },
    render: {
      type: "string",
      value: "FILE",
      multiple: true,
      description: `give COMMAND FILE rendered, in a private temporary file
whose path replaces \`{}\` in its arguments (\`{FILE}\` with several); removed when COMMAND ends`,
    },
    override: {
      type: "boolean",
      description: "let values from the files replace variables already set",
    },
    redact: {
      type: "boolean",
      description: `replace decrypted values in COMMAND's stdout and stderr with [REDACTED]
(values of ${MIN_REDACTED_LENGTH} characters or more)`,
    },
    "pass-credentials": {
      type: "boolean",
      description: `give COMMAND s5's own credentials too (S5_PRIVATE_KEY, S5_AES_KEY,
VAULT_TOKEN, …); by default they stay with s5`,
    },
  },
  examples: [
    "s5 run -- node server.js",
    "s5 run -f .env.production --redact -- npm start",
    "s5 run --render values.yml -- helm upgrade app ./chart -f {}",
  ],
  async run({ values, rest: command }, context: Context) {
    const [file] = command;
    if (file === undefined) context.usage("the command to run is missing");
    // The same path given twice is one file; stdin is COMMAND's.
    const renders = [...new Set(values.render ?? [])];
    if (renders.includes("-")) context.usage("--render needs a file, not stdin (-)");
    // Before anything is decrypted: a command that would not find its file starts nothing.
    fillPaths(command, renderedPaths("", renders));

    const env: Record<string, string | undefined> = { ...process.env };
    // The loader is an ES module of its own, loaded by this command only (see bin/engine.cjs).
    const { loadWithSecrets, Redactor } = await import("@s5/loader");
    const overrides = overridesFrom(values, undefined);
    const { secrets, decrypted } = await loadWithSecrets({
      path: values.file,
      override: values.override,
      processEnv: env,
      overrides,
    });
    const rendered = await renderForCommand(renders, overrides);
    if (values.redact) {
      for (const output of rendered) for (const value of output.values) secrets.push(text(value));
    }
    const redactors = values.redact ? [new Redactor(secrets), new Redactor(secrets)] : undefined;

    const childVariables = childEnv(env, {
      own: process.env,
      passCredentials: values["pass-credentials"],
    });
    // With what the files set too (a .env may set NODE_OPTIONS); nothing has started yet.
    if (decrypted.length > 0) refuseCommandLogs(childVariables);

    let child: ReturnType<typeof spawn> | undefined;
    // Installed before the rendered files exist, and from there to the start of COMMAND nothing
    // waits: a signal is handled once COMMAND runs, passed on to it, and its end removes them.
    // Not what COMMAND got from the terminal already (Ctrl-C): once is what the user meant.
    const fromTerminal = terminalSignals();
    const forward = (signal: NodeJS.Signals) => {
      if (child?.pid === undefined || fromTerminal(signal, child.pid)) return;
      child.kill(signal);
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    process.stderr.on("error", ignore);
    let outputFailed: NodeJS.ErrnoException | undefined;
    let removeRendered = () => {};
    let keepFor: (pid: number | undefined) => void = () => {};
    try {
      let args = command;
      if (renders.length > 0) {
        const place = makePrivateDir("s5-run-");
        removeRendered = place.remove;
        keepFor = place.keepFor;
        // An exit from elsewhere (an uncaught error) skips the `finally` below.
        process.on("exit", removeRendered);
        for (const skipped of place.skipped) {
          process.stderr.write(`s5: note: ${skipped}: not used for the rendered files\n`);
        }
        const paths = renderedPaths(place.dir, renders);
        writeRendered(paths, renders, rendered);
        args = fillPaths(command, paths);
      }
      const [program, ...rest] = args as [string, ...string[]];
      try {
        child = spawn(program, rest, {
          env: childVariables,
          stdio: redactors ? ["inherit", "pipe", "pipe"] : "inherit",
        });
      } catch (error) {
        // Node throws E2BIG from spawn itself, before any "error" event.
        if ((error as NodeJS.ErrnoException).code !== "E2BIG") throw error;
        return report(tooBigError(program, childVariables));
      }
      const started = child;
      // Should s5 be killed (SIGKILL), the files stay while COMMAND runs.
      keepFor(started.pid);
      const piped = redactors
        ? Promise.all([
            pipeRedacted(started.stdout!, process.stdout, redactors[0]!, (error) => {
              outputFailed ??= error;
            }),
            pipeRedacted(started.stderr!, process.stderr, redactors[1]!, ignore),
          ])
        : Promise.resolve();
      return await new Promise<number>((resolve) => {
        started.on("error", (error: NodeJS.ErrnoException) => {
          resolve(report(startError(program, error)));
        });
        started.on("exit", (code, signal) => {
          piped.then(() => {
            const ended = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
            if (!outputFailed) return resolve(ended);
            // COMMAND ended by the pipe s5 closed: the failure to write is what to report.
            const failure = report(stdoutError(outputFailed));
            resolve(ended === 0 || signal === "SIGPIPE" ? failure : ended);
          });
        });
      });
    } finally {
      for (const signal of FORWARDED) process.off(signal, forward);
      process.stderr.off("error", ignore);
      removeRendered();
      process.off("exit", removeRendered);
    }
  },
});

const utf8 = new TextDecoder();
const text = (value: Uint8Array) => utf8.decode(value);

/**
 * The --render files read and rendered exactly as `s5 render FILE` renders them (each with its
 * own project's keys), all or nothing, before anything is written or started.
 */
async function renderForCommand(
  files: readonly string[],
  overrides: Overrides,
): Promise<Spliced[]> {
  if (files.length === 0) return [];
  const sources: Source<Uint8Array>[] = [];
  for (const file of files) sources.push({ name: file, content: await readInput(file) });
  return renderFiles(files, sources, overrides, resolveSettings({ overrides }), {});
}
