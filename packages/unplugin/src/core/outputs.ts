/**
 * Tokens that reach a build's output without passing through the plugin's transform: a value of
 * `import.meta.env` or `define` (inlined by the bundler after the plugin ran), or a file the
 * plugin does not see. In a client build any such token fails the build; in a server build
 * Vite, Rollup and Rolldown decrypt them in the emitted chunk, and the others fail clearly. A
 * client build's outputs are also where the leak guard looks for decrypted values.
 */
import { type Location, mayContainToken } from "@s5/core";
import { LineIndex, scan } from "@s5/core/internal";
import type { EmittedFile } from "./emitted.ts";
import { buildMessage, listLocations } from "./errors.ts";
import { leakMessage, scanClientOutputs } from "./leaks.ts";

/** A client build's emitted files: no token, and (`leakScan`) no plaintext decrypted here. */
export function scanClient(files: EmittedFile[], leakScan: boolean): string | undefined {
  const tokens = tokensIn(files);
  if (tokens.length > 0) return clientOutputTokenMessage(tokens);
  if (!leakScan) return undefined;
  const leaked = scanClientOutputs(files);
  return leaked.length > 0 ? leakMessage(leaked) : undefined;
}

/** A server build's emitted files, for bundlers that cannot decrypt them after the fact. */
export function scanServer(files: EmittedFile[]): string | undefined {
  const tokens = tokensIn(files);
  return tokens.length > 0 ? serverOutputTokenMessage(tokens) : undefined;
}

/**
 * Where each token (or malformed token) of the emitted files is. Sourcemaps are left out: their
 * `sourcesContent` holds the sources as written, tokens of `allowClient` files included, while
 * what a bundler inlines after the transform appears in the code itself.
 */
export function tokensIn(files: readonly { name: string; text: string }[]): Location[] {
  const found: Location[] = [];
  for (const file of files) {
    if (file.name.endsWith(".map") || !mayContainToken(file.text)) continue;
    const { tokens, malformed } = scan(file.text);
    const lines = new LineIndex(file.name, file.text);
    for (const match of [...tokens, ...malformed].sort((a, b) => a.start - b.start)) {
      found.push(lines.locate(match.start));
    }
  }
  return found;
}

export function clientOutputTokenMessage(locations: readonly Location[]): string {
  return buildMessage(
    `${listLocations(locations)}: an s5 token reached the client output undecrypted (from ` +
      "`import.meta.env`, a `define`, or a file the plugin does not transform)",
    "S5_CLIENT_TOKEN",
    "a token is a secret meant for the server: read it in server code, and never expose it " +
      "through a client-side variable prefix (VITE_, NEXT_PUBLIC_…) or a client `define`",
  );
}

export function serverOutputTokenMessage(locations: readonly Location[]): string {
  return buildMessage(
    `${listLocations(locations)}: an s5 token reached the server output undecrypted (from a ` +
      "`define`, DefinePlugin or a file the plugin does not transform), which this bundler " +
      "cannot decrypt after the fact",
    "S5_SERVER_TOKEN",
    'put the token in a module the plugin transforms, or decrypt it at run time with `import "s5/config"`',
  );
}
