import { UsageError } from "@s5/core";
import type { CommandDef } from "./define.ts";
import { stdoutStream } from "./stdout.ts";
import { renderUsage, usageLine } from "./usage.ts";

/** What a running command may ask of the CLI besides its input. */
export interface Context {
  /** Prints the command's `--help` on stdout; returns the exit code 0. */
  help(): number;
  /** Stops with a usage error (exit code 2) whose hint is the command's usage line. */
  usage(message: string): never;
}

/** The context of one command. */
export function commandContext(def: CommandDef): Context {
  return {
    help() {
      stdoutStream().write(renderUsage(def));
      return 0;
    },
    usage(message) {
      throw new UsageError(message, { hint: `usage: ${usageLine(def)}` });
    },
  };
}
