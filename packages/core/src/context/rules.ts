/**
 * What each place cannot take: a plaintext (viewed as latin1, one character per byte) spliced there
 * as it is would end the string or scalar it stands in, or begin structure the file does not show.
 * Only values the place would read back whole and alone pass.
 */
import { breaksHcl } from "./hcl-rules.ts";
import type { Place } from "./places.ts";
import { breaksToml } from "./toml-rules.ts";

/**
 * Line breaks as YAML 1.1 readers (PyYAML, Go's yaml.v2) count them: LF, CR, NEL (C2 85), LS and PS
 * (E2 80 A8/A9) in UTF-8. YAML 1.2 counts LF and CR only; a value is judged by the stricter.
 */
const YAML_BREAK = /[\n\r]|\xc2\x85|\xe2\x80[\xa8\xa9]/;
const JSON_STRING_BAD = /["\\\x00-\x1f]/;
/** What a flow collection's plain scalar cannot hold, besides what any plain scalar cannot. */
const FLOW_INDICATORS = /[,[\]{}]/;
/** Characters that begin something else than a plain scalar (YAML's indicators). */
const YAML_START = /^[,[\]{}#&*!|>'"%@`]|^[-?:](?:[ \t]|$)/;

const isBlankChar = (char: string | undefined) => char === " " || char === "\t";

/** The file around a token: the characters next to it, and what follows it on its line. */
export interface Around {
  /** The character before the token (undefined at the file's start). */
  before: string | undefined;
  /** The character after the token (undefined at the file's end). */
  after: string | undefined;
  /** The first character after the token that is not a space or tab (undefined: the file's end). */
  next: string | undefined;
  /** Only white space follows the token on its line. */
  restBlank: boolean;
  /** Only white space, then a `#` comment, or nothing, follows the token on its line. */
  restComment: boolean;
  /**
   * Whether the file's next line that is not blank is indented deeper than the token's line and
   * is no comment: in YAML it continues a plain scalar there. Asked only when needed (it reads
   * past the token's line).
   */
  continued: () => boolean;
}

/**
 * The value without the line breaks (and white space) it ends with, when only those follow its
 * first line break, and the file's rest of the line may move to a line of its own unchanged
 * (nothing, or a comment where `#` starts one): `abc\n` (a secret file's last newline) stays
 * whole in a plain scalar. Otherwise undefined.
 */
export function withoutTrailingBreaks(value: string, restFits: boolean): string | undefined {
  const first = value.search(/[\n\r]/);
  if (first === -1 || !restFits || !/^[ \t\n\r]*$/.test(value.slice(first))) return undefined;
  return value.slice(0, first);
}

/** Whether a YAML plain scalar would end or change shape with `value` in it. */
function breaksPlain(
  place: Extract<Place, { kind: "yaml-plain" }>,
  whole: string,
  around: Around,
): boolean {
  let value = whole;
  let { before, after } = around;
  // Alone between a flow collection's separators, a blank value is no element: `[a, ]` is `[a]`.
  if (
    place.flow &&
    place.atStart &&
    /^[ \t]*$/.test(value) &&
    /^[,\]}\n\r]?$/.test(around.next ?? "")
  )
    return true;
  if (YAML_BREAK.test(value)) {
    const kept = place.flow ? undefined : withoutTrailingBreaks(value, around.restComment);
    if (kept === undefined || YAML_BREAK.test(kept)) return true;
    // `k: TOKEN` above `  more`: the kept break would join the lines with a line break, not a space.
    if (around.continued()) return true;
    value = kept;
    after = "\n";
  }
  // `: ` makes a key; ` #` a comment (`#` first, after white space, too).
  if (/:[ \t]|[ \t]#/.test(value)) return true;
  if (
    value.endsWith(":") &&
    (after === undefined || isBlankChar(after) || after === "\n" || after === "\r")
  )
    return true;
  if (/[ \t]$/.test(value) && after === "#") return true;
  if (value.startsWith("#") && (before === undefined || isBlankChar(before) || before === "\n"))
    return true;
  if (place.flow) {
    if (FLOW_INDICATORS.test(value)) return true;
    if (value.endsWith(":") && after !== undefined && /[,[\]{}]/.test(after)) return true;
  }
  if (place.atStart) {
    const head = value.replace(/^[ \t]+/, "");
    if (YAML_START.test(head)) return true;
    if (place.column0 && /^(?:---|\.\.\.)(?:[ \t]|$)/.test(value)) return true;
  }
  return false;
}

/** Whether a comment would end with `value` in it (a line break, but those it ends with). */
function breaksComment(value: string, restBlank: boolean): boolean {
  if (!YAML_BREAK.test(value)) return false;
  const kept = withoutTrailingBreaks(value, restBlank);
  return kept === undefined || YAML_BREAK.test(kept);
}

/** Whether a line of `value` after its first would leave a block scalar indented by `indent`. */
function leavesBlock(value: string, indent: number): boolean {
  const lines = value.split(YAML_BREAK_SPLIT);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^ *$/.test(line)) continue; // an empty line stays in the block
    let spaces = 0;
    while (line.charCodeAt(spaces) === 0x20) spaces++;
    if (spaces < indent) return true;
  }
  return false;
}
const YAML_BREAK_SPLIT = /\r\n|[\n\r]|\xc2\x85|\xe2\x80[\xa8\xa9]/;

/** Whether `value` is one JSON value by itself (then it cannot reach past its place). */
function isJsonValue(value: string): boolean {
  try {
    JSON.parse(Buffer.from(value, "latin1").toString("utf8"));
    return true;
  } catch {
    return false;
  }
}

/** Whether `value`, spliced at `place`, would end what it stands in or add structure. */
export function breaksPlace(place: Place, value: string, around: Around): boolean {
  switch (place.kind) {
    case "yaml-plain":
      return breaksPlain(place, value, around);
    case "yaml-single":
      return value.includes("'") || YAML_BREAK.test(value);
    case "yaml-double":
      return /["\\]/.test(value) || YAML_BREAK.test(value);
    case "yaml-block":
      return leavesBlock(value, place.indent);
    case "yaml-comment":
    case "env-comment":
      // dotenv's `.` ends a comment at LS and PS too.
      return breaksComment(value, around.restComment);
    case "json-line-comment":
      // The rest of the line would leave the comment.
      return breaksComment(value, around.restBlank);
    case "json-block-comment":
      return value.includes("*/");
    case "json-string":
      if (JSON_STRING_BAD.test(value)) return true;
      // In a template: an interpolation or directive, or the file's `$`/`%` made one by a `{`.
      return (
        place.template === true &&
        (/[$%]\{/.test(value) ||
          (value.startsWith("{") && (around.before === "$" || around.before === "%")))
      );
    case "json-bare":
      return /["{}[\],:/]/.test(value) && !isJsonValue(value);
    case "env-unquoted": {
      if (value.includes("#")) return true;
      if (/[\n\r]/.test(value)) {
        const kept = withoutTrailingBreaks(value, around.restComment);
        if (kept === undefined || /[\n\r]/.test(kept)) return true;
      }
      return place.atStart && /^[ \t]*['"`]/.test(value);
    }
    case "env-quoted":
      return value.includes(place.quote) || (place.beforeClose && value.endsWith("\\"));
    case "hcl-string":
    case "hcl-heredoc":
    case "hcl-bare":
    case "hcl-line-comment":
    case "hcl-block-comment":
      return breaksHcl(place, value, around);
    case "hcl-unjudged":
      return true;
    case "toml-basic":
    case "toml-literal":
    case "toml-multiline":
    case "toml-bare":
    case "toml-comment":
      return breaksToml(place, value, around);
  }
}
