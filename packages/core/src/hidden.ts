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
  /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800\u115f\u1160\u3164\uffa0]/u;
const EACH_HIDDEN = new RegExp(HIDDEN.source, "gu");

/** Whether a name can be shown as it is: no hidden character and no lone surrogate. */
export function isShowable(text: string): boolean {
  return !HIDDEN.test(text);
}

/** Text as a terminal should show it: each hidden character as `\uXXXX` (or `\u{XXXXX}`). */
export function showable(text: string): string {
  return text.replace(EACH_HIDDEN, (c) => {
    const code = c.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
