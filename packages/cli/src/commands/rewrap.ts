import { createBackends, resolveSettings, rewrapSources, type Source } from "@s5/core";
import { backendOptions, commonOptions, overridesFrom, parse } from "../args.ts";
import type { Context } from "../context.ts";
import { readInput } from "../io.ts";
import { writeOutputs, writeStdout } from "../write.ts";

export const rewrapHelp = `Usage: s5 rewrap [vault] [FILE…|-] [-i] [-k KEY] [options]

Moves every Vault token in the files (or stdin) to the newest version of its transit key through
Vault's rewrap: the plaintext never leaves Vault, and only the token's text changes (spacing,
filters and every other byte stay). Tokens already at the newest version are left as they are.
All or nothing: when any token fails, nothing is printed or written.

Rotate, rewrap, then raise the key's min_decryption_version:
  bao write -f transit/keys/KEY/rotate
  s5 rewrap -k KEY -i config/*.yml
  bao write transit/keys/KEY/config min_decryption_version=N

Options:
  -i, --in-place        replace each FILE atomically, keeping its mode (else print on stdout);
                        all files or none
      --force           replace read-only files too
  -k, --transit-key K   Vault transit key (S5_VAULT_TRANSIT_KEY, default "default")
      --transit-mount M Vault transit mount (S5_VAULT_TRANSIT_MOUNT, default "transit")
      --config FILE     project config (default: .s5.json found upward)

Needs a token whose policy allows \`update\` on MOUNT/rewrap/KEY (and \`read\` on MOUNT/keys/KEY
to skip tokens already current).
`;

const options = {
  ...commonOptions,
  ...backendOptions,
  "in-place": { type: "boolean", short: "i" },
  force: { type: "boolean" },
} as const;

export async function rewrapCommand(args: readonly string[], context: Context): Promise<number> {
  const { values, positionals, backendWord } = parse("rewrap", args, options);
  if (values.help) return context.help(rewrapHelp);
  const files = positionals.length > 0 ? positionals : ["-"];
  const inPlace = values["in-place"] === true;
  if (inPlace && files.includes("-")) context.usage("-i needs files, not stdin", rewrapHelp);
  if (files.filter((file) => file === "-").length > 1) {
    context.usage("stdin (-) can be read once", rewrapHelp);
  }
  if (backendWord !== undefined && backendWord !== "vault") {
    context.usage(
      `the ${backendWord} backend has no rewrap; only Vault tokens are rewrapped`,
      rewrapHelp,
    );
  }

  // Bare (Go tool) tokens are Vault tokens here, whatever the project's default backend is.
  const settings = resolveSettings({ overrides: overridesFrom(values, "vault") });
  const sources: Source<Uint8Array>[] = [];
  for (const file of files) {
    sources.push({ name: file === "-" ? "<stdin>" : file, content: await readInput(file) });
  }
  await using backends = createBackends(settings);
  const result = await rewrapSources(sources, backends);

  if (inPlace) {
    const targets = files.map((path, i) => ({ path, pieces: result.outputs[i]! }));
    await writeOutputs(targets, { secret: false, inPlace: true, force: values.force });
    process.stderr.write(
      `s5: rewrapped ${result.changed} of ${result.total} Vault tokens in ${files.length} file${files.length === 1 ? "" : "s"}\n`,
    );
  } else {
    for (const output of result.outputs) await writeStdout(output);
  }
  return 0;
}
