/** The `s5` command: dispatches to one command module and turns errors into exit codes. */
import { IoError, S5Error, stackFrames, toS5Error } from "@s5/core";
import { shownName } from "./args.ts";
import { type Context, context } from "./context.ts";
import { useColor } from "./io.ts";

export const mainHelp = `s5 — secrets inside ordinary config files

Usage: s5 <command> [BACKEND] [arguments] [options]

Commands:
  cipher       encrypt a value into a token            s5 cipher 'hunter2'
  decipher     decrypt one token                       s5 decipher '{{ s5:… }}'
  render       replace every token in files            s5 render secret.yml | kubectl apply -f -
  seal         encrypt values marked {{ s5:seal … }}   s5 seal -i values.yml
  edit         edit decrypted values in $EDITOR        s5 edit secret.yml
  rewrap       move Vault tokens to the newest key     s5 rewrap -k app -i secret.yml
  ls           list every token                        s5 ls --json .
  check        find bad tokens and plaintext secrets   s5 check .
  run          run a command with the env decrypted    s5 run -- node server.js
  tf-external  the OpenTofu external data source         program = ["s5", "tf-external"]
  init         set up local keys for this project      s5 init
  keys         manage local-key recipients             s5 keys add ci s5pk-…
  completion   print a shell completion script         s5 completion bash

BACKEND (optional, as in the Go tool): local, aes, vault — or --backend / S5_BACKEND.
Run \`s5 <command> --help\` for details. Exit codes: see the README.
Options: -h, --help; -V, --version
`;

type Command = (args: readonly string[], context: Context) => Promise<number>;

/** Each command loads its module only when it runs: `s5 cipher` pays nothing for `s5 check`. */
const lazy =
  <M>(load: () => Promise<M>, pick: (module: M) => Command): Command =>
  async (args, context) =>
    pick(await load())(args, context);

const commands: Record<string, Command> = {
  cipher: lazy(
    () => import("./commands/cipher.ts"),
    (m) => m.cipherCommand,
  ),
  decipher: lazy(
    () => import("./commands/decipher.ts"),
    (m) => m.decipherCommand,
  ),
  render: lazy(
    () => import("./commands/render.ts"),
    (m) => m.renderCommand,
  ),
  init: lazy(
    () => import("./commands/init.ts"),
    (m) => m.initCommand,
  ),
  keys: lazy(
    () => import("./commands/keys.ts"),
    (m) => m.keysCommand,
  ),
  seal: lazy(
    () => import("./commands/seal.ts"),
    (m) => m.sealCommand,
  ),
  edit: lazy(
    () => import("./commands/edit.ts"),
    (m) => m.editCommand,
  ),
  ls: lazy(
    () => import("./commands/ls.ts"),
    (m) => m.lsCommand,
  ),
  check: lazy(
    () => import("./commands/check.ts"),
    (m) => m.checkCommand,
  ),
  completion: lazy(
    () => import("./commands/completion.ts"),
    (m) => (args, context) => m.completionCommand(args, context, commands, mainHelp),
  ),
  rewrap: lazy(
    () => import("./commands/rewrap.ts"),
    (m) => m.rewrapCommand,
  ),
  "tf-external": lazy(
    () => import("./commands/tf-external.ts"),
    (m) => m.tfExternalCommand,
  ),
  run: lazy(
    () => import("./commands/run.ts"),
    (m) => m.runCommand,
  ),
};

/** The Go tool's global flags come before the command; accept and skip them. */
function skipGlobalFlags(args: readonly string[]): readonly string[] {
  let i = 0;
  while (i < args.length && /^--log-(level|format)(=|$)/.test(args[i]!)) {
    i += args[i]!.includes("=") ? 1 : 2;
  }
  return args.slice(i);
}

/**
 * A reader that stops early (`s5 render … | head`) ends s5 quietly; any other failure to write
 * stdout (a full disk, an I/O error) is an error with its exit code, not a stack trace.
 */
function guardStdout(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    const failure = new IoError("S5_OUTPUT", `cannot write to stdout (${error.code ?? "error"})`, {
      cause: error,
      hint: "the output is incomplete; check the disk or the program stdout goes to",
    });
    process.exit(report(failure));
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  guardStdout();
  const args = skipGlobalFlags(argv);
  const [name, ...rest] = args;
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      if (name === undefined && process.stdout.isTTY === false && argv.length === 0) {
        process.stderr.write(mainHelp);
        return 2;
      }
      return context.help(mainHelp);
    }
    if (name === "--version" || name === "-V" || name === "version") {
      const { readFileSync } = await import("node:fs");
      const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    const command = commands[name];
    if (!command) {
      process.stderr.write(
        `s5: unknown command ${shownName(name, Object.keys(commands))}\n\n${mainHelp}`,
      );
      return 2;
    }
    return await command(rest, context);
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  const failure = toS5Error(error);
  const color = useColor();
  const label = color ? "\u001b[31merror\u001b[39m" : "error";
  process.stderr.write(`s5: ${label}: ${failure.describe()}\n`);
  if (process.env.S5_DEBUG && !(error instanceof S5Error) && error instanceof Error) {
    process.stderr.write(`${stackFrames(error)}\n`);
  }
  return failure.exitCode;
}
