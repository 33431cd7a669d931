import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesAsText, scan } from "../src/scan.ts";

// Bytes are scanned in place (no copy of a large file into a string); the result must be exactly
// that of scanning the same bytes viewed as a one-byte-per-character string — but for the name of
// an unexpected character, which a byte scan reads as UTF-8 (é is U+00E9, not its first byte).
const piece = fc.oneof(
  fc.constantFrom(
    "{{",
    "}}",
    "{{ s5:",
    "{{s5:",
    " | ",
    "|",
    "s5:",
    "\n",
    "\t",
    " ",
    "é",
    "😀",
    "\0",
  ),
  fc.stringMatching(/^[A-Za-z0-9+/=_.:-]{0,12}$/),
  fc.string({ maxLength: 6 }),
);

describe("scan of bytes", () => {
  it("finds what the scan of the same bytes as text finds", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.nat(3), (parts, offset) => {
        const padded = Buffer.from(`${"x".repeat(offset)}${parts.join("")}`);
        const bytes = padded.subarray(offset);
        const named = (result: ReturnType<typeof scan>) => ({
          ...result,
          malformed: result.malformed.map((m) => ({
            ...m,
            reason: m.reason.replace(/U\+\w+/, "U+?"),
          })),
        });
        expect(named(scan(bytes))).toEqual(named(scan(bytesAsText(bytes))));
      }),
      { numRuns: 500 },
    );
  });
});
