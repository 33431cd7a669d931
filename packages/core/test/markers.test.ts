import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bareMarkerFits, formatMarker, nearMissMarkers, scanMarkers } from "../src/markers.ts";
import { findSuspectSecrets, maySuspect } from "../src/secrets.ts";

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

  it("refuses a bare value that holds `}}` or `|` instead of sealing part of it", () => {
    const cut = (text: string) => scanMarkers(text).malformed.map((bad) => bad.start);
    expect(cut("p: {{ s5:seal Xy7}}kP9#qLm2vR8 }}")).toEqual([3]);
    expect(cut("p: {{ s5:seal Xy7 }}kP9 }}\nq: 1")).toEqual([3]);
    expect(cut("p: {{ s5:seal a|raw }}")).toEqual([3]);
    expect(cut("p: {{ s5:seal pass|word | base64 }}")).toEqual([3]);
    expect(scanMarkers("p: {{ s5:seal a|raw }}").malformed[0]?.reason).toContain(
      '{{ s5:seal "…" }}',
    );
    // Not cut: a filter after a space, a `}}` that a later `{{` opened, the next line.
    const fine = "a: {{ s5:seal x1 |raw }} {{ s5:seal y2}} {{ .Values.z }}\nb: }}";
    expect(scanMarkers(fine).malformed).toEqual([]);
    expect(scanMarkers(fine).markers.map((m) => [m.value, m.filters])).toEqual([
      ["x1", ["raw"]],
      ["y2", []],
    ]);
    expect(scanMarkers('p: {{ s5:seal "Xy7}}kP9|x" }}').markers[0]?.value).toBe("Xy7}}kP9|x");
    // A value that seems to go on right after `}}` (a letter or a digit, no space before `}}`).
    expect(cut("p: {{ s5:seal Zq}}8xLmQ{{4 }}")).toEqual([3]);
    expect(cut("p: {{ s5:seal abc}}defghij")).toEqual([3]);
    expect(cut("p: {{ s5:seal abc}}é")).toEqual([3]);
    // Punctuation after `}}` ends the marker, as a space before it does.
    const joined = 'u: "https://{{ s5:seal user}}:{{ s5:seal pass}}@host" {{ s5:seal x }}y';
    expect(scanMarkers(joined).malformed).toEqual([]);
    expect(scanMarkers(joined).markers.map((m) => m.value)).toEqual(["user", "pass", "x"]);
  });

  it("refuses a bare value that ends in a template's trim mark (`-}}`, `~}}`)", () => {
    for (const text of [
      "p: {{ s5:seal hunter2 -}}",
      "p: {{ s5:seal hunter2 ~}}",
      "p: {{ s5:seal -}}",
    ]) {
      const { markers, malformed } = scanMarkers(text);
      expect(markers, text).toEqual([]);
      expect(malformed[0]?.reason, text).toContain("like a template's trim mark");
    }
    // Part of the value: no space before it, a space after it, or quoted.
    for (const [text, value] of [
      ["p: {{ s5:seal a-b-}}", "a-b-"],
      ["p: {{ s5:seal pw - }}", "pw -"],
      ['p: {{ s5:seal "pw -"}}', "pw -"],
    ]) {
      expect(
        scanMarkers(text!).markers.map((m) => m.value),
        text,
      ).toEqual([value]);
    }
  });

  it("refuses a bare value at a Unicode space, and a quoted one that is no text", () => {
    for (const text of [
      "p: {{ s5:seal hunter2\u00a0}}",
      "p: {{ s5:seal \u3000pw }}",
      "p: {{ s5:seal pw\ufeff }}",
    ]) {
      expect(scanMarkers(text).malformed[0]?.reason, text).toContain(
        "starts or ends with a Unicode space",
      );
    }
    // Inside the value it is part of it, as in any text.
    expect(scanMarkers("p: {{ s5:seal a\u00a0b }}").markers[0]?.value).toBe("a\u00a0b");
    expect(scanMarkers('p: {{ s5:seal "\u00a0pw" }}').markers[0]?.value).toBe("\u00a0pw");
    expect(scanMarkers('p: {{ s5:seal "\\ud800x" }}').malformed[0]?.reason).toContain(
      "lone surrogate",
    );
    expect(scanMarkers('p: {{ s5:seal "\\ud83d\\ude00" }}').markers[0]?.value).toBe("\u{1f600}");
    // What edit writes reads back: quoted where a bare value would not fit its place.
    expect(formatMarker("\u00a0pw")).toBe('{{ s5:seal "\u00a0pw" }}');
    expect(bareMarkerFits('a: X, "}}"', 4)).toBe(false);
    expect(bareMarkerFits("a: Xtail", 4)).toBe(false);
    expect(bareMarkerFits("a: X {{ y }}", 4)).toBe(true);
    expect(formatMarker("v", [], true)).toBe('{{ s5:seal "v" }}');
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

  it("reads a lone CR as a line end, as locations do (classic Mac files)", () => {
    // Before: the file was one line: no finding at all, and one `s5:ignore` hid every line.
    for (const end of ["\r", "\n", "\r\n"]) {
      const text = ["a: 1 # s5:ignore", "password: hunter2hunter2", "b: {{ s5 seal x }}", ""].join(
        end,
      );
      const found = findSuspectSecrets(text).map((s) => text.slice(s.offset, s.offset + 8));
      expect(found, JSON.stringify(end)).toEqual(["hunter2h"]);
      expect(nearMissMarkers(text), JSON.stringify(end)).toEqual([text.indexOf("{{ s5 seal")]);
      const ignored = text.replace("x }}", "x }} # s5:ignore");
      expect(nearMissMarkers(ignored), JSON.stringify(end)).toEqual([]);
    }
  });

  it("looks at every pair of a line, block scalars and XML elements", () => {
    const token = "{{ s5:aes:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA }}";
    const text = [
      `{"api":"${token}","password":"Hunter2!xyz"}`,
      `db: { password: "Hunter2!x", token: "${token}" }`,
      "password: |",
      "  Hunter2!xyz",
      "<config><password>Hunter2!xyz</password></config>",
      "DB_PWD=Hunter2!xyz",
      // Not flagged: tokens, placeholders, a block scalar holding a token.
      `{"password":"${token}","user":"app"}`,
      ['db: { password: "$', '{DB_PASSWORD}" }'].join(""),
      "secret: |",
      `  ${token}`,
    ].join("\n");
    const lines = findSuspectSecrets(text).map((s) => text.slice(0, s.offset).split("\n").length);
    expect(lines).toEqual([1, 2, 3, 5, 6]);
  });

  it("maySuspect, its quick first question, is true of each line it flags", () => {
    const token = "{{ s5:aes:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA }}";
    const flagged = [
      "password: hunter2hunter2",
      "DB_PASS=s3cr3t!",
      "aws: AKIAABCDEFGHIJKLMNOP",
      "blob: Zx9Qp2Lk7Wm4Rt8Yv1Nb6Hc3Jd5Fg0Sa",
      "k: -----BEGIN RSA PRIVATE KEY-----",
      "REDIS_URL=redis://:s3cr3tpass@cache:6379",
      '{"user":"app","Pwd":"Hunter2!xyz"}',
      "<config><credential>Hunter2!xyz</credential></config>",
      `password: ${token}kP9#qLm2vR8 }}`,
      `key: AKIAABCDEFGHIJKLMNOP ${token}`,
      "//registry.npmjs.org/:_authToken=npm_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c",
      "x glpat-Ab3dEf6hIj9kLm2nOp5q y",
      "repo: pypi-AgEIcHlwaS5vcmcCJDU2ZGI0ZTk0LTk4ZDktNGE3Mi1hYzQ5LWI4ZmQ4N2M1ZTQyNAACKlsz",
      "maps: AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    ];
    for (const line of flagged) {
      expect(findSuspectSecrets(line), line).not.toEqual([]);
      expect(maySuspect(line), line).toBe(true);
    }
    expect(maySuspect("timeout: 60\nlog: debug\nexport const port = 5432;")).toBe(false);
    fc.assert(
      fc.property(fc.string(), fc.string({ unit: "grapheme-ascii" }), (key, value) => {
        const line = `${key}: ${value}`;
        return findSuspectSecrets(line).length === 0 || maySuspect(line);
      }),
    );
  });

  it("checks what is left around tokens on their lines", () => {
    const token = "{{ s5:aes:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA }}";
    const text = [
      `password: ${token}`,
      `password: ${token}kP9#qLm2vR8 }}`,
      `secret: ${token}kP9#qLm2vR8`,
      `auth: Bearer ${token}`,
      `url: postgres://app:${token}@db:5432/app`,
      `key: AKIAABCDEFGHIJKLMNOP ${token}`,
      `a: ${token} {{ .Values.b }}`,
      "helm: {{ .Values.password }}",
      // Glued to a token, a passphrase beside one, a password in a URL: not left unseen.
      `PASSWORD=hunter2${token}`,
      `SECRET=${token} correcthorsebatterystaple`,
      `REDIS_URL=redis://:s3cr3tpass@cache:6379 ${token}`,
      // Not flagged: a short word or a separator next to it, a URL whose password is the token.
      `password: "${token}" # rotated`,
      `DATABASE_PASSWORD_URL=postgres://app:${token}@db/app`,
      `CI_DB=postgres://postgres:postgres@db:5432/test ${token}`,
    ].join("\n");
    const found = findSuspectSecrets(text);
    const lines = found.map((s) => text.slice(0, s.offset).split("\n").length);
    expect(lines).toEqual([2, 3, 6, 9, 10, 11]);
    expect(found[5]?.reason).toBe("looks like a password in a URL");
    expect(found[0]?.reason).toContain("only partly encrypted");
    expect(text.slice(found[0]!.offset, found[0]!.offset + 2)).toBe("}}");
    expect(found[1]?.reason).toBe("`secret` holds plaintext beside its token");
    expect(found[2]?.reason).toBe("looks like an AWS access key id");
    expect(text.slice(found[2]!.offset).startsWith("AKIA")).toBe(true);
  });
});
