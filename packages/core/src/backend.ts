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

/**
 * A token body as core parsed it: the backend and everything that backend needs, so no backend
 * parses token text again. `goTool` marks the Go tool's forms (a bare payload, no backend word).
 */
export type TokenBody = VaultBody | LocalBody | AesBody;

export interface VaultBody {
  backend: "vault";
  /** Key version (`vault:v3:…` → 3). */
  version: number;
  /** Vault's own ciphertext, `vault:vN:BASE64`, also for the Go tool's bare form. */
  ciphertext: string;
  goTool: boolean;
  key?: undefined;
}

export interface LocalBody {
  backend: "local";
  /** The project key's id. */
  key: string;
  /** The sealed box, base64url. */
  sealed: string;
  goTool: false;
  version?: undefined;
}

export interface AesBody {
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
export interface SealDestination {
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
export type TokenInfo = TokenBody;

export interface Backend extends AsyncDisposable {
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
  keyVersions?(): Promise<{ latest: number; minDecryption: number } | undefined>;
}
