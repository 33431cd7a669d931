/**
 * The asynchronous core of the loader, run in the worker (for `config()`) or in the caller's thread
 * (for `load()`): the values of one project go to core in one call, so each backend gets one batch
 * per project per start (one project is the usual case: one batch per start). Requests and replies
 * are plain data, so they can cross a MessagePort.
 */
import {
  createBackends,
  type FileProject,
  type FoundTokens,
  findTokens,
  type Overrides,
  projectOfDir,
  resolveSettings,
  resolveTokens,
  S5Error,
  type Settings,
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
  /**
   * Variable names and values; every value holds at least one token. `dir`: the directory of the
   * `.env` file the value comes from, when it is not `cwd`; its tokens are decrypted with the
   * settings of the project found from there.
   */
  items: { name: string; value: string; dir?: string | undefined }[];
  /** Where the settings of the other values (the process environment's, `cwd`'s files) are found. */
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

function settingsOf(request: DecryptRequest, cwd = request.cwd): Settings {
  return resolveSettings({ cwd, env: request.env, overrides: request.overrides });
}

/** Values decrypted with one project's settings: their indexes in the request's items. */
interface Group {
  settings: Settings;
  indexes: number[];
}

/**
 * The items by the project whose settings decrypt them: a `.env` file's own (the nearest
 * `.s5.json` above it, as the CLI's commands take each file's project), the working directory's
 * for the process environment, for a file outside any project, and for all when a config is named
 * (`--config`, `S5_CONFIG`). A monorepo's `s5 run -f apps/a/.env` from the top read apps/a's
 * tokens with the top's keys and Vault settings (S5_KEY_LOCAL_UNKNOWN, S5_DECRYPT_VAULT). When
 * every value comes from the working directory (the usual start), no other directory is looked at.
 */
function groupsOf(request: DecryptRequest): Group[] {
  const settings = settingsOf(request);
  const { items } = request;
  if (items.every((item) => item.dir === undefined)) {
    return [{ settings, indexes: items.map((_, i) => i) }];
  }
  const own = settings.project?.file;
  const input = { cwd: request.cwd, env: request.env, overrides: request.overrides };
  const groups = new Map<string | undefined, Group>([[own, { settings, indexes: [] }]]);
  const projectOf = new Map<string | undefined, FileProject>();
  for (const [i, item] of items.entries()) {
    let found = projectOf.get(item.dir);
    if (!found) {
      found = projectOfDir(item.dir, settings, input);
      projectOf.set(item.dir, found);
    }
    let group = groups.get(found.project);
    if (!group) {
      group = { settings: found.read(), indexes: [] };
      groups.set(found.project, group);
    }
    group.indexes.push(i);
  }
  return [...groups.values()].filter((group) => group.indexes.length > 0);
}

/** Every token of every value, named by its variable for error locations; each with its group's. */
function findAll(request: DecryptRequest, groups: readonly Group[]): FoundTokens[] {
  const found: FoundTokens[] = new Array(request.items.length);
  for (const group of groups) {
    const backend = goToolBackendOf(group.settings);
    for (const i of group.indexes) {
      const item = request.items[i]!;
      found[i] = findTokens({ name: item.name, content: item.value }, backend);
    }
  }
  return found;
}

/** The debug switch's name for reading the settings: how many projects, when more than one. */
function settingsStep(groups: readonly Group[]): string {
  return groups.length > 1 ? `settings of ${groups.length} projects` : "settings";
}

/** Several projects' failures in the variables' order, as one project's come (a stable sort). */
function inItemOrder(request: DecryptRequest, failures: TokenFailure[]): void {
  const order = new Map(request.items.map((item, i) => [item.name, i]));
  failures.sort((a, b) => order.get(a.location.file)! - order.get(b.location.file)!);
}

/**
 * Decrypts in this thread when every token is a local-key or AES token (no I/O, so no worker
 * is needed). `undefined` means "use {@link decryptItems}": a Vault token, or a native module
 * that cannot be loaded synchronously here (an application bundle without it).
 */
export function decryptItemsSync(request: DecryptRequest): DecryptReply | undefined {
  const steps: [string, number][] = [["start", now()]];
  try {
    const groups = groupsOf(request);
    const found = findAll(request, groups);
    if (!canResolveSync(found)) return undefined;
    steps.push([settingsStep(groups), now()]);
    const failures: TokenFailure[] = [];
    const plaintexts: (Uint8Array | undefined)[][] = new Array(found.length);
    for (const { settings, indexes } of groups) {
      const own = indexes.map((i) => found[i]!);
      const got = resolveTokensSync(own, settings, { failures });
      for (const [k, i] of indexes.entries()) plaintexts[i] = got[k]!;
    }
    if (groups.length > 1) inItemOrder(request, failures);
    steps.push(["decrypt", now()]);
    return splice(request, found, plaintexts, failures, steps);
  } catch (error) {
    if (!(error instanceof S5Error)) return undefined;
    return { ok: false, error: serialize(error), steps };
  }
}

/**
 * Decrypts every token of every value; all or nothing. Never throws. Each project's backends ask
 * in parallel, every project's failures reported together. `answer`, when given, receives the
 * reply before the backends close their connections: the worker hands it over then, and the
 * waiting thread ends the worker, connections and all, without waiting for them to close.
 */
export async function decryptItems(
  request: DecryptRequest,
  answer?: (reply: DecryptReply) => void,
): Promise<DecryptReply> {
  const opened: ReturnType<typeof createBackends>[] = [];
  try {
    const reply = await decryptWith(request, opened);
    answer?.(reply);
    return reply;
  } finally {
    for (const backends of opened) {
      try {
        await backends[Symbol.asyncDispose]();
      } catch {
        // closing cannot change the outcome
      }
    }
  }
}

/** {@link decryptItems}' work; the backends it makes go into `opened`, for the caller to close. */
async function decryptWith(
  request: DecryptRequest,
  opened: ReturnType<typeof createBackends>[],
): Promise<DecryptReply> {
  const steps: [string, number][] = [["start", now()]];
  try {
    const groups = groupsOf(request);
    for (const group of groups) opened.push(createBackends(group.settings));
    const found = findAll(request, groups);
    steps.push([settingsStep(groups), now()]);
    const failures: TokenFailure[] = [];
    const plaintexts: (Uint8Array | undefined)[][] = new Array(found.length);
    const settled = await Promise.allSettled(
      groups.map(async ({ indexes }, g) => {
        const own = indexes.map((i) => found[i]!);
        const got = await resolveTokens(own, opened[g]!, { failures });
        for (const [k, i] of indexes.entries()) plaintexts[i] = got[k]!;
      }),
    );
    for (const outcome of settled) if (outcome.status === "rejected") throw outcome.reason;
    if (groups.length > 1) inItemOrder(request, failures);
    steps.push(["decrypt", now()]);
    return splice(request, found, plaintexts, failures, steps);
  } catch (error) {
    return { ok: false, error: serialize(error), steps };
  }
}
