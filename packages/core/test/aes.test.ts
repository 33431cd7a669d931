import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createAesBackend } from "../src/aes/backend.ts";
import { scan } from "../src/scan.ts";
import { formatBody, parseBody } from "../src/token.ts";

interface Vector {
  key: string;
  token: string;
  plaintext: string;
}
const { vectors } = JSON.parse(
  readFileSync(new URL("../../../test/fixtures/upstream-aes.json", import.meta.url), "utf8"),
) as { vectors: Vector[] };

describe("aes backend (the Go tool's format)", () => {
  it.each(vectors)(
    "decrypts the Go tool's token for $plaintext",
    async ({ key, token, plaintext }) => {
      const [match] = scan(token).tokens;
      const body = parseBody(match!.body);
      expect(body).toMatchObject({ backend: "aes", goTool: true });
      expect(formatBody(body, { goTool: true })).toBe(match!.body);
      const [result] = await createAesBackend({ key }).decrypt([body]);
      expect(result?.ok && Buffer.from(result.value).toString()).toBe(plaintext);
    },
  );

  it("round-trips compact and legacy tokens with 16, 24 and 32 byte keys", async () => {
    for (const key of ["00".repeat(16), "11".repeat(24), "22".repeat(32)]) {
      const backend = createAesBackend({ key });
      const values = [Buffer.from(""), Buffer.from("hunter2"), Buffer.from([0, 255, 10])];
      for (const goTool of [false, true]) {
        const texts = (await backend.encrypt(values)).map((body) => formatBody(body, { goTool }));
        if (!goTool) expect(texts[0]).toMatch(/^aes:/);
        const results = await backend.decrypt(texts.map((text) => parseBody(text, "aes")));
        expect(results.map((r) => r.ok && Buffer.from(r.value))).toEqual(values);
      }
    }
  });

  it("reports a wrong key per item, without the plaintext", async () => {
    const [body] = await createAesBackend({ key: "00".repeat(16) }).encrypt([
      Buffer.from("s3cr3t"),
    ]);
    const [result] = await createAesBackend({ key: "01".repeat(16) }).decrypt([body!]);
    expect(result?.ok).toBe(false);
    if (!result?.ok) {
      expect(result?.error.code).toBe("S5_DECRYPT_AES");
      expect(result?.error.message).not.toContain("s3cr3t");
    }
  });

  it("refuses keys that are not 16, 24 or 32 bytes of hex", () => {
    expect(() => createAesBackend({ key: "abc" })).toThrow(/32, 48 or 64 hex digits/);
  });
});
