/**
 * A value that would rewrite the document it lands in. `s5 render` splices a plaintext as it is
 * (no filter: `raw`, as the Go tool did); in a file whose kind its name tells, a plaintext that
 * would end the string or scalar its token stands in, or begin structure the file does not show,
 * is refused with its place. An explicit filter (`| raw` too) is the author's choice: not judged.
 *
 * Cost: a value is looked at byte by byte against a table; only when one holds a byte that matters
 * to its file's kind is the file followed from its start (once, for all its tokens) to find where
 * each token stands.
 */
import { TokenError, type TokenFailure } from "../errors.ts";
import type { LineIndex } from "../location.ts";
import { bytesAsText, type TokenMatch } from "../scan.ts";
import { envPlaces } from "./env.ts";
import { hclPlaces } from "./hcl.ts";
import { jsonPlaces } from "./json.ts";
import type { DocumentKind, Lexer, Place } from "./places.ts";
import { type Around, breaksPlace } from "./rules.ts";
import {
  controllerDataValues,
  controllerValues,
  isSecretData,
  mentionsS5Secret,
  s5SecretDocuments,
} from "./s5secret.ts";
import { tomlPlaces } from "./toml.ts";
import { yamlPlaces } from "./yaml.ts";

export { DOCUMENT_KINDS, type DocumentKind } from "./places.ts";

/**
 * The kind of a file from its name: `.json`; `.yaml`, `.yml`; `.env`, `.env.*` (`.env.local`) and
 * `*.env` (Docker's `env_file`); HCL: `.tf`, `.tofu`, `.tfvars`, `.hcl`; `.toml`. Other names (and
 * stdin) are not judged.
 */
export function documentKind(name: string): DocumentKind | undefined {
  const base = name
    .slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1)
    .toLowerCase();
  if (base.endsWith(".json")) return "json";
  if (base.endsWith(".yaml") || base.endsWith(".yml")) return "yaml";
  if (base === ".env" || base.startsWith(".env.") || base.endsWith(".env")) return "env";
  if (/\.(?:tf|tofu|tfvars|hcl)$/.test(base)) return "hcl";
  if (base.endsWith(".toml")) return "toml";
  return undefined;
}

const LEXERS: Record<DocumentKind, Lexer> = {
  json: jsonPlaces,
  yaml: yamlPlaces,
  env: envPlaces,
  hcl: hclPlaces,
  toml: tomlPlaces,
};

/** Every ASCII punctuation character but `_`: in an HCL expression's place each may begin code. */
const PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~";
const CONTROLS = String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i));

/** Per kind, for each byte: 1 when it may matter anywhere in a value, 2 when first only (3: below). */
const TABLES: Record<DocumentKind, Uint8Array> = {
  yaml: table("\n\r#:'\"\\,[]{}\xc2\xe2", "-?&*!|>%@`. \t"),
  json: table(`"\\{}[],:/*${String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i))}`, ""),
  env: table("\n\r#'\"`\\\xc2\xe2", " \t"),
  // First: white space a `<<-` heredoc counts as indentation (NBSP, U+2000… begin C2, E1–E3).
  hcl: table(PUNCTUATION + CONTROLS, " \t\v\f\xc2\xe1\xe2\xe3"),
  // First: white space, which alone is no value (`[0,   ]` is `[0]`).
  toml: table(`"'\\#[]{},${CONTROLS}\x7f`, " "),
};

// 3: first or last. In YAML a `#` is a comment only after white space: `k: TOKEN#x` is one scalar,
// and a value that ends with a space would make the file's `#x` a comment (`abc #x` reads `abc`).
for (const char of " \t") TABLES.yaml[char.charCodeAt(0)] = 3;

function table(anywhere: string, first: string): Uint8Array {
  const bytes = new Uint8Array(256);
  for (const char of first) bytes[char.charCodeAt(0)] = 2;
  for (const char of anywhere) bytes[char.charCodeAt(0)] = 1;
  return bytes;
}

/** Whether a value holds a byte that may end or reshape some place of this kind. */
function mayBreak(value: Uint8Array, bytes: Uint8Array): boolean {
  if (value.length > 0 && bytes[value[0]!] !== 0) return true;
  if (value.length > 1 && bytes[value[value.length - 1]!] === 3) return true;
  for (let i = 1; i < value.length; i++) if (bytes[value[i]!] === 1) return true;
  return false;
}

/** The file around a token, for the rules that look past the value. */
function around(text: string, token: TokenMatch): Around {
  let rest = token.end;
  while (rest < text.length && (text[rest] === " " || text[rest] === "\t")) rest++;
  const next = text[rest];
  const restBlank = next === undefined || next === "\n" || next === "\r";
  return {
    before: token.start > 0 ? text[token.start - 1] : undefined,
    after: token.end < text.length ? text[token.end] : undefined,
    next,
    restBlank,
    restComment: restBlank || next === "#",
    continued: () => continuesLine(text, token.start, rest),
  };
}

/**
 * Whether the next line of `text` after the one holding `at` that is not blank is indented deeper
 * (in spaces) than that line, and does not start a comment. `from`: a place on the line past `at`.
 */
function continuesLine(text: string, at: number, from: number): boolean {
  let start = at;
  while (start > 0 && text[start - 1] !== "\n" && text[start - 1] !== "\r") start--;
  let indent = 0;
  while (text[start + indent] === " ") indent++;
  let i = from;
  while (i < text.length && text[i] !== "\n" && text[i] !== "\r") i++;
  for (;;) {
    while (text[i] === "\n" || text[i] === "\r") i++;
    const lineStart = i;
    while (text[i] === " ") i++;
    const spaces = i - lineStart;
    while (text[i] === " " || text[i] === "\t") i++;
    if (i >= text.length) return false;
    if (text[i] === "\n" || text[i] === "\r") continue;
    return text[i] !== "#" && spaces > indent;
  }
}

/** Half of V8's longest string: a larger file is not judged (see docs/decisions.md). */
const LONGEST_TEXT = 2 ** 28;

/** For a YAML place in a document that names an S5Secret: `| yaml` would be wrong there. */
const S5SECRET_HINT =
  "in an S5Secret add no `| yaml` (the s5 controller decrypts each value into the Secret as it is, " +
  "and would keep the quotes `| yaml` adds): write it as `s5 k8s wrap` does — block style, " +
  "`apiVersion: s5.dev/v1alpha1` and `kind: S5Secret` unquoted at the top, each value a one-line " +
  "double-quoted string under `spec.data` or `spec.stringData` — and s5 leaves those values to the " +
  "controller; if this is no S5Secret, `| yaml` fits";

/**
 * `s5 check` of an S5Secret's `spec.data` value that is not base64 once decrypted: the s5
 * controller refuses the whole S5Secret for it (packages/kubernetes, render.ts: the same code).
 */
function dataNotBase64(key: string): TokenError {
  return new TokenError(
    "S5_K8S_DATA_BASE64",
    `the s5 controller will refuse this S5Secret: its spec.data value \`${key}\` is not base64 once decrypted (a Secret's data holds base64)`,
    {
      hint: "under data, write the token as `{{ s5:… | base64 }}` (the Secret then holds the plaintext's bytes), or move the key to stringData",
    },
  );
}

/** `s5 render` of a value the controller decrypts: its plaintext would stand in the S5Secret. */
const S5SECRET_RENDERED = new TokenError(
  "S5_VALUE_CONTEXT",
  "this token is a value of an S5Secret, which the s5 controller decrypts in the cluster: rendered here, its plaintext would stand in the S5Secret itself, which Kubernetes does not guard as it guards a Secret",
  {
    hint: "commit and apply the S5Secret with its tokens; for the Secret it stands for outside the cluster, `s5 k8s unwrap FILE | s5 render - | kubectl apply -f -`",
  },
);

const S5SECRET_SHAPE = new TokenError(
  "S5_VALUE_CONTEXT",
  "this token stands in a document that names an S5Secret (its kind and s5.dev/), in a shape s5 does not read line by line (flow style, JSON, an item of a List…): rendered here, its plaintext could stand in the S5Secret itself, which Kubernetes does not guard as it guards a Secret",
  {
    hint: "commit and apply the S5Secret with its tokens (`s5 k8s wrap` writes the shape s5 reads); for the Secret it stands for outside the cluster, `s5 k8s unwrap FILE | s5 render - | kubectl apply -f -`",
  },
);

function describe(place: Place): { what: string; hint: string } {
  const yamlHint =
    "write the token alone as the value with `| yaml` (a complete double-quoted scalar: " +
    "`key: {{ s5:… | yaml }}`), or use `| base64` and decode it where it is read; " +
    "`| raw` says the splice is meant";
  const envHint =
    "put the token in quotes the value cannot end ('…', \"…\" or `…`), or use `| base64` and decode " +
    "it where it is read, or let `s5 run -f FILE` read the file (it decrypts each value after " +
    "reading it); `| raw` says the splice is meant";
  const commentHint = "move the token out of the comment, or add `| raw` if the splice is meant";
  const hclQuoted = 'put the token in a quoted string with `| hcl` (`"{{ s5:… | hcl }}"`)';
  const tomlJson =
    "add `| json` to the token (it escapes the value for the inside of a basic string: TOML reads JSON's escapes); `| raw` says the splice is meant";
  const tomlQuoted = `\`"{{ s5:… | json }}"\` (\`| json\` escapes the value for it), or \`| base64\` and decode it where it is read; \`| raw\` says the splice is meant`;
  switch (place.kind) {
    case "yaml-plain":
      return {
        what: place.flow
          ? "a YAML plain scalar in a flow collection"
          : "a YAML plain (unquoted) scalar",
        hint: yamlHint,
      };
    case "yaml-single":
      return { what: "a YAML single-quoted scalar", hint: `drop the quotes and ${yamlHint}` };
    case "yaml-double":
      return { what: "a YAML double-quoted scalar", hint: `drop the quotes and ${yamlHint}` };
    case "yaml-block":
      return {
        what: "a YAML block scalar (| or >)",
        hint: `instead of the block, ${yamlHint}`,
      };
    case "yaml-comment":
      return { what: "a YAML comment", hint: commentHint };
    case "json-string":
      if (place.template) {
        return {
          what: "a string of an OpenTofu JSON file (`.tf.json`: a template, where `${` and `%{` run)",
          hint: "add `| hcl` to the token (it escapes quotes, `${` and `%{` with escapes JSON reads too); `| raw` says the splice is meant",
        };
      }
      return {
        what: "a JSON string",
        hint: "add `| json` to the token (it escapes the value for the inside of a JSON string); `| raw` says the splice is meant",
      };
    case "json-bare":
      return {
        what: "a JSON value outside a string",
        hint: 'put the token in a JSON string with `| json` (`"{{ s5:… | json }}"`); `| raw` says the splice is meant',
      };
    case "json-line-comment":
    case "json-block-comment":
      return { what: "a JSON comment", hint: commentHint };
    case "env-unquoted":
      return { what: "an unquoted .env value", hint: envHint };
    case "env-quoted": {
      const quoted = { "'": "single-quoted", '"': "double-quoted", "`": "backquoted" }[place.quote];
      return { what: `a ${quoted} .env value`, hint: envHint };
    }
    case "env-comment":
      return { what: "a .env comment", hint: commentHint };
    case "hcl-string":
      return {
        what: "an HCL quoted string",
        hint: "add `| hcl` to the token (it escapes the value for the inside of an HCL quoted string: quotes, backslashes, line breaks, `${` and `%{`); `| raw` says the splice is meant",
      };
    case "hcl-heredoc":
      return {
        what: "an HCL heredoc",
        hint: `${hclQuoted} instead of the heredoc, or use \`| base64\` and decode it where it is read (\`base64decode(…)\`); \`| raw\` says the splice is meant`,
      };
    case "hcl-bare":
      return {
        what: "an HCL expression (where only a literal value may go)",
        hint: `${hclQuoted}; \`| raw\` says the splice is meant`,
      };
    case "hcl-line-comment":
    case "hcl-block-comment":
    case "hcl-unjudged": // told by `misplaced`
      return { what: "an HCL comment", hint: commentHint };
    case "toml-basic":
      return { what: "a TOML basic string", hint: tomlJson };
    case "toml-literal":
      return { what: "a TOML literal string", hint: `use a basic string: ${tomlQuoted}` };
    case "toml-multiline":
      return {
        what:
          place.quote === '"'
            ? "a TOML multi-line basic string"
            : "a TOML multi-line literal string",
        hint: `use a basic string: ${tomlQuoted}`,
      };
    case "toml-bare":
      return { what: "a TOML value", hint: `put the token in a basic string: ${tomlQuoted}` };
    case "toml-comment":
      return { what: "a TOML comment", hint: commentHint };
  }
}

/**
 * The failure of a token refused for its place. It names the place and what to do, never the
 * value nor which of its characters decided: the refusal itself tells that the plaintext holds one
 * of the characters this kind of place cannot take, and no more.
 */
function misplaced(place: Place, s5secret = false): TokenError {
  if (place.kind === "hcl-unjudged") {
    return new TokenError(
      "S5_VALUE_CONTEXT",
      "this token's place in an HCL heredoc could not be judged: the file holds more heredoc text around its tokens than s5 reads for its size (many tokens on long lines)",
      {
        hint: 'add `| hcl` and put the token in a quoted string (`"{{ s5:… | hcl }}"`), or use `| base64` and decode it where it is read; `| raw` says the splice is meant',
      },
    );
  }
  const { what, hint: usual } = describe(place);
  const hint = s5secret && place.kind.startsWith("yaml-") ? S5SECRET_HINT : usual;
  return new TokenError(
    "S5_VALUE_CONTEXT",
    `this token's plaintext would break out of ${what} it stands in (end it, or add structure the file does not show)`,
    { hint },
  );
}

/** Whether `content` holds `word` (ASCII), without copying a byte source into a string. */
function holds(content: string | Uint8Array, word: string): boolean {
  if (typeof content === "string") return content.includes(word);
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength).includes(word);
}

/**
 * Judges the unfiltered values of one source by where their tokens stand: each refused value is
 * reported in `failures` and becomes `undefined` in `values` (kept as its token with
 * `keepFailed`). `given`: the kind of every source (`text`: none is judged); else from its name,
 * and sources whose name tells no kind are not judged.
 *
 * In YAML, the values an s5 controller decrypts one by one (an S5Secret's `spec.data` and
 * `spec.stringData`, see `s5secret.ts`) are never spliced into YAML by it: `check` does not judge
 * them, and `render` refuses every one of them, filtered or not — spliced here, the plaintext
 * would stand in the S5Secret. `read` (git's textconv: output a person reads) judges them as
 * any other value.
 */
export function checkPlaces(
  source: { name: string; content: string | Uint8Array },
  tokens: readonly TokenMatch[],
  values: (Uint8Array | undefined)[],
  lines: () => LineIndex,
  failures: TokenFailure[],
  given?: DocumentKind | "text",
  purpose: "render" | "check" | "read" = "render",
): void {
  const kind = given === "text" ? undefined : (given ?? documentKind(source.name));
  if (kind === undefined || source.content.length > LONGEST_TEXT) return;
  const bytes = TABLES[kind];
  // OpenTofu's JSON syntax reads every string of a `.tf.json` as a template.
  const templated = kind === "json" && /\.(?:tf|tofu)\.json$/i.test(source.name);
  let places: (Place | undefined)[] | undefined;
  let text: string | undefined;
  const asText = () =>
    (text ??= typeof source.content === "string" ? source.content : bytesAsText(source.content));
  // Told once per source, and only for YAML that names the kind at all.
  let controlled: boolean[] | undefined | null = null;
  const byController = (j: number) => {
    if (kind !== "yaml") return false;
    if (controlled === null) {
      controlled = holds(source.content, "S5Secret")
        ? controllerValues(asText(), tokens)
        : undefined;
    }
    return controlled?.[j] === true;
  };
  // Any other shape of a YAML document or JSON file that names an S5Secret (s5SecretDocuments).
  let named: ((at: number) => boolean) | undefined;
  const inS5Secret = (j: number) => {
    if (kind !== "yaml" && kind !== "json") return false;
    named ??= holds(source.content, "S5Secret")
      ? s5SecretDocuments(asText(), kind === "json")
      : () => false;
    return named(tokens[j]!.start);
  };
  // Most sources never name the kind: then neither check is called once per token (a function
  // called for each of 1000 tokens is one more that V8 compiles).
  const mayBeS5Secret =
    purpose === "render" &&
    (kind === "yaml" || kind === "json") &&
    holds(source.content, "S5Secret");
  for (let j = 0; j < tokens.length; j++) {
    const value = values[j];
    const token = tokens[j]!;
    if (value === undefined) continue;
    if (mayBeS5Secret && byController(j)) {
      failures.push({ location: lines().locate(token.start), error: S5SECRET_RENDERED });
      values[j] = undefined;
      continue;
    }
    if (mayBeS5Secret && inS5Secret(j)) {
      failures.push({ location: lines().locate(token.start), error: S5SECRET_SHAPE });
      values[j] = undefined;
      continue;
    }
    if (token.filters.length > 0) continue;
    // An empty value is looked at where a list may take it: `[0, ]` drops an element (HCL, TOML,
    // a YAML flow sequence).
    if (!mayBreak(value, bytes) && !(value.length === 0 && kind !== "json" && kind !== "env"))
      continue;
    places ??= LEXERS[kind](asText(), tokens);
    const found = places[j];
    if (found === undefined) continue;
    const place = templated && found.kind === "json-string" ? { ...found, template: true } : found;
    const plaintext = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString(
      "latin1",
    );
    if (!breaksPlace(place, plaintext, around(asText(), token))) continue;
    if (purpose === "check" && byController(j)) continue;
    const s5secret = kind === "yaml" && mentionsS5Secret(asText(), token.start);
    failures.push({ location: lines().locate(token.start), error: misplaced(place, s5secret) });
    values[j] = undefined;
  }
  if (purpose === "check" && kind === "yaml" && holds(source.content, "S5Secret")) {
    dataValues(asText(), tokens, values, (j, error) =>
      failures.push({ location: lines().locate(tokens[j]!.start), error }),
    );
  }
}

/**
 * Judges an S5Secret's `spec.data` values as the s5 controller will: each whole value (the text
 * around its tokens too) must be base64 once decrypted. A value with a token not decrypted here,
 * or text not read here (see `controllerDataValues`), is not judged. A second reading of the
 * file's lines, only for YAML that names `S5Secret`.
 */
function dataValues(
  text: string,
  tokens: readonly TokenMatch[],
  values: readonly (Uint8Array | undefined)[],
  refuse: (first: number, error: TokenError) => void,
): void {
  next: for (const { key, first, pieces } of controllerDataValues(text, tokens)) {
    if (!pieces) continue;
    let rendered = "";
    for (const piece of pieces) {
      if (typeof piece === "string") {
        rendered += piece;
        continue;
      }
      const value = values[piece];
      if (value === undefined) continue next;
      // Latin-1: a byte past ASCII is no base64 either way, and each byte stays one character.
      rendered += Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("latin1");
    }
    if (!isSecretData(rendered)) refuse(first, dataNotBase64(key));
  }
}
