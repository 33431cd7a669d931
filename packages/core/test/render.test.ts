import { describe, expect, it } from "vitest";
import type { TokenBody } from "../src/backend.ts";
import { cipherValues } from "../src/cipher.ts";
import { TokenFailures } from "../src/errors.ts";
import { renderSources } from "../src/render.ts";
import { testBackends } from "./helpers.ts";

const backends = await testBackends();
const encode = (text: string) => Buffer.from(text);

async function token(value: string, filters?: string[], backend: "aes" | "local" = "local") {
  const [out] = await cipherValues(backends, backend, [encode(value)], { filters });
  return out!;
}

async function renderBytes(content: Uint8Array) {
  const [pieces] = await renderSources([{ name: "f.yml", content }], backends);
  return pieces!.toBuffer();
}

describe("render", () => {
  it("keeps CRLF, a BOM, a missing final newline and tokens side by side", async () => {
    const a = await token("A");
    const b = await token("B", undefined, "aes");
    const input = `\ufeffx: ${a}${b}\r\ny: "${a}" '${b}'\r\nz: ${a}`;
    expect((await renderBytes(encode(input))).toString()).toBe(`\ufeffx: AB\r\ny: "A" 'B'\r\nz: A`);
  });

  it("handles lines of hundreds of KB and bytes that are not UTF-8", async () => {
    const a = await token("secret");
    const long = "x".repeat(300_000);
    const input = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0x00]),
      encode(`${long}${a}${long}`),
      Buffer.from([0xc3]),
    ]);
    const expected = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0x00]),
      encode(`${long}secret${long}`),
      Buffer.from([0xc3]),
    ]);
    expect((await renderBytes(input)).equals(expected)).toBe(true);
  });

  it("applies filters for where the value lands", async () => {
    const value = 'multi\nline "quoted" \\ value';
    const input = `{"a": "${await token(value, ["json"])}"}\nb: ${await token(value, ["yaml"])}\nc: ${await token(value, ["base64"])}\n`;
    const out = (await renderBytes(encode(input))).toString();
    const [json, yaml, b64] = out.split("\n");
    expect(JSON.parse(json!).a).toBe(value);
    expect(JSON.parse(yaml!.slice(3))).toBe(value);
    expect(Buffer.from(b64!.slice(3), "base64").toString()).toBe(value);
  });

  it("is all or nothing and lists every failure with its location, never a plaintext", async () => {
    const good = await token("visible-secret");
    const input = `a: ${good}\nb: {{ s5:local:nokeyid1:AAAA }}\nc: {{ s5:x | nope }}\nd: {{ s5: }}\n`;
    const error = await renderBytes(encode(input)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenFailures);
    const text = (error as TokenFailures).describe();
    expect(text).toContain("f.yml:2:4");
    expect(text).toContain("f.yml:3:4: unknown filter `nope`");
    expect(text).toContain("f.yml:4:4: malformed token: the token is empty");
    expect(text).not.toContain("visible-secret");
  });

  it("renders strings (bundlers) the same way as bytes", async () => {
    const a = await token("é€😀");
    const [out] = await renderSources(
      [{ name: "x.js", content: `const s = "${a}"; // ü` }],
      backends,
    );
    expect(out).toBe(`const s = "é€😀"; // ü`);
  });

  it("decrypts each distinct token once", async () => {
    const a = await token("same");
    let calls = 0;
    const counting = {
      ...backends,
      async get(name: "local" | "aes" | "vault") {
        const backend = await backends.get(name);
        return {
          ...backend,
          decrypt: (bodies: readonly TokenBody[]) => {
            calls += bodies.length;
            return backend.decrypt(bodies);
          },
        };
      },
    };
    const [out] = await renderSources(
      [
        { name: "f", content: `${a} ${a} ${a}` },
        { name: "g", content: a },
      ],
      counting,
    );
    expect(out).toBe("same same same");
    expect(calls).toBe(1);
  });
});
