/**
 * The source maps the plugin hands a bundler: a column after a token maps back to the file as
 * written, and a build that makes no maps is handed none (esbuild reads a map inline in the code
 * it is given, in a time that grows faster than the code's size).
 */
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { join } from "node:path";
import s5esbuild from "@s5/unplugin/esbuild";
import { build as esbuild } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { type Keys, makeKeys, tempProject } from "./setup.ts";

let keys: Keys;
let source: string;
beforeAll(async () => {
  keys = await makeKeys();
  const token = await keys.encrypt("short-Val");
  source = `export const url = "https://u:${token}@db"; export const port = 5432;\nexport function other() { return url + port; }\n`;
});

const esbuildOf = (dir: string, sourcemap: false | "external") =>
  esbuild({
    absWorkingDir: dir,
    entryPoints: ["src/a.js"],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile: join(dir, "dist/a.js"),
    metafile: true,
    sourcemap,
    logLevel: "silent",
    plugins: [s5esbuild({ env: keys.env })],
  });

describe("esbuild", () => {
  it("a build without `sourcemap` reads the decrypted module without a map appended", async () => {
    const dir = tempProject("s5-maps-", { "src/a.js": source });
    const result = await esbuildOf(dir, false);
    const decrypted = source.replace(/\{\{ s5:[^}]*\}\}/, "short-Val");
    // What esbuild was given for the module: the decrypted code, no inline map after it.
    expect(result.metafile.inputs["src/a.js"]?.bytes).toBe(Buffer.byteLength(decrypted));
    expect(readFileSync(join(dir, "dist/a.js"), "utf8")).toContain("short-Val");
  });

  it("a build with `sourcemap` maps a column after a token back to the file as written", async () => {
    const dir = tempProject("s5-maps-", { "src/a.js": source });
    await esbuildOf(dir, "external");
    const out = readFileSync(join(dir, "dist/a.js"), "utf8");
    const map = new SourceMap(JSON.parse(readFileSync(join(dir, "dist/a.js.map"), "utf8")));
    const at = (needle: string) => {
      const before = out.slice(0, out.indexOf(needle)).split("\n");
      return map.findEntry(before.length - 1, before.at(-1)!.length);
    };
    const place = (needle: string) => {
      const before = source.slice(0, source.indexOf(needle)).split("\n");
      return { line: before.length - 1, column: before.at(-1)!.length };
    };
    for (const needle of ["5432", "other"]) {
      const entry = at(needle);
      expect(entry).toMatchObject({
        originalSource: expect.stringContaining("src/a.js"),
        originalLine: place(needle).line,
        originalColumn: place(needle).column,
      });
    }
  });

  it("a build with `sourcemap` keeps the file as written in the map, never the decrypted module", async () => {
    const dir = tempProject("s5-maps-", { "src/a.js": source });
    await esbuildOf(dir, "external");
    expect(readFileSync(join(dir, "dist/a.js"), "utf8")).toContain("short-Val");
    const map = JSON.parse(readFileSync(join(dir, "dist/a.js.map"), "utf8")) as {
      sourcesContent: string[];
    };
    expect(map.sourcesContent).toEqual([source]);
    expect(JSON.stringify(map)).not.toContain("short-Val");
  });
});
