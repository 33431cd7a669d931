/**
 * Files that decide whom s5 trusts with the Vault token: the CA of VAULT_CACERT and the directory
 * of VAULT_CAPATH. Whoever can change them can make s5 accept their own server (with a position
 * on the network path) and receive the token and every value. Only their owner, or root, may
 * change them; a read-only mount is fine whatever its mode bits say (a Kubernetes ConfigMap
 * volume's directory shows 0777 but cannot be written).
 */
import { ConfigError } from "../errors.ts";

// Not `import … from "node:fs"`: its ESM facade costs milliseconds at every application start.
const { accessSync, constants, statSync } = process.getBuiltinModule("node:fs");

/** The mode (`0666`) of a file or directory that group or others can change, else undefined. */
export function othersCanChange(path: string): string | undefined {
  if (process.platform === "win32") return undefined;
  let mode: number;
  try {
    mode = statSync(path).mode; // through symlinks: what is read
  } catch {
    return undefined; // reading it reports that
  }
  if ((mode & 0o022) === 0) return undefined;
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    if ((error as { code?: string }).code === "EROFS") return undefined;
  }
  return `0${(mode & 0o777).toString(8)}`;
}

/** Throws when group or others can change `path`, which `setting` names (a CA file or directory). */
export function refuseChangeable(path: string, setting: string): void {
  const mode = othersCanChange(path);
  if (!mode) return;
  throw new ConfigError(
    "S5_CONFIG_VAULT_TLS",
    `${setting} (${path}) can be changed by group or others (mode ${mode}): whoever changes it decides which server s5 trusts with the Vault token`,
    {
      hint: `run \`chmod go-w ${path}\`, or keep the CA where only you or root can write`,
    },
  );
}
