/** The `s5` command: dispatches to one command module and turns errors into exit codes. */
import { IoError, S5Error, toS5Error, UsageError } from "@s5/core";
import { stackFrames } from "@s5/core/internal";
import { parse, shownName } from "./args.ts";
import { commands, loadCommands } from "./commands.ts";
import { commandContext } from "./context.ts";
import { useColor } from "./io.ts";
import { renderMainUsage } from "./usage.ts";

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
      const help = renderMainUsage(await loadCommands());
      if (name === undefined && process.stdout.isTTY === false && argv.length === 0) {
        process.stderr.write(help);
        return 2;
      }
      process.stdout.write(help);
      return 0;
    }
    if (name === "--version" || name === "-V" || name === "version") {
      const { readFileSync } = await import("node:fs");
      const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!load) {
      throw new UsageError(`unknown command ${shownName(name, Object.keys(commands))}`, {
        hint: "`s5 --help` lists the commands",
      });
    }
    const def = (await load()).default;
    const context = commandContext(def);
    const input = parse(def, rest);
    if (input.values.help) return context.help();
    return await def.run(input, context);
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
