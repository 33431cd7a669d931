/**
 * The @noble primitives behind the JavaScript libsodium (sodium-js.ts). Loaded with require
 * (synchronous; the packages are ESM, which Node ≥ 22.13 requires) and only when that fallback is
 * used. (X25519 comes from Node's own crypto instead: @noble/curves' took ~6 ms per open here,
 * OpenSSL ~0.3 ms.) The single-file build replaces this module with static imports
 * (scripts/build-binary.mjs).
 */
export interface Noble {
  hsalsa(sigma: Uint32Array, key: Uint32Array, nonce: Uint32Array, out: Uint32Array): void;
  xsalsa20poly1305(
    key: Uint8Array,
    nonce: Uint8Array,
  ): { encrypt(data: Uint8Array): Uint8Array; decrypt(data: Uint8Array): Uint8Array };
  blake2b(input: Uint8Array, options: { dkLen: number }): Uint8Array;
}

export function loadNoble(): Noble {
  const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);
  return {
    ...(require("@noble/ciphers/salsa.js") as Pick<Noble, "hsalsa" | "xsalsa20poly1305">),
    blake2b: require("@noble/hashes/blake2.js").blake2b,
  };
}
