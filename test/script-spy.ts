/**
 * Watching how s5 compiles its engine (`vm.Script`) from a `--require` preload, and damaging the
 * V8 cached data it keeps: what the CLI's and the loader's engine-cache tests share.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

/**
 * Writes a preload into `dir` that, for each `vm.Script` whose `options` pass `when` (a JavaScript
 * condition), runs `record` (a statement; `source`, `options`, `fs` and `log` in scope), and
 * returns the preload's path and the log file's.
 */
export function scriptSpy(
  dir: string,
  when: string,
  record: string,
): { preload: string; log: string } {
  const preload = join(dir, "script-spy.cjs");
  const log = join(dir, "script-spy.txt");
  writeFileSync(
    preload,
    `const vm = require("node:vm");\nconst fs = require("node:fs");\n` +
      `const log = ${JSON.stringify(log)};\n` +
      `const Original = vm.Script;\n` +
      `vm.Script = class extends Original { constructor(source, options) { super(source, options);\n` +
      `  if (${when}) { ${record} } } };\n`,
  );
  return { preload, log };
}

/** The statement for {@link scriptSpy} that logs whether the script was given cached data. */
export const LOG_CACHED_DATA = `fs.appendFileSync(log, (options.cachedData ? "given" : "none") + "\\n");`;

/** `file` (an engine cache) with one byte changed, at each of nine places from its header to its last byte. */
export function damagedCopies(file: Buffer): Buffer[] {
  const places = [...Array(8).keys()].map((i) => 1 + Math.floor(((file.length - 2) * i) / 8));
  places.push(file.length - 1);
  return places.map((at) => {
    const damaged = Buffer.from(file);
    damaged[at]! ^= 0x5a;
    return damaged;
  });
}

/** Expects an engine cache file written whole: its reach byte, then the same cached data twice. */
export function expectIntact(file: Buffer, reach: number): void {
  expect(file[0]).toBe(reach);
  const half = (file.length - 1) / 2;
  expect(Number.isInteger(half) && half > 0).toBe(true);
  expect(file.subarray(1, 1 + half).equals(file.subarray(1 + half))).toBe(true);
}
