import { spawn } from "node:child_process";
import { constants } from "node:os";
import { loadWithSecrets, MIN_REDACTED_LENGTH, Redactor } from "@s5/loader";
import { backendOptions, commonOptions, overridesFrom, parse } from "../args.ts";
import { childEnv } from "../child-env.ts";
import type { Context } from "../context.ts";

export const runHelp = `Usage: s5 run [-f FILE]… [--override] [--redact] [options] -- COMMAND [ARGS…]

Runs COMMAND with the environment decrypted: the .env file(s) are read (default: .env, when it
exists), and every token in them and in the current environment is decrypted — all or nothing,
before COMMAND starts. Signals are passed on to COMMAND; s5 exits with its exit code (128 + the
signal number when a signal ended it).

Options:
  -f, --file FILE       read this .env file (repeat for several; the first one that sets a
                        variable wins, or the last one with --override)
      --override        let values from the files replace variables already set
      --redact          replace decrypted values in COMMAND's stdout and stderr with [REDACTED]
                        (values of ${MIN_REDACTED_LENGTH} characters or more)
      --pass-credentials  give COMMAND s5's own credentials too (S5_PRIVATE_KEY, S5_AES_KEY,
                        VAULT_TOKEN, …); by default they stay with s5
      --private-key-file FILE  s5 secret key(s) for local-key tokens (S5_PRIVATE_KEY_FILE)
      --key HEX         AES key (S5_AES_KEY) for aes tokens
  -k, --transit-key K   Vault transit key (S5_VAULT_TRANSIT_KEY)
      --transit-mount M Vault transit mount (S5_VAULT_TRANSIT_MOUNT)
      --config FILE     project config (default: .s5.json found upward)

Example:
  s5 run -- node server.js
  s5 run -f .env.production --redact -- npm start
`;

const options = {
  ...commonOptions,
  ...backendOptions,
  file: { type: "string", short: "f", multiple: true },
  override: { type: "boolean" },
  redact: { type: "boolean" },
  "pass-credentials": { type: "boolean" },
} as const;

/** Signals a supervisor passes on (SIGKILL and SIGSTOP cannot be caught). */
const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR2"];

/** s5's own arguments, and the command: everything after `--`, or from the first argument that is not an option. */
function splitCommand(args: readonly string[]): { own: string[]; command: string[] } {
  const dash = args.indexOf("--");
  if (dash !== -1) return { own: args.slice(0, dash), command: args.slice(dash + 1) };
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== "string") continue;
    takesValue.add(`--${name}`);
    if ("short" in spec) takesValue.add(`-${spec.short}`);
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-")) return { own: args.slice(0, i), command: args.slice(i) };
    if (takesValue.has(arg)) i++;
  }
  return { own: [...args], command: [] };
}

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

export async function runCommand(args: readonly string[], context: Context): Promise<number> {
  const { own, command } = splitCommand(args);
  const { values } = parse("run", own, options);
  if (values.help) return context.help(runHelp);
  const [file, ...rest] = command;
  if (file === undefined) context.usage("the command to run is missing", runHelp);

  const env: Record<string, string | undefined> = { ...process.env };
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
        pipeRedacted(child.stdout!, process.stdout, redactors[0]!),
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
}
