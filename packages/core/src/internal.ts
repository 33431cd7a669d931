/**
 * What s5's own packages (the CLI, the loader, the bundler plugin, the Pulumi resolvers) share
 * beyond the public API: the scanner, locations, seal markers, local-key management, synchronous
 * decryption for the loader. Not a public API: it may change in any release.
 */
export { type AesOptions, createAesBackend } from "./aes/backend.ts";
export {
  backendsUsed,
  createSyncBackend,
  knownKeysPlace,
  type SyncBackendName,
} from "./backends.ts";
export {
  goToolBackendOf,
  loadSecretKeys,
  parseBackendName,
  readBoolean,
  validateName,
  vaultEnvAddress,
} from "./config.ts";
export { type ConfigChange, configChanges } from "./config-changes.ts";
export { checkPlaces, documentKind } from "./context/index.ts";
export { clearS5SecretValues, isSecretData, joinMarks } from "./context/s5secret.ts";
export { checkVault, type Finding } from "./doctor.ts";
export {
  environmentDebugSwitch,
  excludeEnvFromChildReports,
  excludeEnvFromReports,
  reportSwitch,
} from "./env-switches.ts";
export { stackFrames } from "./errors.ts";
export { type HeldLock, LOCK_STALE_MS, lockHolder, takeLock } from "./file-lock.ts";
export { FROM_FILES, markFromFiles } from "./file-settings.ts";
export { applyFilter, isFilterName } from "./filters.ts";
export { showable, showableJson } from "./hidden.ts";
export { errnoOf, readHint, writeHint } from "./io-hints.ts";
export {
  type DuplicateKey,
  findDuplicateKey,
  type JsonString,
  jsonStrings,
} from "./json-keys.ts";
export { createLocalBackend, type LocalOptions } from "./local/backend.ts";
export {
  decodePublicKey,
  decodeSecretKey,
  encodePublicKey,
  encodeSecretKey,
  idArgument,
  parseSecretKeys,
} from "./local/encoding.ts";
export {
  type KeyFilesBackend,
  type KeyFilesOptions,
  localBackendOfFiles,
} from "./local/key-files.ts";
export { type KnownKeysPlace, rememberKeys } from "./local/known-keys.ts";
export {
  addProjectKey,
  addProjectRecipient,
  checkProjectKeys,
  endorseProjectKeys,
  generateIdentity,
  type Identity,
  publicKeysOf,
  removeProjectRecipient,
  rotateProjectKey,
  trustProjectKeys,
} from "./local/manage.ts";
export { LineIndex } from "./location.ts";
export { holderGone, holderMark } from "./lock-holder.ts";
export { makeDirs } from "./make-dirs.ts";
export {
  formatMarker,
  type MarkerMatch,
  type MarkerScan,
  mayHoldNearMiss,
  nearMissMarkers,
  scanMarkers,
} from "./markers.ts";
export {
  type CurrentFile,
  comparePlaces,
  type EarlierFile,
  type PlaceChange,
} from "./moved.ts";
export { refuseOldNode } from "./node-floor.ts";
export {
  isPrivateDirectory,
  plantedBy,
  readKeyFile,
  tempParentRefusal,
  trustedDirectory,
} from "./private-file.ts";
export { type ProcessStat, processStat } from "./proc-stat.ts";
export { danglingHint, realDirectoryOf } from "./real-place.ts";
export { plaintextsAsText } from "./render.ts";
export { canResolveSync, resolveTokensSync } from "./resolve-sync.ts";
export {
  bytesAsText,
  type MalformedMatch,
  type ScanResult,
  type ScanStats,
  scan,
  scanInPlace,
  spliceBytes,
  spliceText,
} from "./scan.ts";
export { type EditCopy, type EditToken, inGoToolForm, openForEdit } from "./seal.ts";
export {
  entropy,
  findSecretKeys,
  findSuspectSecrets,
  MIN_REDACTED_LENGTH,
  type SuspectSecret,
} from "./secrets.ts";
export { closest } from "./suggest.ts";
export { findUnsealed, type Unsealed } from "./unsealed.ts";
export { tooOldAdvice } from "./vault/errors.ts";
export { forTransitKey } from "./vault/keyed.ts";
export {
  type RememberedTransit,
  rememberedTransit,
  transitUseOf,
  trustTransit,
} from "./vault/known-transit.ts";
export { upgradeHint } from "./version.ts";
export { looksBinary } from "./wide-text.ts";
