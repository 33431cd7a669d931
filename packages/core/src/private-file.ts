/**
 * Files that hold secret keys or credentials. As ssh does with private keys, s5 refuses a key file
 * that group or others may read or write: someone else may already have it, or may swap it.
 */
import { KeyError } from "./errors.ts";

// Not `import … from "node:fs"`: its ESM facade costs milliseconds at every application start.
const { readFileSync, statSync } = process.getBuiltinModule("node:fs");

/** Group or other bits are set (never on Windows, which has no such bits). */
export function isShared(mode: number): boolean {
  return process.platform !== "win32" && (mode & 0o077) !== 0;
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * Reads a file of secret keys, refusing one that group or others can access.
 * `undefined` when it does not exist and is not `required`.
 */
export function readKeyFile(file: string, what: string, required: boolean): string | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (cause) {
    if (!required && (cause as { code?: string }).code === "ENOENT") return undefined;
    throw new KeyError("S5_KEY_FILE", `cannot read ${what} ${file}`, { cause });
  }
  if (isShared(mode)) {
    throw new KeyError(
      "S5_KEY_FILE_MODE",
      `${what} ${file} is accessible by group or others (mode ${octal(mode)}); s5 will not use it`,
      {
        hint:
          `run \`chmod 600 ${file}\` (and replace the key if others may have read it); ` +
          "a Kubernetes Secret volume needs defaultMode: 0400",
      },
    );
  }
  try {
    return readFileSync(file, "utf8");
  } catch (cause) {
    throw new KeyError("S5_KEY_FILE", `cannot read ${what} ${file}`, { cause });
  }
}

/** The mode of a file others can access, for a warning; undefined when it is private or missing. */
export function sharedMode(file: string): string | undefined {
  try {
    const mode = statSync(file).mode;
    return isShared(mode) ? octal(mode) : undefined;
  } catch {
    return undefined;
  }
}
