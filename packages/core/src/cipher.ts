/** Encrypting values into tokens through any backend. */
import type { BackendName } from "./backend.ts";
import type { Backends } from "./backends.ts";
import { ExitCode, S5Error, UsageError } from "./errors.ts";
import { isFilterName } from "./filters.ts";
import { checkGoToolForm, formatToken } from "./token.ts";

export interface CipherOptions {
  /**
   * Write tokens the Go tool can read (`{{s5:…}}`): AES always, Vault at key version 1 only.
   * @default false
   */
  goTool?: boolean | undefined;
  /** Filters to write into each token (`["base64"]` → `{{ s5:… | base64 }}`). */
  filters?: readonly string[] | undefined;
  /**
   * Encrypt empty and white-space-only values too. Without it they are refused: they are far more
   * often an unset shell variable (`s5 cipher "$PASWORD"`) than a secret.
   * @default false
   */
  allowEmpty?: boolean | undefined;
}

export function isBlank(value: Uint8Array): boolean {
  for (const byte of value) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  }
  return true;
}

/**
 * Encrypts many plaintexts with one backend call and returns complete tokens, in order.
 *
 * @example
 * const [token] = await cipherValues(backends, "local", [new TextEncoder().encode("hunter2")]);
 */
export async function cipherValues(
  backends: Backends,
  name: BackendName,
  plaintexts: readonly Uint8Array[],
  options: CipherOptions = {},
): Promise<string[]> {
  const filters = options.filters ?? [];
  const unknown = filters.find((filter) => !isFilterName(filter));
  if (unknown !== undefined) {
    // Not echoed: a command-line argument may be a secret (`-f` where a value was meant).
    throw new UsageError("unknown filter (not shown)", {
      hint: "filters are: raw, json, yaml, hcl, base64, shell",
    });
  }
  // Refused before anything is sent.
  if (options.goTool) checkGoToolForm(name, filters);
  if (!options.allowEmpty && plaintexts.some(isBlank)) {
    throw new S5Error(
      "S5_VALUE_EMPTY",
      ExitCode.usage,
      "the value to encrypt is empty or only white space",
      {
        hint: "an unset shell variable? Check the value; pass --allow-empty to encrypt it anyway",
      },
    );
  }
  const backend = await backends.get(name);
  const bodies = await backend.encrypt(plaintexts);
  return bodies.map((body) => formatToken(body, { goTool: options.goTool, filters }));
}
