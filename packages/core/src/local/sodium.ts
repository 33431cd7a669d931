/**
 * libsodium's sealed boxes (`crypto_box_seal`: X25519 + XSalsa20-Poly1305, an ephemeral sender key
 * per message) through `sodium-native`. Loaded on first use only, so commands that need no local
 * key pay nothing for it. See docs/decisions.md for why sealed boxes.
 */
import type * as Sodium from "sodium-native";

export type SodiumModule = typeof Sodium;

let loaded: Promise<SodiumModule> | undefined;

export function loadSodium(): Promise<SodiumModule> {
  loaded ??= import("sodium-native").then((module) => (module.default ?? module) as SodiumModule);
  return loaded;
}

/** {@link loadSodium} for synchronous callers (sodium-native is CommonJS, so `require` works). */
export function loadSodiumSync(): SodiumModule {
  const { createRequire } = process.getBuiltinModule("node:module");
  return createRequire(import.meta.url)("sodium-native") as SodiumModule;
}

export const SEAL_OVERHEAD = 48;
export const KEY_BYTES = 32;

export interface KeyPair {
  publicKey: Buffer;
  secretKey: Buffer;
}

export function generateKeyPair(sodium: SodiumModule): KeyPair {
  const publicKey = Buffer.alloc(KEY_BYTES);
  const secretKey = Buffer.alloc(KEY_BYTES);
  sodium.crypto_box_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

export function publicKeyOf(sodium: SodiumModule, secretKey: Buffer): Buffer {
  const publicKey = Buffer.alloc(KEY_BYTES);
  sodium.crypto_scalarmult_base(publicKey, secretKey);
  return publicKey;
}

export function seal(sodium: SodiumModule, message: Uint8Array, publicKey: Buffer): Buffer {
  const out = Buffer.alloc(message.byteLength + SEAL_OVERHEAD);
  sodium.crypto_box_seal(
    out,
    Buffer.from(message.buffer, message.byteOffset, message.byteLength),
    publicKey,
  );
  return out;
}

/** Opens a sealed box; `undefined` when the key does not open it (wrong key or altered box). */
export function open(sodium: SodiumModule, sealed: Buffer, pair: KeyPair): Buffer | undefined {
  if (sealed.length < SEAL_OVERHEAD) return undefined;
  const out = Buffer.alloc(sealed.length - SEAL_OVERHEAD);
  return sodium.crypto_box_seal_open(out, sealed, pair.publicKey, pair.secretKey) ? out : undefined;
}

/** A short, stable id for a public key: 8 base64url characters of its BLAKE2b hash. */
export function keyIdOf(sodium: SodiumModule, publicKey: Buffer): string {
  const hash = Buffer.alloc(16);
  sodium.crypto_generichash(hash, Buffer.concat([Buffer.from("s5 local key id\0"), publicKey]));
  return hash.subarray(0, 6).toString("base64url");
}
