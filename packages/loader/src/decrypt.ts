/**
 * The asynchronous core of the loader, run in the worker (for `config()`) or in the caller's thread
 * (for `load()`): every value goes to core in one call, so each backend gets one batch per start.
 * Requests and replies are plain data, so they can cross a MessagePort.
 */
import {
  type BackendName,
  createBackends,
  findTokens,
  type Overrides,
  resolveSettings,
  resolveTokens,
  S5Error,
  TokenError,
  type TokenFailure,
  TokenFailures,
  toS5Error,
} from "@s5/core";
import {
  canResolveSync,
  goToolBackendOf,
  plaintextsAsText,
  resolveTokensSync,
  spliceText,
  stackFrames,
} from "@s5/core/internal";

export interface DecryptRequest {
  /** Variable names and values; every value holds at least one token. */
  items: { name: string; value: string }[];
  cwd: string;
  /** The environment backends read their settings from (keys, `VAULT_*`). */
  env: Record<string, string | undefined>;
  overrides?: Overrides | undefined;
  /** Also return each token's plaintext (for `s5 run --redact`). */
  withSecrets?: boolean | undefined;
  /** The values go into an environment (`process.env`, a command's): a NUL byte cannot. */
  intoEnvironment?: boolean | undefined;
}

export interface SerializedFailure {
  /** Variable name. */
  name: string;
  /** Line and column of the token inside the value (1-based). */
  line: number;
  column: number;
  code: string;
  /** The exit code of this failure's class (the first failure of a report decides the process's). */
  exitCode?: number | undefined;
  message: string;
  hint?: string | undefined;
}

export interface SerializedError {
  code: string;
  exitCode: number;
  message: string;
  hint?: string | undefined;
  failures?: SerializedFailure[] | undefined;
  /** Variables that cannot be set as read (found before decrypting), reported with `failures`. */
  inputs?: SerializedFailure[] | undefined;
  /** Only for unexpected errors, shown with the debug switch. */
  stack?: string | undefined;
}

export type DecryptReply = (
  | { ok: true; values: string[]; secrets?: string[] | undefined }
  | { ok: false; error: SerializedError }
) & {
  /** Steps and when they ended (ms since the epoch), for the debug switch. */
  steps?: [string, number][] | undefined;
};

/**
 * Milliseconds on the monotonic clock every thread of the process shares. Not `performance`: the
 * global loads perf_hooks on first use, a few milliseconds at start-up.
 */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

function serialize(error: unknown): SerializedError {
  const failure = toS5Error(error);
  const out: SerializedError = {
    code: failure.code,
    exitCode: failure.exitCode,
    message: failure.message,
    hint: failure.hint,
  };
  if (failure instanceof TokenFailures) {
    out.failures = failure.failures.map(({ location, error: cause }) => ({
      name: location.file,
      line: location.line,
      column: location.column,
      code: cause.code,
      exitCode: cause.exitCode,
      message: cause.message,
      hint: cause.hint,
    }));
  } else if (!(error instanceof S5Error) && error instanceof Error) {
    out.stack = stackFrames(error);
  }
  return out;
}

const NUL_IN_ENVIRONMENT = new TokenError(
  "S5_TOKEN_FILTER",
  "this token's plaintext holds a NUL byte, which an environment variable cannot hold",
  { hint: "encrypt it with `| base64` and decode it where it is used" },
);

/**
 * An environment variable is a C string: Node cuts `process.env` at the first NUL, and `spawn`
 * refuses it with the value in its message. So a plaintext holding one fails with its place.
 */
function refuseNul(
  texts: string[][],
  found: ReturnType<typeof findTokens>[],
  failures: TokenFailure[],
): void {
  for (const [i, list] of texts.entries()) {
    for (const [j, text] of list.entries()) {
      if (text.includes("\0")) {
        const location = found[i]!.lines.locate(found[i]!.tokens[j]!.start);
        failures.push({ location, error: NUL_IN_ENVIRONMENT });
      }
    }
  }
}

/**
 * The values with their plaintexts in place. Every failure of the run — a token that did not
 * open (already in `failures`), a binary plaintext, a NUL — is thrown in one report, so the
 * user fixes them all at once.
 */
function splice(
  request: DecryptRequest,
  found: ReturnType<typeof findTokens>[],
  plaintexts: (Uint8Array | undefined)[][],
  failures: TokenFailure[],
  steps: [string, number][],
): DecryptReply {
  // A binary value fails with its variable (an environment variable holds text).
  const texts = plaintexts.map((list, i) => plaintextsAsText(list, found[i]!, failures));
  if (request.intoEnvironment) refuseNul(texts, found, failures);
  if (failures.length > 0) throw new TokenFailures(failures);
  const values = request.items.map((item, i) =>
    spliceText(item.value, found[i]!.tokens, texts[i]!),
  );
  return { ok: true, values, secrets: request.withSecrets ? texts.flat() : undefined, steps };
}

function settingsOf(request: DecryptRequest) {
  return resolveSettings({ cwd: request.cwd, env: request.env, overrides: request.overrides });
}

/** Every token of every value, named by its variable for error locations. */
function findAll(request: DecryptRequest, goToolBackend: BackendName | undefined) {
  return request.items.map((item) =>
    findTokens({ name: item.name, content: item.value }, goToolBackend),
  );
}

/**
 * Decrypts in this thread when every token is a local-key or AES token (no I/O, so no worker
 * is needed). `undefined` means "use {@link decryptItems}": a Vault token, or a native module
 * that cannot be loaded synchronously here (an application bundle without it).
 */
export function decryptItemsSync(request: DecryptRequest): DecryptReply | undefined {
  const steps: [string, number][] = [["start", now()]];
  try {
    const settings = settingsOf(request);
    const found = findAll(request, goToolBackendOf(settings));
    if (!canResolveSync(found)) return undefined;
    steps.push(["settings", now()]);
    const failures: TokenFailure[] = [];
    const plaintexts = resolveTokensSync(found, settings, { failures });
    steps.push(["decrypt", now()]);
    return splice(request, found, plaintexts, failures, steps);
  } catch (error) {
    if (!(error instanceof S5Error)) return undefined;
    return { ok: false, error: serialize(error), steps };
  }
}

/** Decrypts every token of every value; all or nothing. Never throws. */
export async function decryptItems(request: DecryptRequest): Promise<DecryptReply> {
  let backends: ReturnType<typeof createBackends> | undefined;
  const steps: [string, number][] = [["start", now()]];
  try {
    backends = createBackends(settingsOf(request));
    const found = findAll(request, backends.goToolBackend);
    steps.push(["settings", now()]);
    const failures: TokenFailure[] = [];
    const plaintexts = await resolveTokens(found, backends, { failures });
    steps.push(["decrypt", now()]);
    return splice(request, found, plaintexts, failures, steps);
  } catch (error) {
    return { ok: false, error: serialize(error), steps };
  } finally {
    try {
      await backends?.[Symbol.asyncDispose]();
    } catch {
      // closing cannot change the outcome
    }
  }
}
