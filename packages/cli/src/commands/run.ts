import { spawn } from "node:child_process";
import { constants } from "node:os";
import { MIN_REDACTED_LENGTH } from "@s5/core/internal";
import type { Redactor } from "@s5/loader";
import { overridesFrom } from "../args.ts";
import { childEnv } from "../child-env.ts";
import type { Context } from "../context.ts";
import { defineCommand } from "../define.ts";
import { backendOptions, commonOptions } from "../options.ts";
import { stdoutStream } from "../stdout.ts";
import { ENDING_SIGNALS } from "../temp.ts";

/**
 * Signals a supervisor passes on: every one that would end s5 (temp.ts's list), else s5 would die
 * and leave COMMAND running, with the decrypted environment, behind it (SIGALRM from
 * `timeout -s`, SIGXCPU from `ulimit -t`). SIGKILL and SIGSTOP cannot be caught.
 */
const FORWARDED = ENDING_SIGNALS;

function pipeRedacted(
  from: NodeJS.ReadableStream,
  to: NodeJS.WriteStream,
  redactor: Redactor,
): Promise<void> {
  return new Promise((resolve) => {
    from.on("data", (chunk: Buffer) => {
      const out = redactor.push(chunk);
      if (out.length > 0 && !to.write(out)) {
        from.pause();
        to.once("drain", () => from.resume());
      }
    });
    from.on("end", () => {
      const rest = redactor.end();
      if (rest.length > 0) to.write(rest);
      resolve();
    });
    from.on("error", () => resolve());
  });
}

export default defineCommand({
  name: "run",
  summary: "run a command with the env decrypted",
  usage: "[-f FILE]… [--override] [--redact] [options] -- COMMAND [ARGS…]",
  description: `Runs COMMAND with the environment decrypted: the .env file(s) are read (default: .env, when it
exists), and every token in them and in the current environment is decrypted — all or nothing,
before COMMAND starts. Signals are passed on to COMMAND; s5 exits with its exit code (128 + the
signal number when a signal ended it).`,
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
one with --override)`,
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
  examples: ["s5 run -- node server.js", "s5 run -f .env.production --redact -- npm start"],
  async run({ values, rest: command }, context: Context) {
    const [file, ...rest] = command;
    if (file === undefined) context.usage("the command to run is missing");

    const env: Record<string, string | undefined> = { ...process.env };
    // The loader is an ES module of its own, loaded by this command only (see bin/engine.cjs).
    const { loadWithSecrets, Redactor } = await import("@s5/loader");
    const { secrets } = await loadWithSecrets({
      path: values.file,
      override: values.override,
      processEnv: env,
      overrides: overridesFrom(values, undefined),
    });
    const redactors = values.redact ? [new Redactor(secrets), new Redactor(secrets)] : undefined;

    const child = spawn(file, rest, {
      env: childEnv(env, { own: process.env, passCredentials: values["pass-credentials"] }),
      stdio: redactors ? ["inherit", "pipe", "pipe"] : "inherit",
    });
    const forward = (signal: NodeJS.Signals) => {
      child.kill(signal);
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    const piped = redactors
      ? Promise.all([
          pipeRedacted(child.stdout!, stdoutStream(), redactors[0]!),
          pipeRedacted(child.stderr!, process.stderr, redactors[1]!),
        ])
      : Promise.resolve();

    try {
      return await new Promise<number>((resolve) => {
        child.on("error", (error: NodeJS.ErrnoException) => {
          const missing = error.code === "ENOENT";
          process.stderr.write(
            `s5: error: cannot run \`${file}\`: ${missing ? "command not found" : (error.code ?? "error")}\n`,
          );
          resolve(missing ? 127 : 126);
        });
        child.on("exit", (code, signal) => {
          piped.then(() => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
        });
      });
    } finally {
      for (const signal of FORWARDED) process.off(signal, forward);
    }
  },
});
