// The JavaScript libsodium (the fallback where sodium-native cannot load) against sodium-native
// itself: each opens the other's sealed boxes, and keys and hashes are the same bytes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyIdOf, loadSodiumPackage, type SodiumModule } from "../src/local/sodium.ts";
import { jsSodium } from "../src/local/sodium-js.ts";

const native = loadSodiumPackage();
const js = jsSodium();

function keyPair(sodium: SodiumModule) {
  const publicKey = Buffer.alloc(32);
  const secretKey = Buffer.alloc(32);
  sodium.crypto_box_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

function seal(sodium: SodiumModule, message: Buffer, publicKey: Buffer): Buffer {
  const out = Buffer.alloc(message.length + 48);
  sodium.crypto_box_seal(out, message, publicKey);
  return out;
}

function open(sodium: SodiumModule, sealed: Buffer, pair: ReturnType<typeof keyPair>) {
  const out = Buffer.alloc(sealed.length - 48);
  return sodium.crypto_box_seal_open(out, sealed, pair.publicKey, pair.secretKey) ? out : undefined;
}

describe("the JavaScript libsodium", () => {
  it("derives the same public key as sodium-native, and its key pairs work natively", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const secret = Buffer.from(bytes);
        const a = Buffer.alloc(32);
        const b = Buffer.alloc(32);
        native.crypto_scalarmult_base(a, secret);
        js.crypto_scalarmult_base(b, secret);
        expect(b.equals(a)).toBe(true);
      }),
      { numRuns: 50 },
    );
    const pair = keyPair(js);
    const derived = Buffer.alloc(32);
    native.crypto_scalarmult_base(derived, pair.secretKey);
    expect(derived.equals(pair.publicKey)).toBe(true);
  });

  it("opens what sodium-native sealed, and sodium-native opens what it sealed", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (bytes, jsKeys) => {
        const message = Buffer.from(bytes);
        const pair = keyPair(jsKeys ? js : native);
        for (const [sealer, opener] of [
          [native, js],
          [js, native],
          [js, js],
        ] as const) {
          const sealed = seal(sealer, message, pair.publicKey);
          expect(open(opener, sealed, pair)?.equals(message)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("refuses an altered box, a wrong key and a low-order ephemeral key, as libsodium does", () => {
    const pair = keyPair(native);
    const other = keyPair(native);
    const message = Buffer.from("postgres://billing:s3cr3t@db:5432/billing");
    const sealed = seal(js, message, pair.publicKey);
    for (const index of [0, 31, 32, 47, 48, sealed.length - 1]) {
      const altered = Buffer.from(sealed);
      altered[index] = (altered[index] ?? 0) ^ 1;
      expect(open(js, altered, pair)).toBeUndefined();
      expect(open(native, altered, pair)).toBeUndefined();
    }
    expect(open(js, sealed, other)).toBeUndefined();
    const lowOrder = Buffer.from(sealed);
    lowOrder.fill(0, 0, 32);
    expect(open(js, lowOrder, pair)).toBeUndefined();
    expect(open(native, lowOrder, pair)).toBeUndefined();
  });

  it("hashes as crypto_generichash does, so key ids are the same", () => {
    for (const length of [16, 24, 32, 64]) {
      for (const input of [Buffer.alloc(0), Buffer.from("x"), Buffer.alloc(1000, 7)]) {
        const a = Buffer.alloc(length);
        const b = Buffer.alloc(length);
        native.crypto_generichash(a, input);
        js.crypto_generichash(b, input);
        expect(b.equals(a)).toBe(true);
      }
    }
    const { publicKey } = keyPair(native);
    expect(keyIdOf(js, publicKey)).toBe(keyIdOf(native, publicKey));
  });

  it("refuses wrong sizes as the native path does", () => {
    expect(() => js.crypto_box_seal(Buffer.alloc(10), Buffer.alloc(1), Buffer.alloc(32))).toThrow(
      RangeError,
    );
    expect(() => js.crypto_scalarmult_base(Buffer.alloc(31), Buffer.alloc(32))).toThrow(RangeError);
    expect(() =>
      js.crypto_box_seal_open(
        Buffer.alloc(1),
        Buffer.alloc(49),
        Buffer.alloc(31),
        Buffer.alloc(32),
      ),
    ).toThrow(RangeError);
  });
});
