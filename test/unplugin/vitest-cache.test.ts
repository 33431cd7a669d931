// Vitest's `fsModuleCache` (opt-in since Vitest 4) writes each transformed module to disk, under
// node_modules by default, with the mode the umask gives: a module the plugin decrypted would be
// stored there with its plaintexts. The plugin keeps every module that holds a token out of it.
// A real Vitest run in a child process, with the cache on.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runChild } from "../child.ts";
import { sealedBeforeAll, tempProject } from "./setup.ts";

const VITEST = fileURLToPath(new URL("../../node_modules/vitest/vitest.mjs", import.meta.url));
const SECRET = "Sup3r-Secr3t-VALUE-42";
const sealed = sealedBeforeAll(SECRET);

/** Every file under `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("Vitest's module cache", () => {
  it("holds no module the plugin decrypted, and still caches the others", async () => {
    const root = tempProject("s5-vitest-cache-", {
      "vitest.config.mjs": `import s5 from "@s5/unplugin/vite";\nexport default { plugins: [s5()], test: { fsModuleCache: true, fsModuleCachePath: "./module-cache", include: ["a.test.mjs"] } };\n`,
      "secret.mjs": `export const password = "${sealed.token}";\n`,
      "plain.mjs": `export const greeting = "hello-from-the-cache";\n`,
      "a.test.mjs": `import { expect, it } from "vitest";\nimport { password } from "./secret.mjs";\nimport { greeting } from "./plain.mjs";\nit("reads both", () => {\n  expect(Buffer.from(password).toString("hex")).toBe("${Buffer.from(SECRET).toString("hex")}");\n  expect(greeting).toBe("hello-from-the-cache");\n});\n`,
    });
    // (The test file names the secret in hex: its own text is cached too.) This test runs inside Vitest: its own variables would make the child a worker of it.
    const env = Object.fromEntries(
      Object.entries(sealed.keys.env).filter(([name]) => !name.startsWith("VITEST")),
    );
    const run = await runChild(process.execPath, [VITEST, "run", "--root", root], {
      cwd: root,
      env: { ...env, NODE_ENV: "test" },
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const cached = filesUnder(join(root, "module-cache")).map((file) =>
      readFileSync(file, "latin1"),
    );
    // The cache is in use (the plain module is in it), and no file holds the secret.
    expect(cached.some((text) => text.includes("hello-from-the-cache"))).toBe(true);
    expect(cached.filter((text) => text.includes(SECRET))).toEqual([]);
    expect(cached.filter((text) => text.includes("password ="))).toEqual([]);
  });
});
