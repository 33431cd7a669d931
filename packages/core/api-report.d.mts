// The public API of this package, from its built declarations (scripts/api-report.mjs).

// ---- index.d.mts ----
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
import { $ as SettingsInput, A as TOKEN_HINT, At as IoError, C as DOCUMENT_KINDS, Ct as VaultBody, Dt as DecryptError, Et as ConfigError, Ft as TokenError, H as createBackends, It as TokenFailure, J as FileProject, Lt as TokenFailures, Mt as Location, N as mayContainToken, Nt as S5Error, Ot as ExitCode, Pt as S5ErrorOptions, Q as Settings, Rt as UsageError, S as resolveTokens, St as TokenInfo, Tt as BackendError, Vt as toS5Error, X as PROJECT_FILE, Y as Overrides, Z as ProjectConfig, _ as Source, _t as BackendName, at as projectOfDir, bt as SealDestination, c as FilterName, ct as readProjectFile, d as filterNames, et as defaultBackend, ft as vaultTransit, g as ResolveOptions, gt as Backend, h as RenderOptions, ht as AesBody, i as SealResult, j as TokenMatch, jt as KeyError, k as Spliced, kt as ExitCodeValue, lt as resolveSettings, m as FoundTokens, mt as Recipient, ot as projectOfFile, p as FoundToken, pt as ProjectKey, r as SealOptions, s as sealText, tt as findProjectFile, u as applyFilters, v as findOneToken, vt as ItemResult, w as DocumentKind, wt as backendNames, x as renderSources, xt as TokenBody, y as findTokens, yt as LocalBody, z as Backends, zt as formatLocation } from "./seal.mjs";
/** One source's result: its values, or why it failed. */
type Outcome<T> = {
  ok: true;
  value: T;
} | {
  ok: false;
  error: S5Error;
};
/**
 * Decrypts the tokens of every source in one round (one batch per backend), then gives each
 * source its own outcome: a failing token fails only its source.
 */
export declare function resolveEach(found: readonly FoundTokens[], backends: Backends, options?: Pick<ResolveOptions, "filters">): Promise<Outcome<Uint8Array[]>[]>;
/**
 * {@link renderSources} for texts that stand alone (Pulumi inputs, config values): one round for
 * all of them, and each text its own outcome.
 */
export declare function renderEach(sources: readonly Source<string>[], backends: Backends): Promise<Outcome<string>[]>;
interface BatchOptions extends Pick<ResolveOptions, "filters"> {
  /**
   * How long a round waits for more sources when one needs Vault (a network round trip saves
   * whole requests); local keys and AES wait one event-loop turn only.
   * @default 8
   */
  windowMs?: number | undefined;
}
interface Batcher {
  /** The value of each token of `found`, or a {@link TokenFailures} of its own tokens. */
  resolve(found: FoundTokens): Promise<Uint8Array[]>;
  /** Rounds made so far (tests, the benchmark). */
  readonly rounds: number;
}
/** A batcher over the backends `backends()` returns (asked once per round). */
export declare function createBatcher(backends: () => Backends, options?: BatchOptions): Batcher;
interface CipherOptions {
  /**
   * Write tokens the Go tool can read (`{{s5:…}}`): AES always, Vault at key version 1 only.
   * @default false
   */
  goTool?: boolean | undefined;
  /** Filters to write into each token (`["base64"]` → `{{ s5:… | base64 }}`). */
  filters?: readonly string[] | undefined;
  /**
   * Encrypt empty and white-space-only values too. Without it they are refused: they are far more
   * often an unset shell variable (`s5 cipher "$PASWORD"`) than a secret.
   * @default false
   */
  allowEmpty?: boolean | undefined;
}
/**
 * Encrypts many plaintexts with one backend call and returns complete tokens, in order.
 *
 * @example
 * const [token] = await cipherValues(backends, "local", [new TextEncoder().encode("hunter2")]);
 */
export declare function cipherValues(backends: Backends, name: BackendName, plaintexts: readonly Uint8Array[], options?: CipherOptions): Promise<string[]>;
/** The ciphertext a token holds, as one text for all its spellings. */
export declare function ciphertextKey({ info, body }: FoundToken): string;
interface RewrapOptions {
  /** Backends whose tokens are rewrapped; others are left as written. @default ["vault"] */
  backends?: readonly BackendName[] | undefined;
  /**
   * How bare (Go tool) tokens are read: by their shape (the Go tool's AES payload is AES, the rest
   * Vault) or as one backend. @default the backends' `goToolBackend`
   */
  bareTokens?: "shape" | BackendName | undefined;
  /**
   * The Go tool must still read the tokens it reads (`legacyTokens`): it reads a Vault token only
   * at version 1, so tokens in its form are left as they are, and counted.
   */
  goToolTokens?: boolean | undefined;
}
interface RewrapOutput<T extends string | Uint8Array> {
  /** Each source with its tokens rewrapped: a string, or pieces to write in order for bytes. */
  outputs: (T extends string ? string : Spliced)[];
  /** Tokens whose text changed. */
  changed: number;
  /** Tokens of the selected backends seen. */
  total: number;
  /** Tokens in the Go tool's form left as they are (`goToolTokens`). */
  keptGoTool: number;
  /**
   * Tokens of the backends not selected, left as they are, by backend: after `s5 keys rotate`, a
   * local-key token still holds the key it was sealed with.
   */
  others: Partial<Record<BackendName, number>>;
}
/**
 * Rewraps every token of the selected backends in all sources at once.
 *
 * @example
 * const { outputs: [text] } = await rewrapSources([{ name: "a.yml", content }], backends);
 */
export declare function rewrapSources<T extends string | Uint8Array>(sources: readonly Source<T>[], backends: Backends, options?: RewrapOptions): Promise<RewrapOutput<T>>;
/**
 * Parses a token body. `goToolBackend` decides the Go tool's bare bodies; without it, a body
 * shaped like the Go tool's AES payload is `aes` and any other Vault-shaped one is `vault`.
 *
 * @example
 * parseBody("vault:v2:AbC…") // { backend: "vault", version: 2, ciphertext: "vault:v2:AbC…", goTool: false }
 */
export declare function parseBody(body: string, goToolBackend?: BackendName): TokenBody;
/**
 * The text of a body. With `goTool`, the Go tool's form where one exists (AES always; Vault at key
 * version 1), else throws.
 */
export declare function formatBody(body: TokenBody, options?: {
  goTool?: boolean | undefined;
}): string;
/**
 * Writes a complete token.
 *
 * @example
 * formatToken({ backend: "vault", version: 1, ciphertext: "vault:v1:AbC=" }) // "{{ s5:vault:v1:AbC= }}"
 * formatToken(body, { goTool: true }) // "{{s5:AbC=}}"
 */
export declare function formatToken(body: TokenBody, options?: {
  filters?: readonly string[] | undefined;
  goTool?: boolean | undefined;
}): string;
export { type AesBody, type Backend, BackendError, type BackendName, type Backends, type BatchOptions, type Batcher, type CipherOptions, ConfigError, DOCUMENT_KINDS, DecryptError, type DocumentKind, ExitCode, type ExitCodeValue, type FileProject, type FilterName, type FoundToken, type FoundTokens, IoError, type ItemResult, KeyError, type LocalBody, type Location, type Outcome, type Overrides, PROJECT_FILE, type ProjectConfig, type ProjectKey, type Recipient, type RenderOptions, type ResolveOptions, type RewrapOptions, type RewrapOutput, S5Error, type S5ErrorOptions, type SealDestination, type SealOptions, type SealResult, type Settings, type SettingsInput, type Source, Spliced, TOKEN_HINT, type TokenBody, TokenError, type TokenFailure, TokenFailures, type TokenInfo, type TokenMatch, UsageError, type VaultBody, applyFilters, backendNames, createBackends, defaultBackend, filterNames, findOneToken, findProjectFile, findTokens, formatLocation, mayContainToken, projectOfDir, projectOfFile, readProjectFile, renderSources, resolveSettings, resolveTokens, sealText, toS5Error, vaultTransit };

// ---- internal.d.mts ----
/**
 * What s5's own packages (the CLI, the loader, the bundler plugin, the Pulumi resolvers) share
 * beyond the public API: the scanner, locations, seal markers, local-key management, synchronous
 * decryption for the loader. Not a public API: it may change in any release.
 */
import { B as SyncBackendName, Bt as stackFrames, D as ScanResult, E as MalformedMatch, F as scanInPlace, G as KnownKeysPlace, I as spliceBytes, It as TokenFailure, K as KnownTransit, L as spliceText, M as bytesAsText, Mt as Location, Nt as S5Error, O as ScanStats, P as scan, Q as Settings, R as LineIndex, T as Span, U as createSyncBackend, V as backendsUsed, W as knownKeysPlace, Z as ProjectConfig, _t as BackendName, a as inGoToolForm, b as plaintextsAsText, dt as vaultEnvAddress, f as isFilterName, g as ResolveOptions, gt as Backend, it as parseBackendName, j as TokenMatch, l as applyFilter, m as FoundTokens, n as EditToken, nt as goToolBackendOf, o as openForEdit, p as FoundToken, pt as ProjectKey, q as rememberKeys, rt as loadSecretKeys, st as readBoolean, t as EditCopy, ut as validateName, w as DocumentKind } from "./seal.mjs";
/**
 * The string literals of a JSON text, with their places and paths, read without parsing the text
 * into values (so nothing else of it is read or rewritten: `123456789012345678901` stays as it is).
 * Used to find a key given twice in one object — `JSON.parse` keeps the last of two equal keys, so
 * a second `"publicKey"` far along a line would decide while a review reads the first — and to
 * decrypt the tokens of a JSON text string by string (Pulumi's structured config). The text has
 * already passed `JSON.parse`: this walk only follows strings and nesting, not the grammar.
 */
/** A string literal: offsets of its quotes, its path, whether it is a key and of which object. */
interface JsonString {
  /** Offset of the opening quote (UTF-16 units). */
  start: number;
  /** Offset just past the closing quote. */
  end: number;
  /** Where its value is: `db.hosts[1]`; for a key, the member it names: `db.password`. */
  path: string;
  /** For a key: the object's path (`""` at the top level). */
  parent: string;
  /** For a key: which object it belongs to (its position among the text's objects). */
  object: number | undefined;
  key: boolean;
}
/** Every string literal of a valid JSON text, in order. */
export declare function jsonStrings(text: string): JsonString[];
/** A key seen twice in one object: its decoded name, the object's path and where it repeats. */
interface DuplicateKey {
  key: string;
  /** `local.keys[0]`, or `""` at the top level. */
  path: string;
  /** UTF-16 offset of the second occurrence's opening quote. */
  offset: number;
}
/** The first duplicate key in a valid JSON text, or undefined. */
export declare function findDuplicateKey(text: string): DuplicateKey | undefined;
/**
 * The kind of a file from its name: `.json`; `.yaml`, `.yml`; `.env`, `.env.*` (`.env.local`) and
 * `*.env` (Docker's `env_file`); HCL: `.tf`, `.tofu`, `.tfvars`, `.hcl`; `.toml`. Other names (and
 * stdin) are not judged.
 */
export declare function documentKind(name: string): DocumentKind | undefined;
/**
 * Judges the unfiltered values of one source by where their tokens stand: each refused value is
 * reported in `failures` and becomes `undefined` in `values` (kept as its token with
 * `keepFailed`). `given`: the kind of every source (`text`: none is judged); else from its name,
 * and sources whose name tells no kind are not judged.
 *
 * In YAML, the values an s5 controller decrypts one by one (an S5Secret's `spec.data` and
 * `spec.stringData`, see `s5secret.ts`) are never spliced into YAML by it: `check` does not judge
 * them, and `render` refuses every one of them, filtered or not — spliced here, the plaintext
 * would stand in the S5Secret. `read` (git's textconv: output a person reads) judges them as
 * any other value.
 */
export declare function checkPlaces(source: {
  name: string;
  content: string | Uint8Array;
}, tokens: readonly TokenMatch[], values: (Uint8Array | undefined)[], lines: () => LineIndex, failures: TokenFailure[], given?: DocumentKind | "text", purpose?: "render" | "check" | "read"): void;
interface AesOptions {
  /** The key in hex: 32, 48 or 64 hex digits (AES-128, -192, -256). */
  key: string;
  /** Where the key was given (`--key`, `S5_AES_KEY`), for a message about it. */
  from?: string | undefined;
}
export declare function createAesBackend(options: AesOptions): Backend;
/** One change, at the member it is about. */
interface ConfigChange {
  /** The member's path (`vault.transitKey`, `local.keys`), as the message names it. */
  path: string;
  message: string;
  /** Offset in the later text of the member's key (0 when it is gone: the file's start). */
  offset: number;
}
/**
 * The changes from `before` (undefined: the file is new) to `after` that change where new values
 * are sealed or who may read them: `backend`, `vault.transitKey`, `vault.transitMount`, the
 * encrypting local key, recipients added. Texts that are not a JSON object give none (they are
 * reported as config errors where they are read).
 */
export declare function configChanges(before: string | undefined, after: string): ConfigChange[];
/** A line past the first that begins with a byte-order mark (see {@link joinMarks}). */
interface JoinMark {
  /** The line's offset. */
  at: number;
  /** `---` follows the mark. */
  marker: boolean;
}
/**
 * The lines past the first that begin with a byte-order mark: files a Windows editor saved,
 * joined. Before `---` (`marker`), YAML 1.2 allows it, but no reader s5 knows does — kubectl's
 * (go-yaml) skips it and then reads `---` as text, so the whole file fails (`could not find
 * expected ':'`), as it does in go-yaml v3, the `yaml` package and PyYAML. Without `---`, kubectl's
 * reader (apimachinery v0.35.2) and PyYAML take both files as one object, the keys after the mark
 * replacing those before (and one key named with the mark); go-yaml v3 and the `yaml` package
 * refuse the duplicate keys. `s5 check` says where; the documents are cut there all the same, so
 * that `render` refuses an S5Secret's values whichever way the file is read. A mark after
 * indentation is text of a block scalar, not a join.
 */
export declare function joinMarks(text: string): JoinMark[];
/**
 * Where the values of the S5Secrets told (see above) that hold no token start: an S5Secret's data
 * is a Secret's, and `s5 k8s wrap` warns of each such value that it is plaintext in the file;
 * `s5 check` reports them too, so that the hook does not commit them.
 */
export declare function clearS5SecretValues(text: string, tokens: readonly Span[]): number[];
/**
 * What a Secret's `data` holds: base64, padded, nothing else (no line breaks, no spaces). The s5
 * controller refuses an S5Secret whose `spec.data` value is not this once decrypted
 * (S5_K8S_DATA_BASE64), and `s5 check` says so first, by the same rule.
 */
export declare function isSecretData(value: string): boolean;
/** One finding. `fail` stops s5 there; `warn` works but is worth a look; `info` is a fact. */
interface Finding {
  status: "ok" | "fail" | "warn" | "info";
  /** What was looked at: `address`, `proxy`, `tls`, `token`, `server`, `transit`… */
  topic: string;
  text: string;
  /** For a failure: the error s5 would stop with (code, message, hint). */
  error?: S5Error | undefined;
}
/** Checks the Vault setup of `settings` against the server, read-only. */
export declare function checkVault(settings: Settings): Promise<Finding[]>;
/**
 * The switch (as `NAME=value`) that would make Node print the environment of the processes and
 * workers this one starts, or undefined. `live`: also ask Node, which read NODE_DEBUG once at
 * start-up whatever the environment says now.
 */
export declare function environmentDebugSwitch(env?: Readonly<Record<string, string | undefined>>, live?: boolean): string | undefined;
/**
 * The flag of a `NODE_OPTIONS` value that would write a diagnostic report holding the environment,
 * or undefined: none, or `--report-exclude-env` in force beside it. Read as Node reads it: quotes,
 * `_` for `-` in a name, a value after `=` that a switch ignores, and the last of `--X` and `--no-X`
 * wins (`--report-exclude-env --no-report-exclude-env` records the environment).
 */
export declare function reportSwitch(nodeOptions: string | undefined): string | undefined;
/**
 * Keeps the environment out of this process's diagnostic reports (a flag, the program's own
 * `process.report.writeReport()`): called once decrypted values are in `process.env`. Node
 * < 22.13 has no such setting: s5 refuses it (node-floor.ts); a runtime without `process.report`
 * has no reports.
 */
export declare function excludeEnvFromReports(): void;
/**
 * Keeps the environment out of the reports of the Node processes this one starts (they inherit
 * `NODE_OPTIONS` and the decrypted values; s5 cannot reach into them): adds `--report-exclude-env`
 * to a `NODE_OPTIONS` whose report flag would record it. Only on a Node that has the flag, so that
 * a child on the same Node accepts it.
 */
export declare function excludeEnvFromChildReports(env: Record<string, string | undefined>): void;
/**
 * What s5 adds to its lock token so that others can judge it later; empty where none could. Of
 * another process (`s5 run`'s command) for a record that lasts while it runs.
 */
export declare function holderMark(pid?: number): string;
/**
 * Whether the lock's token names a holder on this machine that has ended: no such process, a
 * process by that id started at another time, or one that is a zombie. False whenever it cannot
 * be told (a lock written by an older s5, another machine or namespace, a token being written).
 */
export declare function holderGone(token: string): boolean;
/**
 * Who holds a lock, from its token, for a refusal to say (never the token itself): its process
 * id, and whether that process still runs here where that can be told.
 */
declare function describeHolder(token: string): {
  pid?: number | undefined;
  text: string;
};
export declare const LOCK_STALE_MS = 30000;
interface HeldLock {
  /** Removes the lock if it is still this holder's (one taken over as stale is another's). */
  release(): void;
}
/**
 * Takes `lock`, waiting up to `waitMs` (`onWait` is told the lock's age and how long s5 has waited,
 * in ms, at each look while s5 waits, until it returns true: it has said what it wanted to; a lock
 * kept fresh stays young however long s5 waits); `undefined` when another holds it all that time. Throws
 * Node's error when it cannot be made at all (a read-only or full file system).
 */
export declare function takeLock(lock: string, waitMs: number, onWait?: (age: number, waited: number) => boolean): HeldLock | undefined;
/** Who holds `lock` now ({@link describeHolder}); undefined when it is gone. */
export declare function lockHolder(lock: string): ReturnType<typeof describeHolder> | undefined;
/**
 * Settings that a `.env` file set, seen again by an s5 started beneath `s5 run` or `s5/config`.
 * s5 takes the settings that decide where and how it connects (`VAULT_ADDR`, proxies, TLS, keys,
 * where the project, the identity and the Vault token file are) from the real environment only,
 * never from the files it decrypts: a committed `.env` must not send the Vault token elsewhere.
 * A command that `s5 run` starts gets those files' variables in its environment, so the loader
 * records which settings it set from files, with a hash of each value, in {@link FROM_FILES}; an
 * s5 in that command leaves out a setting whose value is still the file's. A value the command
 * sets again itself differs, or is the same and stays left out (set it where `s5 run` or the app
 * is started).
 */
/** The variable holding `NAME=HASH` pairs, space-separated, of settings set from files. */
export declare const FROM_FILES = "S5_SET_FROM_FILES";
/**
 * Records in `env` the settings among `names` that were just set in it from files (kept with the
 * marks already there, a parent's). The mark itself is never taken from a file.
 */
export declare function markFromFiles(env: Record<string, string | undefined>, names: Iterable<string>, before: string | undefined): void;
/**
 * JSON as a terminal should show it: `JSON.stringify`'s text with each hidden character it leaves
 * raw (DEL, C1 controls such as CSI U+009B, bidirectional controls, U+2028…) as a JSON escape —
 * the same value to a parser. C0 controls in strings JSON escapes itself; outside them it writes
 * only its own line breaks and spaces.
 */
export declare function showableJson(value: unknown, indent?: number): string;
/** Text as a terminal should show it: each hidden character as `\uXXXX` (or `\u{XXXXX}`). */
export declare function showable(text: string): string;
/**
 * What to do about a file that cannot be read or written, by its errno: one wording for every
 * command, so that `s5 render`, `s5 check` and the project config say the same thing about the
 * same failure.
 */
/** The `code` of a Node file-system error (`ENOENT`…), or `"error"`. */
export declare function errnoOf(cause: unknown): string;
/**
 * The hint for reading a path that failed with `code`, or undefined for an errno without advice.
 * `directory`: what to say when it is a directory (commands that take directories say so).
 * @example readHint("ENOENT") // "check the path (relative to the working directory)"
 */
export declare function readHint(code: string, directory?: string): string | undefined;
/**
 * The hint for writing a path that failed with `code`: the same errno, said for a write.
 * @example writeHint("ENOSPC") // "the disk is full: free some space, then run the command again"
 */
export declare function writeHint(code: string): string;
interface LocalOptions {
  /** Project keys from the project config; the last one encrypts. */
  keys: readonly ProjectKey[];
  /** Secret keys of this user or CI (identities, or project keys themselves). */
  secretKeys: readonly Uint8Array[];
  /** Where this machine records the project's keys it trusts (known-keys.ts); none: not checked. */
  known?: KnownKeysPlace | undefined;
}
export declare function createLocalBackend(options: LocalOptions): Backend;
export declare function encodeSecretKey(secretKey: Uint8Array): string;
export declare function encodePublicKey(publicKey: Uint8Array): string;
export declare function decodePublicKey(text: string): Buffer;
export declare function decodeSecretKey(text: string): Buffer;
/**
 * Reads secret keys from text: one a line or separated by spaces/commas; `#` starts a comment.
 * `source` names where the text came from, for a message that says which key to fix.
 * @example parseSecretKeys(text, "the identity file /home/me/.config/s5/identity.txt")
 */
export declare function parseSecretKeys(text: string, source?: string): Buffer[];
/**
 * A key id as a command line takes it: an id may start with `-` (base64url), which would be read
 * as an option, so `--` goes before it then (`s5 keys trust -- -AbC12xy`).
 */
export declare function idArgument(id: string): string;
interface KeyFilesOptions {
  /**
   * The file of secret keys, in the form `S5_PRIVATE_KEY_FILE` takes: identities (`s5 keys
   * generate`) or project keys themselves, several for a rotation.
   * @example "/etc/s5/namespace-keys/billing"
   */
  keyFile: string;
  /**
   * The project config (`.s5.json`) whose keys those identities unlock; none: only tokens of a
   * project key held in `keyFile` open.
   * @default undefined
   */
  configFile?: string | undefined;
  /**
   * How messages name the config, before its path: whose it is, for whoever fixes it.
   * @default "the project config"
   * @example "namespace billing's team config"
   */
  configName?: string | undefined;
  /**
   * Where the key file's path came from, for messages.
   * @example "--namespace-private-keys"
   */
  setting: string;
}
interface KeyFilesBackend {
  backend: Backend;
  /**
   * The public halves (`s5pk-…`) of the key file's keys: two scopes that hold the same key are
   * one scope, which the caller refuses. Not for messages.
   */
  publicKeys: string[];
  /**
   * Whether the config's project key of this public half opens with the key file's keys (its
   * sealed key opened and checked: an entry copied or made up opens nothing). One scope's file
   * holding a key that another scope's config opens makes them one scope too. No work unless the
   * config lists that key; one sealed-box open then, kept. Not for messages.
   */
  unlocks(publicKey: string): boolean;
}
/** The local backend of a key file and an optional project config (see the module comment). */
export declare function localBackendOfFiles(options: KeyFilesOptions): KeyFilesBackend;
interface Identity {
  /** `S5-SECRET-KEY-…`: keep private. */
  secretKey: string;
  /** `s5pk-…`: share freely. */
  publicKey: string;
}
/** A new identity key pair (for a person, or for CI). */
export declare function generateIdentity(): Promise<Identity>;
/** The public keys of secret keys. */
export declare function publicKeysOf(secretKeys: readonly Uint8Array[]): Promise<string[]>;
/**
 * Adds a new project key sealed to `recipients` and makes it the one that encrypts. Used by
 * `s5 init` (first key) and `s5 keys rotate` (a new key for the same recipients).
 */
export declare function addProjectKey(config: ProjectConfig, recipients: readonly {
  name: string;
  publicKey: string;
}[]): Promise<ProjectKey>;
/**
 * Seals every project key to one more recipient; needs a secret key that unlocks them. Returns the
 * public key added (as written in the project config) and the others already listed under the
 * same name: a second machine of the same person, or the key of a lost one, which keeps
 * decrypting until it is removed — for the caller to tell.
 */
export declare function addProjectRecipient(config: ProjectConfig, secretKeys: readonly Uint8Array[], recipient: {
  name: string;
  publicKey: string;
}): Promise<{
  publicKey: string;
  sameName: string[];
}>;
/**
 * Adds a new project key for the recipients of the current one, as someone who holds the current
 * key (`s5 keys rotate`). A recipient entry without a valid proof — added by an edit of the
 * project config rather than by `s5 keys add` — is refused, naming it: a rotation would hand the
 * new key to it.
 */
export declare function rotateProjectKey(config: ProjectConfig, secretKeys: readonly Uint8Array[], known?: KnownKeysPlace): Promise<{
  key: ProjectKey;
  previous: ProjectKey;
}>;
/**
 * `s5 keys trust [ID]`: makes the key that encrypts now (the newest; `id` must name it when given)
 * the one this machine encrypts to in the project, after a change of keys that encrypting refused.
 * The list must hold together: ids made from their public keys, none twice.
 */
export declare function trustProjectKeys(config: ProjectConfig, known: KnownKeysPlace, id?: string): Promise<ProjectKey>;
/**
 * `s5 keys endorse ID…`: a holder of the key before it confirms a key made without an endorsement
 * (by `s5 keys rotate` before endorsements existed), named by its id — never every unendorsed key
 * at once: a key appended by a change would be endorsed with them. A key whose recipients are not
 * all proven recipients of the key before it is refused: a rotation keeps the recipients, and a
 * key that adds one (its author, say) is no rotation. Returns the keys endorsed.
 */
export declare function endorseProjectKeys(config: ProjectConfig, secretKeys: readonly Uint8Array[], ids: readonly string[]): Promise<ProjectKey[]>;
/** What `s5 keys list` can check of one project key with the secret keys at hand. */
interface KeyCheck {
  /** Public keys of the recipients with a valid proof; undefined when the key cannot be opened. */
  proven: Set<string> | undefined;
  /** The key before it can be opened and did not endorse this one. */
  unendorsed: boolean;
  /** This user is listed as a recipient, and the key sealed to them does not open. */
  tampered: boolean;
}
/** For `s5 keys list`: each project key opened once, its recipients and endorsement checked. */
export declare function checkProjectKeys(config: ProjectConfig, secretKeys: readonly Uint8Array[]): Promise<Map<string, KeyCheck>>;
/**
 * Removes a recipient (by name or public key) from every project key; returns the recipients that
 * went, one per public key (a name may stand for several: two machines of one person). Refuses to
 * remove the last recipient of a key: nobody could decrypt its tokens any more.
 */
export declare function removeProjectRecipient(config: ProjectConfig, nameOrKey: string): {
  name: string;
  publicKey: string;
}[];
/** Makes `dir` and its missing parents (each with `mode`); nothing when it exists. */
export declare function makeDirs(dir: string, mode?: number): void;
/**
 * Seal markers: plaintext marked for encryption, which `s5 seal` and `s5 edit` turn into tokens.
 *
 *   marker = "{{" ws* "s5:seal" ws+ value ws* ( "|" ws* filter ws* )* "}}"
 *   value  = JSON-STRING            any value, JSON escapes (\n, \", \\, \u…)
 *          / bare                   text up to `|`, `}}` or the end of the line, trimmed
 *
 * `{{ s5:seal hunter2 }}` and `{{ s5:seal "two\nlines" | base64 }}` are markers. A bare value cannot
 * hold `|`, `}}`, a newline, or start with `"`; the JSON form holds anything. A bare value that
 * seems to hold one (`a|raw` with no space before `|`, or a `}}` later on the line that no `{{`
 * opened) is refused rather than sealed in part.
 */
interface MarkerMatch {
  start: number;
  end: number;
  /** The plaintext the marker holds. */
  value: string;
  filters: string[];
}
interface MarkerScan {
  markers: MarkerMatch[];
  malformed: {
    start: number;
    end: number;
    reason: string;
  }[];
}
/** Finds every seal marker. Linear: a failed marker resumes where reading stopped. Never throws. */
export declare function scanMarkers(text: string): MarkerScan;
/**
 * Writes a marker for a value.
 *
 * @example
 * formatMarker("hunter2") // "{{ s5:seal hunter2 }}"
 * formatMarker("a\nb", ["base64"]) // '{{ s5:seal "a\\nb" | base64 }}'
 */
export declare function formatMarker(value: string, filters?: readonly string[], quoted?: boolean): string;
/** Offsets of the near-miss markers in `text` (see {@link nearMiss}). */
export declare function nearMissMarkers(text: string): number[];
/** Whether bytes may hold a near-miss marker: a native search first (`s5 check` of a tree). */
export declare function mayHoldNearMiss(bytes: Uint8Array): boolean;
/** A file as it was at the earlier version. */
interface EarlierFile {
  /** Its name then (as it is reported). */
  name: string;
  content: Uint8Array;
  /** Its name now (renamed or not), or undefined when it is gone. */
  now: string | undefined;
}
/** A file as it is now, with its tokens (`findTokens`). */
interface CurrentFile {
  name: string;
  content: Uint8Array;
  found: FoundTokens;
}
/**
 * A token of a current file that stood at another place at the earlier version (`moved`), or
 * that stands where a token of another backend stood (`backend`: who may read the place's value
 * changed, as when a Vault token for CI alone is replaced by a local-key one).
 */
type PlaceChange = {
  kind: "moved";
  /** Index into the current files. */
  file: number;
  token: FoundToken;
  /** Where its ciphertext stood at the earlier version. */
  from: Location;
} | {
  kind: "backend";
  file: number;
  token: FoundToken;
  /** The earlier token at its place. */
  from: Location;
  /** That token's backend. */
  was: BackendName;
};
/**
 * The tokens of `current` whose ciphertext stood elsewhere in `earlier` (`moved`): in another
 * file, or at another place of the same file. A token at its own place, a new token, and a token
 * whose place was not found but stood in the same changed stretch of its file (a line rewritten
 * around it) are not moves. And the new tokens at a place where a token of another backend stood
 * (`backend`). Pass only the files that changed: an unchanged file's tokens are where they were.
 */
export declare function comparePlaces(earlier: readonly EarlierFile[], current: readonly CurrentFile[], goToolBackend?: BackendName): PlaceChange[];
/** Throws when `version` (default: this Node's) is older than {@link NODE_FLOOR}. */
export declare function refuseOldNode(version?: string): void;
/**
 * Reads a file of secret keys, refusing one that group or others can access.
 * `undefined` when it does not exist and is not `required`. `setting` names where the path came
 * from, for a message; `known`: the path is s5's default, not the setting's value (always shown).
 */
export declare function readKeyFile(file: string, what: string, required: boolean, setting: string, known?: boolean): string | undefined;
/**
 * A directory where nobody but its owner can add or replace files, and that owner is this user,
 * root, or `fileOwner` (a user's own directory, or a CI runner's checkout that root works in): a
 * file there that another user owns was not planted by a third party. Used for the project config
 * found upward and for plaintext outputs.
 */
export declare function trustedDirectory(dir: string, fileOwner: number): boolean;
/**
 * The owner of a file that another user (not root) owns in a directory others can write — a file
 * they could have planted (`/tmp`, a team's directory) — or undefined: yours, root's, in a
 * directory only its owner can change, missing, or on a system without owners; of a link to
 * nothing, the link's owner. `ownerNow`: the
 * owner the caller already knows (of the file it opened, or of a link).
 */
export declare function plantedBy(file: string, ownerNow?: number): number | undefined;
/**
 * Why `dir` cannot hold a private temporary directory, or undefined when it can. Its owner must be
 * this user or root (another user owns what they could have prepared, and may rename what is in
 * it), and it must be one only its owner can change, or shared with the sticky bit (`/tmp`,
 * `/dev/shm`: nobody removes or renames another's entry). `exclusive` (`$XDG_RUNTIME_DIR`): this
 * user's own, mode 0700, as the XDG spec requires of it. `stat` follows links, and every part
 * of the way there (each directory above it, each link followed) must be one only this user or
 * root can change (see `pathRefusal`). Checks nothing on Windows, which has no such bits.
 */
export declare function tempParentRefusal(dir: string, exclusive: boolean): string | undefined;
/**
 * Whether `dir`, just made by this process (`mkdtemp`), is a directory of this user that nobody
 * else can enter: a link or another's directory in its place is refused.
 */
export declare function isPrivateDirectory(dir: string): boolean;
interface ProcessStat {
  /** Its process id as this /proc shows it (another PID namespace's /proc shows another). */
  pid: number;
  /** `Z` (or `X`) for a process that has ended but is not yet waited for. */
  state: string;
  /** The process group. */
  pgrp: number;
  /** The session: its leader's process id. */
  session: number;
  /** The controlling terminal's device number; 0 for none. */
  tty: number;
  /** The foreground process group of the controlling terminal; -1 for none. */
  tpgid: number;
  /** When it started, in clock ticks after the boot. */
  start: number;
}
/** Fields 1, 3, 5 to 8 and 22 of /proc/PID/stat; undefined when it cannot be read (not Linux, gone). */
export declare function processStat(pid: number | "self"): ProcessStat | undefined;
/**
 * What a file's place is judged for: `read` (its project's keys read and seal it), or `write` (an
 * output named by `-o`: a committed `out.yml -> ../b/prod.yml` made `s5 render -o out.yml` write
 * this project's plaintext over another repository's file).
 */
type PlaceUse = "read" | "write";
/**
 * The real directory of `file` (links followed), to find its project from. A name that does not
 * exist yet (a file being created), a dangling link or a loop: the nearest existing directory
 * above the name, real; reading such a file fails with its own error. `known` caches directories
 * (one `realpath` each), as a walk of many files needs; a file costs one `lstat`, none when the
 * caller knows it is no link (`link: false`, a file a directory walk found). A link that leads
 * into another project out of its repository, or into another user's, is refused
 * (link-crossing.ts); `use: "write"` judges an output's place so, with a message about writing.
 * @example realDirectoryOf("app/link.yml") // "/repo/other" when it links to ../other/a.yml
 */
export declare function realDirectoryOf(file: string, known?: Map<string, string>, link?: boolean, use?: PlaceUse): string;
/**
 * The hint for a path that could not be read for ENOENT when it is a symbolic link to nothing
 * (undefined otherwise): "check the path" sent users looking at a name that is there.
 */
export declare function danglingHint(path: string): string | undefined;
/** Whether every token found can be decrypted by {@link resolveTokensSync}. */
export declare function canResolveSync(found: readonly FoundTokens[]): boolean;
/**
 * The value of each token of each source (filters applied), or throws {@link TokenFailures}.
 * Throws a plain Error when a token needs an asynchronous backend (check {@link canResolveSync})
 * or when the backend's native module cannot be loaded here.
 */
export declare function resolveTokensSync(found: readonly FoundTokens[], settings: Settings): Uint8Array[][];
/** With `failures`, every failure is collected there and its token is `undefined`. */
export declare function resolveTokensSync(found: readonly FoundTokens[], settings: Settings, options: ResolveOptions): (Uint8Array | undefined)[][];
/**
 * Decrypted values shorter than this are not replaced in a child's output (`s5 run --redact`, the
 * loader's `Redactor`): `1` or `on` would mangle every line.
 */
export declare const MIN_REDACTED_LENGTH = 4;
interface SuspectSecret {
  /** 0-based offset of the value in the text. */
  offset: number;
  reason: string;
}
/** Shannon entropy in bits per character. */
export declare function entropy(value: string): number;
/** Lines of `text` that look like they hold an unencrypted secret. */
export declare function findSuspectSecrets(text: string): SuspectSecret[];
/**
 * The byte offsets of the s5 secret keys in `content` (an identity, `keys generate`'s output, a
 * `.env`'s `S5_PRIVATE_KEY=…`), on lines without `s5:ignore`: whoever reads one opens every value
 * sealed to it. Asked of every file `s5 check` reads, tokens or none: a byte search, no string
 * made of the file (nearly every file has no prefix at all).
 */
export declare function findSecretKeys(content: Uint8Array): number[];
/**
 * The known name closest to `input` (a few edits, fewer for short names; case ignored), or
 * undefined when nothing is that close.
 *
 * @example
 * closest("--transit-ky", ["--transit-key", "--key"]) // "--transit-key"
 */
export declare function closest(input: string, candidates: Iterable<string>): string | undefined;
/** A value in clear at a place where a token stood. */
interface Unsealed {
  /** Index into the current files. */
  file: number;
  /** Byte offset of the value in the current file. */
  offset: number;
  /** Where the token stood in the earlier version. */
  from: Location;
  /**
   * The earlier file is one of `copied` (unchanged since): the current file is a copy of it — a
   * new file, or one whose earlier version held no token (a template overwritten, `s5 render
   * config.s5.yml > config.yml`).
   */
  copy?: true;
}
/**
 * The values of `current` that stand in clear where a token of the file's earlier version stood
 * (`earlier`, matched by their name now; a new file, by each file gone since): on a line changed
 * since, whose text around the value is that of the token's line, byte for byte. A token kept or
 * replaced by another token, a placeholder or a reference put in its place (`none`,
 * `${DB_PASSWORD}`), a line removed, and a line rewritten around its value are not reported: the
 * heuristics judge those. Pass only the files that changed. `copied`: files of tokens (unchanged
 * since, or as this change holds them), which a new file may be a rendered copy of (`s5 render
 * values.yml > prod.yml`): a new file that mostly repeats one, each of its changed lines of tokens
 * filled in and most with a value (not a placeholder), is held to it (`copy`).
 * So is a file whose earlier version held no token (a template, or anything) where its changed
 * lines may hold a secret's value ({@link mayBeRendered}): only its values on lines changed since
 * are reported. `copied` may be a function, called once and only when a file is held to copies
 * (finding them is a search of the whole repository).
 */
export declare function findUnsealed(earlier: readonly EarlierFile[], current: readonly CurrentFile[], goToolBackend?: BackendName, copied?: readonly EarlierFile[] | (() => readonly EarlierFile[])): Unsealed[];
/**
 * What to do about a token below the min_decryption_version of `mount`/`key`, whose version is
 * `version` (`vault:vN:`). Vault rewraps only what it still decrypts: the minimum goes down to the
 * token's version for the rewrap, and up again after. But a token does not name its key, and Vault
 * compares the version before it tries the key: a token of another key below this one's minimum
 * gets the same answer, and lowering this key's minimum would only weaken it for a rewrap that
 * then fails. That case comes first.
 */
export declare function tooOldAdvice(version: number | undefined, mount: string, key: string): string;
/** `backend` (the `vault` backend of {@link createBackends}) over transit key `key`. */
export declare function forTransitKey(backend: Backend, key: string): Backend;
/** The transit mount and key of one seal, and which of them the user chose. */
interface TransitUse {
  mount: string;
  key: string;
  chosen: {
    mount: boolean;
    key: boolean;
  };
}
export declare function transitUseOf(settings: Settings): TransitUse;
/** What this machine remembers of a project's Vault transit key, as `s5 keys list` shows it. */
interface RememberedTransit {
  /** The mount and key remembered (a part a flag or variable chose is undefined). */
  mount?: string | undefined;
  key?: string | undefined;
  /** The project (`.s5.json`) it is remembered for: this one, or one in the same git repository. */
  project: string;
  /** `MOUNT/KEY` a seal would use now, when the record refuses it (S5_KEY_VAULT_UNTRUSTED). */
  refused?: string | undefined;
}
/**
 * The project's remembered transit key, or the one a seal here is judged by (another project of
 * the same repository); undefined when this machine never sealed with Vault there. Reads, writes
 * nothing.
 */
export declare function rememberedTransit(place: KnownKeysPlace, use: TransitUse): RememberedTransit | undefined;
/**
 * `s5 keys trust MOUNT/KEY`: this machine seals with that transit mount and key in the project
 * from now on. It must be the one a seal would use now (a flag or variable counts), so that what
 * is trusted is what was checked.
 */
export declare function trustTransit(place: KnownKeysPlace, use: TransitUse, given: string): KnownTransit;
/** The end of every refusal of something a newer s5 wrote. */
export declare function upgradeHint(): string;
/**
 * Whether the first bytes of a file say it is not text: a NUL byte near the start — unless the file
 * is UTF-16 or UTF-32, which render reports when it holds tokens. A byte-order mark says so; so
 * does, without one (what some Windows tools write), a text of mostly characters below U+0100:
 * then each code unit is NUL bytes around one that is not.
 */
export declare function looksBinary(head: Uint8Array): boolean;
export { type AesOptions, type ConfigChange, type CurrentFile, type DuplicateKey, type EarlierFile, type EditCopy, type EditToken, type Finding, type HeldLock, type Identity, type JsonString, type KeyFilesBackend, type KeyFilesOptions, type KnownKeysPlace, LineIndex, type LocalOptions, type MalformedMatch, type MarkerMatch, type MarkerScan, type PlaceChange, type ProcessStat, type RememberedTransit, type ScanResult, type ScanStats, type SuspectSecret, type SyncBackendName, type Unsealed, applyFilter, backendsUsed, bytesAsText, createSyncBackend, goToolBackendOf, inGoToolForm, isFilterName, knownKeysPlace, loadSecretKeys, openForEdit, parseBackendName, plaintextsAsText, readBoolean, rememberKeys, scan, scanInPlace, spliceBytes, spliceText, stackFrames, validateName, vaultEnvAddress };

// ---- seal.d.mts ----
/** Where in an input something went wrong (1-based line and column). */
interface Location {
  file: string;
  line: number;
  column: number;
}
/** Exit codes of the CLI, one per class of failure (documented in the README). */
declare const ExitCode: {
  readonly ok: 0;
  readonly internal: 1;
  readonly usage: 2;
  readonly input: 3;
  readonly output: 4;
  readonly malformed: 5;
  readonly decrypt: 6;
  readonly key: 7;
  readonly unavailable: 8;
  readonly denied: 9;
  readonly check: 10;
  readonly editor: 11;
  readonly config: 12;
  /** `s5 run`: COMMAND exists but cannot be run (not executable, a directory), as shells say. */
  readonly cannotRun: 126;
  /** `s5 run`: COMMAND was not found, as shells say. */
  readonly notFound: 127;
  readonly interrupted: 130;
};
type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
interface S5ErrorOptions {
  hint?: string | undefined;
  location?: Location | undefined;
  cause?: unknown;
}
/** What every copy of core puts on its errors (see {@link S5Error}). */
declare const S5_ERROR: unique symbol;
/**
 * Base class of every error s5 raises on purpose. `error instanceof S5Error` is true for the
 * errors of every copy of core in the process, not only this one: the CLI's engine carries its
 * own copy and loads packages (`@s5/loader`, `@s5/kubernetes`) that import theirs, and an
 * application may hold two versions. Subclasses (`UsageError`…) keep the usual `instanceof`.
 */
declare class S5Error extends Error {
  static [Symbol.hasInstance](value: unknown): boolean;
  get [S5_ERROR](): true;
  name: string;
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  readonly location: Location | undefined;
  constructor(code: string, exitCode: ExitCodeValue, message: string, options?: S5ErrorOptions);
  /** `file:line:col: message (CODE)` followed by the hint, for people. */
  describe(): string;
}
/** Wrong command line or API options. */
declare class UsageError extends S5Error {
  name: string;
  constructor(message: string, options?: S5ErrorOptions);
}
/**
 * A configuration file or variable that cannot be used.
 *
 * The rule for its exit code: configuration that is **there but wrong** exits 12
 * (`ExitCode.config`: JSON syntax, schema violations and unknown keys in `.s5.json`, a variable with
 * an invalid value, a bad transit name, a non-PEM TLS file, a VAULT_ADDR with the wrong scheme, a
 * namespace that does not exist); configuration that is **missing** — nothing set up to encrypt or
 * decrypt with (no backend, no VAULT_ADDR, no transit engine at the mount) — exits 7
 * (`ExitCode.key`) like the other "no key or credentials" errors (a missing transit key is a
 * KeyError, 7). Pass `missing: true` for the latter, or list the code in `MISSING_SETUP`.
 */
declare class ConfigError extends S5Error {
  name: string;
  constructor(code: `S5_CONFIG${string}`, message: string, options?: S5ErrorOptions & {
    missing?: boolean | undefined;
  });
}
/** An input that cannot be read, or an output that cannot be written. */
declare class IoError extends S5Error {
  name: string;
  constructor(code: `S5_INPUT${string}` | `S5_OUTPUT${string}`, message: string, options?: S5ErrorOptions);
}
/** Text that starts like a token but is not one s5 can read. */
declare class TokenError extends S5Error {
  name: string;
  constructor(code: "S5_TOKEN_MALFORMED" | "S5_TOKEN_FILTER" | "S5_TOKEN_SCHEME" | "S5_TOKEN_UNSEALED" | "S5_VALUE_CONTEXT" | "S5_K8S_DATA_BASE64", message: string, options?: S5ErrorOptions);
}
/** A key that is missing or unusable (no private key, wrong AES key length, no Vault token…). */
declare class KeyError extends S5Error {
  name: string;
  constructor(code: `S5_KEY${string}`, message: string, options?: S5ErrorOptions);
}
/** A ciphertext that the key at hand cannot open (wrong key, tampered or truncated token). */
declare class DecryptError extends S5Error {
  name: string;
  constructor(code: `S5_DECRYPT${string}`, message: string, options?: S5ErrorOptions);
}
/** A backend that cannot be reached or refused the request (Vault down, permission denied…). */
declare class BackendError extends S5Error {
  name: string;
  readonly status: number | undefined;
  constructor(code: `S5_${string}`, exitCode: ExitCodeValue, message: string, options?: S5ErrorOptions & {
    status?: number | undefined;
  });
}
/** One token that failed, where it is, and why. */
interface TokenFailure {
  location: Location;
  error: S5Error;
  /** How many tokens this entry stands for (a summary of many beyond a report's limit). @default 1 */
  count?: number | undefined;
}
/** Several tokens failed at once: every failure with its location; nothing was written. */
declare class TokenFailures extends S5Error {
  name: string;
  readonly failures: readonly TokenFailure[];
  constructor(unsorted: readonly TokenFailure[]);
  describe(): string;
}
/**
 * `file:line:col`, as editors and CI annotations read it. A file name's control, bidirectional and
 * invisible characters are escaped (`\u000a`): a name with a newline could forge a line of the
 * report, one with a right-to-left override show another name.
 */
declare function formatLocation(location: Location): string;
/**
 * Where an unexpected error came from, for `S5_DEBUG`: its class and stack frames, without its
 * message and causes, which may quote data (a parser's error can hold the text it read).
 */
declare function stackFrames(error: unknown): string;
/** Turns anything thrown into an {@link S5Error}, without copying unknown messages that may hold data. */
declare function toS5Error(error: unknown): S5Error;
type BackendName = "local" | "aes" | "vault";
declare const backendNames: readonly BackendName[];
/** One result per item: the value, or why this item failed (the others still count). */
type ItemResult<T> = {
  ok: true;
  value: T;
} | {
  ok: false;
  error: S5Error;
};
/**
 * A token body as core parsed it: the backend and everything that backend needs, so no backend
 * parses token text again. `goTool` marks the Go tool's forms (a bare payload, no backend word).
 */
type TokenBody = VaultBody | LocalBody | AesBody;
interface VaultBody {
  backend: "vault";
  /** Key version (`vault:v3:…` → 3). */
  version: number;
  /** Vault's own ciphertext, `vault:vN:BASE64`, also for the Go tool's bare form. */
  ciphertext: string;
  goTool: boolean;
  key?: undefined;
}
interface LocalBody {
  backend: "local";
  /** The project key's id. */
  key: string;
  /** The sealed box, base64url. */
  sealed: string;
  goTool: false;
  version?: undefined;
}
interface AesBody {
  backend: "aes";
  /** The 12-byte nonce. */
  nonce: Buffer;
  /** Ciphertext followed by the 16-byte GCM tag. */
  sealed: Buffer;
  goTool: boolean;
  key?: undefined;
  version?: undefined;
}
/**
 * Where a backend's new tokens go, as far as it knows without decrypting: who can read them. Never
 * a value. A backend that does not say gives its name only.
 */
interface SealDestination {
  backend: BackendName;
  /** Local keys: the project key's id (`local:ID:…`). Vault: the transit key's name. */
  key?: string | undefined;
  /** Local keys: how many recipients that key is sealed to (who can read its tokens). */
  recipients?: number | undefined;
  /** Vault: the transit mount, and the namespace when one is set. */
  mount?: string | undefined;
  namespace?: string | undefined;
}
/** What a token says about itself, without decrypting it (a parsed body). */
type TokenInfo = TokenBody;
interface Backend extends AsyncDisposable {
  readonly name: BackendName;
  /** Encrypts many plaintexts; returns one parsed body per plaintext, in order. */
  encrypt(plaintexts: readonly Uint8Array[]): Promise<TokenBody[]>;
  /**
   * Where {@link Backend.encrypt} seals now (the key, its readers), for a summary that says where
   * new values went: a place whose backend was changed is then seen to send a new value elsewhere.
   */
  destination?(): SealDestination;
  /** Decrypts many bodies of this backend, one result per body, in order. */
  decrypt(bodies: readonly TokenBody[]): Promise<ItemResult<Uint8Array>[]>;
  /**
   * {@link Backend.decrypt} without waiting, for backends that need no I/O (local keys, AES): the
   * runtime loader uses it to decrypt before the application's next import runs.
   */
  decryptSync?(bodies: readonly TokenBody[]): ItemResult<Uint8Array>[];
  /** Re-encrypts bodies to the newest key (version) without exposing plaintext where it can. */
  rewrap?(bodies: readonly TokenBody[]): Promise<ItemResult<TokenBody>[]>;
  /**
   * The key's versions (Vault): the latest, and the oldest it still decrypts. `undefined` when
   * not allowed to read them.
   */
  keyVersions?(): Promise<{
    latest: number;
    minDecryption: number;
  } | undefined>;
}
/** A recipient of a project key: who may decrypt. */
interface Recipient {
  /** A label for people: `alice@laptop`, `ci`. */
  name: string;
  /** The recipient's public key (`s5pk-…`). */
  publicKey: string;
  /** The project secret key sealed to this recipient (base64url). */
  sealedKey: string;
  /**
   * Made from the project secret key and the recipient's public key ({@link recipientProof}):
   * only someone who holds the key can add a recipient with a proof. An entry without one (an
   * edit of the project config, or from before proofs) is not carried over by a rotation.
   */
  proof?: string | undefined;
}
/** One project key pair as stored in the project config. */
interface ProjectKey {
  /** Short id written into every token (`local:ID:…`). */
  id: string;
  /** The project public key (`s5pk-…`): anyone with it can encrypt. */
  publicKey: string;
  /** ISO date of creation. */
  created?: string | undefined;
  /**
   * For every key after the first: made from the previous key's secret and this key's public key
   * ({@link keyEndorsement}) by `s5 keys rotate`. A key appended by an edit of the project config
   * has none that checks, and encrypting with it is refused where the previous key can be opened.
   */
  endorsement?: string | undefined;
  recipients: Recipient[];
}
/** The project config file name, found upward from the working directory. */
declare const PROJECT_FILE = ".s5.json";
/** The committed project config (`.s5.json`); its shape is checked by {@link projectSchema}. */
interface ProjectConfig {
  /** Where editors find the JSON Schema of this file (written by `s5 init`, ignored by s5). */
  $schema?: string | undefined;
  /** Backend for new tokens and for the Go tool's bare tokens. */
  backend?: BackendName | undefined;
  /** Write tokens the Go tool can read. @default false */
  legacyTokens?: boolean | undefined;
  local?: {
    keys: ProjectKey[];
  } | undefined;
  vault?: {
    transitKey?: string | undefined;
    transitMount?: string | undefined;
    /** Retries of one Vault request. @default 6 */
    maxRetries?: number | undefined;
    /** Total time one Vault request may be retried, e.g. `"30s"`. @default "30s" */
    retryTimeout?: string | undefined;
  } | undefined;
}
/** What the command line (or an API caller) says; wins over everything else. */
interface Overrides {
  /** Backend word or `--backend`. */
  backend?: string | undefined;
  /** `--key` of the AES backend (hex). */
  aesKey?: string | undefined;
  /** `--config FILE`: use this project config instead of searching upward. */
  configFile?: string | undefined;
  /** `--private-key-file FILE`. */
  privateKeyFile?: string | undefined;
  /** `--legacy`: write tokens in the Go tool's form. */
  goToolTokens?: boolean | undefined;
  /** `--no-trim`. */
  noTrim?: boolean | undefined;
  /** `-k/--transit-key` (Vault). */
  transitKey?: string | undefined;
  /** `--transit-mount` (Vault). */
  transitMount?: string | undefined;
  /**
   * The CLI: a machine moves on to a teammate's rotated project key when that key's tokens
   * decrypt, as when it encrypts (packages/core/src/local/known-keys.ts). Libraries do not write
   * the record while they decrypt.
   */
  learnKeys?: boolean | undefined;
  /**
   * The CLI: where a note goes while s5 waits, such as a Vault server that does not answer and
   * is retried for seconds. Libraries leave it unset and stay silent.
   * @default undefined (no notes)
   * @example (message) => process.stderr.write(`s5: note: ${message}\n`)
   */
  note?: ((message: string) => void) | undefined;
}
interface Settings {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Backend chosen by a flag, the environment or the project config. */
  backend: BackendName | undefined;
  /** Write new tokens in the Go tool's form (`--legacy`, `S5_LEGACY_TOKENS`, `legacyTokens`). */
  goToolTokens: boolean;
  noTrim: boolean;
  aesKey: string | undefined;
  project: {
    file: string;
    dir: string;
    config: ProjectConfig;
  } | undefined;
  /** Where `s5 init` keeps this user's secret key. */
  identityFile: string;
  /**
   * Where this machine records the project keys it has encrypted to, per project
   * (`S5_KNOWN_KEYS_FILE`, else `known-keys.json` beside the default identity).
   */
  knownKeysFile: string;
  privateKeyFile: string | undefined;
  /** Overrides as given, for backends that read more of them (Vault). */
  overrides: Overrides;
  /** Where warnings go (a credential file others can read…). @default stderr, `s5: warning: …` */
  warn: (message: string) => void;
}
interface SettingsInput {
  cwd?: string | undefined;
  env?: Readonly<Record<string, string | undefined>> | undefined;
  overrides?: Overrides | undefined;
  /** Where warnings go. @default stderr, as `s5: warning: …` */
  warn?: ((message: string) => void) | undefined;
}
/** Reads a boolean variable the way the Vault CLI does: `1/true/yes/on` and `0/false/no/off`. */
declare function readBoolean(value: string | undefined, name: string): boolean | undefined;
declare function parseBackendName(value: string, source: string): BackendName;
/**
 * Finds `.s5.json` in `cwd` or the nearest parent directory. One another user could have put there
 * is refused ({@link checkProjectFile}): it decides whom new secrets are encrypted to.
 */
declare function findProjectFile(cwd: string): string | undefined;
/** The project that reads a file's tokens, and how to read its settings. */
interface FileProject {
  /** Its `.s5.json` (undefined: none). */
  project: string | undefined;
  /** Reads its settings (again on each call: after a rotation, a login). */
  read: () => Settings;
}
/**
 * The project whose keys and settings read the tokens of a file in `dir` (a real directory:
 * {@link projectOfFile} finds it for a file): the nearest `.s5.json` above it (a monorepo's
 * packages each have their own), or the working directory's — `settings`, read already with
 * `input` — when there is no directory (stdin, the process environment), for a file outside any
 * project, and for every file when a config is named (`--config`, `S5_CONFIG`).
 * The one rule the CLI's commands and the loader group their files by.
 */
declare function projectOfDir(dir: string | undefined, settings: Settings, input: SettingsInput): FileProject;
/**
 * The project whose keys and settings read the tokens of `file` (undefined: stdin, the process
 * environment): {@link projectOfDir} of the file's real directory — symbolic links in its name
 * and its directories followed, so a link reads its target with the target's project; a name that
 * does not exist yet, from its nearest existing directory. `known` caches real directories across
 * calls (a walk of many files: one `realpath` per directory).
 * @example projectOfFile("app/link.yml", settings, { cwd }) // the project of the link's target
 */
declare function projectOfFile(file: string | undefined, settings: Settings, input: SettingsInput, known?: Map<string, string>): FileProject;
/**
 * Reads and checks a project config. `from`: where its path came from, for messages — the path of
 * a file s5 found or of `--config` is shown, one from `S5_CONFIG` only when the file exists.
 * @example readProjectFile("/repo/.s5.json")
 */
declare function readProjectFile(file: string, from?: "--config" | "S5_CONFIG"): ProjectConfig;
/** Resolves flags, environment, project config and defaults into one set of settings. */
declare function resolveSettings(input?: SettingsInput): Settings;
/**
 * Where Vault requests go: a Vault Agent's address (`BAO_AGENT_ADDR`, `VAULT_AGENT_ADDR`) before
 * the server's (`BAO_ADDR`, `VAULT_ADDR`), as Vault's own client reads them. The Vault config reads
 * it the same way.
 */
declare function vaultEnvAddress(env: Readonly<Record<string, string | undefined>>): string | undefined;
/** Checks a transit key or a mount path (segments joined by `/`) before it goes into a URL. */
declare function validateName(value: string, what: string): string;
/**
 * The transit key and mount: flags > `S5_VAULT_TRANSIT_KEY`/`_MOUNT` > `.s5.json` > defaults
 * (`default`, `transit`). The one precedence for every command. `S5_TRANSIT_KEY` is the Go tool
 * 0.1's name for `S5_VAULT_TRANSIT_KEY`: ignored, `s5 cipher` would encrypt with `default`, silently.
 */
declare function vaultTransit(settings: Settings): {
  key: string;
  mount: string;
};
/** The backend of the Go tool's bare tokens, when the command line or config names one. */
declare function goToolBackendOf(settings: Settings): "aes" | "vault" | undefined;
/**
 * The backend for new tokens when none is named: the project config's, else Vault when
 * `VAULT_ADDR` is set, else local keys when this project or user has some.
 */
declare function defaultBackend(settings: Settings): BackendName;
/** All secret keys this process may use for local-key tokens, from every place they can be. */
declare function loadSecretKeys(settings: Settings): Uint8Array[];
/** Where the record is kept and which project it is about. */
interface KnownKeysPlace {
  /** The record (`known-keys.json`). */
  file: string;
  /** The project's `.s5.json`, as found. */
  project: string;
  /** Where a record that cannot be written is reported (encrypting goes on). */
  warn?: ((message: string) => void) | undefined;
  /**
   * `S5_TRUSTED_KEY`: a project public key (`s5pk-…`) that the key which encrypts must be, or be a
   * checked rotation from — for a fresh home (CI), where every use is a first use.
   */
  pinned?: string | undefined;
  /** Decrypting may move the record on to a newer key (see {@link learnKnownKey}): the CLI's. */
  learn?: boolean | undefined;
}
/** The Vault transit mount and key this machine sealed new values with in a project. */
interface KnownTransit {
  mount?: string | undefined;
  key?: string | undefined;
}
/**
 * Appends public keys to a project's entries (under each of its names), in order: the last one
 * given is the key this machine encrypts to there from now on (one listed already moves to the
 * end). Holds the record's lock, and starts from the record as it is then.
 */
declare function rememberKeys(place: KnownKeysPlace, publicKeys: readonly string[]): void;
/**
 * The backends of one settings, made on first use. Disposable: `await using backends =
 * createBackends(settings)` releases sockets and timers at the end of the block.
 */
interface Backends extends AsyncDisposable {
  /** The backend of the Go tool's bare tokens, when the command line or config names one. */
  readonly goToolBackend: BackendName | undefined;
  get(name: BackendName): Promise<Backend>;
}
/** The backends that need no I/O to decrypt, so they can decrypt synchronously. */
type SyncBackendName = "local" | "aes";
/** Creates a local-key or AES backend at once (no `await`), with its `decryptSync`. */
declare function createSyncBackend(settings: Settings, name: SyncBackendName): Backend;
/** Where this machine records the project keys it trusts for the project of `projectFile`. */
declare function knownKeysPlace(settings: Settings, projectFile: string): KnownKeysPlace;
/**
 * The backends this process has made so far. The CLI's engine (packages/cli/bin/engine.cjs) keeps
 * V8's compiled code per command, and writes it again when a run used a backend the cached code
 * was not made with: the code of each backend is compiled only when it is used.
 */
declare function backendsUsed(): ReadonlySet<BackendName>;
declare function createBackends(settings: Settings): Backends;
/**
 * Turns offsets into 1-based line and column numbers, built lazily and only when a location is
 * needed (errors, `s5 ls`). Columns count Unicode code points of the line, as editors do; a byte
 * source is UTF-8, whose code points are its bytes that do not continue a character.
 *
 * Linear for offsets asked in order, however long the line: the column of the previous offset on
 * the same line is the starting point of the next (a 2 MB one-line JSON file with 16k tokens
 * would otherwise count 16k times from the start of the line).
 */
declare class LineIndex {
  #private;
  readonly file: string;
  constructor(file: string, source: string | Uint8Array);
  locate(offset: number): Location;
}
/**
 * The token grammar, and the only scanner of it.
 *
 *   token   = "{{" ws* ( "s5:" body / "vault:v" DIGIT body ) ws* ( "|" ws* filter ws* )* "}}"
 *   body    = 1*( ALPHA / DIGIT / "+" / "/" / "=" / "_" / "-" / "." / ":" )
 *   filter  = 1*( lower-ALPHA / DIGIT / "_" / "-" )
 *   ws      = SP / HTAB / LF / CR / FF          (RE2's \s, as in the Go tool)
 *
 * The Go tool wrote `{{ s5:B64 }}` and `{{s5:B64}}` (and, in 0.1.0, `{{ vault:v1:B64 }}`, read as the
 * body `vault:v1:B64`); all are tokens here. New tokens carry their
 * backend in the body (`vault:v2:…`, `local:KID:…`, `aes:…`). Text that starts with `{{ s5:` but
 * does not finish as a token is reported as malformed instead of being passed through silently;
 * anything else (`{{ s5 }}`, Helm's `{{ .Values.x }}`) is not a token and is left alone.
 *
 * Linear time: no body, filter or white-space character can be `{`, so every failed attempt stops
 * before the next `{{` and each character is looked at a bounded number of times.
 */
/**
 * A quick test for text that may hold a token (or a malformed one): `{{`, white space (Unicode
 * spaces too, which the scanner reports), then `s5:` or the Go tool's 0.1.0 form `vault:vN`.
 * Never misses a token; may say yes for text that holds none. For bundlers' code filters.
 */
declare const TOKEN_HINT: RegExp;
/** {@link TOKEN_HINT} as a function: the cheap first test before a {@link scan}. */
declare function mayContainToken(text: string): boolean;
/** A token found in a source, by offsets into that source. */
interface TokenMatch {
  /** Offset of the first `{`. For a byte source, a byte offset; for a string, UTF-16 units. */
  start: number;
  /** Offset just past the last `}`. */
  end: number;
  /** What follows `s5:` up to the white space or `|`: `vault:v1:…`, `local:…`, or a Go-tool payload. */
  body: string;
  /** Offset of the body's first character (a rewrite replaces `bodyStart…bodyEnd` only). */
  bodyStart: number;
  /** Offset just past the body. */
  bodyEnd: number;
  /** Filter names in the order written (`{{ s5:… | base64 }}` → `["base64"]`). */
  filters: string[];
  /**
   * Empty here; a caller may store what it learns about the token (render: the parsed body). It
   * is part of the object from the start, so filling it in adds no out-of-object property store
   * to each token (~4 MB for 100k tokens).
   */
  info?: unknown;
}
/** Text that starts like a token (`{{ s5:`) but is not a complete one. */
interface MalformedMatch {
  start: number;
  /** Offset where reading stopped. */
  end: number;
  reason: string;
}
interface ScanResult {
  tokens: TokenMatch[];
  /** The first {@link MAX_MALFORMED} malformed tokens (a report needs no more). */
  malformed: MalformedMatch[];
  /** How many malformed tokens there are in all. */
  malformedCount: number;
}
/** Counters for tests: how many characters the scanner looked at. */
interface ScanStats {
  steps: number;
}
/** Views bytes as a string with one character per byte, so offsets are byte offsets. */
declare function bytesAsText(source: Uint8Array): string;
/**
 * Finds every token and every malformed token in `source`. Never throws.
 *
 * @example
 * scan("password: {{ s5:vault:v1:abc= }}").tokens[0]?.body // "vault:v1:abc="
 */
declare function scan(source: string | Uint8Array, stats?: ScanStats): ScanResult;
/**
 * {@link scan} of a byte source read in place, whatever its size (the way of large files): for
 * tests that compare it with the string way.
 */
declare function scanInPlace(source: Uint8Array, stats?: ScanStats): ScanResult;
/**
 * Replaces each match by its value and keeps every other character exactly as it was.
 * `values[i]` replaces `matches[i]`; matches must be in source order and must not overlap.
 */
declare function spliceText(source: string, matches: readonly {
  start: number;
  end: number;
}[], values: readonly string[]): string;
/**
 * The output of a byte splice: the unchanged stretches of the source (views, not copies) and the
 * values, produced in order only while being written, so a 50 MB file with 100k tokens needs no
 * list of 200k pieces and no second copy of itself.
 */
declare class Spliced implements Iterable<Uint8Array> {
  #private;
  constructor(source: Uint8Array, matches: readonly {
    start: number;
    end: number;
  }[], values: readonly Uint8Array[]);
  [Symbol.iterator](): Iterator<Uint8Array>;
  /**
   * The output copied into buffers of up to `size` bytes, for a stream: a few large writes, and
   * no view per piece (a piece of the input or a value of `size` or more is passed on as it is).
   * One plain loop over the tokens: iterating the pieces one by one kept a 1000-token render busy
   * enough for V8 to bring in its optimising compiler (~5 MB of peak memory).
   */
  chunks(size?: number): Generator<Uint8Array>;
  /** The values spliced in, in order (what a redactor of a program's output looks for). */
  get values(): readonly Uint8Array[];
  /** The whole output in one buffer (a copy: for small outputs and tests). */
  toBuffer(): Buffer;
}
/** Byte version of {@link spliceText}; see {@link Spliced}. */
declare function spliceBytes(source: Uint8Array, matches: readonly {
  start: number;
  end: number;
}[], values: readonly Uint8Array[]): Spliced;
/**
 * Where a token stands in a document of a known kind, as the lexers of this directory find it.
 * Each kind of place says what a plaintext spliced there cannot hold (see `rules.ts`).
 */
/** The file kinds whose places s5 can tell from their text. */
declare const DOCUMENT_KINDS: readonly ["json", "yaml", "env", "hcl", "toml"];
/** A file kind whose places s5 can tell: from its name (see `documentKind`), or given. */
type DocumentKind = (typeof DOCUMENT_KINDS)[number];
/** A token's span in the text (byte offsets for a byte source viewed as latin1). */
interface Span {
  start: number;
  end: number;
}
/** A named input: a file's bytes, or text from a bundler or the environment. */
interface Source<T extends string | Uint8Array = string | Uint8Array> {
  /** File name (or variable name) used in error locations. */
  name: string;
  content: T;
}
/** A token found in a source, with its body parsed. */
interface FoundToken extends TokenMatch {
  info: TokenBody;
}
interface FoundTokens {
  tokens: FoundToken[];
  failures: TokenFailure[];
  lines: LineIndex;
}
/**
 * Finds and describes every token of one source; malformed tokens and unknown filters become
 * failures with their location. Never throws.
 */
declare function findTokens(source: Source, goToolBackend?: BackendName): FoundTokens;
/**
 * One token given on its own (`s5 decipher TOKEN`): a whole token (`{{ s5:… | base64 }}`), or just
 * its body (`vault:v1:…`, `s5:…`, a Go-tool payload). White space around it is ignored. Throws a
 * {@link TokenError} unless the text is exactly one token.
 */
declare function findOneToken(input: string, name: string, goToolBackend?: BackendName): FoundTokens;
/** How {@link resolveTokens} answers. */
interface ResolveOptions {
  /**
   * A token that fails gives `undefined` instead of failing the whole call.
   * @default false
   */
  keepFailed?: boolean | undefined;
  /**
   * Apply each token's filters (`| base64`…). Without, the plaintexts themselves (an editor shows
   * the value, a bundler escapes it for its own context).
   * @default true
   */
  filters?: boolean | undefined;
  /**
   * Collect every failure here instead of throwing (a failed token is `undefined`), for a caller
   * that checks the values further (an environment variable cannot hold a NUL) and reports all
   * of one run at once with {@link TokenFailures}.
   */
  failures?: TokenFailure[] | undefined;
}
/** The value of each token of each source (filters applied), or throws {@link TokenFailures}. */
declare function resolveTokens(found: readonly FoundTokens[], backends: Backends, options?: ResolveOptions & {
  keepFailed?: false | undefined;
  failures?: undefined;
}): Promise<Uint8Array[][]>;
/** With `keepFailed` or `failures`, a token that fails is `undefined` instead of an error. */
declare function resolveTokens(found: readonly FoundTokens[], backends: Backends, options: ResolveOptions): Promise<(Uint8Array | undefined)[][]>;
/**
 * Renders many sources at once (one batch per backend across all of them). Byte sources come back
 * as lists of pieces to write in order (no copy of the unchanged parts); strings come back as strings.
 * All or nothing: if any token fails, throws {@link TokenFailures} listing every failure.
 *
 * @example
 * const [out] = await renderSources([{ name: "secret.yml", content: text }], backends);
 */
interface RenderOptions {
  /**
   * Leave tokens that cannot be decrypted as they are instead of failing (for `git diff` textconv,
   * where a reader without the key should still see a diff).
   * @default false
   */
  keepFailed?: boolean | undefined;
  /**
   * The kind of every source, for the refusal of a token without filters whose plaintext would
   * end the string or scalar it stands in, or add structure (`S5_VALUE_CONTEXT` with its place).
   * `text`: no source is judged (sources that are values, not files). By default each source's
   * name tells its kind (`.json`, `.yaml`/`.yml`, `.env`, `.env.*`, `*.env`), and others are not
   * judged.
   */
  inputType?: DocumentKind | "text" | undefined;
  /**
   * The output is for a person to read, never to apply (git's textconv driver): the values of an
   * S5Secret, which a render otherwise refuses (the s5 controller decrypts them in the cluster;
   * spliced, the plaintext would stand in the S5Secret), are shown, judged by their places as
   * every other value is. Each value's hidden characters (controls, which move a terminal's
   * cursor; bidirectional controls; zero-width characters) are shown escaped, as `\u001b`: a
   * value sealed by someone who may only encrypt cannot erase or reorder lines of the diff a
   * reviewer reads. Line breaks and tabs stay.
   * @default false
   */
  forReading?: boolean | undefined;
}
/**
 * The plaintexts of one source's tokens as text, where they land in a string: a binary one fails
 * with its place instead of arriving as U+FFFD, and a leading byte-order mark is kept. With
 * `failures`, they are collected there instead of thrown; a token that already failed
 * (`undefined`) is "".
 */
declare function plaintextsAsText(values: readonly (Uint8Array | undefined)[], found: FoundTokens, failures?: TokenFailure[]): string[];
declare function renderSources<T extends string | Uint8Array>(sources: readonly Source<T>[], backends: Backends, options?: RenderOptions): Promise<(T extends string ? string : Spliced)[]>;
type FilterName = "raw" | "json" | "yaml" | "hcl" | "base64" | "shell";
declare const filterNames: readonly FilterName[];
declare function isFilterName(name: string): name is FilterName;
/** Applies one filter to a plaintext. Throws {@link TokenError} for names it does not know. */
declare function applyFilter(name: string, value: Uint8Array): Uint8Array;
/** Applies filters left to right. */
declare function applyFilters(names: readonly string[], value: Uint8Array): Uint8Array;
interface SealOptions {
  backends: Backends;
  /** Backend for new values (markers that stand for no token of {@link SealOptions.from}). */
  backend: BackendName;
  /** File name for error locations. */
  name: string;
  /**
   * The copy an editor was given ({@link openForEdit}): a value that did not change keeps its token
   * byte for byte, and a changed one is sealed with the backend of the token at its place.
   */
  from?: EditCopy | undefined;
  /** Seal a new value that is empty or only white space (refused otherwise). */
  allowEmpty?: boolean | undefined;
  /**
   * New tokens in the Go tool's form (`legacyTokens`, `S5_LEGACY_TOKENS`, `--legacy`): a marker
   * with a filter, or the local backend, is refused with its place, as `s5 cipher --legacy` is.
   * `"where-possible"`: in the Go tool's form where it has one (AES, Vault at key version 1, no
   * filter), else in s5's, counted in {@link SealResult.notGoTool} — for a file the Go tool may
   * still render (every token in its form), where a token it cannot match would be left in place.
   */
  goTool?: boolean | "where-possible" | undefined;
}
interface SealResult {
  text: string;
  /** Markers that became new tokens. */
  sealed: number;
  /** Markers whose original token was kept. */
  kept: number;
  /**
   * Where the new tokens went, one entry per backend used, with how many: a changed value takes its
   * place's backend, so a place whose token was swapped for another backend's (a pull request)
   * sends the new value there — said, so that it is seen. Empty when nothing was sealed.
   */
  destinations: {
    to: SealDestination;
    count: number;
  }[];
  /** With `goTool: "where-possible"`: new tokens in s5's form, which the Go tool cannot read. */
  notGoTool?: number | undefined;
  /**
   * With {@link SealOptions.from}: new values (at no token's place) sealed with the default backend
   * while a token of another backend lost its value in the same edit — a value whose line was
   * rewritten beside a new one, or moved and changed, which may have been meant to replace it.
   */
  unplaced?: {
    location: Location;
    removed: BackendName;
  }[] | undefined;
}
/** Replaces every seal marker with a token, encrypting all new values in one call per backend. */
declare function sealText(text: string, options: SealOptions): Promise<SealResult>;
/** A token of a file opened for editing, shown in the copy as a marker. */
interface EditToken {
  /** The marker's place in the copy. */
  start: number;
  end: number;
  /** The token's text in the file, kept when its value does not change. */
  text: string;
  value: string;
  filters: readonly string[];
  /** The backend a changed value is sealed with. */
  backend: BackendName;
}
interface EditCopy {
  /** The text with every token shown as a seal marker holding its plaintext. */
  text: string;
  /** The tokens the copy's markers stand for, in order. */
  tokens: EditToken[];
}
/** Decrypts every token of a text (one batch) into seal markers, for an editor. */
declare function openForEdit(text: string, name: string, backends: Backends): Promise<EditCopy>;
/**
 * Whether every token of a text is in the Go tool's form (at least one): a file the Go tool may
 * still render, where new tokens keep that form where they can (`goTool: "where-possible"`).
 */
declare function inGoToolForm(text: string, goToolBackend?: BackendName): boolean;
export { SettingsInput as $, TOKEN_HINT as A, IoError as At, SyncBackendName as B, stackFrames as Bt, DOCUMENT_KINDS as C, VaultBody as Ct, ScanResult as D, DecryptError as Dt, MalformedMatch as E, ConfigError as Et, scanInPlace as F, TokenError as Ft, KnownKeysPlace as G, createBackends as H, spliceBytes as I, TokenFailure as It, FileProject as J, KnownTransit as K, spliceText as L, TokenFailures as Lt, bytesAsText as M, Location as Mt, mayContainToken as N, S5Error as Nt, ScanStats as O, ExitCode as Ot, scan as P, S5ErrorOptions as Pt, Settings as Q, LineIndex as R, UsageError as Rt, resolveTokens as S, TokenInfo as St, Span as T, BackendError as Tt, createSyncBackend as U, backendsUsed as V, toS5Error as Vt, knownKeysPlace as W, PROJECT_FILE as X, Overrides as Y, ProjectConfig as Z, Source as _, BackendName as _t, inGoToolForm as a, projectOfDir as at, plaintextsAsText as b, SealDestination as bt, FilterName as c, readProjectFile as ct, filterNames as d, vaultEnvAddress as dt, defaultBackend as et, isFilterName as f, vaultTransit as ft, ResolveOptions as g, Backend as gt, RenderOptions as h, AesBody as ht, SealResult as i, parseBackendName as it, TokenMatch as j, KeyError as jt, Spliced as k, ExitCodeValue as kt, applyFilter as l, resolveSettings as lt, FoundTokens as m, Recipient as mt, EditToken as n, goToolBackendOf as nt, openForEdit as o, projectOfFile as ot, FoundToken as p, ProjectKey as pt, rememberKeys as q, SealOptions as r, loadSecretKeys as rt, sealText as s, readBoolean as st, EditCopy as t, findProjectFile as tt, applyFilters as u, validateName as ut, findOneToken as v, ItemResult as vt, DocumentKind as w, backendNames as wt, renderSources as x, TokenBody as xt, findTokens as y, LocalBody as yt, Backends as z, formatLocation as zt };
