/**
 * A heuristic for plaintext secrets left beside tokens (`s5 check`): values of secret-sounding keys,
 * well-known credential formats, and long high-entropy strings. A line holding `s5:ignore` (in a
 * comment) is skipped.
 */

export interface SuspectSecret {
  /** 0-based offset of the value in the text. */
  offset: number;
  reason: string;
}

const ASSIGNMENT = /^\s*(?:export\s+|-\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*(.*?)\s*,?\s*$/;
const SECRET_NAME =
  /(pass(word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential|auth)/i;
const KNOWN = [
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, name: "a private key" },
  { pattern: /\bAKIA[0-9A-Z]{16}\b/, name: "an AWS access key id" },
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, name: "a GitHub token" },
  { pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/, name: "a Slack token" },
  { pattern: /\bsk_(live|test)_[A-Za-z0-9]{16,}/, name: "a Stripe key" },
  { pattern: /\bhvs\.[A-Za-z0-9_-]{20,}/, name: "a Vault token" },
  { pattern: /S5-SECRET-KEY-[A-Za-z0-9_-]{43}/, name: "an s5 secret key" },
];
const PLACEHOLDER =
  /^(\$\{.*\}|\$[A-Z_]+|<.*>|\{\{.*\}\}|%\(.*\)s|changeme|change-me|example|xxx+|\*+|null|none|true|false|~|)$/i;

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  const length = [...value].length;
  for (const count of counts.values()) {
    const p = count / length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function classes(value: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(value)).length;
}

function unquote(value: string): string {
  const first = value[0];
  if ((first === '"' || first === "'") && value.endsWith(first) && value.length >= 2)
    return value.slice(1, -1);
  return value.replace(/\s+#.*$/, "");
}

/** Lines of `text` that look like they hold an unencrypted secret. */
export function findSuspectSecrets(text: string): SuspectSecret[] {
  const found: SuspectSecret[] = [];
  let offset = 0;
  for (const line of text.split("\n")) {
    const lineStart = offset;
    offset += line.length + 1;
    if (line.includes("s5:ignore") || line.includes("{{")) continue;
    const known = KNOWN.find(({ pattern }) => pattern.test(line));
    if (known) {
      found.push({
        offset: lineStart + (known.pattern.exec(line)?.index ?? 0),
        reason: `looks like ${known.name}`,
      });
      continue;
    }
    const match = ASSIGNMENT.exec(line);
    if (!match) continue;
    const [, name = "", raw = ""] = match;
    const value = unquote(raw.trim());
    if (PLACEHOLDER.test(value) || /^[|>][-+]?$/.test(value)) continue;
    const at = lineStart + line.indexOf(raw);
    if (
      SECRET_NAME.test(name) &&
      value.length >= 6 &&
      !/^[a-z]+$/.test(value) &&
      !value.includes(" ")
    ) {
      found.push({ offset: at, reason: `\`${name}\` holds a plaintext value` });
    } else if (
      value.length >= 20 &&
      !value.includes(" ") &&
      classes(value) >= 3 &&
      entropy(value) >= 4
    ) {
      found.push({ offset: at, reason: `\`${name}\` holds a long random-looking value` });
    }
  }
  return found;
}
