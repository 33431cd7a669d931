import { describe, expect, it } from "vitest";
import { looksBinary, wideText } from "../src/wide-text.ts";

const text = "a: {{ s5:local:x }}\nb: é\n";

/** The text in UTF-32, little- or big-endian, with or without a byte-order mark. */
function utf32(value: string, order: "le" | "be", bom: boolean): Buffer {
  const points = [...((bom ? "\ufeff" : "") + value)].map((c) => c.codePointAt(0)!);
  const bytes = Buffer.alloc(points.length * 4);
  for (const [at, point] of points.entries()) {
    if (order === "le") bytes.writeUInt32LE(point, at * 4);
    else bytes.writeUInt32BE(point, at * 4);
  }
  return bytes;
}

function utf16(value: string, order: "le" | "be", bom: boolean): Buffer {
  const bytes = Buffer.from((bom ? "\ufeff" : "") + value, "utf16le");
  return order === "le" ? bytes : bytes.swap16();
}

describe("wide text", () => {
  for (const order of ["le", "be"] as const) {
    for (const bom of [true, false]) {
      const how = `${order}${bom ? ", with a byte-order mark" : ""}`;

      it(`decodes UTF-16 ${how}, and the walk takes it for text`, () => {
        const bytes = utf16(text, order, bom);
        expect(wideText(bytes)).toEqual({ text: (bom ? "\ufeff" : "") + text, width: 2 });
        expect(looksBinary(bytes)).toBe(false);
      });

      it(`decodes UTF-32 ${how}, and the walk takes it for text`, () => {
        const bytes = utf32(text, order, bom);
        expect(wideText(bytes)).toEqual({ text: (bom ? "\ufeff" : "") + text, width: 4 });
        expect(looksBinary(bytes)).toBe(false);
      });
    }
  }

  it("reads a character past U+FFFF in UTF-32, and a unit that is none as U+FFFD", () => {
    const bytes = Buffer.concat([utf32("{{😀", "le", false), Buffer.from([0, 0xd8, 0, 0])]);
    expect(wideText(bytes)?.text).toBe("{{😀\ufffd");
  });

  it("finds no wide text in UTF-8, nor a `{{` off the code units' grid", () => {
    expect(wideText(Buffer.from(text))).toBeUndefined();
    expect(wideText(Buffer.from("x{\u0000{\u0000", "latin1"))).toBeUndefined();
  });

  it("takes NUL bytes in no pattern of a wide text for binary", () => {
    expect(looksBinary(Buffer.from("PNG\u0000\u0001\u0002\u0000\u0000\u0007", "latin1"))).toBe(
      true,
    );
    expect(looksBinary(Buffer.alloc(64))).toBe(true);
    expect(looksBinary(Buffer.from(text))).toBe(false);
  });
});
