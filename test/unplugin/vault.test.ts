// One Vite build against a real OpenBao: tokens spread over many modules are decrypted in as few
// Vault batches as there are waves of the module graph (here: entry → 12 sibling modules → 1).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Backends } from "@s5/core";
import s5 from "@s5/unplugin/vite";
import { build } from "vite";
import { expect, it } from "vitest";
import {
  coreBackends,
  describeVault,
  newMount,
  tempDir,
  vaultEncrypt,
  vaultEnv,
} from "../vault/helpers.ts";

/** Counts the decrypt calls (one per batch) that reach the Vault backend. */
function counting(backends: Backends) {
  const counter = { batches: 0, bodies: 0 };
  const wrapped: Backends = {
    goToolBackend: backends.goToolBackend,
    [Symbol.asyncDispose]: () => backends[Symbol.asyncDispose](),
    async get(name) {
      const backend = await backends.get(name);
      return {
        ...backend,
        name: backend.name,
        encrypt: backend.encrypt.bind(backend),
        async decrypt(bodies) {
          counter.batches++;
          counter.bodies += bodies.length;
          return backend.decrypt(bodies);
        },
      };
    },
  };
  return { wrapped, counter };
}

describeVault("unplugin with Vault", () => {
  it("a build with 36 Vault tokens in 12 modules makes one decrypt batch per module-graph wave", async () => {
    const { mount, key } = await newMount("app");
    const env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
    const root = tempDir("s5-unplugin-vault-");
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "package.json"), '{ "type": "module" }\n');
    const expected: Record<string, string[]> = {};
    let entry = "";
    for (let m = 0; m < 12; m++) {
      const values = [0, 1, 2].map((i) => `value ${m}-${i} "quoted"`);
      expected[`m${m}`] = values;
      const tokens = await Promise.all(
        values.map(async (v) => `{{ s5:${await vaultEncrypt(mount, key, v)} }}`),
      );
      writeFileSync(
        join(root, "src", `m${m}.ts`),
        `export default [${tokens.map((t) => `"${t}"`).join(", ")}];\n`,
      );
      entry += `import m${m} from "./m${m}.ts";\n`;
    }
    entry += `export const all = { ${Object.keys(expected).join(", ")} };\n`;
    writeFileSync(join(root, "src", "entry.ts"), entry);

    const { wrapped, counter } = counting(coreBackends(env));
    await build({
      root,
      configFile: false,
      logLevel: "silent",
      plugins: [s5({ env, backends: wrapped })],
      build: { ssr: "src/entry.ts", outDir: join(root, "dist") },
    });
    const { all } = await import(pathToFileURL(join(root, "dist", "entry.js")).href);
    expect(all).toEqual(expected);
    expect(counter.bodies).toBe(36);
    // The 12 siblings are requested together; allow one straggler wave on a loaded machine.
    expect(counter.batches).toBeLessThanOrEqual(2);
    await wrapped[Symbol.asyncDispose]();
  });
});

describeVault("unplugin and the Go tool's 0.1.0 token form", () => {
  it("decrypts {{ vault:v1:… }} (the code filter does not skip it)", async () => {
    const { mount, key } = await newMount("app");
    const env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
    const root = tempDir("s5-unplugin-010-");
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "package.json"), '{ "type": "module" }\n');
    const ciphertext = await vaultEncrypt(mount, key, 'from "0.1.0"');
    writeFileSync(join(root, "src", "entry.ts"), `export const value = "{{ ${ciphertext} }}";\n`);
    await build({
      root,
      configFile: false,
      logLevel: "silent",
      plugins: [s5({ env })],
      build: { ssr: "src/entry.ts", outDir: join(root, "dist") },
    });
    const { value } = await import(pathToFileURL(join(root, "dist", "entry.js")).href);
    expect(value).toBe('from "0.1.0"');
  });
});
