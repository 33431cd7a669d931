/** The loader's only output: one line on success when not quiet, steps with the debug switch. */
import type { ResolvedOptions } from "./options.ts";

export function debug(options: ResolvedOptions, message: string): void {
  if (options.debug) process.stderr.write(`[s5] debug: ${message}\n`);
}

export function summary(options: ResolvedOptions, message: string): void {
  if (!options.quiet || options.debug) process.stderr.write(`[s5] ${message}\n`);
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
