/**
 * Characters a terminal does not show as themselves: C0 and C1 controls (which move the cursor),
 * bidirectional controls (which reorder the text around them, as in "Trojan Source"), and
 * invisible format characters and fillers (which make two names look alike). Recipient names
 * cannot hold them; a name or key that is shown has them escaped.
 */
export const HIDDEN_CHARACTER =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: combining marks are found alone, on purpose
  /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]/;

const LONE_SURROGATE =
  "[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]";
const HIDDEN_OR_LONE = new RegExp(`${HIDDEN_CHARACTER.source}|${LONE_SURROGATE}`);
const EACH_HIDDEN_OR_LONE = new RegExp(HIDDEN_OR_LONE.source, "g");

/** Whether a name can be shown as it is: no hidden character and no lone surrogate. */
export function isShowable(text: string): boolean {
  return !HIDDEN_OR_LONE.test(text);
}

/** Text as a terminal should show it: each hidden character or lone surrogate as `\uXXXX`. */
export function showable(text: string): string {
  return text.replace(
    EACH_HIDDEN_OR_LONE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
