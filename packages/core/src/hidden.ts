/**
 * Characters a terminal does not show as themselves: controls (which move the cursor),
 * bidirectional controls (which reorder the text around them, as in "Trojan Source"), format
 * characters, and every character Unicode says may be ignored when shown (zero-width spaces,
 * variation selectors, tag characters, Hangul fillers), plus the blank braille pattern; and lone
 * surrogates, which are no character at all. Recipient names cannot hold them; a name, key or file
 * name that is shown has them escaped, so two names cannot look alike and a name cannot forge a
 * line.
 */
const HIDDEN =
  "[\\p{Cc}\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}\\p{Default_Ignorable_Code_Point}\\u2800\\u115f\\u1160\\u3164\\uffa0]";
/**
 * Made on first use, and printable ASCII (which holds none of them) is told apart first: V8 reads
 * Unicode's tables for a `\p{…}` class when it creates the expression (~6 million instructions,
 * counted with callgrind: a tenth of what `s5/config` adds to a start), and names, keys and file
 * names are nearly always ASCII.
 */
let hidden: RegExp | undefined;
let eachHidden: RegExp | undefined;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Whether a name can be shown as it is: no hidden character and no lone surrogate. */
export function isShowable(text: string): boolean {
  if (PRINTABLE_ASCII.test(text)) return true;
  hidden ??= new RegExp(HIDDEN, "u");
  return !hidden.test(text);
}

/**
 * JSON as a terminal should show it: `JSON.stringify`'s text with each hidden character it leaves
 * raw (DEL, C1 controls such as CSI U+009B, bidirectional controls, U+2028…) as a JSON escape —
 * the same value to a parser. C0 controls in strings JSON escapes itself; outside them it writes
 * only its own line breaks and spaces.
 */
export function showableJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  if (/^[\x00-\x7e]*$/.test(text)) return text;
  eachHidden ??= new RegExp(HIDDEN, "gu");
  return text.replace(eachHidden, (c) =>
    c.charCodeAt(0) < 0x7f
      ? c
      : Array.from(
          { length: c.length },
          (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`,
        ).join(""),
  );
}

/** Text as a terminal should show it: each hidden character as `\uXXXX` (or `\u{XXXXX}`). */
export function showable(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return text;
  eachHidden ??= new RegExp(HIDDEN, "gu");
  return text.replace(eachHidden, (c) => {
    const code = c.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
