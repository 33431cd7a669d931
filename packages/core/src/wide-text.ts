/**
 * Text in UTF-16 or UTF-32, which Windows tools write (PowerShell's `>` and `-Encoding utf32`): a
 * UTF-8 scan sees its tokens as `{\0{\0s\05\0:\0…` and finds none. Render decodes such a file to
 * report its tokens; the tree walk must not skip it as binary for its NUL bytes.
 */

/** A decoded wide text, and its code unit's width in bytes. */
export interface WideText {
  text: string;
  width: 2 | 4;
}

/**
 * The text of UTF-32 or UTF-16 bytes, or undefined. A byte-order mark decides; without one, the
 * first `{{` at an offset that is a multiple of the width. UTF-32 is asked first: its
 * little-endian mark (`FF FE 00 00`) starts like UTF-16's.
 */
export function wideText(bytes: Buffer): WideText | undefined {
  for (const width of [4, 2] as const) {
    const order = byteOrder(bytes, width);
    if (order !== undefined) return { text: decode(bytes, width, order), width };
  }
  return undefined;
}

type Order = "le" | "be";

function byteOrder(bytes: Buffer, width: 2 | 4): Order | undefined {
  const pad = "\u0000".repeat(width - 1);
  if (startsWith(bytes, width === 2 ? [0xff, 0xfe] : [0xff, 0xfe, 0, 0])) return "le";
  if (startsWith(bytes, width === 2 ? [0xfe, 0xff] : [0, 0, 0xfe, 0xff])) return "be";
  const le = bytes.indexOf(`{${pad}{${pad}`, 0, "latin1");
  if (le !== -1 && le % width === 0) return "le";
  const be = bytes.indexOf(`${pad}{${pad}{`, 0, "latin1");
  if (be !== -1 && be % width === 0) return "be";
  return undefined;
}

function startsWith(bytes: Uint8Array, mark: number[]): boolean {
  return mark.every((byte, at) => bytes[at] === byte);
}

function decode(bytes: Buffer, width: 2 | 4, order: Order): string {
  if (width === 2) {
    if (order === "le") return bytes.toString("utf16le");
    const swapped = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
    return swapped.swap16().toString("utf16le");
  }
  // Node has no UTF-32 decoder; this runs only for such a file.
  const parts: string[] = [];
  const points: number[] = [];
  for (let at = 0; at + 3 < bytes.length; at += 4) {
    const unit = order === "le" ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
    // Not a character (past U+10FFFF, a lone surrogate): the replacement character, as a decoder does.
    points.push(unit <= 0x10ffff && (unit < 0xd800 || unit > 0xdfff) ? unit : 0xfffd);
    if (points.length === 4096) parts.push(String.fromCodePoint(...points.splice(0)));
  }
  parts.push(String.fromCodePoint(...points));
  return parts.join("");
}

/**
 * Whether the first bytes of a file say it is not text: a NUL byte near the start — unless the file
 * is UTF-16 or UTF-32, which render reports when it holds tokens. A byte-order mark says so; so
 * does, without one (what some Windows tools write), a text of mostly characters below U+0100:
 * then each code unit is NUL bytes around one that is not.
 */
export function looksBinary(head: Uint8Array): boolean {
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) return false;
  if (startsWith(head, [0, 0, 0xfe, 0xff])) return false;
  if (!head.includes(0)) return false;
  return !mostlyWide(head, 4) && !mostlyWide(head, 2);
}

/** At least 60 % of the code units of `width` bytes are one non-NUL byte at one end, NULs else. */
function mostlyWide(head: Uint8Array, width: 2 | 4): boolean {
  const units = Math.floor(head.length / width);
  if (units < 2) return false;
  for (const text of [0, width - 1]) {
    let wide = 0;
    let stray = 0;
    for (let at = 0; at < units * width; at += width) {
      let zeros = 0;
      for (let j = 0; j < width; j++) if (j !== text && head[at + j] === 0) zeros++;
      if (zeros === width - 1 && head[at + text] !== 0) wide++;
      else if (width === 2 && head[at + text] === 0) stray++;
    }
    // UTF-16: the other side of the pairs must hardly ever be NUL too (a binary file of zeros).
    if (wide >= 0.6 * units && (width === 4 || stray <= 0.05 * units)) return true;
  }
  return false;
}
