/**
 * A heuristic for plaintext secrets left beside tokens (`s5 check`): values of secret-sounding keys,
 * well-known credential formats, and long high-entropy strings — also on lines that hold tokens,
 * where what is left around the tokens is checked (a half-encrypted value leaves its tail there).
 * A line holding `s5:ignore` (in a comment) is skipped.
 */
import { SECRET_PREFIX } from "./local/encoding.ts";
import { scan } from "./scan.ts";

/**
 * Decrypted values shorter than this are not replaced in a child's output (`s5 run --redact`, the
 * loader's `Redactor`): `1` or `on` would mangle every line.
 */
export const MIN_REDACTED_LENGTH = 4;

/** What stands for a token in a line being checked: never part of a secret. */
const HOLE = "\u0000";

export interface SuspectSecret {
  /** 0-based offset of the value in the text. */
  offset: number;
  reason: string;
}

/**
 * `key: value` or `KEY=value` at the start of a line; the value is trimmed by {@link assignment}.
 * Not `(.*?)\s*,?\s*$` in the expression: each lazy step tried every split of the trailing
 * space between the two `\s*`, and `k: a`, 5,000 spaces, `b` beside a token took 86 s.
 */
const ASSIGNMENT = /^\s*(?:export\s+|-\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*([\s\S]*)$/;

/** The key and value of a line's assignment: the value without the white space and one comma at its end. */
function assignment(line: string): [string, string] | undefined {
  const match = ASSIGNMENT.exec(line);
  if (!match) return undefined;
  let value = match[2]!.trimEnd();
  if (value.endsWith(",")) value = value.slice(0, -1).trimEnd();
  // As `.` read it: a line break other than `\n` may only be in the white space at the end.
  if (/[\r\u2028\u2029]/.test(value)) return undefined;
  return [match[1]!, value];
}
const SECRET_NAME =
  /(pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|private[_-]?key|credential|auth)/i;

/**
 * A line's assignment as {@link findSuspectSecrets} reads it: its key, the text before the value
 * (byte for byte) and the value, unquoted; undefined for a line that is none.
 */
export function assigned(line: string): { key: string; before: string; value: string } | undefined {
  const match = ASSIGNMENT.exec(line);
  const pair = match && assignment(line);
  if (!pair) return undefined;
  return {
    key: pair[0],
    before: line.slice(0, line.length - match[2]!.length),
    value: unquote(pair[1].trim()),
  };
}

/** Whether a key sounds like one of a secret (`password`, `api_key`, `DB_TOKEN`). */
export const secretName = (key: string) => SECRET_NAME.test(key);
const KNOWN = [
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, name: "a private key" },
  { pattern: /\bAKIA[0-9A-Z]{16}\b/, name: "an AWS access key id" },
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, name: "a GitHub token" },
  { pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/, name: "a Slack token" },
  { pattern: /\bsk_(live|test)_[A-Za-z0-9]{16,}/, name: "a Stripe key" },
  { pattern: /\bhvs\.[A-Za-z0-9_-]{20,}/, name: "a Vault token" },
  { pattern: /\bnpm_[A-Za-z0-9]{36}\b/, name: "an npm token" },
  { pattern: /\bglpat-[A-Za-z0-9_-]{20,}/, name: "a GitLab token" },
  { pattern: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/, name: "a PyPI token" },
  { pattern: /\bAIza[0-9A-Za-z_-]{35}\b/, name: "a Google API key" },
  { pattern: /S5-SECRET-KEY-[A-Za-z0-9_-]{43}/, name: "an s5 secret key" },
  // `scheme://user:password@host`, the password written out (not a token, not `${VAR}`), not a
  // placeholder or a local service's default (`postgres://postgres:postgres@localhost`). The
  // scheme is bounded: every `.`, `+` and `-` makes a word boundary where a try starts, and each
  // try ran to the end of the run (a minified line of `a.b.c…` took hours).
  {
    pattern:
      /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:@/\u0000]*:(?!(?:password|passwd|pass|secret|postgres|mysql|root|admin|guest|test|user|changeme|example)@)[^\s@/\u0000{}$%<>]{3,}@(?!(?:localhost|127\.\d+\.\d+\.\d+|\[::1\]|[a-z0-9.-]*\bexample\.(?:com|org|net))\b)/i,
    name: "a password in a URL",
  },
];
/**
 * What a line holds where {@link findSuspectSecrets} may report it, in one quick expression: a
 * secret-sounding word (a key, or an inline pair's) or the start of a {@link KNOWN} format; or
 * ({@link hasLongRun}) a run of 20 characters without space (a long random-looking value). Keep
 * them in step with it.
 */
const MAY_SUSPECT = new RegExp(
  `${SECRET_NAME.source}|-----BEGIN|AKIA|gh[pousr]_|xox[abprs]-|sk_(?:live|test)_|hvs\\.|npm_|glpat-|pypi-|AIza|S5-SECRET-KEY-|:\\/\\/`,
  "i",
);

/**
 * Whether `text` holds a run of 20 characters or more with no ASCII white space in it: what
 * `\S{20}` finds, and more (other spaces count as characters here). A loop, not the expression:
 * `\S{20}` tries up to 19 characters from every position, ~180 ms on the 7 MB a commit that
 * reformats 2,000 files changes, against ~10 ms.
 */
function hasLongRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) run = 0;
    else if (++run >= 20) return true;
  }
  return false;
}

/**
 * Whether {@link findSuspectSecrets} may find something in `text` (false: it finds nothing).
 * Its expressions are compiled on their first use, ~2 ms: a process with no file of tokens to
 * judge (the pre-commit hook at an ordinary commit) asks this first.
 */
export const maySuspect = (text: string) => MAY_SUSPECT.test(text) || hasLongRun(text);

const PLACEHOLDER =
  /^(\$\{.*\}|\$[A-Z_]+|<.*>|\{\{.*\}\}|%\(.*\)s|changeme|change-me|example|xxx+|\*+|null|none|true|false|~|)$/i;

/**
 * Whether a value is a placeholder or a reference, not a value of its own: nothing, `""`, `none`,
 * `changeme`, `${DB_PASSWORD}`, `{{ .Values.password }}`, `<password>`.
 */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(unquote(value.trim()).trim());
}

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
  // A comment starts where a run of white space does: tried from inside a run too, each try read
  // the run to its end (quadratic in a long run of spaces).
  return value.replace(/(?<!\s)\s+#.*$/, "");
}

/** The line with each token replaced by {@link HOLE}, and where each token ended. */
function withoutTokens(line: string): { rest: string; ends: number[] } {
  const { tokens } = scan(line);
  let rest = "";
  let last = 0;
  for (const token of tokens) {
    rest += `${line.slice(last, token.start)}${HOLE}`;
    last = token.end;
  }
  return { rest: rest + line.slice(last), ends: tokens.map((token) => token.end) };
}

/** A `}}` after a token that no `{{` opened: the tail of a value that was sealed only in part. */
function strayClose(line: string, ends: readonly number[]): number | undefined {
  for (const end of ends) {
    const close = line.indexOf("}}", end);
    const open = line.indexOf("{{", end);
    if (close !== -1 && (open === -1 || close < open)) return close;
  }
  return undefined;
}

/**
 * Four characters or more glued to a token, with no space or quote between: the rest of a value
 * that was sealed only in part (`hunter2{{ s5:… }}`).
 */
const GLUED = /[^\s\u0000"'=:,@/]{4}\u0000|\u0000[^\s\u0000"'=:,@/]{4}/;

/**
 * A long run of letters and digits: a passphrase, not a path or an address. In a function: V8
 * reads Unicode's tables when it creates the expression, which a start need not pay.
 */
const isPhrase = (piece: string) => /^[\p{L}\p{N}_-]+$/u.test(piece);

/** A stretch of a value left beside tokens that looks like part of a secret. */
function suspectPiece(value: string, secretName: boolean): boolean {
  if (secretName && GLUED.test(value)) return true;
  return value
    .split(/[\s\u0000"']+/)
    .some((piece) =>
      secretName
        ? (piece.length >= 6 && classes(piece) >= 3) || (piece.length >= 12 && isPhrase(piece))
        : piece.length >= 20 && classes(piece) >= 3 && entropy(piece) >= 4,
    );
}

/**
 * A `"key": "value"` or `key: value` pair anywhere on a line (one-line JSON, a YAML flow map). A
 * key starts where a run of key characters does: tried from inside a run too, each try ran to the
 * run's end, and a line of 80,000 letters beside a token kept `s5 check` busy for 10 s (a
 * minified file of a few MB, for hours). It finds the same keys.
 */
const PAIR =
  /(?<![A-Za-z0-9_.-])["']?([A-Za-z0-9_.-]+)["']?\s*:\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,{}[\]][^,{}[\]]*)/g;
/** `<key>value</key>`. */
const ELEMENT = /<([A-Za-z0-9_.-]+)>([^<]*)<\/\1>/g;

/** A value that reads as a password: not a token, a placeholder, a word, or a sentence. */
function plaintextValue(raw: string): boolean {
  const value = unquote(raw.trim());
  return (
    !value.includes(HOLE) &&
    !PLACEHOLDER.test(value) &&
    value.length >= 6 &&
    !/^[a-z]+$/.test(value) &&
    !value.includes(" ")
  );
}

/** The first secret-named pair of a line that is not the line's own assignment, with a plaintext. */
function inlineSecret(line: string): { name: string; at: number } | undefined {
  for (const pattern of [PAIR, ELEMENT]) {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(line); match; match = pattern.exec(line)) {
      const [, name = "", raw = ""] = match;
      if (SECRET_NAME.test(name) && plaintextValue(raw)) return { name, at: match.index };
    }
  }
  return undefined;
}

/** The lines of a YAML block scalar (`key: |`) after `index`: those indented deeper. */
function blockLines(lines: readonly string[], index: number): string[] {
  const indent = /^\s*/.exec(lines[index]!)![0].length;
  const block: string[] = [];
  for (let i = index + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() !== "" && /^\s*/.exec(line)![0].length <= indent) break;
    block.push(line);
  }
  return block;
}

/** Lines of `text` that look like they hold an unencrypted secret. */
export function findSuspectSecrets(text: string): SuspectSecret[] {
  const found: SuspectSecret[] = [];
  let offset = 0;
  // Lines as LineIndex tells them (a lone CR ends one too; each break here is one character):
  // a file with classic Mac line ends was one line, its secrets unseen and one `s5:ignore` for all.
  const all = text.split(/\r(?!\n)|\n/);
  for (const [index, whole] of all.entries()) {
    const lineStart = offset;
    offset += whole.length + 1;
    if (whole.includes("s5:ignore")) continue;
    const { rest: line, ends } = whole.includes("{{")
      ? withoutTokens(whole)
      : { rest: whole, ends: [] };
    const holes = ends.length;
    const stray = strayClose(whole, ends);
    if (stray !== undefined) {
      found.push({
        offset: lineStart + stray,
        reason: "text after a token ends with `}}`: a value may be only partly encrypted",
      });
      continue;
    }
    const known = KNOWN.find(({ pattern }) => pattern.test(line));
    if (known) {
      const text = known.pattern.exec(line)?.[0] ?? "";
      found.push({
        offset: lineStart + Math.max(0, whole.indexOf(text)),
        reason: `looks like ${known.name}`,
      });
      continue;
    }
    const match = assignment(line);
    // Another pair on the line (one-line JSON, a YAML flow map, an XML element).
    const inline = inlineSecret(line);
    if (inline && inline.name !== match?.[0]) {
      found.push({
        offset: lineStart + inline.at,
        reason: `\`${inline.name}\` holds a plaintext value`,
      });
      continue;
    }
    if (!match) continue;
    const [name, raw] = match;
    const value = unquote(raw.trim());
    if (holes > 0) {
      if (suspectPiece(value, SECRET_NAME.test(name))) {
        found.push({
          offset: lineStart + whole.indexOf(name),
          reason: `\`${name}\` holds plaintext beside its token`,
        });
      }
      continue;
    }
    if (/^[|>][-+]?\d*$/.test(value)) {
      // A block scalar: its value is on the lines below.
      const block = blockLines(all, index);
      if (
        SECRET_NAME.test(name) &&
        block.some((l) => l.trim() !== "") &&
        !block.join("\n").includes("{{")
      ) {
        found.push({
          offset: lineStart + line.indexOf(name),
          reason: `\`${name}\` holds a plaintext value`,
        });
      }
      continue;
    }
    if (PLACEHOLDER.test(value)) continue;
    const at = lineStart + line.indexOf(raw);
    if (SECRET_NAME.test(name) && plaintextValue(raw)) {
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

/** Whether `code` (a byte) is a base64url character, as a secret key's body is written. */
function isKeyByte(code: number | undefined): boolean {
  return (
    code !== undefined &&
    ((code >= 0x41 && code <= 0x5a) ||
      (code >= 0x61 && code <= 0x7a) ||
      (code >= 0x30 && code <= 0x39) ||
      code === 0x2d ||
      code === 0x5f)
  );
}

/** The length of an s5 secret key's body (32 bytes in base64url). */
const KEY_BODY = 43;
const IGNORE = Buffer.from("s5:ignore");

/**
 * The byte offsets of the s5 secret keys in `content` (an identity, `keys generate`'s output, a
 * `.env`'s `S5_PRIVATE_KEY=…`), on lines without `s5:ignore`: whoever reads one opens every value
 * sealed to it. Asked of every file `s5 check` reads, tokens or none: a byte search, no string
 * made of the file (nearly every file has no prefix at all).
 */
export function findSecretKeys(content: Uint8Array): number[] {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const found: number[] = [];
  for (let at = bytes.indexOf(SECRET_PREFIX); at !== -1; ) {
    const body = at + SECRET_PREFIX.length;
    let end = body;
    while (end < bytes.length && isKeyByte(bytes[end])) end++;
    if (end - body === KEY_BODY) {
      const start = bytes.lastIndexOf(0x0a, at) + 1;
      const feed = bytes.indexOf(0x0a, end);
      const line = bytes.subarray(start, feed === -1 ? bytes.length : feed);
      if (!line.includes(IGNORE)) found.push(at);
    }
    at = bytes.indexOf(SECRET_PREFIX, end);
  }
  return found;
}
