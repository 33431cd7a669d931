export { type FailedVariable, LoaderError } from "./errors.ts";
export { config, type LoadResult, load } from "./load.ts";
export type { Env, LoaderOptions } from "./options.ts";
export { type DecryptOptions, decrypt, decryptSync } from "./values.ts";
