/**
 * A module that does not parse once decrypted, rewritten with a marker in place of each value, so
 * the bundler reports the syntax error without the plaintexts in its code frame.
 */
import { relative } from "node:path";
import { ExitCode, S5Error } from "@s5/core";
import { HIDDEN } from "./redact.ts";
import type { SyntaxCheck } from "./syntax-check.ts";
import { type ModuleEnv, resolveModule } from "./transform.ts";

const marker = new TextEncoder().encode(HIDDEN);

/**
 * Every token of `code` written as the marker, escaped for its place like a value. When the
 * marked module parses, the values themselves broke the syntax (a `| raw` value that is not code):
 * that is our error, said without the values.
 */
export async function maskTokens(
  code: string,
  id: string,
  env: ModuleEnv,
  check: SyntaxCheck,
): Promise<string> {
  const masked = await resolveModule(
    code,
    id,
    false,
    { ...env, batcher: { resolve: async (found) => found.tokens.map(() => marker), rounds: 0 } },
    false,
  );
  const text = masked?.code ?? code;
  if (await check(text)) {
    throw new S5Error(
      "S5_TOKEN_SYNTAX",
      ExitCode.usage,
      `${relative(env.root, id.split("?")[0]!)}: the decrypted values make this module invalid code`,
      {
        hint: "a value written with `| raw` must be code where it stands; drop `| raw` to get a string",
      },
    );
  }
  return text;
}
