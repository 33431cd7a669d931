/**
 * What HCL places cannot take (values viewed one character per byte, as in `rules.ts`). In a
 * template (a quoted string or a heredoc) `${` and `%{` begin code: a plaintext holding
 * `${file("/etc/shadow")}` would run in a `.tf`, and breaks a `.tfvars` (no interpolation there).
 */
import type { Place } from "./places.ts";
import type { Around } from "./rules.ts";
import { withoutTrailingBreaks } from "./rules.ts";
import { goIndent, goTrim, unicodeText } from "./unicode.ts";

/**
 * Whether `value` begins an interpolation or directive in a template, or makes one with the file's
 * text next to it: `$` or `%` last before the file's `{` (or before its `${`, which then reads as
 * the escape `$${` and the file's own interpolation as text), `{` first after the file's `$`/`%`.
 */
function changesTemplate(value: string, before: string, after: string): boolean {
  if (/[$%]\{/.test(value)) return true;
  if (value.startsWith("{") && (before === "$" || before === "%")) return true;
  const last = value.at(-1);
  return (last === "$" || last === "%") && (after.startsWith("{") || after === `${last}{`);
}

/** Whether the heredoc's lines, with `value` in them, would end it early or flush differently. */
function changesHeredoc(place: Extract<Place, { kind: "hcl-heredoc" }>, value: string): boolean {
  const text = place.lead + value + place.rest;
  // A carriage return alone is no line break to HCL, and not allowed in a heredoc.
  if (/\r(?!\n)/.test(`${text}\n`)) return true;
  const lines = unicodeText(text).split("\n");
  if (lines.some((line) => goTrim(line) === place.marker)) return true;
  if (!place.flush) return false;
  // `<<-`: the least indentation of the lines is cut from all of them; it must stay the same.
  let least = place.flush.others;
  for (const line of lines) {
    const indent = goIndent(line);
    if (indent < line.length) least = Math.min(least, indent);
  }
  return least !== place.flush.least;
}

/** An HCL literal value: a number, `true`, `false`, `null`. */
const HCL_LITERAL = /^[ \t]*(?:-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null)[ \t]*$/;

/**
 * Whether `value` is one literal value by itself: an HCL literal, or a JSON value (HCL reads JSON's
 * objects, arrays and strings as its own) whose strings begin no interpolation. Anything else in
 * an expression's place is code: `var.x`, `file("…")`.
 */
function isLiteral(value: string): boolean {
  if (HCL_LITERAL.test(value)) return true;
  if (/[$%]\{/.test(value)) return false;
  // JSON's white space that HCL's is not: a CR alone, a line break before or after the value.
  if (/\r(?!\n)|^[ \t]*[\n\r]|[\n\r][ \t]*$/.test(value)) return false;
  try {
    JSON.parse(Buffer.from(value, "latin1").toString("utf8"));
    return true;
  } catch {
    return false;
  }
}

export function breaksHcl(place: Place, value: string, around: Around): boolean {
  switch (place.kind) {
    case "hcl-string":
      return /["\\\n\r]/.test(value) || changesTemplate(value, place.before, place.after);
    case "hcl-heredoc":
      return (
        changesTemplate(value, place.lead.at(-1) ?? "", place.rest.slice(0, 2)) ||
        changesHeredoc(place, value)
      );
    case "hcl-line-comment": {
      // The line comment ends at LF (a CR alone is text to HCL): only breaks it ends with pass.
      if (!value.includes("\n")) return false;
      return withoutTrailingBreaks(value, around.restBlank) === undefined;
    }
    case "hcl-block-comment":
      return (
        value.includes("*/") ||
        (value.endsWith("*") && around.after === "/") ||
        (value.startsWith("/") && around.before === "*")
      );
    case "hcl-bare": {
      // `port = 8080\n` (a secret file's last newline): the rest of the line moves down unchanged.
      const kept = /[\n\r]/.test(value) ? withoutTrailingBreaks(value, around.restComment) : value;
      return !isLiteral(kept ?? value);
    }
    default:
      return false;
  }
}
