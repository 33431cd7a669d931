/** `config()` (synchronous) and `load()` (asynchronous): read, decrypt, then set the environment. */
import { ConfigError, type Overrides } from "@s5/core";
import {
  environmentDebugSwitch,
  excludeEnvFromChildReports,
  excludeEnvFromReports,
  refuseOldNode,
} from "@s5/core/internal";
import { decryptItems, decryptItemsSync, now } from "./decrypt.ts";
import { debug, plural, summary } from "./log.ts";
import { type LoaderOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { applyPlan, failure, makePlan, type Plan, requestFor } from "./plan.ts";
import { runWorker } from "./sync.ts";

export interface LoadResult {
  /** Every variable written, with its final value. */
  parsed: Record<string, string>;
  /** The `.env` files that were read. */
  files: string[];
  /** Names of the variables whose tokens were decrypted. */
  decrypted: string[];
}

function start(options: LoaderOptions): { resolved: ResolvedOptions; plan: Plan; began: number } {
  const began = now();
  const resolved = resolveOptions(options);
  // A named config is every file's project (as for the CLI's commands): no link looked at.
  const named =
    resolved.processEnv.S5_CONFIG !== undefined ||
    (options as ToolOptions).overrides?.configFile !== undefined;
  const plan = makePlan(resolved, named);
  if (plan.pending.length > 0) refuseOldNode();
  if (plan.pending.length > 0 && resolved.processEnv === process.env) refuseEnvDebug(plan);
  debug(
    resolved,
    `read ${plan.files.length > 0 ? plan.files.join(", ") : "no .env file"} in ${resolved.cwd}; ` +
      `${plural(plan.assign.size, "variable")} to set, ${plural(plan.pending.length, "variable")} with tokens` +
      (plan.pending.length > 0 ? `: ${plan.pending.map((entry) => entry.key).join(", ")}` : ""),
  );
  return { resolved, plan, began };
}

/**
 * Refuses before anything is decrypted when Node would print the environment this process gives
 * its child processes or workers (`s5 run` checks its command's the same way).
 */
function refuseEnvDebug(plan: Plan): void {
  // A NODE_DEBUG the files set is this process's children's, not its own (Node read it already).
  const fromFiles = plan.assign.get("NODE_DEBUG")?.value;
  const leak =
    environmentDebugSwitch(process.env) ??
    (fromFiles === undefined ? undefined : environmentDebugSwitch({ NODE_DEBUG: fromFiles }));
  if (!leak) return;
  throw new ConfigError(
    "S5_CONFIG_DEBUG_SWITCH",
    `${leak} makes Node print the environment of every process and worker this application starts, and it would hold the decrypted values; nothing was decrypted`,
    {
      hint: "name only the sections you need, without child_process and worker (NODE_DEBUG=http,net), or unset NODE_DEBUG; Node reads it once, at start-up",
    },
  );
}

function finish(
  resolved: ResolvedOptions,
  plan: Plan,
  values: string[],
  began: number,
): LoadResult {
  const parsed = applyPlan(plan, values, resolved);
  const decrypted = plan.pending.map((entry) => entry.key);
  // A diagnostic report records every variable, in a file Node creates 0644 in the working
  // directory: this process's, and those of the Node processes it starts with its environment
  // (NODE_OPTIONS's report flags are theirs too). `inherited`: started by such a process (fork,
  // cluster), with the values already in its environment and nothing left to decrypt.
  if ((decrypted.length > 0 || plan.inherited) && resolved.processEnv === process.env) {
    excludeEnvFromReports();
    excludeEnvFromChildReports(process.env);
  }
  const ms = (now() - began).toFixed(1);
  if (plan.assign.size > 0) {
    const from = plan.files.length > 0 ? ` from ${plan.files.join(", ")}` : "";
    summary(
      resolved,
      `set ${plural(plan.assign.size, "variable")}${from} (${decrypted.length} decrypted) in ${ms} ms`,
    );
  } else {
    debug(resolved, `nothing to do (${ms} ms)`);
  }
  return { parsed, files: plan.files, decrypted };
}

/**
 * Reads the `.env` file(s), decrypts every token in them and in `process.env`, and sets
 * `process.env` — synchronously, so the next import already sees the values. All or nothing:
 * throws a {@link LoaderError} naming the variables that failed, and writes nothing.
 *
 * @example
 * import { config } from "@s5/loader";
 * config({ path: [".env.local", ".env"] });
 */
export function config(options: LoaderOptions = {}): LoadResult {
  const { resolved, plan, began } = start(options);
  let values: string[] = [];
  if (plan.pending.length > 0) {
    const request = {
      ...requestFor(plan, resolved),
      overrides: (options as ToolOptions).overrides,
    };
    const asked = now();
    let reply = decryptItemsSync(request);
    const path = reply ? "in this thread" : "in a worker";
    reply ??= runWorker(request);
    if (resolved.debug) {
      const steps = [...(reply.steps ?? []), ["answered", now()]];
      const times = steps.map(([name, at]) => `${name} +${((at as number) - asked).toFixed(1)} ms`);
      debug(resolved, `decrypted ${path}: ${times.join(", ")}`);
      if (path === "in a worker") {
        debug(
          resolved,
          "`node --import s5/preload` decrypts before the application without a worker thread (~40 ms less; not in a bundle)",
        );
      }
    }
    if (!reply.ok) {
      if (reply.error.stack) debug(resolved, reply.error.stack);
      throw failure(reply.error, plan);
    }
    values = reply.values;
  }
  if (plan.failures.length > 0) throw failure(undefined, plan);
  return finish(resolved, plan, values, began);
}

/**
 * {@link config} without a worker thread, for hosts that await an init hook (Next.js
 * `instrumentation.ts`) or cannot block (`Atomics.wait` is missing on edge runtimes).
 *
 * @example
 * export async function register() { await (await import("@s5/loader")).load(); }
 */
export async function load(options: LoaderOptions = {}): Promise<LoadResult> {
  const { secrets: _, ...result } = await loadWithSecrets(options);
  return result;
}

/** What tools that run a command need: backend flags, and each token's plaintext to redact. */
export interface ToolOptions extends LoaderOptions {
  /** Backend flags of the s5 CLI (`--private-key-file`, `--transit-key`…). */
  overrides?: Overrides | undefined;
}

/**
 * {@link load}, also returning the plaintext of every token (for `s5 run --redact`).
 * @internal
 */
export async function loadWithSecrets(
  options: ToolOptions = {},
): Promise<LoadResult & { secrets: string[] }> {
  const { resolved, plan, began } = start(options);
  let values: string[] = [];
  let secrets: string[] = [];
  if (plan.pending.length > 0) {
    const reply = await decryptItems({
      ...requestFor(plan, resolved),
      overrides: options.overrides,
      withSecrets: true,
    });
    if (!reply.ok) {
      if (reply.error.stack) debug(resolved, reply.error.stack);
      throw failure(reply.error, plan);
    }
    values = reply.values;
    secrets = reply.secrets ?? [];
  }
  if (plan.failures.length > 0) throw failure(undefined, plan);
  return { ...finish(resolved, plan, values, began), secrets };
}
