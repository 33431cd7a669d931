import {
  cipherValues,
  createBackends,
  defaultBackend,
  filterNames,
  resolveSettings,
} from "@s5/core";
import { overridesFrom } from "../args.ts";
import type { Context } from "../context.ts";
import { BACKEND_WORDS, defineCommand } from "../define.ts";
import { readStdin } from "../io.ts";
import { backendOptions, commonOptions } from "../options.ts";
import { stdoutIsTTY, writeStdout } from "../stdout.ts";

/** Trims what the help says: spaces, CR and LF at both ends. */
export function trimValue(value: Buffer): Buffer {
  let start = 0;
  let end = value.length;
  const trimmable = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d;
  while (start < end && trimmable(value[start]!)) start++;
  while (end > start && trimmable(value[end - 1]!)) end--;
  return value.subarray(start, end);
}

export default defineCommand({
  name: "cipher",
  summary: "encrypt a value into a token",
  description: `Encrypts VALUE (or all of stdin) and prints exactly the token, with a newline only on a terminal.
Spaces, CR and LF around the value are trimmed unless --no-trim (the Go tool trims spaces and LF).`,
  positionals: [
    {
      name: "BACKEND",
      optional: true,
      complete: BACKEND_WORDS,
      description: "local (default with `s5 init`), aes, vault — or --backend / S5_BACKEND",
    },
    { name: "VALUE", optional: true, description: "the value; default: all of stdin" },
  ],
  options: {
    ...commonOptions,
    ...backendOptions,
    filter: {
      type: "string",
      short: "f",
      value: "NAME",
      multiple: true,
      choices: filterNames,
      description: "add an escaping filter to the token: raw, json, yaml, base64, shell",
    },
    legacy: {
      type: "boolean",
      env: "S5_LEGACY_TOKENS",
      description: "write a token the Go tool can read",
    },
    "no-trim": {
      type: "boolean",
      env: "S5_NO_TRIM",
      description: "keep the value exactly as given",
    },
    "allow-empty": {
      type: "boolean",
      description: "encrypt an empty or white-space-only value (refused otherwise)",
    },
  },
  examples: [
    "s5 cipher 'hunter2'                # {{ s5:local:Ab3dEf9h:… }}",
    "kubectl … | s5 cipher -f base64    # for a Kubernetes Secret's data: field",
  ],
  async run({ values, positionals, backendWord }, context: Context) {
    if (positionals.length > 1) {
      context.usage("cipher takes one VALUE; quote it if it has spaces");
    }
    const settings = resolveSettings({ overrides: overridesFrom(values, backendWord) });
    const raw =
      positionals[0] !== undefined ? Buffer.from(positionals[0]) : await readStdin("a VALUE");
    const plaintext = settings.noTrim ? raw : trimValue(raw);
    await using backends = createBackends(settings);
    const [token] = await cipherValues(backends, defaultBackend(settings), [plaintext], {
      goTool: settings.goToolTokens,
      filters: values.filter,
      allowEmpty: values["allow-empty"],
    });
    await writeStdout([Buffer.from(token + (stdoutIsTTY() ? "\n" : ""))]);
    return 0;
  },
});
