/**
 * Files that decide whom s5 trusts with the Vault token: the CA of VAULT_CACERT, the directory of
 * VAULT_CAPATH and each CA file in it. Whoever can change them can make s5 accept their own server
 * (with a position on the network path) and receive the token and every value. So the rule of
 * ../trusted-path.ts applies: the file, every directory above it and every link on the way belong
 * to root or to this user, and none is writable by everyone (unless sticky; never the VAULT_CAPATH
 * directory itself, where anyone could add a CA); a group may write. A read-only mount is fine
 * whatever its owners and mode bits say (a Kubernetes ConfigMap volume's directory shows 0777).
 */
import { ConfigError } from "../errors.ts";
import { pathTrust, type Untrusted } from "../trusted-path.ts";

/** Checks the CA files of one configuration; one per read, so a directory's files share lookups. */
export type CaCheck = (path: string, setting: string) => void;

/** What to do about `part` of the CA `path` that `setting` names. */
function hintFor(part: Untrusted, path: string, variable: string): string {
  if (part.reason === "writable") {
    const shared =
      part.directory && !part.target ? ` (or \`chmod +t ${part.entry}\`, as /tmp is)` : "";
    return `run \`chmod o-w ${part.entry}\`${shared}, or keep the CA where only root or you can change it (a group may write)`;
  }
  const what =
    part.link && variable !== "VAULT_CAPATH"
      ? `point ${variable} at the file itself (\`realpath ${path}\`), if you trust it`
      : variable === "VAULT_CAPATH"
        ? `copy the CA files to a directory of yours (\`cp -r ${path} ~/vault-ca\`) and point VAULT_CAPATH there`
        : `copy the CA to a file of yours (\`cp ${path} ~/vault-ca.pem\`) and point ${variable} there`;
  return `the CA and every directory above it must belong to root or to you: ${what}`;
}

/**
 * A check that throws `S5_CONFIG_VAULT_TLS` when another user can change a CA file or directory
 * (`setting` names it: `VAULT_CACERT`, `VAULT_CAPATH`, `a file in VAULT_CAPATH`). Call after
 * reading: a path that names nothing is reported by the read.
 */
export function caCheck(): CaCheck {
  const check = pathTrust();
  return (path, setting) => {
    const variable = setting.endsWith("VAULT_CAPATH") ? "VAULT_CAPATH" : setting;
    let part: Untrusted | undefined;
    try {
      part = check(path, setting === "VAULT_CAPATH");
    } catch (cause) {
      const code = (cause as { code?: string }).code ?? "error";
      throw new ConfigError(
        "S5_CONFIG_VAULT_TLS",
        `${setting} (${path}): cannot check who can change it (${code})`,
        { hint: `make ${path} and the directories above it readable by you`, cause },
      );
    }
    if (!part) return;
    throw new ConfigError(
      "S5_CONFIG_VAULT_TLS",
      `${setting} (${path}) can be changed by another user: ${part.text}; whoever changes it decides which server s5 trusts with the Vault token`,
      { hint: hintFor(part, path, variable) },
    );
  };
}

/** Throws when another user can change `path`, which `setting` names (a CA file or directory). */
export function refuseChangeable(path: string, setting: string): void {
  caCheck()(path, setting);
}
