/**
 * Vite copies its public directory into a client build as is, without any plugin seeing the
 * files: a token there would reach the browser without the client build failing. The files are
 * read once per client build (only in `generateBundle`, not on the dev server) and checked for a
 * token; core's cheap hint skips the others.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { formatLocation } from "@s5/core";
import { tokensIn } from "./outputs.ts";

interface ViteBuildConfig {
  command?: string;
  publicDir?: string | false;
  build?: { copyPublicDir?: boolean };
}

/** The files of the public directory a client build will copy, or none. */
function publicFiles(config: ViteBuildConfig | undefined, root: string) {
  const dir = config?.publicDir;
  if (config?.command !== "build" || !dir || config.build?.copyPublicDir === false) return [];
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true, encoding: "utf8" });
  } catch {
    return []; // no public directory
  }
  const files: { name: string; text: string }[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    try {
      files.push({ name: relative(root, path), text: readFileSync(path, "latin1") });
    } catch {
      // a directory
    }
  }
  return files;
}

/** The error message for tokens in the public directory, if any (`config`: Vite's environment config). */
export function scanPublicDir(config: unknown, root: string): string | undefined {
  const found = tokensIn(publicFiles(config as ViteBuildConfig | undefined, root));
  if (found.length === 0) return undefined;
  const where = found.map(formatLocation);
  const shown = where.length > 5 ? [...where.slice(0, 5), `… ${where.length - 5} more`] : where;
  return (
    `[s5] ${shown.join(", ")}: an s5 token in Vite's public directory, which is copied into the ` +
    "client output as is. Move the file into the source tree and import it from server code, or " +
    "remove the token."
  );
}
