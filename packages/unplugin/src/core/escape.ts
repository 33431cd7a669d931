/**
 * Writes a plaintext into its context so it stays the same value there: a quote, backslash,
 * newline or `${` in a secret cannot end a string literal or start code.
 */
import { TokenError } from "@s5/core";
import { applyFilter } from "@s5/core/internal";
import type { Context } from "./syntax.ts";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function asText(value: Uint8Array): string {
  try {
    return decoder.decode(value);
  } catch {
    throw new TokenError("S5_TOKEN_FILTER", "this plaintext is binary and cannot go into text", {
      hint: "add `| base64` to the token and decode it in code",
    });
  }
}

/** The inside of a JavaScript string literal delimited by `quote`. */
export function jsStringInside(value: string, quote: '"' | "'" | "`"): string {
  let out = JSON.stringify(value)
    .slice(1, -1)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  if (quote === "'") out = out.replace(/'/g, "\\'");
  // Every `$` is escaped in a template, so a value ending in `$` cannot join a `{` after it.
  else if (quote === "`") out = out.replace(/`/g, "\\`").replace(/\$/g, "\\$");
  return out;
}

export function htmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What replaces a token: its filtered value, escaped for the context it is in. */
export function encodeFor(context: Context, value: Uint8Array, filters: readonly string[]): string {
  const lastFilter = filters[filters.length - 1];
  // `raw`, `json`, `yaml` and `shell` say how the value is written: the author chose.
  if (lastFilter !== undefined && lastFilter !== "base64") return asText(value);
  const text = asText(value);
  switch (context.kind) {
    case "string":
      return jsStringInside(text, context.quote);
    case "code":
      return JSON.stringify(text)
        .replace(/\u2028/g, "\\u2028")
        .replace(/\u2029/g, "\\u2029");
    case "yaml-double":
      return asText(applyFilter("yaml", value)).slice(1, -1);
    case "yaml-scalar":
      return asText(applyFilter("yaml", value));
    case "yaml-single":
      if (/[\r\n]/.test(text)) throw unsafe("a single-quoted YAML string", "double quotes");
      return text.replace(/'/g, "''");
    case "yaml-plain":
      if (/[\r\n]|: | #|^\s|\s$/.test(text))
        throw unsafe("this unquoted YAML value", "double quotes");
      return text;
    case "html":
      return htmlText(text);
    default:
      return text;
  }
}

function unsafe(where: string, fix: string): TokenError {
  return new TokenError("S5_TOKEN_FILTER", `the plaintext cannot be written safely into ${where}`, {
    hint: `put the token in ${fix}, or add \`| raw\` if you really want it as is`,
  });
}
