import {
  ExitCode,
  formatLocation,
  type Location,
  S5Error,
  TokenFailures,
  toS5Error,
} from "@s5/core";

/** A token in a client build, outside `allowClient`. */
export function clientTokenError(locations: readonly Location[]): S5Error {
  const where = locations.map(formatLocation);
  const shown = where.length > 5 ? [...where.slice(0, 5), `… ${where.length - 5} more`] : where;
  return new S5Error(
    "S5_CLIENT_TOKEN",
    ExitCode.usage,
    `[s5] ${shown.join(", ")}: a secret token in a client (browser) build. Secrets stay ` +
      "server-side: read the value in server code, or, if it is meant to be public, list the file " +
      "in the plugin's `allowClient` option.",
    { location: locations[0] },
  );
}

/** An error for the bundler: `[s5] …` with every failing token's location, never a plaintext. */
export function toBuildError(error: unknown): Error {
  if (error instanceof TokenFailures) {
    const out = new Error(`[s5] ${error.describe()}`);
    Object.assign(out, { code: error.code });
    return out;
  }
  const s5 = toS5Error(error);
  if (s5.message.startsWith("[s5]")) return s5;
  const out = new Error(`[s5] ${s5.describe()}`);
  Object.assign(out, { code: s5.code });
  return out;
}
