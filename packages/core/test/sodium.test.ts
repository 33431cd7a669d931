import { describe, expect, it } from "vitest";
import { loadSodiumPackage, loadSodiumSync } from "../src/local/sodium.ts";

describe("libsodium fast path", () => {
  const fast = loadSodiumSync();
  const pkg = loadSodiumPackage();

  it("is the direct binding here (not the published wrapper)", () => {
    expect(fast).not.toBe(pkg);
  });

  it("agrees with sodium-native's own wrapper on every function s5 uses", () => {
    const pk = Buffer.alloc(32);
    const sk = Buffer.alloc(32);
    fast.crypto_box_keypair(pk, sk);
    const derived = Buffer.alloc(32);
    pkg.crypto_scalarmult_base(derived, sk);
    expect(derived.equals(pk)).toBe(true);
    const again = Buffer.alloc(32);
    fast.crypto_scalarmult_base(again, sk);
    expect(again.equals(pk)).toBe(true);

    const message = Buffer.from("sealed by one, opened by the other");
    for (const [sealer, opener] of [
      [fast, pkg],
      [pkg, fast],
    ] as const) {
      const sealed = Buffer.alloc(message.length + 48);
      sealer.crypto_box_seal(sealed, message, pk);
      const out = Buffer.alloc(message.length);
      expect(opener.crypto_box_seal_open(out, sealed, pk, sk)).toBe(true);
      expect(out.equals(message)).toBe(true);
      sealed[60] = (sealed[60] ?? 0) ^ 1;
      expect(opener.crypto_box_seal_open(out, sealed, pk, sk)).toBe(false);
    }

    const a = Buffer.alloc(16);
    const b = Buffer.alloc(16);
    fast.crypto_generichash(a, Buffer.from("x"));
    pkg.crypto_generichash(b, Buffer.from("x"));
    expect(a.equals(b)).toBe(true);
  });

  it("refuses wrong sizes instead of letting the native code abort", () => {
    expect(() => fast.crypto_box_seal(Buffer.alloc(10), Buffer.alloc(1), Buffer.alloc(32))).toThrow(
      RangeError,
    );
    expect(() => fast.crypto_scalarmult_base(Buffer.alloc(31), Buffer.alloc(32))).toThrow(
      RangeError,
    );
  });
});
