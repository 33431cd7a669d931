/** Reading and writing the project config and this user's identity file. */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  encodeSecretKey,
  generateIdentity,
  type Identity,
  type ProjectConfig,
  parseSecretKeys,
  publicKeysOf,
  readKeyFile,
  readProjectFile,
} from "@s5/core";
import { writeOutputs } from "./write.ts";

export async function writeProject(file: string, config: ProjectConfig): Promise<void> {
  const text = `${JSON.stringify(config, null, 2)}\n`;
  await writeOutputs([{ path: file, pieces: [Buffer.from(text)] }], { secret: false });
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
  const existing = readKeyFile(file, "the identity file", false);
  if (existing !== undefined) {
    const [secret] = parseSecretKeys(existing);
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
