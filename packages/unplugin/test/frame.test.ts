/** Frame lines that quote a decrypted line are redrawn from the source, in every bundler's layout. */
import { describe, expect, it } from "vitest";
import { redrawFrame, sourceOf } from "../src/core/frame.ts";

const TOKEN = "{{ s5:local:abc }}";
const original = `const a = 1;\nconst pin = "${TOKEN}";\nconst b = 2;\n`;
const decrypted = 'const a = 1;\nconst pin = "Zq7";\nconst b = 2;\n';
const source = sourceOf(original, decrypted);

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
