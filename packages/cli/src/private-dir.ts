/**
 * A private temporary directory (0700) for plaintext that a program must read from a file: the
 * decrypted copy `s5 edit` opens, the files `s5 run --render` names. In memory when the system
 * has a place for it, so the plaintext never reaches a disk: `$XDG_RUNTIME_DIR` (a tmpfs of the
 * user's own, mode 0700, on systemd systems), else `/dev/shm`, else the temporary directory
 * (`$TMPDIR`). A place another user could have prepared is skipped (the next one is used, and
 * the caller says why); the directory made there must be this user's and private, or nothing is
 * written.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@s5/core";
import { isPrivateDirectory, tempParentRefusal } from "@s5/core/internal";

/** Where the directory is made, and why each place before it was passed over. */
export function privateParent(env: NodeJS.ProcessEnv = process.env): {
  dir: string;
  skipped: string[];
} {
  const skipped: string[] = [];
  const candidates: [string | undefined, string, boolean][] = [
    [env.XDG_RUNTIME_DIR, "$XDG_RUNTIME_DIR", true],
    [process.platform === "linux" ? "/dev/shm" : undefined, "/dev/shm", false],
  ];
  for (const [dir, name, exclusive] of candidates) {
    // Set but missing (a login without a session): nothing to say about it.
    if (!dir || !existsSync(dir)) continue;
    const refusal = tempParentRefusal(dir, exclusive);
    if (refusal === undefined) return { dir, skipped };
    skipped.push(`${name} (${dir}) ${refusal}`);
  }
  const last = tmpdir();
  const refusal = tempParentRefusal(last, false);
  if (refusal !== undefined) {
    throw new ConfigError(
      "S5_CONFIG_TEMP_DIR",
      `no private place for a temporary directory: the temporary directory ${last} ${refusal}`,
      { hint: "set TMPDIR to a directory of yours that only you can change (mode 0700)" },
    );
  }
  return { dir: last, skipped };
}

/**
 * A new private directory (0700) named `PREFIX…`, how to remove it with all it holds, and the
 * places passed over for it (see {@link privateParent}).
 */
export function makePrivateDir(prefix: string): {
  dir: string;
  remove: () => void;
  skipped: string[];
} {
  const { dir: parent, skipped } = privateParent();
  const dir = mkdtempSync(join(parent, prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (!isPrivateDirectory(dir)) {
    remove();
    throw new ConfigError(
      "S5_CONFIG_TEMP_DIR",
      `the temporary directory ${dir} is not private to you after it was made; nothing was written`,
      { hint: `check who else can change ${parent}, or set TMPDIR to a directory of yours` },
    );
  }
  return { dir, remove, skipped };
}
