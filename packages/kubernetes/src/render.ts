/**
 * From an S5Secret to the Secret it stands for: every value of `data` and `stringData` is one
 * source (named `data.KEY` / `stringData.KEY`, so a failure reads `data.password:1:7: …`), all
 * decrypted by core in one round per backend. All or nothing: any failure gives no Secret.
 */
import {
  type Backends,
  ExitCode,
  mayContainToken,
  renderEach,
  type S5Error,
  type Source,
  type TokenFailure,
  TokenFailures,
} from "@s5/core";
import { isSecretData } from "@s5/core/internal";
import ownPackage from "../package.json" with { type: "json" };
import { KubernetesError } from "./errors.ts";
import type { S5Secret } from "./resource.ts";

/** The values of the Secret (base64, as `data` holds them), or every failure. */
export type Rendered =
  | { ok: true; data: Record<string, string> }
  | {
      ok: false;
      error: S5Error;
      /** The status condition's reason. */
      reason: string;
      /** Trying again without a change to the object may work (see {@link isTransient}). */
      transient: boolean;
      /**
       * A failure that a fresh login or connection may mend (Vault down, a login refused), as
       * opposed to one of a key alone (missing, or denied by policy), which fresh backends for
       * every other S5Secret would not.
       */
      backendWide: boolean;
    };

const here = (file: string) => ({ file, line: 1, column: 1 });

/** The fields of an S5Secret's spec (and of its `metadata`) that this controller acts on. */
const SPEC_FIELDS = new Set(["type", "immutable", "metadata", "data", "stringData"]);
const SPEC_METADATA_FIELDS = new Set(["labels", "annotations"]);

/**
 * A field this controller does not know: a newer chart's CRD lets it through to an older
 * controller (during a rollout, or one pinned), and ignored it could change what the Secret must
 * be (its name, who may read it). No Secret is written until the controller is upgraded.
 */
function unknownFields(spec: object): TokenFailure[] {
  const found: string[] = [];
  for (const key of Object.keys(spec)) if (!SPEC_FIELDS.has(key)) found.push(`spec.${key}`);
  const metadata = (spec as { metadata?: unknown }).metadata;
  if (metadata !== null && typeof metadata === "object") {
    for (const key of Object.keys(metadata)) {
      if (!SPEC_METADATA_FIELDS.has(key)) found.push(`spec.metadata.${key}`);
    }
  }
  return found.map((field) => ({
    location: here(field),
    error: new KubernetesError(
      "S5_K8S_SPEC_UNKNOWN",
      `\`${field}\` is not a field this s5 controller knows: the S5Secret was written for a newer s5, and the Secret is not written without it`,
      { hint: `upgrade the s5 controller (this is ${ownPackage.version})` },
    ),
  }));
}

/** Checks what the spec holds besides values: string maps, and no token in metadata. */
function specFailures(resource: S5Secret): TokenFailure[] {
  const spec = resource.spec ?? {};
  const failures: TokenFailure[] = unknownFields(spec);
  for (const field of ["data", "stringData"] as const) {
    for (const [key, value] of Object.entries(spec[field] ?? {})) {
      if (typeof value !== "string") {
        failures.push({
          location: here(`${field}.${key}`),
          error: new KubernetesError("S5_K8S_SPEC", "the value is not a string", {
            hint: "quote the value in the manifest",
          }),
        });
      }
    }
  }
  for (const field of ["labels", "annotations"] as const) {
    for (const [key, value] of Object.entries(spec.metadata?.[field] ?? {})) {
      if (typeof value === "string" && mayContainToken(value)) {
        failures.push({
          location: here(`metadata.${field}.${key}`),
          error: new KubernetesError(
            "S5_K8S_TOKEN_IN_METADATA",
            "labels and annotations take no tokens",
            {
              hint: "metadata is readable by anyone who may list Secrets; move the value to data or stringData",
            },
          ),
        });
      }
    }
  }
  return failures;
}

/** A status `reason` (CamelCase, no data) for an error. */
export function reasonOf(error: S5Error): string {
  switch (error.exitCode) {
    case ExitCode.malformed:
      return "InvalidToken";
    case ExitCode.decrypt:
      return "DecryptFailed";
    case ExitCode.key:
      return "KeyMissing";
    case ExitCode.unavailable:
      return "BackendUnavailable";
    case ExitCode.denied:
      return "AccessDenied";
    case ExitCode.config:
      return "ConfigInvalid";
    case ExitCode.input:
      return "InvalidSpec";
    default:
      return "Failed";
  }
}

/**
 * Whether trying again later may work without the object changing (a server down, a policy
 * being fixed) — as opposed to a broken token, which waits for a new version of the object.
 */
export function isTransient(error: S5Error): boolean {
  return ![ExitCode.malformed, ExitCode.decrypt, ExitCode.input].includes(
    error.exitCode as typeof ExitCode.malformed,
  );
}

/**
 * Failures of one key: whatever the login, the transit key is missing or the policy refuses it (a
 * 403 already gets one fresh login in core), or a namespace's key file is missing, unreadable or
 * shared (read again when it changes, whatever the backends). With `--namespace-key` or
 * `--namespace-private-keys` one namespace's key may be missing while every other works.
 */
const ONE_KEY = new Set([
  "S5_KEY_VAULT_NOT_FOUND",
  "S5_VAULT_DENIED",
  "S5_K8S_NAMESPACE_KEY_FILE",
  "S5_K8S_NAMESPACE_KEY_SHARED",
]);

function failed(failures: TokenFailure[]): Rendered {
  const error = new TokenFailures(failures);
  // The first failure decides the reason; a server being down outranks a broken token.
  const transient = failures.find((failure) => isTransient(failure.error));
  return {
    ok: false,
    error,
    reason: reasonOf((transient ?? failures[0]!).error),
    transient: transient !== undefined,
    backendWide: failures.some(
      (failure) => isTransient(failure.error) && !ONE_KEY.has(failure.error.code),
    ),
  };
}

/** Decrypts every value of `resource` in one round and returns the Secret's `data`. */
export async function renderSecret(resource: S5Secret, backends: Backends): Promise<Rendered> {
  const failures = specFailures(resource);
  if (failures.length > 0) return failed(failures);
  const spec = resource.spec ?? {};
  const sources: Source<string>[] = [];
  for (const field of ["data", "stringData"] as const) {
    for (const [key, content] of Object.entries(spec[field] ?? {})) {
      sources.push({ name: `${field}.${key}`, content });
    }
  }
  const outcomes = await renderEach(sources, backends);
  // No prototype: `data["__proto__"] = …` on `{}` would set the prototype, and drop the key.
  const data = Object.create(null) as Record<string, string>;
  for (const [i, outcome] of outcomes.entries()) {
    const name = sources[i]!.name;
    if (!outcome.ok) {
      const error = outcome.error;
      if (error instanceof TokenFailures) failures.push(...error.failures);
      else failures.push({ location: error.location ?? here(name), error });
      continue;
    }
    const key = name.slice(name.indexOf(".") + 1);
    if (name.startsWith("data.")) {
      // Core's rule, which `s5 check` applies to the same values before they reach a cluster.
      if (!isSecretData(outcome.value)) {
        failures.push({
          location: here(name),
          error: new KubernetesError(
            "S5_K8S_DATA_BASE64",
            "the value is not base64 after rendering",
            {
              hint: "under data, write the token as {{ s5:… | base64 }}, or move the key to stringData",
            },
          ),
        });
        continue;
      }
      // stringData wins over data for the same key, as in a Secret.
      data[key] ??= outcome.value;
    } else {
      data[key] = Buffer.from(outcome.value, "utf8").toString("base64");
    }
  }
  if (failures.length > 0) return failed(failures);
  return { ok: true, data };
}
