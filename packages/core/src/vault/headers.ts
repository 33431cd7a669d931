/**
 * `VAULT_HEADERS` (`BAO_HEADERS` first): headers sent with every request, as the Vault CLI sends
 * them — for a gateway in front of Vault (Cloudflare Access' service token, an identity-aware
 * proxy, an API gateway's key). A JSON object of strings; `X-Vault-*` stays s5's own (the token,
 * the namespace), as in the CLI. The values are credentials as often as not: never shown.
 */
import { ConfigError } from "../errors.ts";

/** Headers that say how the message is framed or routed: Node and s5 set them. */
const FRAMING =
  /^(?:host|content-length|content-type|transfer-encoding|connection|keep-alive|upgrade|te|trailer|expect|proxy-connection)$/i;
/** RFC 9110's token: a header name. */
const NAME = /^[!#$%&'*+.^_`|~\w-]+$/;
/** A field value: visible characters, spaces and tabs (no line break that would end it). */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function refused(name: string, what: string, hint: string): ConfigError {
  return new ConfigError("S5_CONFIG_VAULT_HEADERS", `${name} ${what}`, { hint });
}

/** The headers of `VAULT_HEADERS`, checked; `{}` when it is unset. */
export function readHeaders(value: string | undefined, name: string): Record<string, string> {
  if (!value) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // reported below, without the value
  }
  const example = `${name}='{"CF-Access-Client-Id": "…", "CF-Access-Client-Secret": "…"}'`;
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw refused(name, "is not a JSON object (not shown)", `headers look like ${example}`);
  }
  const headers: Record<string, string> = {};
  for (const [header, text] of Object.entries(parsed)) {
    // A name is shown only when it is a header name: a value pasted in its place is not.
    const shown = NAME.test(header) && header.length <= 64 ? `"${header}"` : "(not shown)";
    if (!NAME.test(header)) {
      throw refused(
        name,
        `holds a header name that is not one ${shown}`,
        `headers look like ${example}`,
      );
    }
    if (/^x-vault-/i.test(header)) {
      throw refused(
        name,
        `sets ${shown}, which is Vault's own`,
        "the token goes in VAULT_TOKEN (or a login method), the namespace in VAULT_NAMESPACE",
      );
    }
    if (FRAMING.test(header)) {
      throw refused(name, `sets ${shown}, which s5 sets itself`, `remove ${shown} from ${name}`);
    }
    if (typeof text !== "string" || !VALUE.test(text)) {
      throw refused(
        name,
        `gives ${shown} a value that is not one line of text (not shown)`,
        `each value is a JSON string without line breaks: ${example}`,
      );
    }
    headers[header] = text;
  }
  return headers;
}
