/** Frame lines that quote a decrypted line are redrawn from the source, in every bundler's layout. */
import { describe, expect, it } from "vitest";
import { redrawFrame, sourceOf } from "../src/core/frame.ts";
import { formIndex, hidePieces } from "../src/core/frame-pieces.ts";

const TOKEN = "{{ s5:local:abc }}";
const original = `const a = 1;\nconst pin = "${TOKEN}";\nconst b = 2;\n`;
const decrypted = 'const a = 1;\nconst pin = "Zq7";\nconst b = 2;\n';
const source = sourceOf(original, decrypted, ["Zq7"]);

describe("redrawFrame", () => {
  it("redraws webpack's, Rollup's, Rspack's and Vite's frame lines and drops the caret under them", () => {
    expect(
      redrawFrame('  1 | const a = 1;\n> 2 | const pin = "Zq7";\n    |      ^\n', source),
    ).toBe(`  1 | const a = 1;\n> 2 | const pin = "${TOKEN}";\n`);
    expect(redrawFrame('1: const a = 1;\n2: const pin = "Zq7";', source)).toBe(
      `1: const a = 1;\n2: const pin = "${TOKEN}";`,
    );
    expect(redrawFrame('  │        2 │ const pin = "Zq7";\n  │          ·     ─', source)).toBe(
      `  │        2 │ const pin = "${TOKEN}";`,
    );
    expect(redrawFrame('2  |  ...pin = "Zq...', source)).toBe(`2  |  const pin = "${TOKEN}";`);
  });

  it("finds the line by what it shows, whatever number the bundler gave it", () => {
    expect(redrawFrame('7: const pin = "Zq7";\n8: const b = 2;\n   ^', source)).toBe(
      `7: const pin = "${TOKEN}";\n8: const b = 2;\n   ^`,
    );
  });

  it("leaves lines that show no value, and message lines that are not a frame", () => {
    const text = 'Unexpected token (2:40)\n1: const a = 1;\n3: const pin = "other";\nZq7 at 2: x';
    expect(redrawFrame(text, source)).toBe(text);
  });
});

describe("a frame line of the module as a later plugin reprinted it (Vite's TypeScript transform)", () => {
  // `const pin: string = '{{ … }}'` became `export const pin = "…"`: no line of the decrypted module.
  const long = "S3CR3Tabcdefghij0123456789XYZ";
  const ts = sourceOf(
    `const pin: string = '${TOKEN}';\nconst key: string = '${TOKEN}';\n`,
    `const pin: string = 'Zq7';\nconst key: string = '${long}';\n`,
    ["Zq7", long],
  );

  it("hides the start of a value before the cut, from one character on", () => {
    for (const shown of ["S", "S3", "S3CR3Ta"]) {
      expect(redrawFrame(`2: export const key = "${shown}...\n3: x`, ts)).toBe(
        '2: export const key = "[s5: value hidden]...\n3: x',
      );
    }
    expect(redrawFrame("2: const k = [S3CR3T\u2026", ts)).toBe(
      "2: const k = [[s5: value hidden]\u2026",
    );
  });

  it("hides the end of a value after a cut at the start, and a piece cut on both sides", () => {
    expect(redrawFrame('2  |  ...XYZ"; export const b = 1;', ts)).toBe(
      '2  |  ...[s5: value hidden]"; export const b = 1;',
    );
    expect(redrawFrame('2  |  ...= "S3C...', ts)).toBe('2  |  ...= "[s5: value hidden]...');
    // A piece inside a value is a part of the decrypted line: redrawn from the source.
    expect(redrawFrame("2  |  ...3CR...", ts)).toBe(`2  |  const key: string = '${TOKEN}';`);
  });

  it("hides a short value shown whole in a string literal, in a frame or a message line", () => {
    expect(redrawFrame('1: export const pin = "Zq7";', ts)).toBe(
      '1: export const pin = "[s5: value hidden]";',
    );
    expect(redrawFrame("no-restricted-syntax: export var pin = 'Zq7';", ts)).toBe(
      "no-restricted-syntax: export var pin = '[s5: value hidden]';",
    );
  });

  it("hides a value after a letter or digit in the string, from 4 characters on", () => {
    // A prefix written before the token in the same string: `"v2{{ … }}"`.
    for (const shown of ["S3CR", "S3CR3", "S3CR3Ta"]) {
      expect(redrawFrame(`2: export const key = "v2${shown}...\n3: x`, ts)).toBe(
        '2: export const key = "v2[s5: value hidden]...\n3: x',
      );
    }
    expect(redrawFrame("2: const k = [prefixS3CR3T\u2026", ts)).toBe(
      "2: const k = [prefix[s5: value hidden]\u2026",
    );
  });

  it("hides a value after a JS escape in the string, from one character on", () => {
    for (const sequence of ["\\n", "\\t", "\\x41", "\\u0041", "\\u{41}"]) {
      for (const shown of ["S", "S3", "S3CR3"]) {
        expect(redrawFrame(`2: export const pem = "header${sequence}${shown}...`, ts)).toBe(
          `2: export const pem = "header${sequence}[s5: value hidden]...`,
        );
      }
    }
  });

  it("hides the end of a value before a letter or digit after a cut at the start", () => {
    for (const shown of ["9XYZ", "789XYZ", "6789XYZ"]) {
      expect(redrawFrame(`2  |  ...${shown}abc"; export const b = 1;`, ts)).toBe(
        '2  |  ...[s5: value hidden]abc"; export const b = 1;',
      );
    }
  });

  it("hides the reviewer's pieces of a value after a prefix, an escape, or before a letter", () => {
    const value = "xY9q2Lm7AbQ";
    const forms = formIndex([value]);
    expect(hidePieces('const key = "v2xY9q2...', forms)).toBe(
      'const key = "v2[s5: value hidden]...',
    );
    expect(hidePieces('const pem = "header\\nxY9q2...', forms)).toBe(
      'const pem = "header\\n[s5: value hidden]...',
    );
    expect(hidePieces('...m7AbQabc";', forms)).toBe('...[s5: value hidden]abc";');
    // Still hidden, as before: after punctuation or a space, before punctuation.
    expect(hidePieces('const key = "S5:xY9q2...', forms)).toBe(
      'const key = "S5:[s5: value hidden]...',
    );
    expect(hidePieces('...m7AbQ" + "x";', forms)).toBe('...[s5: value hidden]" + "x";');
    // A value that ends with an escape (a newline), before a letter: from one character on.
    const pem = formIndex(["MIIBc2\n"]);
    expect(hidePieces('...2\\nfoo";', pem)).toBe('...[s5: value hidden]foo";');
  });

  it("leaves text that only shares letters with a value", () => {
    const lines = [
      "Unexpected token (2:40) near Zq7x and S3",
      "2: const classS3...", // the piece is not bounded on the left
      "2: const classS3C...", // nor is this one, and under 4 characters inside a word
      '2: const a = "Zq7x";', // a literal that holds more than the value
      "2: node_modules/a\u2026", // no value starts with `a`
      "2  |  ...XYZa = 1;", // the end of a value, but not bounded on the right
      "2  |  ...YZabc = 1;", // nor is this one, and under 4 characters inside a word
      '2: const s = "\\nab...', // after an escape, but no value starts with `ab`
      "2: const v2S3CR3 = 1;", // a whole line, not cut: no piece of a value
      "Unexpected character in v2S3CR3T...", // no frame line: ordinary text
      "Unexpected character in ...6789XYZabc", // no frame line: ordinary text
    ];
    for (const line of lines) expect(redrawFrame(line, ts)).toBe(line);
  });
});
