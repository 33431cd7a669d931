// Types of scripts/build-binary.mjs for the TypeScript tests that import it.
export const BINARY: string;
/** The record of what the binary was made from: `{ key, files }`, files relative to the root. */
export const INPUTS_FILE: string;
export function ensureBinary(options?: { force?: boolean }): Promise<string>;
/** For the tests: an executable at `out` whose code cache went through `edit`; no record kept. */
export function buildWithCache(out: string, edit: (cache: Buffer) => Buffer): Promise<string>;
