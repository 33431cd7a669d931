import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { columnOf, type FileEntry, readEnvFile } from "../src/files.ts";
import { resolveOptions } from "../src/options.ts";

describe(".env files", () => {
  it("splits a file into lines once for all its columns, not once per variable", () => {
    // A report works out the column of every variable of the start: a split of the whole file
    // for each made a 20,000-line .env take 17 s to fail instead of 1 s.
    const dir = mkdtempSync(join(tmpdir(), "s5-loader-files-"));
    const lines = Array.from({ length: 500 }, (_, i) => `V${i}=value-${i}`);
    writeFileSync(join(dir, ".env"), `${lines.join("\n")}\n`);
    const entries = readEnvFile(".env", dir, false)!;
    const split = vi.spyOn(String.prototype, "split");
    try {
      const columns = entries.map((entry) => columnOf(entry));
      expect([columns[0], columns.at(-1)]).toEqual([4, 6]);
      const ofFile = split.mock.contexts.filter((text) => String(text).length > 1000);
      expect(ofFile.length).toBeLessThanOrEqual(1);
    } finally {
      split.mockRestore();
    }
  });

  it("parses with dotenv (no $ expansion) and knows each variable's line", () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-loader-files-"));
    writeFileSync(
      join(dir, ".env"),
      [
        "# comment",
        "A=1",
        'MULTI="one',
        "B=not a variable",
        'two"',
        "export C = $HOME #a comment",
        "A=2",
        "D='single'",
      ].join("\n"),
    );
    const entries = readEnvFile(".env", dir, false)!;
    const byKey = Object.fromEntries(entries.map((entry) => [entry.key, entry]));
    // The column where the value starts is worked out for reports only.
    const place = (entry: FileEntry | undefined) => [entry?.origin.line, columnOf(entry!)];
    expect(byKey.A).toMatchObject({ value: "2", origin: { file: ".env", line: 7 } });
    expect(place(byKey.A)).toEqual([7, 3]);
    expect(byKey.MULTI).toMatchObject({
      value: "one\nB=not a variable\ntwo",
      origin: { line: 3 },
    });
    expect(place(byKey.MULTI)).toEqual([3, 8]);
    expect(byKey.MULTI?.openQuote).toBeUndefined();
    expect(byKey.C?.value).toBe("$HOME");
    expect(place(byKey.C)).toEqual([6, 12]);
    expect(byKey.D?.value).toBe("single");
    expect(place(byKey.D)).toEqual([8, 4]);
  });

  it("marks a value whose opening quote dotenv kept (not closed), and only such a value", () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-loader-files-"));
    const lines = {
      DOUBLE: 'DOUBLE="{{ s5:local:x }}',
      SINGLE: "SINGLE = '{{ s5:local:x }} # comment",
      BACK: "BACK=`abc",
      TRAILING: 'TRAILING="abc" def',
      ALONE: 'ALONE="',
      CLOSED: 'CLOSED="abc" # comment',
      INNER: "INNER='\"abc\"'",
      DOUBLED: 'DOUBLED=""x""',
      THREE: 'THREE="""',
      STRAY: 'STRAY=""{{ s5:local:x }}"',
      STRAY_NOTE: "STRAY_NOTE=''abc' # note",
      MULTI: 'MULTI="one',
      END: 'two"',
    };
    writeFileSync(join(dir, ".env"), Object.values(lines).join("\n"));
    const entries = readEnvFile(".env", dir, false)!;
    const kept = Object.fromEntries(entries.map((entry) => [entry.key, entry.openQuote]));
    expect(kept).toEqual({
      DOUBLE: '"',
      SINGLE: "'",
      BACK: "`",
      TRAILING: '"',
      ALONE: '"',
      CLOSED: undefined,
      INNER: undefined,
      DOUBLED: undefined,
      THREE: undefined,
      STRAY: '"',
      STRAY_NOTE: "'",
      MULTI: undefined,
    });
    // The place is the quote's, where the value (quote and all) starts.
    const single = entries.find((entry) => entry.key === "SINGLE")!;
    expect([single.origin.line, columnOf(single)]).toEqual([2, 10]);
    // A stripped quote is not part of the value: its column is the one after it.
    const doubled = entries.find((entry) => entry.key === "DOUBLED")!;
    expect(columnOf(doubled)).toBe(10);
  });

  it("refuses a variable named __proto__, which dotenv's parser drops without a word", () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-loader-files-"));
    writeFileSync(join(dir, ".env"), "A=1\r\nexport __proto__ = {{ s5:local:x }}\n");
    const refused = readEnvFile(".env", dir, false)!.find((entry) => entry.key === "__proto__");
    expect(refused?.origin).toEqual({ file: ".env", line: 2, column: 8 });
    expect(refused?.refused?.code).toBe("S5_INPUT_NAME");
    expect(refused?.refused?.message).toBe("a variable cannot be named __proto__ here");
    // Inside another value, or as a value, it is text.
    writeFileSync(join(dir, ".env"), "A=__proto__\nB=x__proto__=y\n");
    expect(readEnvFile(".env", dir, false)!.map((entry) => entry.value)).toEqual([
      "__proto__",
      "x__proto__=y",
    ]);
  });

  it("a missing default .env is nothing; a missing named file is an error", () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-loader-files-"));
    expect(readEnvFile(".env", dir, true)).toBeUndefined();
    expect(() => readEnvFile("prod.env", dir, false)).toThrow("cannot read prod.env (ENOENT)");
  });
});

describe("options", () => {
  it("code options win over S5_CONFIG_* variables, which win over defaults", () => {
    const saved = { ...process.env };
    try {
      process.env.S5_CONFIG_PATH = "a.env, b.env";
      process.env.S5_CONFIG_OVERRIDE = "yes";
      process.env.S5_CONFIG_QUIET = "false";
      expect(resolveOptions({})).toMatchObject({
        paths: ["a.env", "b.env"],
        defaultPath: false,
        override: true,
        quiet: false,
        debug: false,
      });
      expect(resolveOptions({ path: "c.env", override: false })).toMatchObject({
        paths: ["c.env"],
        override: false,
      });
      process.env.S5_CONFIG_OVERRIDE = "maybe";
      expect(() => resolveOptions({})).toThrow("S5_CONFIG_OVERRIDE must be true or false");
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
    expect(resolveOptions({})).toMatchObject({ paths: [".env"], defaultPath: true, quiet: true });
  });
});
