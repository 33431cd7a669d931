import { createBackends, findOneToken, resolveSettings, resolveTokens } from "@s5/core";
import { overridesFrom } from "../args.ts";
import type { Context } from "../context.ts";
import { BACKEND_WORDS, defineCommand } from "../define.ts";
import { readStdin } from "../io.ts";
import { backendOptions, commonOptions } from "../options.ts";
import { SHARED_FIX_STDOUT, warnSharedDescriptor } from "../output-checks.ts";
import { stdoutIsTTY, writeStdout } from "../stdout.ts";

export default defineCommand({
  name: "decipher",
  summary: "decrypt one token",
  description: `Decrypts one TOKEN (or the one token on stdin) and prints exactly the plaintext, with a newline only
on a terminal, so \`$(s5 decipher …)\` keeps multi-line secrets intact. TOKEN may be a whole token
({{ s5:… }}, filters applied) or its body (vault:v1:…, local:…, or a Go-tool payload).
White space around the input is ignored.`,
  positionals: [
    {
      name: "BACKEND",
      optional: true,
      complete: BACKEND_WORDS,
      description:
        "aes or vault for the Go tool's bare tokens; new tokens name their backend themselves",
    },
    { name: "TOKEN", optional: true, description: "the token; default: stdin" },
  ],
  options: { ...commonOptions, ...backendOptions },
  examples: ["s5 decipher '{{ s5:… }}'", `s5 decipher aes --key "$KEY" '{{s5:MTdk…}}'`],
  async run({ values, positionals, backendWord }, context: Context) {
    if (positionals.length > 1) context.usage("decipher takes one TOKEN");
    const settings = resolveSettings({ overrides: overridesFrom(values, backendWord) });
    const input =
      positionals[0] ??
      (
        await readStdin(
          "a TOKEN",
          "pass the token as an argument (`s5 decipher '{{ s5:… }}'`), or pipe it in (`… | s5 decipher`)",
        )
      ).toString("latin1");
    await using backends = createBackends(settings);
    const found = findOneToken(input, "token", backends.goToolBackend);
    const [[value]] = (await resolveTokens([found], backends)) as [[Uint8Array]];
    warnSharedDescriptor(1, "stdout", SHARED_FIX_STDOUT);
    await writeStdout([value, Buffer.from(stdoutIsTTY() ? "\n" : "")]);
    return 0;
  },
});
