/** Printing a failure on stderr: one line (with its hint), the stack only under S5_DEBUG. */
import { S5Error, toS5Error } from "@s5/core";
import { stackFrames } from "@s5/core/internal";
import { useColor } from "./io.ts";

/** Prints `error` and returns its exit code. */
export function report(error: unknown): number {
  const failure = toS5Error(error);
  const color = useColor();
  const label = color ? "\u001b[31merror\u001b[39m" : "error";
  process.stderr.write(`s5: ${label}: ${failure.describe()}\n`);
  if (process.env.S5_DEBUG && !(error instanceof S5Error) && error instanceof Error) {
    process.stderr.write(`${stackFrames(error)}\n`);
  }
  return failure.exitCode;
}
