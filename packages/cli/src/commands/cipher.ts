import { cipherValues, createBackends, defaultBackend, resolveSettings } from "@s5/core";
import { backendOptions, commonOptions, overridesFrom, parse } from "../args.ts";
import type { Context } from "../context.ts";
import { readStdin } from "../io.ts";
import { writeStdout } from "../write.ts";

export const cipherHelp = `Usage: s5 cipher [BACKEND] [VALUE] [options]

Encrypts VALUE (or all of stdin) and prints exactly the token, with a newline only on a terminal.
Spaces, CR and LF around the value are trimmed unless --no-trim (the Go tool trims spaces and LF).

BACKEND   local (default with \`s5 init\`), aes, vault — or --backend / S5_BACKEND
Options:
  -f, --filter NAME     add an escaping filter to the token: raw, json, yaml, base64, shell
      --key HEX         AES key (S5_AES_KEY)
  -k, --transit-key K   Vault transit key (S5_VAULT_TRANSIT_KEY, default "default")
      --transit-mount M Vault transit mount (S5_VAULT_TRANSIT_MOUNT, default "transit")
      --legacy          write a token the Go tool can read (S5_LEGACY_TOKENS)
      --no-trim         keep the value exactly as given (S5_NO_TRIM)
      --allow-empty     encrypt an empty or white-space-only value (refused otherwise)
      --config FILE     project config (default: .s5.json found upward)

Example:
  s5 cipher 'hunter2'                # {{ s5:local:Ab3dEf9h:… }}
  kubectl … | s5 cipher -f base64    # for a Kubernetes Secret's data: field
`;

const options = {
  ...commonOptions,
  ...backendOptions,
  filter: { type: "string", short: "f", multiple: true },
  legacy: { type: "boolean" },
  "no-trim": { type: "boolean" },
  "allow-empty": { type: "boolean" },
} as const;

/** Trims what the help says: spaces, CR and LF at both ends. */
export function trimValue(value: Buffer): Buffer {
  let start = 0;
  let end = value.length;
  const trimmable = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d;
  while (start < end && trimmable(value[start]!)) start++;
  while (end > start && trimmable(value[end - 1]!)) end--;
  return value.subarray(start, end);
}

export async function cipherCommand(args: readonly string[], context: Context): Promise<number> {
  const { values, positionals, backendWord } = parse("cipher", args, options);
  if (values.help) return context.help(cipherHelp);
  if (positionals.length > 1) {
    context.usage("cipher takes one VALUE; quote it if it has spaces", cipherHelp);
  }
  const settings = resolveSettings({ overrides: overridesFrom(values, backendWord) });
  const raw =
    positionals[0] !== undefined ? Buffer.from(positionals[0]) : await readStdin("a VALUE");
  const plaintext = settings.noTrim ? raw : trimValue(raw);
  await using backends = createBackends(settings);
  const [token] = await cipherValues(backends, defaultBackend(settings), [plaintext], {
    goTool: settings.legacy,
    filters: values.filter,
    allowEmpty: values["allow-empty"],
  });
  await writeStdout([Buffer.from(token + (process.stdout.isTTY ? "\n" : ""))]);
  return 0;
}
