/**
 * Where each token sits in the module's own syntax, so its value can be escaped for that place:
 * inside a JS string literal (which quote), a template literal, bare code, a comment, a JSON
 * string, a YAML scalar, HTML text, or plain text. A light lexer, not a parser: it only has to
 * know strings, templates, comments and regular expressions well enough to find the quotes.
 */

export type Language = "js" | "json" | "yaml" | "html" | "text";

export type Context =
  | { kind: "string"; quote: '"' | "'" | "`" }
  | { kind: "code" }
  | { kind: "comment" }
  | { kind: "yaml-double" }
  | { kind: "yaml-single" }
  | { kind: "yaml-scalar" }
  | { kind: "yaml-plain" }
  | { kind: "html" }
  | { kind: "text" };

const JS = /\.(?:[cm]?[jt]sx?|vue|svelte|astro)$/;

/** The language of a module from its id (and, for Vite's `?raw`/`?inline` modules, its code). */
export function languageOf(id: string, code: string): Language {
  const query = id.indexOf("?");
  const file = (query === -1 ? id : id.slice(0, query)).toLowerCase();
  // Vite turns `x.txt?raw` into `export default "…"` before `pre` transforms see it.
  if (query !== -1 && code.startsWith("export default ")) return "js";
  if (JS.test(file)) return "js";
  if (file.endsWith(".json") || file.endsWith(".json5") || file.endsWith(".jsonc")) return "json";
  if (file.endsWith(".yaml") || file.endsWith(".yml")) return "yaml";
  if (file.endsWith(".html") || file.endsWith(".htm")) return "html";
  return "text";
}

/** The context of each token, given the tokens' start and end offsets in source order. */
export function contextsOf(
  code: string,
  language: Language,
  tokens: readonly { start: number; end: number }[],
): Context[] {
  switch (language) {
    case "js":
      return jsContexts(code, tokens, false);
    case "json":
      return jsContexts(code, tokens, true);
    case "yaml":
      return tokens.map((token) => yamlContext(code, token));
    case "html":
      return tokens.map(() => ({ kind: "html" }));
    default:
      return tokens.map(() => ({ kind: "text" }));
  }
}

const REGEX_AFTER = new Set([..."(,=:[!&|?{};+-*%<>~^"]);
const REGEX_KEYWORDS =
  /(?:^|[^\w$])(?:return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/;

type State = "code" | "'" | '"' | "`" | "line" | "block" | "regex";

function jsContexts(
  code: string,
  tokens: readonly { start: number; end: number }[],
  json: boolean,
): Context[] {
  const out: Context[] = [];
  // Each `${` opens a code region that a matching `}` closes back into the template.
  const braces: number[] = [];
  let state: State = "code";
  let inClass = false;
  let last = ""; // last significant code character, to tell a regex from a division
  let next = 0;
  let i = 0;
  while (next < tokens.length) {
    const token = tokens[next]!;
    if (i >= token.start) {
      out.push(contextOfState(state, json));
      i = token.end;
      next++;
      if (state === "code") last = '"';
      continue;
    }
    const c = code[i]!;
    switch (state) {
      case "code":
        if (c === '"' || c === "'" || c === "`") state = c;
        else if (c === "/" && !json) {
          const n = code[i + 1];
          if (n === "/") state = "line";
          else if (n === "*") state = "block";
          else if (
            last === "" ||
            REGEX_AFTER.has(last) ||
            REGEX_KEYWORDS.test(code.slice(Math.max(0, i - 12), i).trimEnd())
          ) {
            state = "regex";
            inClass = false;
          } else last = c;
        } else if (c === "{") {
          if (braces.length > 0) braces[braces.length - 1] = braces.at(-1)! + 1;
          last = c;
        } else if (c === "}") {
          if (braces.length > 0 && braces[braces.length - 1] === 0) {
            braces.pop();
            state = "`";
          } else {
            if (braces.length > 0) braces[braces.length - 1] = braces.at(-1)! - 1;
            last = c;
          }
        } else if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r") last = c;
        break;
      case '"':
      case "'":
        if (c === "\\") i++;
        else if (c === state || c === "\n") {
          state = "code";
          last = '"';
        }
        break;
      case "`":
        if (c === "\\") i++;
        else if (c === "`") {
          state = "code";
          last = '"';
        } else if (c === "$" && code[i + 1] === "{") {
          braces.push(0);
          state = "code";
          last = "{";
          i++;
        }
        break;
      case "line":
        if (c === "\n") state = "code";
        break;
      case "block":
        if (c === "*" && code[i + 1] === "/") {
          state = "code";
          i++;
        }
        break;
      case "regex":
        if (c === "\\") i++;
        else if (c === "[") inClass = true;
        else if (c === "]") inClass = false;
        else if ((c === "/" && !inClass) || c === "\n") {
          state = "code";
          last = ")";
        }
        break;
    }
    i++;
  }
  return out;
}

function contextOfState(state: State, json: boolean): Context {
  switch (state) {
    case '"':
    case "'":
    case "`":
      return { kind: "string", quote: json ? '"' : state };
    case "code":
      return { kind: "code" };
    default:
      // Comments, and regular expressions (a token there is almost surely not meant as a value).
      return { kind: "comment" };
  }
}

function yamlContext(code: string, token: { start: number; end: number }): Context {
  const lineStart = code.lastIndexOf("\n", token.start - 1) + 1;
  const prefix = code.slice(lineStart, token.start);
  let double = false;
  let single = false;
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix[i];
    if (double) {
      if (c === "\\") i++;
      else if (c === '"') double = false;
    } else if (single) {
      if (c === "'") single = false;
    } else if (c === '"') double = true;
    else if (c === "'") single = true;
    else if (c === "#" && (i === 0 || prefix[i - 1] === " " || prefix[i - 1] === "\t")) {
      return { kind: "comment" };
    }
  }
  if (double) return { kind: "yaml-double" };
  if (single) return { kind: "yaml-single" };
  let lineEnd = code.indexOf("\n", token.end);
  if (lineEnd === -1) lineEnd = code.length;
  const rest = code.slice(token.end, lineEnd);
  const whole = /^\s*(?:-\s+)*(?:[^#]*?:\s+)?$/.test(prefix) && /^\s*(?:#.*)?$/.test(rest);
  return whole ? { kind: "yaml-scalar" } : { kind: "yaml-plain" };
}
