// Types of scripts/build-binary.mjs for the TypeScript tests that import it.
export const BINARY: string;
export function ensureBinary(options?: { force?: boolean }): Promise<string>;
