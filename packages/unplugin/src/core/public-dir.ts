/**
 * Vite copies its public directory into a client build as is, without any plugin seeing the
 * files: a token there would reach the browser without the client build failing. The files are
 * checked once per client build (only in `generateBundle`, not on the dev server).
 *
 * A public directory is mostly images and fonts. Each file is read in 64 KiB pieces into one
 * buffer and searched as bytes for `{{` (memchr speed, nothing decoded); only at a `{{` is a short
 * window decoded and tested against core's hint, and only a file with a hint is read whole, to
 * place its tokens. Binary files are searched too, not skipped by their first bytes: a PNG text
 * chunk, a PDF or a `.wasm` data segment can carry a token to the browser. Measured on the shared
 * 2-core VM, 2,050 files / 196 MB of images: reading each file whole as a string took ~250–380 ms
 * and 1.2 GB of memory; this takes ~90–140 ms and ~90 MB (skipping files with a NUL in their first
 * 8 KiB would take ~50–65 ms, and miss those tokens).
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join, relative } from "node:path";
import { formatLocation, TOKEN_HINT } from "@s5/core";
import { tokensIn } from "./outputs.ts";

interface ViteBuildConfig {
  command?: string;
  publicDir?: string | false;
  build?: { copyPublicDir?: boolean };
}

const PIECE = 64 * 1024;
/** Bytes decoded after a `{{`: the hint is `{{`, spaces, then `s5:` or `vault:vN`. */
const WINDOW = 256;
const BRACES = Buffer.from("{{");
/** A window that is `{{` and spaces only: the hint may go on past it, so the file is read whole. */
const OPEN_ONLY = /^\{\{[\s\u200b]*$/;

/**
 * Whether the `{{` at `at` may start the hint: after ASCII spaces comes `s`, `v`, a non-ASCII byte
 * (a Unicode space) or the end of the bytes. Only then is a window decoded: a run of `{` (a
 * minified bundle, an image) costs a byte test per brace, not a decode.
 */
function mayStartHint(bytes: Buffer, at: number): boolean {
  let next = at + 2;
  while (next < bytes.length && (bytes[next] === 0x20 || (bytes[next]! >= 9 && bytes[next]! <= 13)))
    next++;
  const byte = bytes[next];
  return byte === undefined || byte === 0x73 || byte === 0x76 || byte >= 0x80;
}

/** Whether `bytes` hold core's hint (or a `{{` too long to tell) in a full window. */
function hintIn(bytes: Buffer, last: boolean): boolean {
  for (let at = bytes.indexOf(BRACES); at !== -1; at = bytes.indexOf(BRACES, at + 1)) {
    if (!mayStartHint(bytes, at)) continue;
    // A window cut by the piece's end is searched again at the start of the next piece.
    if (!last && at + WINDOW > bytes.length) return false;
    const window = bytes.toString("utf8", at, Math.min(at + WINDOW, bytes.length));
    if (TOKEN_HINT.test(window) || (at + WINDOW <= bytes.length && OPEN_ONLY.test(window))) {
      return true;
    }
  }
  return false;
}

/** Whether a file may hold a token, read piece by piece into `buffer` (reused across files). */
export function mayHoldToken(path: string, buffer: Buffer): boolean {
  const fd = openSync(path, "r");
  try {
    let kept = 0;
    for (;;) {
      const read = readSync(fd, buffer, kept, buffer.length - kept, null);
      const end = kept + read;
      if (hintIn(buffer.subarray(0, end), read === 0)) return true;
      if (read === 0) return false;
      // The last WINDOW - 1 bytes go on into the next piece: a hint cut between two reads.
      kept = Math.min(WINDOW - 1, end);
      buffer.copy(buffer, 0, end - kept, end);
    }
  } finally {
    closeSync(fd);
  }
}

/** The files of the public directory a client build will copy that may hold a token. */
function publicFiles(config: ViteBuildConfig | undefined, root: string) {
  const dir = config?.publicDir;
  if (config?.command !== "build" || !dir || config.build?.copyPublicDir === false) return [];
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true, encoding: "utf8" });
  } catch {
    return []; // no public directory
  }
  const buffer = Buffer.allocUnsafe(PIECE);
  const files: { name: string; text: string }[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    try {
      if (mayHoldToken(path, buffer)) {
        files.push({ name: relative(root, path), text: readFileSync(path, "utf8") });
      }
    } catch {
      // a directory
    }
  }
  return files;
}

/** The error message for tokens in the public directory, if any (`config`: Vite's environment config). */
export function scanPublicDir(config: unknown, root: string): string | undefined {
  const found = tokensIn(publicFiles(config as ViteBuildConfig | undefined, root));
  if (found.length === 0) return undefined;
  const where = found.map(formatLocation);
  const shown = where.length > 5 ? [...where.slice(0, 5), `… ${where.length - 5} more`] : where;
  return (
    `[s5] ${shown.join(", ")}: an s5 token in Vite's public directory, which is copied into the ` +
    "client output as is. Move the file into the source tree and import it from server code, or " +
    "remove the token."
  );
}
