export { type FailedVariable, LoaderError } from "./errors.ts";
export {
  config,
  type LoadResult,
  load,
  loadWithSecrets,
  type ToolOptions,
} from "./load.ts";
export type { Env, LoaderOptions } from "./options.ts";
export { MIN_REDACTED_LENGTH, Redactor, type RedactorOptions } from "./redact.ts";
export { type DecryptOptions, decrypt, decryptSync } from "./values.ts";
