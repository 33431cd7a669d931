/**
 * Escaping filters: `{{ s5:… | NAME }}` says where the plaintext lands, so a secret with quotes,
 * backslashes or newlines cannot break the file around it. Several filters apply left to right.
 */
import { TokenError } from "./errors.ts";
import { closest } from "./suggest.ts";
import { upgradeHint } from "./version.ts";

export type FilterName = "raw" | "json" | "yaml" | "hcl" | "base64" | "shell";

export const filterNames: readonly FilterName[] = ["raw", "json", "yaml", "hcl", "base64", "shell"];

// ignoreBOM: a leading byte-order mark is part of the value, as `raw` and `base64` keep it.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

function text(value: Uint8Array, filter: FilterName): string {
  try {
    return decoder.decode(value);
  } catch {
    throw new TokenError(
      "S5_TOKEN_FILTER",
      `the \`${filter}\` filter needs UTF-8 text, and this plaintext is binary`,
      { hint: "use `| base64` for binary secrets" },
    );
  }
}

/** Escapes for the inside of a double-quoted JSON (or JavaScript) string, without the quotes. */
function jsonInside(value: string): string {
  return JSON.stringify(value)
    .slice(1, -1)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * A complete double-quoted YAML scalar. YAML's double-quoted style reads JSON escapes; characters
 * YAML does not allow raw (C0/C1 controls, DEL, BOM, line and paragraph separators) are escaped.
 */
function yamlScalar(value: string): string {
  const inside = jsonInside(value).replace(
    /[\u007f-\u009f\ufeff\ufffe\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `"${inside}"`;
}

/**
 * Escapes for the inside of an HCL quoted string (OpenTofu/Terraform, without the quotes): `\`,
 * `"` and control characters as HCL's escapes, `${` and `%{` doubled (`$${`, `%%{`) so they stay
 * text, and a `$` or `%` at the end as `\u0024`/`\u0025` and a `{` at the start as `\u007b` so that
 * the file's text next to the token (`$` before it, `{` after it) cannot complete one.
 */
function hclInside(value: string): string {
  const escaped = value.replace(/[\\"\x00-\x1f]/g, (char) => {
    const named: Record<string, string> = {
      "\\": "\\\\",
      '"': '\\"',
      "\n": "\\n",
      "\r": "\\r",
      "\t": "\\t",
    };
    return named[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return escaped
    .replace(/([$%])\{/g, (_, sign: string) => `${sign}${sign}{`)
    .replace(/[$%]$/, (sign) => (sign === "$" ? "\\u0024" : "\\u0025"))
    .replace(/^\{/, "\\u007b");
}

/** A POSIX shell word: single quotes, with embedded single quotes closed and reopened. */
function shellWord(value: string): string {
  if (value.includes("\0")) {
    throw new TokenError("S5_TOKEN_FILTER", "the `shell` filter cannot carry a NUL character", {
      hint: "use `| base64` and decode in the script",
    });
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function isFilterName(name: string): name is FilterName {
  return (filterNames as readonly string[]).includes(name);
}

/** Applies one filter to a plaintext. Throws {@link TokenError} for names it does not know. */
export function applyFilter(name: string, value: Uint8Array): Uint8Array {
  switch (name) {
    case "raw":
      return value;
    case "base64":
      return encoder.encode(Buffer.from(value).toString("base64"));
    case "json":
      return encoder.encode(jsonInside(text(value, name)));
    case "yaml":
      return encoder.encode(yamlScalar(text(value, name)));
    case "hcl":
      return encoder.encode(hclInside(text(value, name)));
    case "shell":
      return encoder.encode(shellWord(text(value, name)));
    default:
      throw unknownFilter(name);
  }
}

/**
 * A filter this s5 does not have. Never applied as another (as `raw`, say): a newer s5's filter
 * escapes for a place this one knows nothing of. A near typo is named; otherwise a newer s5 may
 * have written it.
 */
export function unknownFilter(name: string): TokenError {
  const near = closest(name, filterNames);
  return new TokenError("S5_TOKEN_FILTER", `unknown filter \`${name}\``, {
    hint: near
      ? `did you mean \`${near}\`? filters are: ${filterNames.join(", ")}`
      : `filters are: ${filterNames.join(", ")}; a token a newer s5 wrote with another needs it: ${upgradeHint()}`,
  });
}

/** Applies filters left to right. */
export function applyFilters(names: readonly string[], value: Uint8Array): Uint8Array {
  let out = value;
  for (const name of names) out = applyFilter(name, out);
  return out;
}
