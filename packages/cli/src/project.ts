/** Reading and writing the project config and this user's identity file. */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  encodeSecretKey,
  generateIdentity,
  type Identity,
  type ProjectConfig,
  parseSecretKeys,
  publicKeysOf,
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

/** This user's identity, created (mode 0600, directory 0700) when there is none yet. */
export async function ensureIdentity(
  file: string,
): Promise<{ identity: Identity; created: boolean }> {
  if (existsSync(file)) {
    const [secret] = parseSecretKeys(readFileSync(file, "utf8"));
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
