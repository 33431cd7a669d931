/**
 * Vite copies its public directory into a client build as is, without any plugin seeing the
 * files: a token there would reach the browser without the client build failing. The files are
 * checked once per client build (only in `generateBundle`, not on the dev server).
 *
 * A public directory is mostly images and fonts. Each file is read in 64 KiB pieces into one
 * buffer and searched as bytes for `{{` in UTF-8 and in UTF-16 of either byte order (memchr speed,
 * nothing decoded); only at a `{{` is a short window decoded and tested against core's hint, and
 * only a file with a hint is read whole, to place its tokens. Binary files are searched too, not
 * skipped by their first bytes: a PNG text chunk, a PDF or a `.wasm` data segment can carry a token
 * to the browser. Measured on the shared 2-core VM, 2,050 files / 196 MB of images: reading each
 * file whole as a string took ~250–380 ms and 1.2 GB of memory; this takes ~90–140 ms and ~90 MB
 * (skipping files with a NUL in their first 8 KiB would take ~50–65 ms, and miss those tokens).
 * The UTF-16 search is one more byte search per piece: 100 MB of synthetic images, 33 → 41 ms.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join, relative } from "node:path";
import { TOKEN_HINT } from "@s5/core";
import { buildMessage, listLocations } from "./errors.ts";
import { tokensIn } from "./outputs.ts";

interface ViteBuildConfig {
  command?: string;
  publicDir?: string | false;
  build?: { copyPublicDir?: boolean };
}

const PIECE = 64 * 1024;
/** Characters decoded after a `{{`: the hint is `{{`, spaces, then `s5:` or `vault:vN`. */
const WINDOW = 256;
/** A window that is `{{` and spaces only: the hint may go on past it, so the file is read whole. */
const OPEN_ONLY = /^\{\{[\s\u200b]*$/;

/**
 * How `{{` is written in each encoding searched: UTF-8 (and Latin-1, ASCII), and UTF-16 in either
 * byte order (a token in a UTF-16 file is no token for `{{` as bytes: `{\0{\0`). `low` is where a
 * character's low byte sits in its unit. UTF-16 is searched for `{\0{`, which starts with the
 * rare `{` in either order (a search that starts with `\0` stops at every NUL of an image).
 */
const WIDE = Buffer.from("{\0{", "latin1");
const ENCODINGS = [
  { name: "utf8", needle: Buffer.from("{{"), unit: 1, low: 0 },
  { name: "utf16le", needle: WIDE, unit: 2, low: 0 },
  { name: "utf16be", needle: WIDE, unit: 2, low: 1 },
] as const;
type Encoding = (typeof ENCODINGS)[number];
/** Bytes kept from one piece for the next: a window of the widest encoding, less one byte. */
const KEPT = WINDOW * 2 - 1;

/** Where the next `{{` in `encoding` starts, from `from` on; -1 if none. */
function nextBraces(bytes: Buffer, from: number, encoding: Encoding): number {
  const { needle, low } = encoding;
  for (let at = bytes.indexOf(needle, from + low); at !== -1; at = bytes.indexOf(needle, at + 1)) {
    const start = at - low;
    // UTF-16: both high bytes are 0 (`{\0{\0` or `\0{\0{`).
    if (
      encoding.unit === 1 ||
      (start >= 0 && bytes[start + 1 - low] === 0 && bytes[start + 3 - low] === 0)
    ) {
      return start;
    }
  }
  return -1;
}

/** The character of the unit at `at`: its low byte, or 0x100 if the high byte is set. */
function charAt(bytes: Buffer, at: number, encoding: Encoding): number | undefined {
  if (at + encoding.unit > bytes.length) return undefined;
  if (encoding.unit === 2 && bytes[at + 1 - encoding.low] !== 0) return 0x100;
  return bytes[at + encoding.low];
}

/**
 * Whether the `{{` at `at` may start the hint: after ASCII spaces comes `s`, `v`, a non-ASCII
 * character (a Unicode space) or the end of the bytes. Only then is a window decoded: a run of `{`
 * (a minified bundle, an image) costs a byte test per brace, not a decode.
 */
function mayStartHint(bytes: Buffer, at: number, encoding: Encoding): boolean {
  let next = at + 2 * encoding.unit;
  let char = charAt(bytes, next, encoding);
  while (char !== undefined && (char === 0x20 || (char >= 9 && char <= 13))) {
    next += encoding.unit;
    char = charAt(bytes, next, encoding);
  }
  return char === undefined || char === 0x73 || char === 0x76 || char >= 0x80;
}

/** `bytes[start, end)` as text in `encoding` (UTF-16BE through a swapped copy). */
function decode(bytes: Buffer, start: number, end: number, encoding: Encoding): string {
  if (encoding.name === "utf8") return bytes.toString("utf8", start, end);
  const even = end - ((end - start) % 2);
  if (encoding.name === "utf16le") return bytes.toString("utf16le", start, even);
  return Buffer.from(bytes.subarray(start, even)).swap16().toString("utf16le");
}

/** Whether `bytes` hold core's hint (or a `{{` too long to tell) in a full window. */
function hintIn(bytes: Buffer, last: boolean, encoding: Encoding): boolean {
  const window = WINDOW * encoding.unit;
  for (
    let at = nextBraces(bytes, 0, encoding);
    at !== -1;
    at = nextBraces(bytes, at + 1, encoding)
  ) {
    if (!mayStartHint(bytes, at, encoding)) continue;
    // A window cut by the piece's end is searched again at the start of the next piece.
    if (!last && at + window > bytes.length) return false;
    const text = decode(bytes, at, Math.min(at + window, bytes.length), encoding);
    if (TOKEN_HINT.test(text) || (at + window <= bytes.length && OPEN_ONLY.test(text))) {
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
      const piece = buffer.subarray(0, end);
      // One search for `{\0{` tells whether the two UTF-16 ones are needed (mostly not).
      const encodings = piece.includes(WIDE) ? ENCODINGS : ENCODINGS.slice(0, 1);
      if (encodings.some((encoding) => hintIn(piece, read === 0, encoding))) return true;
      if (read === 0) return false;
      // The last KEPT bytes go on into the next piece: a hint cut between two reads.
      kept = Math.min(KEPT, end);
      buffer.copy(buffer, 0, end - kept, end);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A flagged file as the texts its tokens may be in: UTF-8, and UTF-16 in each byte order and at
 * each byte offset (0 or 1) where its `{{` occurs (a UTF-16 file has a byte-order mark or none, a
 * binary file may carry UTF-16 text at an odd offset). A byte-order mark is left out, so that the
 * columns are the editor's.
 */
function textsOf(bytes: Buffer): string[] {
  const texts = [bytes.toString("utf8").replace(/^\uFEFF/, "")];
  for (const encoding of ENCODINGS.slice(1)) {
    const offsets = new Set<number>();
    for (let at = nextBraces(bytes, 0, encoding); at !== -1 && offsets.size < 2; ) {
      offsets.add(at % 2);
      at = nextBraces(bytes, at + 1, encoding);
    }
    for (const offset of offsets) {
      texts.push(decode(bytes, offset, bytes.length, encoding).replace(/^\uFEFF/, ""));
    }
  }
  return texts;
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
      if (!mayHoldToken(path, buffer)) continue;
      const name = relative(root, path);
      for (const text of textsOf(readFileSync(path))) files.push({ name, text });
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
  // A UTF-16 text read at both byte offsets (`textsOf`) may place the same token twice: listed once.
  return buildMessage(
    `${listLocations(found)}: an s5 token in Vite's public directory, which is copied into the ` +
      "client output as is",
    "S5_CLIENT_TOKEN",
    "move the file into the source tree and import it from server code, or remove the token",
  );
}
