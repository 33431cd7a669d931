import { ExitCode, formatLocation, type Location, S5Error, toS5Error } from "@s5/core";

/**
 * A message of the plugin as its errors print: `[s5] what (CODE)` and a `hint:` line, for what a
 * bundler reports as text (the output scans' messages, a webpack error).
 */
export function buildMessage(what: string, code: string, hint: string): string {
  return `[s5] ${what} (${code})\n  hint: ${hint}`;
}

/** Up to five `file:line:col`, and how many more. */
export function listLocations(locations: readonly Location[]): string {
  const where = [...new Set(locations.map(formatLocation))];
  return (where.length > 5 ? [...where.slice(0, 5), `… ${where.length - 5} more`] : where).join(
    ", ",
  );
}

/** A token in a client build, outside `allowClient`. */
export function clientTokenError(locations: readonly Location[]): S5Error {
  return new S5Error(
    "S5_CLIENT_TOKEN",
    ExitCode.usage,
    `${listLocations(locations)}: a secret token in a client (browser) build`,
    {
      hint:
        "secrets stay server-side: read the value in server code, or, if it is meant to be " +
        "public, list the file in the plugin's `allowClient` option",
    },
  );
}

/** An error for the bundler: `[s5] …` with every failing token's location, never a plaintext. */
export function toBuildError(error: unknown): Error {
  const s5 = toS5Error(error);
  const out = new Error(`[s5] ${s5.describe()}`);
  Object.assign(out, { code: s5.code });
  return out;
}
