// The docs test's own parts: a new block without a marker is caught, a skip needs a reason, and
// printed output is matched with fresh tokens and `…` allowed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { actionOf, consoleSteps, extractBlocks, outputPattern } from "./examples.ts";

const dir = mkdtempSync(join(tmpdir(), "s5-docs-parser-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;

function doc(text: string): string {
  const file = join(dir, `doc-${count++}.md`);
  writeFileSync(file, text);
  return file;
}

describe("the docs test's extractor", () => {
  it("classifies blocks: run, console, parse, marked, and unmarked", () => {
    const blocks = extractBlocks(
      doc(
        [
          "```sh\ns5 --version\n```",
          "- item\n  ```yaml\n  a: 1\n  ```",
          "```ts\nconst x = 1;\n```",
          "<!-- doc-test: skip a TypeScript example run elsewhere -->\n```ts\nconst y = 2;\n```",
          "```console\n$ s5 --version\n0.1.0\n```",
        ].join("\n\n"),
      ),
    );
    expect(blocks.map(actionOf)).toEqual(["run", "parse", "unmarked", "skip", "console"]);
    expect(blocks[1]?.text).toBe("a: 1\n");
  });

  it("refuses a skip without a reason and an unknown marker", () => {
    expect(() => extractBlocks(doc("<!-- doc-test: skip -->\n```ts\nx\n```"))).toThrow(/reason/);
    expect(() => extractBlocks(doc("<!-- doc-test: maybe -->\n```ts\nx\n```"))).toThrow(/unknown/);
  });

  it("matches fresh tokens, key ids and `…`, and nothing else", () => {
    const pattern = outputPattern("created local key QyCywgUA in …\n{{ s5:local:QyCywgUA:abc }}\n");
    expect(
      "created local key Zz9_-aB1 in /work/app/.s5.json\n{{ s5:local:Zz9_-aB1:x-y_z }}\n",
    ).toMatch(pattern);
    expect("created local key Zz9_-aB1 in x\n{{ s5:vault:v1:abc }}\n").not.toMatch(pattern);
    expect(consoleSteps("$ a\nout\n$ b\n")).toEqual([
      { command: "a", expected: "out\n" },
      { command: "b", expected: "" },
    ]);
  });
});
