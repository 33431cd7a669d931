import { describe, expect, it } from "vitest";
import { applyFilters } from "../src/filters.ts";

const run = (filters: string[], value: string) =>
  Buffer.from(applyFilters(filters, Buffer.from(value))).toString();

describe("filters", () => {
  it("raw keeps the value", () => {
    expect(run(["raw"], 'a"b\nc')).toBe('a"b\nc');
  });

  it("every filter keeps a leading byte-order mark, a character of the value", () => {
    const value = "\ufeffpw";
    expect(run(["raw"], value)).toBe(value);
    expect(run(["json"], value)).toBe(value);
    expect(JSON.parse(run(["yaml"], value))).toBe(value);
    expect(run(["hcl"], value)).toBe(value);
    expect(run(["shell"], value)).toBe(`'${value}'`);
    expect(Buffer.from(run(["base64"], value), "base64").toString()).toBe(value);
  });

  it("json escapes for the inside of a JSON string", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a JS template placeholder is the point
    const value = 'he said "hi"\\\n\t${x}\u2028\u0001';
    const escaped = run(["json"], value);
    expect(JSON.parse(`"${escaped}"`)).toBe(value);
    expect(escaped).not.toContain("\n");
  });

  it("yaml writes a complete double-quoted scalar", () => {
    expect(run(["yaml"], "yes")).toBe('"yes"');
    expect(run(["yaml"], "a: b # c\nd")).toBe('"a: b # c\\nd"');
    expect(run(["yaml"], "\u0085\ufeff")).toBe('"\\u0085\\ufeff"');
  });

  it("hcl escapes for the inside of an HCL quoted string, interpolation included", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL's interpolation, on purpose
    expect(run(["hcl"], 'a"b\\c\n\t\u0001 ${x} %{y} $${z} $x')).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL's escapes, on purpose
      'a\\"b\\\\c\\n\\t\\u0001 $${x} %%{y} $$${z} $x',
    );
    // The file's text next to the token cannot complete an interpolation: `"$@"`, `"@{x}"`.
    expect(run(["hcl"], "{a$")).toBe("\\u007ba\\u0024");
    expect(run(["hcl"], "a%")).toBe("a\\u0025");
  });

  it("base64 encodes bytes", () => {
    expect(run(["base64"], "hunter2")).toBe("aHVudGVyMg==");
  });

  it("shell quotes a word", () => {
    expect(run(["shell"], "it's $HOME `x`")).toBe(`'it'\\''s $HOME \`x\`'`);
  });

  it("chains left to right", () => {
    expect(run(["base64", "json"], "x")).toBe("eA==");
  });

  it("refuses unknown filters and binary text", () => {
    expect(() => run(["upper"], "x")).toThrow(/unknown filter `upper`/);
    expect(() => applyFilters(["json"], Buffer.from([0xff]))).toThrow(/binary/);
  });
});
