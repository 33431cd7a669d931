// One text per ciphertext, whatever spelling its token uses (`s5 check`'s copies).
import { describe, expect, it } from "vitest";
import { cipherValues } from "../src/cipher.ts";
import { ciphertextKey } from "../src/ciphertext-key.ts";
import { findTokens } from "../src/render.ts";
import { testBackends } from "./helpers.ts";

const backends = await testBackends();

function keysOf(text: string): string[] {
  const found = findTokens({ name: "f.txt", content: Buffer.from(text) });
  expect(found.failures).toEqual([]);
  return found.tokens.map(ciphertextKey);
}

describe("ciphertextKey", () => {
  it("is one for a token's spellings, filters and spacing", async () => {
    const [local] = await cipherValues(backends, "local", [Buffer.from("pw")]);
    const body = local!.slice(local!.indexOf("s5:"), local!.lastIndexOf("}}")).trim();
    const respelled = body.replace(/.$/, (c) => {
      // Another last character with the same meaningful bits (a decoder reads the same bytes).
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const spare = [0, 0, 4, 2][(body.length - body.lastIndexOf(":") - 1) % 4]!;
      return spare === 0 ? c : alphabet[alphabet.indexOf(c) ^ 1]!;
    });
    expect(respelled).not.toBe(body);
    const keys = keysOf(`${local} {{${body} | yaml}} {{ ${respelled} }}`);
    expect(new Set(keys).size).toBe(1);
  });

  it("tells two seals of one value apart (a fresh nonce each)", async () => {
    for (const backend of ["local", "aes"] as const) {
      const tokens = await cipherValues(backends, backend, [Buffer.from("pw"), Buffer.from("pw")]);
      const keys = keysOf(tokens.join(" "));
      expect(keys[0]).not.toBe(keys[1]);
    }
  });

  it("is one for the Go tool's AES payload and s5's form of the same bytes", async () => {
    const [aes] = await cipherValues(backends, "aes", [Buffer.from("pw")]);
    const [s5form] = keysOf(aes!);
    const bytes = Buffer.from(s5form!.slice("aes:".length), "base64url");
    // The Go tool's payload: base64(hex(ciphertext‖tag) ":" hex(nonce)), a bare body.
    const payload = `${bytes.subarray(12).toString("hex")}:${bytes.subarray(0, 12).toString("hex")}`;
    const [goTool] = keysOf(`{{ s5:${Buffer.from(payload).toString("base64")} }}`);
    expect(goTool).toBe(s5form);
  });
});
