import { UsageError } from "@s5/core";

export interface Context {
  /** Prints a help text on stdout; returns the exit code 0. */
  help(text: string): number;
  /** Stops with a usage error (exit code 2). */
  usage(message: string, help: string): never;
}

export const context: Context = {
  help(text) {
    process.stdout.write(text);
    return 0;
  },
  usage(message, help) {
    const first = help.split("\n")[0] ?? "";
    throw new UsageError(message, { hint: first.replace(/^Usage: /, "usage: ") });
  },
};
