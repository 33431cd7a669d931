/**
 * The backends of one namespace's S5Secrets when the controller scopes keys by namespace: Vault
 * tokens with its transit key (`--namespace-key`), local-key tokens with its key file
 * (`--namespace-private-keys`); a backend neither option covers, AES included, is refused.
 */
import { type Backend, type BackendName, type Backends, ExitCode } from "@s5/core";
import { KubernetesError } from "./errors.ts";
import { namespaceKeyOf, namespaceVault } from "./namespace-key.ts";
import type { NamespaceKeyDir } from "./namespace-private-keys.ts";

export interface NamespaceScope {
  /** `--namespace-key`'s template (`s5-{namespace}`). */
  template?: string | undefined;
  /** `--namespace-private-keys`'s directory. */
  keyDir?: NamespaceKeyDir | undefined;
}

const TOKENS: Record<BackendName, string> = {
  aes: "an AES token",
  local: "a local-key token",
  vault: "a Vault token",
};

/** What this controller opens a namespace's tokens with, for a refusal. */
function refusal(name: BackendName, scope: NamespaceScope, namespace: string): KubernetesError {
  const opens: string[] = [];
  const seal: string[] = [];
  if (scope.template !== undefined) {
    opens.push("Vault tokens with that namespace's transit key (--namespace-key)");
    seal.push(`Vault transit key ${namespaceKeyOf(scope.template, namespace)}`);
  }
  if (scope.keyDir) {
    opens.push("local-key tokens with that namespace's key file (--namespace-private-keys)");
    seal.push(`a local key that ${scope.keyDir.dir}/${namespace} opens`);
  }
  return new KubernetesError(
    "S5_K8S_NAMESPACE_KEY",
    `${TOKENS[name]} is not opened by this controller: it opens each namespace's ${opens.join(", and ")}`,
    { exitCode: ExitCode.decrypt, hint: `seal the value with ${seal.join(" or ")}` },
  );
}

/** `base` for the S5Secrets of `namespace`: each backend with its key, no other backend. */
export function namespaceBackends(
  base: Backends,
  scope: NamespaceScope,
  namespace: string,
): Backends {
  return {
    goToolBackend: base.goToolBackend,
    async get(name): Promise<Backend> {
      if (name === "vault" && scope.template !== undefined) {
        return namespaceVault(await base.get("vault"), scope.template, namespace);
      }
      if (name === "local" && scope.keyDir) return scope.keyDir.backendOf(namespace);
      throw refusal(name, scope, namespace);
    },
    // The base backends are the controller's, closed by it.
    async [Symbol.asyncDispose]() {},
  };
}
