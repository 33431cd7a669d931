/**
 * `--namespace-key s5-{namespace}`: the Vault transit key an S5Secret's tokens are opened with is
 * its namespace's own, so a token copied from another namespace's S5Secret (tokens sit in Git)
 * does not decrypt here — sealed-secrets' namespace scope, with one controller. Which backends a
 * namespace has at all: namespace-scope.ts.
 */
import { type Backend, ExitCode, type ItemResult, S5Error } from "@s5/core";
import { forTransitKey, validateName } from "@s5/core/internal";
import { KubernetesError } from "./errors.ts";

const PLACEHOLDER = "{namespace}";

/**
 * Checks a `--namespace-key` template: `{namespace}` once, with a key name's characters around it,
 * and not alone. Checked with a namespace name, so a template that makes no valid key (`.{namespace}`,
 * `{namespace}-`) stops the controller at its start rather than failing every S5Secret. Alone,
 * each key would be named as its namespace: namespace `default` would open s5's default transit
 * key `default`, which every project that names no key seals with.
 */
export function parseNamespaceKey(template: string): string {
  const parts = template.split(PLACEHOLDER);
  if (
    parts.length !== 2 ||
    parts.join("") === "" ||
    !isKeyName(template.replace(PLACEHOLDER, "a"))
  ) {
    throw new KubernetesError(
      "S5_K8S_FLAG",
      `--namespace-key must hold ${PLACEHOLDER} once, with letters, digits, \`_\`, \`-\` and \`.\` around it, making a key name that starts and ends with a letter, digit or \`_\` (e.g. s5-${PLACEHOLDER})`,
      {
        hint: `a prefix of their own keeps the namespaces' keys apart from every other key (\`${PLACEHOLDER}\` alone would open transit key \`default\`, s5's default, in namespace default)`,
      },
    );
  }
  return template;
}

function isKeyName(name: string): boolean {
  try {
    validateName(name, "transit key");
    return true;
  } catch {
    return false;
  }
}

/** The transit key of `namespace` by `template`. */
export function namespaceKeyOf(template: string, namespace: string): string {
  if (namespace === "") {
    throw new KubernetesError("S5_K8S_NAMESPACE_KEY", "the S5Secret has no namespace, so no key");
  }
  return validateName(template.replace(PLACEHOLDER, namespace), "transit key");
}

/** A failure that the namespace's key explains, with a hint that says so; any other as it is. */
function scopedError(error: S5Error, key: string, namespace: string, mount: string): S5Error {
  const made = `this controller opens the tokens of namespace ${namespace}'s S5Secrets only with transit key ${key} (--namespace-key)`;
  switch (error.code) {
    case "S5_DECRYPT_VAULT":
    case "S5_DECRYPT_VAULT_VERSION":
      return new KubernetesError("S5_K8S_NAMESPACE_KEY", error.message, {
        exitCode: ExitCode.decrypt,
        hint: `${made}: a token sealed with another namespace's key does not open here; seal the value with ${key} (vault.transitKey in the project's .s5.json)`,
      });
    case "S5_KEY_VAULT_NOT_FOUND":
      return new S5Error(error.code, error.exitCode, error.message, {
        hint: `${made}: create it (\`bao write -f ${mount}/keys/${key}\`)`,
      });
    case "S5_VAULT_DENIED":
      return new S5Error(error.code, error.exitCode, error.message, {
        hint: `${made}: give the controller's Vault role \`update\` on ${mount}/decrypt/${key} (a policy path with \`*\` where the template has {namespace} covers every namespace)`,
      });
    default:
      return error;
  }
}

/** The Vault backend `vault` for the S5Secrets of `namespace`: its key, its messages. */
export function namespaceVault(vault: Backend, template: string, namespace: string): Backend {
  const key = namespaceKeyOf(template, namespace);
  const backend = forTransitKey(vault, key);
  const mount = backend.destination?.().mount ?? "transit";
  return {
    ...backend,
    async decrypt(bodies) {
      // One error object per error object, so a report still groups the tokens they stopped.
      const seen = new Map<S5Error, S5Error>();
      return (await backend.decrypt(bodies)).map((result): ItemResult<Uint8Array> => {
        if (result.ok) return result;
        let error = seen.get(result.error);
        if (!error) {
          error = scopedError(result.error, key, namespace, mount);
          seen.set(result.error, error);
        }
        return { ok: false, error };
      });
    },
  };
}
