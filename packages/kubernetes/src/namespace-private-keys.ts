/**
 * `--namespace-private-keys DIR`: an S5Secret's local-key tokens open only with its namespace's
 * own key file, `DIR/NAMESPACE` (a Secret mounted as a directory), and the project config
 * `DIR/NAMESPACE.json` when there is one. A team that copies another team's key entry into its
 * `.s5.json` gains nothing: that entry is sealed to the other namespace's key. So one key in two
 * namespaces' files is refused. Files are read again when they change (the kubelet swaps a
 * mounted Secret's files), never for each token. What a key file holds is core's to know.
 */
import { type Backend, ExitCode, type ItemResult, S5Error } from "@s5/core";
import { type KeyFilesBackend, localBackendOfFiles } from "@s5/core/internal";
import { KubernetesError } from "./errors.ts";

const { readdirSync, statSync } = process.getBuiltinModule("node:fs");
const { join } = process.getBuiltinModule("node:path");

const FLAG = "--namespace-private-keys";

/** A namespace name (DNS-1123 label): nothing else is joined to the directory. */
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The key files of every namespace, one directory. */
export interface NamespaceKeyDir {
  readonly dir: string;
  /** The local backend of `namespace`'s S5Secrets (a KubernetesError when it has none). */
  backendOf(namespace: string): Backend;
}

/** What a file was when read: another file, a write or a chmod since makes another stamp. */
function stampOf(file: string): string | undefined {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.mode}`;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Not there: none. Not to be looked at (EACCES): core's read says why, until that changes.
    return code === "ENOENT" ? undefined : `error:${code}`;
  }
}

/** A failure of one namespace's files: its own code, so that no fresh Vault login follows. */
function fileError(error: unknown, namespace: string): S5Error {
  if (!(error instanceof S5Error)) throw error;
  return new KubernetesError("S5_K8S_NAMESPACE_KEY_FILE", error.message, {
    exitCode: error.exitCode,
    hint: error.hint ?? `namespace ${namespace}'s key file: see the error above`,
    cause: error,
  });
}

interface Loaded {
  stamps: string;
  result: KeyFilesBackend | S5Error;
}

/** Stops the controller at its start when `dir` is not a directory. */
export function checkNamespaceKeyDir(dir: string): string {
  try {
    if (statSync(dir).isDirectory()) return dir;
  } catch {
    // said below
  }
  throw new KubernetesError("S5_K8S_FLAG", `${FLAG} must name a directory: ${dir} is none`, {
    hint: "the directory a Secret of one key file per namespace is mounted at (the chart's namespacePrivateKeysSecret)",
  });
}

/** The backends of the namespaces whose key files are in `dir` (checked first). */
export function openNamespaceKeyDir(dir: string): NamespaceKeyDir {
  checkNamespaceKeyDir(dir);
  const loaded = new Map<string, Loaded>();

  /** Namespace `namespace`'s files, read again only when one changed; undefined: no key file. */
  const load = (namespace: string): KeyFilesBackend | S5Error | undefined => {
    const keyFile = join(dir, namespace);
    const configFile = join(dir, `${namespace}.json`);
    const keyStamp = stampOf(keyFile);
    if (keyStamp === undefined) {
      loaded.delete(namespace);
      return undefined;
    }
    const configStamp = stampOf(configFile);
    const stamps = `${keyStamp}|${configStamp ?? ""}`;
    const before = loaded.get(namespace);
    if (before?.stamps === stamps) return before.result;
    let result: KeyFilesBackend | S5Error;
    try {
      result = localBackendOfFiles({
        keyFile,
        configFile: configStamp === undefined ? undefined : configFile,
        setting: FLAG,
      });
    } catch (error) {
      result = fileError(error, namespace);
    }
    loaded.set(namespace, { stamps, result });
    return result;
  };

  /** Another namespace whose key file holds one of `publicKeys`. */
  const sharedWith = (namespace: string, publicKeys: readonly string[]): string | undefined => {
    for (const other of readdirSync(dir).sort()) {
      if (other === namespace || !LABEL.test(other)) continue;
      const theirs = load(other);
      if (theirs && !(theirs instanceof S5Error)) {
        if (theirs.publicKeys.some((key) => publicKeys.includes(key))) return other;
      }
    }
    return undefined;
  };

  return {
    dir,
    backendOf(namespace) {
      if (!LABEL.test(namespace)) {
        throw new KubernetesError(
          "S5_K8S_NAMESPACE_KEY",
          `the S5Secret's namespace \`${namespace}\` is no namespace name, so it has no key file`,
        );
      }
      const keyFile = join(dir, namespace);
      const result = load(namespace);
      if (result === undefined) throw missing(namespace, keyFile);
      if (result instanceof S5Error) throw result;
      const other = sharedWith(namespace, result.publicKeys);
      if (other !== undefined) throw shared(namespace, other, dir);
      return scoped(result.backend, namespace, keyFile);
    },
  };
}

function missing(namespace: string, keyFile: string): KubernetesError {
  return new KubernetesError(
    "S5_K8S_NAMESPACE_KEY_FILE",
    `namespace ${namespace} has no private key file ${keyFile}: this controller opens its local-key tokens only with that file (${FLAG}); the S5Secret waits for it`,
    {
      exitCode: ExitCode.key,
      hint: `make the namespace's key (\`s5 keys generate > ${namespace}\`, mode 0600) and add it to the mounted Secret as key ${namespace} (\`kubectl -n CONTROLLER_NAMESPACE create secret generic SECRET --from-file=${namespace}=./${namespace} …\`, the chart's namespacePrivateKeysSecret); it is read without a restart`,
    },
  );
}

function shared(namespace: string, other: string, dir: string): KubernetesError {
  return new KubernetesError(
    "S5_K8S_NAMESPACE_KEY_SHARED",
    `namespaces ${namespace} and ${other} hold the same private key in ${dir}: each would open the other's tokens, so neither opens any`,
    {
      exitCode: ExitCode.config,
      hint: `give each namespace a key of its own (\`s5 keys generate\`), then have the team of the one whose key changed add the new public key to its project (\`s5 keys add\`)`,
    },
  );
}

/** Core's "not this project's key" as this namespace's: the token was sealed for another. */
const ANOTHER_KEY = new Set(["S5_KEY_LOCAL_UNKNOWN", "S5_KEY_LOCAL_NOT_RECIPIENT"]);

function scoped(backend: Backend, namespace: string, keyFile: string): Backend {
  const hint =
    `this controller opens the local-key tokens of namespace ${namespace}'s S5Secrets only with the keys in ${keyFile} and the project keys of ${keyFile}.json they unlock (${FLAG}): ` +
    `a token sealed with another namespace's key does not open here. Seal in a project that namespace ${namespace}'s key opens: ` +
    `add its public key there (\`s5 keys add k8s-${namespace} s5pk-…\`; the cluster admin has it) and have the admin put that project's .s5.json at ${keyFile}.json ` +
    "(again after each `s5 keys rotate`), or seal with the project key that file holds";
  // Not `decryptSync`: every token goes through the mapping below.
  const { decryptSync: _, ...rest } = backend;
  return {
    ...rest,
    async decrypt(bodies) {
      // One error object per error object, so a report still groups the tokens they stopped.
      const seen = new Map<S5Error, S5Error>();
      return (await backend.decrypt(bodies)).map((result): ItemResult<Uint8Array> => {
        if (result.ok || !ANOTHER_KEY.has(result.error.code)) return result;
        let error = seen.get(result.error);
        if (!error) {
          error = new KubernetesError("S5_K8S_NAMESPACE_KEY", result.error.message, {
            exitCode: ExitCode.decrypt,
            hint,
          });
          seen.set(result.error, error);
        }
        return { ok: false, error };
      });
    },
  };
}
