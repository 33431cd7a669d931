/**
 * `@s5/core`: keep secrets inside ordinary config files. Find tokens (`{{ s5:… }}`) in text,
 * decrypt them through a backend (local keys, Vault transit, AES), render, encrypt, rewrap.
 *
 * This entry is the public API; `@s5/core/internal` holds what s5's own packages share, and may
 * change in any release. The API report (`packages/core/api-report.d.mts`) shows every change.
 *
 * @example
 * import { createBackends, renderSources, resolveSettings } from "@s5/core";
 * await using backends = createBackends(resolveSettings());
 * const [text] = await renderSources([{ name: "secret.yml", content }], backends);
 */

// Tokens: find, parse, write.
export type {
  AesBody,
  Backend,
  BackendName,
  ItemResult,
  LocalBody,
  SealDestination,
  TokenBody,
  TokenInfo,
  VaultBody,
} from "./backend.ts";
export { backendNames } from "./backend.ts";
// Backends and settings.
export { type Backends, createBackends } from "./backends.ts";
// Decrypting many sources at once.
export {
  type Batcher,
  type BatchOptions,
  createBatcher,
  type Outcome,
  renderEach,
  resolveEach,
} from "./batch.ts";
// Encrypting, rewrapping, sealing.
export { type CipherOptions, cipherValues } from "./cipher.ts";
export { ciphertextKey } from "./ciphertext-key.ts";
export {
  defaultBackend,
  type FileProject,
  findProjectFile,
  type Overrides,
  PROJECT_FILE,
  type ProjectConfig,
  projectOfDir,
  projectOfFile,
  readProjectFile,
  resolveSettings,
  type Settings,
  type SettingsInput,
  vaultTransit,
} from "./config.ts";
// The kinds of file whose values are judged by where they land (`RenderOptions.inputType`).
export { DOCUMENT_KINDS, type DocumentKind } from "./context/index.ts";
// Errors: every failure is an S5Error with a code, an exit code and a hint.
export {
  BackendError,
  ConfigError,
  DecryptError,
  ExitCode,
  type ExitCodeValue,
  formatLocation,
  IoError,
  KeyError,
  type Location,
  S5Error,
  type S5ErrorOptions,
  TokenError,
  type TokenFailure,
  TokenFailures,
  toS5Error,
  UsageError,
} from "./errors.ts";
export { applyFilters, type FilterName, filterNames } from "./filters.ts";
export type { ProjectKey, Recipient } from "./local/keyring.ts";
// Rendering.
export {
  type FoundToken,
  type FoundTokens,
  findOneToken,
  findTokens,
  type RenderOptions,
  type ResolveOptions,
  renderSources,
  resolveTokens,
  type Source,
} from "./render.ts";
export { type RewrapOptions, type RewrapOutput, rewrapSources } from "./rewrap.ts";
export { mayContainToken, Spliced, TOKEN_HINT, type TokenMatch } from "./scan.ts";
export { type SealOptions, type SealResult, sealText } from "./seal.ts";
export { formatBody, formatToken, parseBody } from "./token.ts";
