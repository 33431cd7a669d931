import { createBackends, findOneToken, resolveSettings, resolveTokens } from "@s5/core";
import {
  backendOptions,
  backendOptionsHelp,
  commonOptions,
  overridesFrom,
  parse,
} from "../args.ts";
import type { Context } from "../context.ts";
import { readStdin } from "../io.ts";
import { writeStdout } from "../write.ts";

export const decipherHelp = `Usage: s5 decipher [BACKEND] [TOKEN] [options]

Decrypts one TOKEN (or the one token on stdin) and prints exactly the plaintext, with a newline only
on a terminal, so \`$(s5 decipher …)\` keeps multi-line secrets intact. TOKEN may be a whole token
({{ s5:… }}, filters applied) or its body (vault:v1:…, local:…, or a Go-tool payload).
White space around the input is ignored.

BACKEND   aes or vault for the Go tool's bare tokens; new tokens name their backend themselves
Options:
${backendOptionsHelp}

Example:
  s5 decipher aes --key "$KEY" '{{s5:MTdk…}}'
`;

const options = { ...commonOptions, ...backendOptions } as const;

export async function decipherCommand(args: readonly string[], context: Context): Promise<number> {
  const { values, positionals, backendWord } = parse("decipher", args, options);
  if (values.help) return context.help(decipherHelp);
  if (positionals.length > 1) context.usage("decipher takes one TOKEN", decipherHelp);
  const settings = resolveSettings({ overrides: overridesFrom(values, backendWord) });
  const input = positionals[0] ?? (await readStdin("a TOKEN")).toString("latin1");
  await using backends = createBackends(settings);
  const found = findOneToken(input, "token", backends.goToolBackend);
  const [[value]] = (await resolveTokens([found], backends)) as [[Uint8Array]];
  await writeStdout([value, Buffer.from(process.stdout.isTTY ? "\n" : "")]);
  return 0;
}
