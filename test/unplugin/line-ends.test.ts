/**
 * Frames of errors about a decrypted module whose lines end in CRLF or a lone CR (classic Mac), or
 * whose value holds a lone CR: the frame lines are drawn again from the source as with LF.
 */
import { join } from "node:path";
import s5rollup from "@s5/unplugin/rollup";
import s5vite from "@s5/unplugin/vite";
import { build as viteBuild } from "vite";
import { beforeAll, describe, expect, it } from "vitest";
import { type Keys, makeKeys, tempProject } from "./setup.ts";

let keys: Keys;
beforeAll(async () => {
  keys = await makeKeys();
});

const stripColours = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

/** A later plugin that reports a problem at a place in a decrypted module (a linter). */
const linter = (file: string, loc: { line: number; column: number }) => ({
  name: "lint",
  transform(this: { error(message: string, pos: object): never }, _code: string, id: string) {
    if (id.endsWith(file)) this.error("no-restricted-syntax", loc);
  },
});

describe("line ends other than LF", () => {
  it("Rollup: a CRLF module's frame line (its CR kept) shows a short value's token, not the value", async () => {
    const token = await keys.encrypt("Zq7");
    const dir = tempProject("s5-crlf-", {
      "src/a.js": `export const url = "https://u:${token}@db";\r\nexport const x = 1;\r\n`,
    });
    const { rollup } = await import("rollup");
    const error = await rollup({
      input: join(dir, "src/a.js"),
      plugins: [s5rollup({ env: keys.env }), linter("a.js", { line: 2, column: 13 })] as never,
    }).then(
      () => undefined,
      (e: Error & { frame?: string }) => e,
    );
    const printed = stripColours(`${error?.message}\n${error?.frame}`);
    expect(printed).toContain("no-restricted-syntax");
    expect(printed).not.toContain("Zq7");
    expect(printed).toMatch(/1: export const url = "https:\/\/u:\{\{ s5:local:/);
    expect(printed).toContain("2: export const x = 1;\r\n                ^");
  });

  it("Vite: a lone-CR module is one line in its frame; each of its lines is redrawn, a short value shows its token", async () => {
    const token = await keys.encrypt("Zq7");
    const dir = tempProject("s5-cr-", {
      "src/a.js": `export const url = "https://u:${token}@db";\rexport const other = 1;\r`,
    });
    const later = {
      name: "later",
      enforce: "post" as const,
      transform(this: { error(m: string, pos: number): never }, code: string, id: string) {
        if (id.endsWith("a.js")) this.error("something is wrong here", code.indexOf("other"));
      },
    };
    const error = await viteBuild({
      root: dir,
      configFile: false,
      logLevel: "silent",
      plugins: [s5vite({ env: keys.env }), later],
      build: { ssr: "src/a.js", outDir: "dist" },
    }).then(
      () => undefined,
      (e: Error & { frame?: string }) => e,
    );
    const printed = stripColours(`${error?.message}\n${error?.frame}\n${error?.stack}`);
    expect(printed).toContain("something is wrong here");
    expect(printed).not.toContain("Zq7");
    expect(printed).toMatch(
      /1: export const url = "https:\/\/u:\{\{ s5:local:[^\n]*\rexport const other = 1;/,
    );
  });
});
