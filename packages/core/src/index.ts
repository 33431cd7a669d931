export { type AesOptions, createAesBackend } from "./aes/backend.ts";
export type {
  AesBody,
  Backend,
  BackendName,
  ItemResult,
  LocalBody,
  TokenBody,
  TokenInfo,
  VaultBody,
} from "./backend.ts";
export { backendNames } from "./backend.ts";
export {
  type Backends,
  createBackends,
  createSyncBackend,
  type SyncBackendName,
} from "./backends.ts";
export {
  type Batcher,
  type BatchOptions,
  createBatcher,
  type Outcome,
  renderEach,
  resolveEach,
} from "./batch.ts";
export { type CipherOptions, cipherValues } from "./cipher.ts";
export {
  defaultBackend,
  findProjectFile,
  goToolBackendOf,
  loadSecretKeys,
  type Overrides,
  PROJECT_FILE,
  type ProjectConfig,
  parseBackendName,
  readBoolean,
  readProjectFile,
  resolveSettings,
  type Settings,
  type SettingsInput,
  vaultEnvAddress,
  vaultTransit,
} from "./config.ts";
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
  stackFrames,
  TokenError,
  type TokenFailure,
  TokenFailures,
  toS5Error,
  UsageError,
} from "./errors.ts";
export {
  applyFilter,
  applyFilters,
  type FilterName,
  filterNames,
  isFilterName,
} from "./filters.ts";
export { createLocalBackend, type LocalOptions } from "./local/backend.ts";
export {
  decodePublicKey,
  decodeSecretKey,
  encodePublicKey,
  encodeSecretKey,
  parseSecretKeys,
} from "./local/encoding.ts";
export type { ProjectKey, Recipient } from "./local/keyring.ts";
export {
  addProjectKey,
  addProjectRecipient,
  generateIdentity,
  type Identity,
  publicKeysOf,
  removeProjectRecipient,
} from "./local/manage.ts";
export { LineIndex } from "./location.ts";
export { formatMarker, type MarkerMatch, type MarkerScan, scanMarkers } from "./markers.ts";
export { readKeyFile } from "./private-file.ts";
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
export { canResolveSync, resolveTokensSync } from "./resolve-sync.ts";
export { type RewrapOptions, type RewrapOutput, rewrapSources } from "./rewrap.ts";
export {
  bytesAsText,
  type MalformedMatch,
  mayContainToken,
  type ScanResult,
  type ScanStats,
  Spliced,
  scan,
  spliceBytes,
  spliceText,
  TOKEN_HINT,
  type TokenMatch,
} from "./scan.ts";
export {
  type EditCopy,
  openForEdit,
  type Reuse,
  type SealOptions,
  type SealResult,
  sealText,
} from "./seal.ts";
export { entropy, findSuspectSecrets, type SuspectSecret } from "./secrets.ts";
export { closest } from "./suggest.ts";
export { formatBody, formatToken, parseBody } from "./token.ts";
