/** Decrypting a plain object of strings, for callers that manage their own configuration. */
import { type DecryptReply, decryptItems, decryptItemsSync } from "./decrypt.ts";
import { LoaderError } from "./errors.ts";
import type { Env } from "./options.ts";
import { hasToken } from "./plan.ts";
import { runWorker } from "./sync.ts";

export interface DecryptOptions {
  /**
   * Where the project config (`.s5.json`) is found from.
   * @default process.cwd()
   */
  cwd?: string | undefined;
  /**
   * Where backends read their settings (`S5_PRIVATE_KEY`, `VAULT_ADDR`…).
   * @default process.env
   */
  env?: Env | undefined;
}

type Values = Readonly<Record<string, string | undefined>>;

function prepare<T extends Values>(values: T, options: DecryptOptions) {
  const items = Object.entries(values)
    .filter(
      (entry): entry is [string, string] => typeof entry[1] === "string" && hasToken(entry[1]),
    )
    .map(([name, value]) => ({ name, value }));
  const request = {
    items,
    cwd: options.cwd ?? process.cwd(),
    env: { ...(options.env ?? process.env) },
  };
  const merge = (reply: DecryptReply): T => {
    if (!reply.ok) throw new LoaderError(reply.error, new Map());
    const out: Record<string, string | undefined> = { ...values };
    for (const [i, item] of items.entries()) out[item.name] = reply.values[i]!;
    return out as T;
  };
  return { request, merge };
}

/**
 * Returns a copy of `values` with every token decrypted (one batch per backend). All or nothing:
 * throws a {@link LoaderError} naming the keys that failed.
 *
 * @example
 * const secrets = await decrypt({ DB_PASSWORD: "{{ s5:local:… }}" });
 */
export async function decrypt<T extends Values>(
  values: T,
  options: DecryptOptions = {},
): Promise<T> {
  const { request, merge } = prepare(values, options);
  if (request.items.length === 0) return { ...values };
  return merge(await decryptItems(request));
}

/**
 * {@link decrypt}, blocking, for synchronous validation libraries such as t3-env or envalid:
 * local-key and AES tokens in this thread, Vault tokens in a worker thread (`Atomics.wait`).
 *
 * @example
 * const env = createEnv({ server: schema, runtimeEnv: decryptSync(process.env) });
 */
export function decryptSync<T extends Values>(values: T, options: DecryptOptions = {}): T {
  const { request, merge } = prepare(values, options);
  if (request.items.length === 0) return { ...values };
  return merge(decryptItemsSync(request) ?? runWorker(request));
}
