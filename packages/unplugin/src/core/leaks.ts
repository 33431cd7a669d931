/**
 * The leak guard's memory: every plaintext decrypted in this process (by any instance of the
 * plugin, so a server and a client build in one process see each other), and the client outputs
 * already emitted, so a value decrypted later is still looked for in them.
 */
import { ExitCode, S5Error } from "@s5/core";
import { buildMessage } from "./errors.ts";
import { multiSearch } from "./search.ts";

interface Secret {
  forms: string[];
}

interface ClientOutput {
  /** Asset name, for the message. */
  name: string;
  text: string;
}

const secrets = new Map<string, Secret>();
const exempt = new Set<string>();
// By name, so a rebuild in watch mode replaces its earlier output.
const outputs = new Map<string, string>();

/** The forms a plaintext can take in an emitted file. */
export function formsOf(value: string): string[] {
  const forms = new Set<string>([value]);
  const json = JSON.stringify(value).slice(1, -1);
  forms.add(json);
  forms.add(json.replace(/\//g, "\\/"));
  // Minifiers and esbuild write non-ASCII characters as `\xHH` / `\uHHHH` escapes.
  const unicode = json.replace(
    /[^\x00-\x7f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  forms.add(unicode);
  forms.add(unicode.replace(/\\u00([89a-f][0-9a-f])/g, "\\x$1"));
  forms.add(
    unicode.replace(/\\u00([89a-f][0-9a-f])/g, (_, hex: string) => `\\x${hex.toUpperCase()}`),
  );
  forms.add(unicode.replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\u${hex.toUpperCase()}`));
  // In single-quoted and template literals (minifiers pick the quote that needs fewest escapes).
  for (const form of [json, unicode]) {
    const unquoted = form.replace(/\\"/g, '"');
    forms.add(unquoted.replace(/'/g, "\\'"));
    forms.add(unquoted.replace(/`/g, "\\`").replace(/\$\{/g, "\\${"));
    // What escape.ts writes into a template literal: every `$` escaped, quotes as JSON has them.
    forms.add(form.replace(/`/g, "\\`").replace(/\$/g, "\\$"));
    forms.add(unquoted.replace(/`/g, "\\`").replace(/\$/g, "\\$"));
  }
  // Code put in a string once more: webpack's `devtool: "eval"` wraps each module in eval("…").
  for (const form of [...forms]) forms.add(JSON.stringify(form).slice(1, -1));
  const base64 = Buffer.from(value).toString("base64");
  forms.add(base64);
  forms.add(base64.replace(/=+$/, ""));
  forms.add(Buffer.from(value).toString("base64url"));
  forms.add(encodeURIComponent(value));
  forms.add(encodeURI(value));
  return [...forms];
}

/**
 * Remembers a module's plaintexts; `allowed` values (from `allowClient` files) are never reported.
 * Returns the client outputs of earlier builds that already hold one of the new values.
 */
export function remember(values: readonly string[], allowed: boolean, minLength: number): string[] {
  const fresh: Secret[] = [];
  for (const value of values) {
    if (allowed) {
      exempt.add(value);
      secrets.delete(value);
      continue;
    }
    if (value.length < minLength || exempt.has(value) || secrets.has(value)) continue;
    const secret = { forms: formsOf(value) };
    secrets.set(value, secret);
    fresh.push(secret);
  }
  if (fresh.length === 0 || outputs.size === 0) return [];
  return findIn(
    [...outputs].map(([name, text]) => ({ name, text })),
    fresh,
  );
}

/** The files that hold any form of any of the secrets: one pass over each file. */
function findIn(files: readonly ClientOutput[], list: Iterable<Secret>): string[] {
  const search = multiSearch([...list].flatMap((secret) => secret.forms));
  return files
    .filter((file) => search.containsAny(file.text))
    .map((file) => file.name)
    .sort();
}

/**
 * Scans client outputs for every plaintext known so far and keeps them for values decrypted
 * later. Returns the names of the files that contain one.
 */
export function scanClientOutputs(files: readonly ClientOutput[]): string[] {
  for (const file of files) outputs.set(file.name, file.text);
  return findIn(files, secrets.values());
}

/** Clears the memory (tests). */
export function resetLeaks(): void {
  secrets.clear();
  exempt.clear();
  outputs.clear();
}

const LEAK_HINT =
  "the build fails so it is not deployed: find where the value reaches browser code (an import " +
  "of a server module, a `define`, a copied file) and keep it server-side; list a file in " +
  "`allowClient` only if its values are meant to be public";

const leakWhat = (files: readonly string[]) =>
  `a secret decrypted during this build is in the client output: ${files.join(", ")}`;

/** The leak as a build's message (`[s5] … (S5_LEAK)` and a hint). */
export function leakMessage(files: readonly string[]): string {
  return buildMessage(leakWhat(files), "S5_LEAK", LEAK_HINT);
}

/** The leak as an error thrown by a transform. */
export function leakError(files: readonly string[]): S5Error {
  return new S5Error("S5_LEAK", ExitCode.denied, leakWhat(files), { hint: LEAK_HINT });
}
