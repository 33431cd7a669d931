/** Reading and writing the project config and this user's identity file. */
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { type ProjectConfig, readProjectFile } from "@s5/core";
import {
  encodeSecretKey,
  generateIdentity,
  type Identity,
  parseSecretKeys,
  publicKeysOf,
  readKeyFile,
} from "@s5/core/internal";
import { writeOutputs } from "./write.ts";

export async function writeProject(file: string, config: ProjectConfig): Promise<void> {
  // `$schema` (kept when the file had one) comes first, where editors and people look for it.
  const { $schema, ...rest } = config;
  const ordered = $schema === undefined ? rest : { $schema, ...rest };
  const text = `${JSON.stringify(ordered, null, 2)}\n`;
  await writeOutputs([{ path: file, pieces: [Buffer.from(text)] }], { secret: false });
}

/** Where `@s5/core` keeps the schema, in a project's `node_modules` (hoisted, or under `s5`). */
const INSTALLED_SCHEMA = [
  ["node_modules", "@s5", "core", "s5.schema.json"],
  ["node_modules", "s5", "node_modules", "@s5", "core", "s5.schema.json"],
];

/**
 * The `$schema` for a new project config in `dir`: the schema installed with s5 (a relative path,
 * so editors need no network), else the published one of this version of `@s5/core`.
 */
export function schemaReference(dir: string): string {
  for (let at = resolve(dir); ; at = dirname(at)) {
    for (const parts of INSTALLED_SCHEMA) {
      const candidate = join(at, ...parts);
      if (!existsSync(candidate)) continue;
      const path = relative(resolve(dir), candidate).split(sep).join("/");
      return path.startsWith("../") ? path : `./${path}`;
    }
    if (dirname(at) === at) break;
  }
  const { version } = createRequire(import.meta.url)("@s5/core/package.json") as {
    version: string;
  };
  return `https://unpkg.com/@s5/core@${version}/s5.schema.json`;
}

export function readProjectIfAny(file: string): ProjectConfig | undefined {
  return existsSync(file) ? readProjectFile(file) : undefined;
}

/**
 * This user's identity, created (mode 0600, directory 0700) when there is none yet. An existing
 * file that others can read is refused, and one without a key is replaced by a 0600 file.
 */
export async function ensureIdentity(
  file: string,
): Promise<{ identity: Identity; created: boolean }> {
  const existing = readKeyFile(file, "the identity file", false, "S5_IDENTITY_FILE");
  if (existing !== undefined) {
    const [secret] = parseSecretKeys(existing, `the identity file ${file}`);
    if (secret) {
      const [publicKey] = await publicKeysOf([secret]);
      const secretKey = encodeSecretKey(secret);
      return { identity: { secretKey, publicKey: publicKey! }, created: false };
    }
  }
  const identity = await generateIdentity();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text =
    "# s5 identity: your secret key for local-key tokens. Keep it private; never commit it.\n" +
    `# created: ${new Date().toISOString()}\n` +
    `# public key: ${identity.publicKey}\n` +
    `${identity.secretKey}\n`;
  await writeOutputs([{ path: file, pieces: [Buffer.from(text)] }], { secret: true });
  return { identity, created: true };
}
