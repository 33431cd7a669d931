/**
 * One module's tokens resolved: found by core, refused in a client build outside `allowClient`,
 * decrypted through the batcher, and written back escaped for the place each one sits in.
 */
import { relative } from "node:path";
import {
  applyFilters,
  type Backends,
  type Batcher,
  findTokens,
  type TokenFailure,
  TokenFailures,
  toS5Error,
} from "@s5/core";
import MagicString from "magic-string";
import { clientTokenError } from "./errors.ts";
import { encodeFor } from "./escape.ts";
import { contextsOf, languageOf } from "./syntax.ts";

export interface TransformOutput {
  code: string;
  /** `null` when the build makes no source maps (see `wantsMap`). */
  map: ReturnType<MagicString["generateMap"]> | null;
  /** Every plaintext put into the module (for the leak guard). */
  values: string[];
}

/** What a module is resolved with; the plugin context supplies it. */
export interface ModuleEnv {
  root: string;
  /** Does `allowClient` list this file? */
  allowed(file: string): boolean;
  backends(): Backends;
  batcher: Batcher;
}

export interface ResolvedModule extends TransformOutput {
  /** The module's file (its id without the query). */
  file: string;
  allowed: boolean;
}

/** Resolves the tokens of one module; `null` when it has none outside comments. */
export async function resolveModule(
  code: string,
  id: string,
  client: boolean,
  env: ModuleEnv,
  wantsMap = true,
): Promise<ResolvedModule | null> {
  const file = id.split("?")[0]!;
  const name = relative(env.root, file) || file;
  const found = findTokens({ name, content: code }, env.backends().goToolBackend);
  if (found.tokens.length === 0 && found.failures.length === 0) return null;
  const allowed = env.allowed(file);
  if (client && !allowed) {
    throw clientTokenError([
      ...found.tokens.map((t) => found.lines.locate(t.start)),
      ...found.failures.map((f) => f.location),
    ]);
  }
  if (found.failures.length > 0) throw new TokenFailures(found.failures);
  const contexts = contextsOf(code, languageOf(id, code), found.tokens);
  const active = found.tokens.filter((_, i) => contexts[i]!.kind !== "comment");
  const activeContexts = contexts.filter((c) => c.kind !== "comment");
  if (active.length === 0) return null;
  // Filters are applied here, after decryption, so the leak guard also knows the plain value.
  const plain = await env.batcher.resolve({ ...found, tokens: active });
  const out = new MagicString(code);
  const failures: TokenFailure[] = [];
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const written: string[] = [];
  active.forEach((token, i) => {
    try {
      const value = plain[i]!;
      const filtered = applyFilters(token.filters, value);
      out.overwrite(token.start, token.end, encodeFor(activeContexts[i]!, filtered, token.filters));
      written.push(decoder.decode(value));
    } catch (error) {
      failures.push({ location: found.lines.locate(token.start), error: toS5Error(error) });
    }
  });
  if (failures.length > 0) throw new TokenFailures(failures);
  return {
    code: out.toString(),
    // A Vite build without source maps never reads one (Vite's own plugins skip them too); for
    // 10 modules of 2 kB it is ~4 ms of a build.
    map: wantsMap
      ? out.generateMap({ source: file, hires: "boundary", includeContent: false })
      : null,
    values: written,
    file,
    allowed,
  };
}
