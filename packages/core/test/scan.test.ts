import { describe, expect, it } from "vitest";
import { scan, spliceText } from "../src/scan.ts";

const bodies = (text: string) => scan(text).tokens.map((t) => t.body);

describe("scan", () => {
  it("reads every spacing the Go tool wrote", () => {
    expect(bodies("{{ s5:AAAA }}")).toEqual(["AAAA"]);
    expect(bodies("{{s5:AAAA}}")).toEqual(["AAAA"]);
    expect(bodies("{{\ts5:AAAA\n}}")).toEqual(["AAAA"]);
    expect(bodies("{{\r\ns5:AA==  }}")).toEqual(["AA=="]);
  });

  it("reads new self-describing bodies and filters", () => {
    const [token] = scan("x: {{ s5:vault:v12:AbC+/= | base64 | json }}").tokens;
    expect(token).toEqual({
      start: 3,
      end: 44,
      body: "vault:v12:AbC+/=",
      bodyStart: 9,
      bodyEnd: 25,
      filters: ["base64", "json"],
    });
  });

  it("finds tokens next to each other, several per line, inside quotes", () => {
    const text = `"{{s5:A}}{{ s5:B }}" '{{s5:C}}'\n{{s5:D}}`;
    expect(bodies(text)).toEqual(["A", "B", "C", "D"]);
  });

  it("leaves look-alikes alone", () => {
    for (const text of [
      "{{ s5 }}",
      "{{s5}}",
      "{{ .Values.x }}",
      '{{- include "x" . }}',
      "{ s5:A }",
      "s5:A }}",
    ]) {
      expect(scan(text)).toEqual({ tokens: [], malformed: [], malformedCount: 0 });
    }
  });

  it("reports what starts like a token but is not one", () => {
    expect(scan("{{ s5: }}").malformed[0]?.reason).toBe("the token is empty");
    expect(scan("{{ s5:abc!def }}").malformed[0]?.reason).toBe(
      "unexpected character in the token (not shown: what follows `s5:` may be a plaintext)",
    );
    expect(scan("{{ s5:vault:v1:abc!def }}").malformed[0]?.reason).toBe(
      "unexpected character `!` in the token",
    );
    expect(scan("{{ s5:abc").malformed[0]?.reason).toBe("the token is not closed with `}}`");
    expect(scan("{{ s5:abc | }}").malformed[0]?.reason).toBe("a filter name must follow `|`");
    expect(scan("{{ s5:abc def }}").malformed).toHaveLength(1);
  });

  it("reports a token written with a Unicode space instead of passing it through", () => {
    for (const text of ["{{\u00a0s5:AAAA }}", "{{ s5:AAAA\u00a0}}", "{{\u2009s5:AAAA}}"]) {
      expect(scan(text).tokens, text).toEqual([]);
      expect(scan(text).malformed[0]?.reason, text).toContain("is not white space to s5");
      expect(scan(Buffer.from(text)).malformed[0]?.reason, text).toContain("not white space");
    }
    // Every White_Space character the grammar does not take, and the invisible ones, before the
    // token and after it, in a string and in its UTF-8 bytes (a CLI reads bytes).
    const spaces = [0x0b, 0x85, 0xa0, 0x1680, 0x180e, 0x2028, 0x2029, 0x202f, 0x205f, 0x2060];
    for (let point = 0x2000; point <= 0x200d; point++) spaces.push(point);
    spaces.push(0x3000, 0xfeff);
    for (const point of spaces) {
      const space = String.fromCodePoint(point);
      for (const text of [
        `a: {{${space}s5:AAAA }}`,
        `a: {{ ${space}s5:AAAA}}`,
        `{{ s5:AAAA${space}}}`,
      ]) {
        const name = `U+${point.toString(16)} in ${JSON.stringify(text)}`;
        for (const source of [text, Buffer.from(text)]) {
          const result = scan(source);
          expect(result.tokens, name).toEqual([]);
          expect(result.malformed, name).toHaveLength(1);
        }
      }
    }
    expect(scan("{{ S5:seal x }}").malformed[0]?.reason).toBe(
      "`S5:` is written `s5:`, in lower case",
    );
    expect(scan(Buffer.from("{{S5:AAAA}}")).malformed).toHaveLength(1);
    expect(scan("{{\u00a0.Values.x }}").malformed).toEqual([]);
    expect(scan(Buffer.from("{{\u2028 .Values.x }} {{\u0085}}")).malformed).toEqual([]);
    expect(scan(Buffer.from("{{ s5:aes:AB\u00e9 }}")).malformed[0]?.reason).toBe(
      "unexpected character U+00E9 in the token",
    );
  });

  it("names a character that stops a token only where it stops a backend's ciphertext", () => {
    // Anything else may be a plaintext written after `s5:` ("seal " left out): `s5 check` would
    // print a character of it, in CI logs and SARIF uploads.
    for (const text of [
      "{{ s5:hunter2! }}",
      "{{ s5:Pa55\u00a7word }}",
      "{{ s5:seal:x!y }}",
      "{{ s5:vault:x!y }}",
      "{{ s5:local:x!y }}",
      "{{ s5:kms:x!y }}",
    ]) {
      for (const source of [text, Buffer.from(text)]) {
        const reason = scan(source).malformed[0]?.reason;
        expect(reason, text).toMatch(/^unexpected character in the token \(not shown/);
      }
    }
    for (const [text, shown] of [
      ["{{ s5:vault:v12:AbC!x }}", "`!`"],
      ['{{ s5:local:K01UTOsW:AbC"x }}', '`"`'],
      ["{{ s5:aes:AbC\u00a7 }}", "U+00A7"],
    ] as const) {
      expect(scan(Buffer.from(text)).malformed[0]?.reason, text).toBe(
        `unexpected character ${shown} in the token`,
      );
    }
  });

  it("keeps the first 1000 malformed tokens and counts the rest", () => {
    const result = scan("{{ s5:".repeat(5000));
    expect(result.malformed).toHaveLength(1000);
    expect(result.malformedCount).toBe(5000);
  });

  it("keeps scanning after a malformed token", () => {
    const result = scan("{{ s5:a{{ s5:B }}");
    expect(result.malformed).toHaveLength(1);
    expect(result.tokens.map((t) => t.body)).toEqual(["B"]);
  });

  it("scans bytes with byte offsets, whatever the encoding around tokens", () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf, 0xff, 0xfe]),
      Buffer.from("é{{s5:A}}"),
    ]);
    const [token] = scan(bytes).tokens;
    expect(token?.start).toBe(7);
    expect(bytes.subarray(token!.start, token!.end).toString()).toBe("{{s5:A}}");
  });

  it("splices values in and keeps every other character", () => {
    const text = "\ufeffa: {{s5:A}}\r\nb: {{ s5:B }}";
    const { tokens } = scan(text);
    expect(spliceText(text, tokens, ["1", "2"])).toBe("\ufeffa: 1\r\nb: 2");
  });
});

describe("the Go tool's first token form (0.1.0)", () => {
  it("reads {{ vault:v1:… }} as the body vault:v1:…, and leaves other vault: text alone", () => {
    expect(bodies("a: {{ vault:v1:AbC+/= }}\nb: {{vault:v2:QQ==}}")).toEqual([
      "vault:v1:AbC+/=",
      "vault:v2:QQ==",
    ]);
    expect(scan("{{ vault:x }} {{ vault:v }} {{ vault }}")).toEqual({
      tokens: [],
      malformed: [],
      malformedCount: 0,
    });
  });
});
