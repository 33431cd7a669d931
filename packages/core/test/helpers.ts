import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBackends } from "../src/backends.ts";
import { resolveSettings } from "../src/config.ts";
import { addProjectKey, generateIdentity } from "../src/local/manage.ts";

export const AES_KEY = "cc6af4c2bf251c1cce0aebdbd39dc91d";

/** Backends for tests: AES with a fixed key and local keys of a fresh project, no files. */
export async function testBackends() {
  const identity = await generateIdentity();
  const cwd = mkdtempSync(join(tmpdir(), "s5-core-"));
  const settings = resolveSettings({
    cwd,
    env: { S5_AES_KEY: AES_KEY, S5_PRIVATE_KEY: identity.secretKey, HOME: cwd },
    warn: () => {},
  });
  settings.project = { file: join(cwd, ".s5.json"), dir: cwd, config: {} };
  await addProjectKey(settings.project.config, [{ name: "test", publicKey: identity.publicKey }]);
  return createBackends(settings);
}
