import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatMarker, scanMarkers } from "../src/markers.ts";
import { findSuspectSecrets } from "../src/secrets.ts";

describe("seal markers", () => {
  it("reads bare and JSON values with filters", () => {
    const { markers } = scanMarkers(
      'a: {{ s5:seal  hunter 2  }} b: {{s5:seal "x\\n}}|" | base64 | json}}',
    );
    expect(markers.map((m) => [m.value, m.filters])).toEqual([
      ["hunter 2", []],
      ["x\n}}|", ["base64", "json"]],
    ]);
  });

  it("reports broken markers and is not fooled by tokens", () => {
    expect(scanMarkers('{{ s5:seal "open\n}}').malformed[0]?.reason).toBe(
      "the quoted value is not closed on its line",
    );
    expect(scanMarkers("{{ s5:seal }}").malformed[0]?.reason).toBe("the marker has no value");
    expect(scanMarkers("{{ s5:seal x\n}}").markers[0]?.value).toBe("x");
    expect(scanMarkers("{{ s5:sealed }} {{ s5:vault:v1:AA== }}")).toEqual({
      markers: [],
      malformed: [],
    });
  });

  it("formats any value so that it reads back the same", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 30 }),
        fc.constantFrom([], ["yaml"]),
        (value, filters) => {
          const { markers, malformed } = scanMarkers(`k: ${formatMarker(value, filters)} tail`);
          expect(malformed).toEqual([]);
          expect(markers.map((m) => [m.value, m.filters])).toEqual([[value, filters]]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("plaintext secret heuristic", () => {
  it("flags secret-sounding keys, known formats and random-looking values, with an opt-out", () => {
    const text = [
      "password: hunter2hunter2",
      "DB_PASS=s3cr3t!",
      "name: billing",
      ["token: $", "{TOKEN}"].join(""),
      "aws: AKIAABCDEFGHIJKLMNOP",
      "blob: Zx9Qp2Lk7Wm4Rt8Yv1Nb6Hc3Jd5Fg0Sa",
      "blob2: Zx9Qp2Lk7Wm4Rt8Yv1Nb6Hc3Jd5Fg0Sa # s5:ignore",
      "description: a long sentence with many different words in it",
      'url: "https://example.com/path"',
    ].join("\n");
    const lines = findSuspectSecrets(text).map((s) => text.slice(0, s.offset).split("\n").length);
    expect(lines).toEqual([1, 2, 5, 6]);
  });
});
