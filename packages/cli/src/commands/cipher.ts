import {
  cipherValues,
  createBackends,
  defaultBackend,
  filterNames,
  resolveSettings,
} from "@s5/core";
import { overridesFrom } from "../args.ts";
import type { Context } from "../context.ts";
import { guardSeals, sealToCurrentKey } from "../current-key.ts";
import { BACKEND_WORDS, defineCommand } from "../define.ts";
import { readStdin } from "../io.ts";
import { backendOptions, commonOptions } from "../options.ts";
import { readHidden } from "../prompt.ts";
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

/**
 * Typed at a terminal, a value or an AES key on the command line is in the process list for every
 * user and in the shell's history: say so, and what to do instead (nothing is shown of either).
 */
function noteArgumentsSeen(value: boolean, key: string | undefined): void {
  const seen = [value ? "VALUE" : "", key !== undefined ? "--key" : ""].filter(Boolean);
  if (seen.length === 0) return;
  const instead = [
    value ? "run `s5 cipher` without VALUE to type it unseen" : "",
    key !== undefined ? "set S5_AES_KEY instead of --key" : "",
  ].filter(Boolean);
  process.stderr.write(
    `s5: note: ${seen.join(" and ")} on the command line can be read by other users in the process list and stays in your shell's history; next time ${instead.join(", and ")}\n`,
  );
}

export default defineCommand({
  name: "cipher",
  summary: "encrypt a value into a token",
  description: `Encrypts VALUE (or all of stdin) and prints exactly the token, with a newline only on a terminal.
With stdin a terminal and no VALUE, asks for it without showing what is typed or pasted.
Spaces, CR and LF around the value are trimmed unless --no-trim (the Go tool trims spaces and LF).`,
  positionals: [
    {
      name: "BACKEND",
      optional: true,
      complete: BACKEND_WORDS,
      description: "local (default with `s5 init`), aes, vault — or --backend / S5_BACKEND",
    },
    {
      name: "VALUE",
      optional: true,
      description: "the value (others can see it in the process list); default: stdin, or asked",
    },
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
      description: "add an escaping filter to the token: raw, json, yaml, hcl, base64, shell",
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
    "s5 cipher                          # asks for the value; prints {{ s5:local:Ab3dEf9h:… }}",
    "kubectl … | s5 cipher -f base64    # for a Kubernetes Secret's data: field",
  ],
  async run({ values, positionals, backendWord }, context: Context) {
    if (positionals.length > 1) {
      context.usage("cipher takes one VALUE; quote it if it has spaces");
    }
    const settings = resolveSettings({ overrides: overridesFrom(values, backendWord) });
    const terminal = process.getBuiltinModule("node:tty").isatty(0);
    if (terminal) noteArgumentsSeen(positionals[0] !== undefined, values.key);
    const raw =
      positionals[0] !== undefined
        ? Buffer.from(positionals[0])
        : terminal
          ? await readHidden("s5: value to encrypt (not shown; Enter ends it, Ctrl-C stops): ")
          : await readStdin("a VALUE", "pipe the value in (`… | s5 cipher`)");
    const plaintext = settings.noTrim ? raw : trimValue(raw);
    const fresh = () => resolveSettings({ overrides: overridesFrom(values, backendWord) });
    // Sealed again when a rotation retired the key before the token was printed (current-key.ts).
    await sealToCurrentKey(settings, fresh, async (current) => {
      await using made = createBackends(current);
      const { backends, hold } = guardSeals(current, made);
      const [token] = await cipherValues(backends, defaultBackend(current), [plaintext], {
        goTool: current.goToolTokens,
        filters: values.filter,
        allowEmpty: values["allow-empty"],
      });
      hold().release();
      await writeStdout([Buffer.from(token + (stdoutIsTTY() ? "\n" : ""))]);
    });
    return 0;
  },
});
