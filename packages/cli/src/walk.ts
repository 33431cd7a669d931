/**
 * Lists the files under the paths given, honouring .gitignore files (and never entering .git or
 * node_modules). Files named explicitly are always listed.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { IoError } from "@s5/core";
import ignore, { type Ignore } from "ignore";

interface Rules {
  base: string;
  rules: Ignore;
}

function loadRules(dir: string): Rules | undefined {
  try {
    return { base: dir, rules: ignore().add(readFileSync(join(dir, ".gitignore"), "utf8")) };
  } catch {
    return undefined;
  }
}

function ignored(path: string, isDir: boolean, stack: readonly Rules[]): boolean {
  for (const { base, rules } of stack) {
    const rel = relative(base, path).split(sep).join("/");
    if (rel && !rel.startsWith("..") && rules.ignores(isDir ? `${rel}/` : rel)) return true;
  }
  return false;
}

function walkDir(dir: string, stack: Rules[], out: string[]): void {
  const own = loadRules(dir);
  const rules = own ? [...stack, own] : stack;
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  for (const entry of entries) {
    if (entry.name === ".git" || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!ignored(path, true, rules)) walkDir(path, rules, out);
    } else if (entry.isFile() && !ignored(path, false, rules)) {
      out.push(path);
    }
  }
}

/** Files to look at for `s5 ls` and `s5 check`: default the current directory. */
export function listFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths.length > 0 ? paths : ["."]) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (cause) {
      throw new IoError(
        "S5_INPUT",
        `cannot read ${path} (${(cause as { code?: string }).code ?? "error"})`,
        {
          cause,
        },
      );
    }
    if (isDir) walkDir(path, [], out);
    else out.push(path);
  }
  return out;
}

/**
 * A file with a NUL byte near its start is not text — unless it is UTF-16 (a byte-order mark),
 * which core reports when it holds tokens.
 */
export function looksBinary(content: Uint8Array): boolean {
  const utf16 =
    (content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff);
  return !utf16 && content.subarray(0, 8192).includes(0);
}
