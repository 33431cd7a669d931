/**
 * `--namespace-private-keys DIR`: an S5Secret's local-key tokens open only with its namespace's
 * own key file, `DIR/NAMESPACE` (a Secret mounted as a directory), and the project config
 * `DIR/NAMESPACE.json` when there is one. A team that copies another team's key entry into its
 * `.s5.json` gains nothing: that entry is sealed to the other namespace's key. So one key in two
 * namespaces' files is refused. Files are read again when they change (the kubelet swaps a
 * mounted Secret's files), never for each token. What a key file holds is core's to know.
 */
import {
  type Backend,
  ConfigError,
  ExitCode,
  formatLocation,
  type ItemResult,
  S5Error,
} from "@s5/core";
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

/** What a path was when looked at: another file, a write or a chmod since makes another stamp. */
interface Stamp {
  text: string;
  /** Not a FIFO, a socket or a device: opening it cannot wait forever. */
  readable: boolean;
}

function stampOf(path: string): Stamp | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return {
      text: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.mode}`,
      readable: s.isFile() || s.isDirectory(),
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Not there: none. Not to be looked at (EACCES): core's read says why, until that changes.
    return code === "ENOENT" ? undefined : { text: `error:${code}`, readable: true };
  }
}

/** A failure of one namespace's files: its own code, so that no fresh Vault login follows. */
function fileError(error: unknown, namespace: string): S5Error {
  if (!(error instanceof S5Error)) throw error;
  // The team config is the team's .s5.json, which the admin copied: the team fixes it.
  const hint =
    error instanceof ConfigError
      ? `${error.hint ? `${error.hint}; ` : ""}this is the .s5.json of namespace ${namespace}'s team, mounted as key ${namespace}.json: have the team fix it in their project, then replace that key in the Secret (or remove it: then only tokens of a project key in the key file open)`
      : (error.hint ?? `namespace ${namespace}'s key file: see the error above`);
  // The place in the file goes into the message: a token's place replaces the error's own.
  const where = error.location ? `${formatLocation(error.location)}: ` : "";
  return new KubernetesError("S5_K8S_NAMESPACE_KEY_FILE", `${where}${error.message}`, {
    exitCode: error.exitCode,
    hint,
    cause: error,
  });
}

/** A pipe's open waits for a writer, and the controller's reads are synchronous: not opened. */
function notRegular(file: string): KubernetesError {
  return new KubernetesError(
    "S5_K8S_NAMESPACE_KEY_FILE",
    `${file} is not a regular file (a pipe, a socket or a device): ${FLAG} does not read it`,
    {
      exitCode: ExitCode.key,
      hint: "put the namespace's key file there, as the chart mounts namespacePrivateKeysSecret(s)",
    },
  );
}

/** The keys a namespace opens tokens of, for the shared check (public halves). */
interface Held {
  /** The key file's, also when its config failed. */
  publicKeys: readonly string[];
  /** Whether the team config's project key of this public half opens with the key file. */
  unlocks(publicKey: string): boolean;
}

interface Loaded extends Held {
  stamps: string;
  result: KeyFilesBackend | S5Error;
}

/**
 * How `a` and `b` share a key: one key in both files, or one file's key a project key that the
 * other's config opens. Both configs opening one project key is a project shared on purpose.
 */
function sharing(a: Held, b: Held): "file" | "config" | undefined {
  // Plain loops: this runs for every other namespace on every token.
  for (const key of a.publicKeys) if (b.publicKeys.includes(key)) return "file";
  for (const key of a.publicKeys) if (b.unlocks(key)) return "config";
  for (const key of b.publicKeys) if (a.unlocks(key)) return "config";
  return undefined;
}

/** A namespace whose config failed: it opens no project key. */
const opensNone = () => false;

/** Reads `namespace`'s key file and config (none when `config` is undefined), just stamped. */
function readFiles(
  dir: string,
  namespace: string,
  key: Stamp,
  config: Stamp | undefined,
): Omit<Loaded, "stamps"> {
  const keyFile = join(dir, namespace);
  const configFile = join(dir, `${namespace}.json`);
  const none = { publicKeys: [], unlocks: opensNone };
  if (!key.readable) return { result: notRegular(keyFile), ...none };
  if (config && !config.readable) return { result: notRegular(configFile), ...none };
  const open = (withConfig: boolean) =>
    localBackendOfFiles({
      keyFile,
      configFile: withConfig ? configFile : undefined,
      configName: `namespace ${namespace}'s team config`,
      setting: FLAG,
    });
  try {
    const result = open(config !== undefined);
    return { result, publicKeys: result.publicKeys, unlocks: result.unlocks };
  } catch (error) {
    let publicKeys: readonly string[] = [];
    try {
      // A config that fails leaves the key file's keys to be compared.
      if (config !== undefined) publicKeys = open(false).publicKeys;
    } catch {
      // the key file's own failure: no keys known
    }
    return { result: fileError(error, namespace), publicKeys, unlocks: opensNone };
  }
}

/** Stops the controller at its start when `dir` is not a directory. */
export function checkNamespaceKeyDir(dir: string): string {
  try {
    if (statSync(dir).isDirectory()) return dir;
  } catch {
    // said below
  }
  throw new KubernetesError("S5_K8S_FLAG", `${FLAG} must name a directory: ${dir} is none`, {
    hint: "the directory the Secrets of one key file per namespace are mounted at (the chart's namespacePrivateKeysSecret or namespacePrivateKeysSecrets)",
  });
}

/**
 * The backends of the namespaces whose key files are in `dir` (checked first).
 *
 * The shared-key check costs no read of the directory per token: each namespace's files are
 * looked at (two stats, and one of the directory) when its tokens are opened, and every other
 * namespace's only when the directory or this namespace's files changed (measured: 11 ms a
 * token with 1000 namespaces when every file was looked at each time). A key written in place
 * into another namespace's file is found when that namespace's tokens are opened next: until
 * then it opens nothing, and from then on neither does.
 */
export function openNamespaceKeyDir(dir: string): NamespaceKeyDir {
  checkNamespaceKeyDir(dir);
  const loaded = new Map<string, Loaded>();
  let dirStamp: string | undefined;

  /** Namespace `namespace`'s files, read again only when one changed (`read`); none: no key file. */
  const load = (namespace: string): { entry?: Loaded; read: boolean } => {
    const keyStamp = stampOf(join(dir, namespace));
    if (keyStamp === undefined) {
      loaded.delete(namespace);
      return { read: false };
    }
    const configStamp = stampOf(join(dir, `${namespace}.json`));
    const stamps = `${keyStamp.text}|${configStamp?.text ?? ""}`;
    const before = loaded.get(namespace);
    if (before?.stamps === stamps) return { entry: before, read: false };
    const entry = { stamps, ...readFiles(dir, namespace, keyStamp, configStamp) };
    loaded.set(namespace, entry);
    return { entry, read: true };
  };

  /** Every namespace's files, as they are now (each read again only if it changed). */
  const loadAll = () => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      throw unlisted(dir, error);
    }
    for (const other of names) if (LABEL.test(other)) load(other);
  };

  /** Another namespace that shares a key with `held`, as its files are now, and how. */
  const sharedWith = (namespace: string, held: Held) => {
    const others = [...loaded]
      .filter(([other, entry]) => other !== namespace && sharing(held, entry) !== undefined)
      .map(([other]) => other)
      .sort();
    for (const other of others) {
      const entry = load(other).entry;
      const how = entry && sharing(held, entry);
      if (how) return { other, how };
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
      const { entry, read } = load(namespace);
      if (entry === undefined) throw missing(namespace, keyFile);
      if (entry.result instanceof S5Error) throw entry.result;
      // A file added, removed or swapped (the kubelet's `..data`) changes the directory.
      const stamp = stampOf(dir)?.text;
      if (read || stamp !== dirStamp) {
        dirStamp = undefined;
        loadAll();
        dirStamp = stamp;
      }
      const other = sharedWith(namespace, entry);
      if (other !== undefined) throw shared(namespace, other.other, dir, other.how);
      return scoped(entry.result.backend, namespace, keyFile);
    },
  };
}

/** No shared-key check without the list of files: no namespace's tokens open. */
function unlisted(dir: string, error: unknown): KubernetesError {
  const code = (error as { code?: string }).code ?? "unknown";
  return new KubernetesError(
    "S5_K8S_NAMESPACE_KEY_FILE",
    `cannot list ${dir} (${code}): the namespaces' keys cannot be compared, so none of them opens a token`,
    { exitCode: ExitCode.key, hint: `let the controller read the directory given to ${FLAG}` },
  );
}

function missing(namespace: string, keyFile: string): KubernetesError {
  return new KubernetesError(
    "S5_K8S_NAMESPACE_KEY_FILE",
    `namespace ${namespace} has no private key file ${keyFile}: this controller opens its local-key tokens only with that file (${FLAG}); the S5Secret waits for it`,
    {
      exitCode: ExitCode.key,
      hint: `make the namespace's key (\`s5 keys generate > ${namespace}\`, mode 0600) and add it as key ${namespace} to a mounted Secret, the one that holds or will hold ${namespace}.json (\`kubectl -n CONTROLLER_NAMESPACE create secret generic SECRET --from-file=${namespace}=./${namespace} …\`, the chart's namespacePrivateKeysSecret(s)); it is read without a restart`,
    },
  );
}

function shared(
  namespace: string,
  other: string,
  dir: string,
  how: "file" | "config",
): KubernetesError {
  const what =
    how === "file"
      ? "hold the same private key"
      : "share a project key (one's key file holds it, the other's team config opens it)";
  return new KubernetesError(
    "S5_K8S_NAMESPACE_KEY_SHARED",
    `namespaces ${namespace} and ${other} ${what} in ${dir}: each would open the other's tokens, so neither opens any`,
    {
      exitCode: ExitCode.config,
      hint:
        how === "file"
          ? "give each namespace a key of its own (`s5 keys generate`), then have the team of the one whose key changed add the new public key to its project (`s5 keys add`)"
          : "put no project key in a key file: give that namespace a key of its own (`s5 keys generate`) and have the project add it as a recipient (`s5 keys add`), as for a project two namespaces share on purpose",
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
