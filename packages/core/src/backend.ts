/**
 * The cipher interface every backend implements. It is batch-first: one call carries many values,
 * so a backend can de-duplicate, chunk and parallelise (Vault transit batches), and reports one
 * result per item so a failure can be traced back to its token.
 */
import type { S5Error } from "./errors.ts";

export type BackendName = "local" | "aes" | "vault";

export const backendNames: readonly BackendName[] = ["local", "aes", "vault"];

/** One result per item: the value, or why this item failed (the others still count). */
export type ItemResult<T> = { ok: true; value: T } | { ok: false; error: S5Error };

/** What a token body says about itself, without decrypting it. */
export interface TokenInfo {
  backend: BackendName;
  /** Key name or id (`local` key id, Vault transit key when known). */
  key?: string | undefined;
  /** Key version (Vault). */
  version?: number | undefined;
  /** A token in the Go tool's format (no backend in the body). */
  legacy: boolean;
}

export interface EncryptOptions {
  /** Write tokens the Go tool can read (`{{s5:…}}`), where the backend can. */
  legacy?: boolean | undefined;
}

export interface Backend {
  readonly name: BackendName;
  /**
   * Encrypts many plaintexts; returns one token body per plaintext, in order
   * (`local:KID:…`, `aes:…`, `vault:v1:…`; a legacy body has no prefix).
   */
  encrypt(plaintexts: readonly Uint8Array[], options?: EncryptOptions): Promise<string[]>;
  /** Decrypts many token bodies of this backend, one result per body, in order. */
  decrypt(bodies: readonly string[]): Promise<ItemResult<Uint8Array>[]>;
  /**
   * {@link Backend.decrypt} without waiting, for backends that need no I/O (local keys, AES): the
   * runtime loader uses it to decrypt before the application's next import runs.
   */
  decryptSync?(bodies: readonly string[]): ItemResult<Uint8Array>[];
  /** Re-encrypts bodies to the newest key (version) without exposing plaintext where it can. */
  rewrap?(bodies: readonly string[]): Promise<ItemResult<string>[]>;
  /**
   * The key's versions (Vault): the latest, and the oldest it still decrypts. `undefined` when
   * not allowed to read them.
   */
  keyVersions?(): Promise<{ latest: number; minDecryption: number } | undefined>;
  /** Releases sockets and timers. */
  close?(): Promise<void> | void;
}
