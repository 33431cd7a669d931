/**
 * The same five libsodium functions without sodium-native, for where sodium-native cannot load: a
 * platform without a prebuild, a single-file executable, `S5_SODIUM=js`. X25519 from Node's crypto
 * (OpenSSL), HSalsa20, XSalsa20-Poly1305 and BLAKE2b from the audited @noble packages, composed
 * exactly as libsodium composes them, so its sealed boxes and key ids are
 * byte for byte libsodium's (test/sodium-js.test.ts opens each side's boxes with the other). Synchronous, unlike libsodium.js, whose WebAssembly only
 * instantiates asynchronously: `s5/config` decrypts before the application's next import runs.
 *
 * crypto_box_seal(m, pk): an ephemeral key pair (epk, esk), nonce = BLAKE2b-192(epk ‖ pk),
 * k = HSalsa20(X25519(esk, pk), 0¹⁶), output epk ‖ XSalsa20-Poly1305(k, nonce, m) (tag first).
 */
import { loadNoble, type Noble } from "./noble.ts";
import type { SodiumModule } from "./sodium.ts";

const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");

// "expand 32-byte k", as libsodium's crypto_core_hsalsa20 reads it (little-endian words).
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

function check(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`libsodium: ${what} has the wrong size`);
}

/** libsodium's sealed boxes and key hashing in JavaScript, with sodium-native's signatures. */
export function jsSodium(noble: Noble = loadNoble()): SodiumModule {
  const { createPrivateKey, createPublicKey, diffieHellman, randomFillSync } =
    process.getBuiltinModule("node:crypto");
  // Raw X25519 keys as DER (RFC 8410): a fixed prefix, then the 32 bytes.
  const privateKey = (secret: Uint8Array) => {
    const der = Buffer.concat([PKCS8_X25519, secret]);
    try {
      return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    } finally {
      der.fill(0);
    }
  };
  const publicKey = (key: Uint8Array) =>
    createPublicKey({ key: Buffer.concat([SPKI_X25519, key]), format: "der", type: "spki" });
  const words = (bytes: Uint8Array) =>
    new Uint32Array(new Uint8Array(bytes).buffer, 0, bytes.byteLength / 4);

  /** crypto_box_beforenm: HSalsa20 of the X25519 shared secret; undefined for a low-order key. */
  function beforenm(secretKey: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    let shared: Uint8Array;
    try {
      // OpenSSL clamps the scalar as libsodium does, and refuses a low-order point (an all-zero
      // shared secret) as crypto_scalarmult does.
      shared = diffieHellman({ privateKey: privateKey(secretKey), publicKey: publicKey(key) });
    } catch {
      return undefined;
    }
    const out = new Uint32Array(8);
    noble.hsalsa(SIGMA, words(shared), new Uint32Array(4), out);
    shared.fill(0);
    // Little-endian hosts only, like every platform Node ships prebuilt binaries for.
    return new Uint8Array(out.buffer);
  }

  const nonceOf = (ephemeral: Uint8Array, publicKey: Uint8Array) =>
    noble.blake2b(Buffer.concat([ephemeral, publicKey]), { dkLen: 24 });

  const sodium: SodiumModule = {
    crypto_box_keypair(pk, sk) {
      check(pk.byteLength === 32 && sk.byteLength === 32, "a key");
      randomFillSync(sk);
      sodium.crypto_scalarmult_base(pk, sk);
    },
    crypto_scalarmult_base(q, n) {
      check(q.byteLength === 32 && n.byteLength === 32, "a key");
      const spki = createPublicKey(privateKey(n)).export({ format: "der", type: "spki" });
      q.set(spki.subarray(spki.length - 32));
    },
    crypto_box_seal(c, m, pk) {
      check(c.byteLength === m.byteLength + 48 && pk.byteLength === 32, "a sealed box");
      const esk = randomFillSync(Buffer.alloc(32));
      const epk = Buffer.alloc(32);
      sodium.crypto_scalarmult_base(epk, esk);
      const key = beforenm(esk, pk);
      esk.fill(0);
      if (!key) throw new Error("libsodium status -1");
      c.set(epk, 0);
      c.set(noble.xsalsa20poly1305(key, nonceOf(epk, pk)).encrypt(m), 32);
      key.fill(0);
    },
    crypto_box_seal_open(m, c, pk, sk) {
      check(c.byteLength >= 48 && m.byteLength === c.byteLength - 48, "a sealed box");
      check(pk.byteLength === 32 && sk.byteLength === 32, "a key");
      const epk = c.subarray(0, 32);
      const key = beforenm(sk, epk);
      if (!key) return false;
      try {
        m.set(noble.xsalsa20poly1305(key, nonceOf(epk, pk)).decrypt(c.subarray(32)));
        return true;
      } catch {
        return false;
      } finally {
        key.fill(0);
      }
    },
    crypto_generichash(out, input) {
      check(out.byteLength >= 16 && out.byteLength <= 64, "a hash");
      out.set(noble.blake2b(input, { dkLen: out.byteLength }));
    },
  };
  return sodium;
}
