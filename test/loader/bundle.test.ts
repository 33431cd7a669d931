// `s5/config` inside an application that is itself bundled (esbuild ESM and CJS, webpack): the
// bundle is run from a directory that has only the bundle, .env, .s5.json and the two native or
// native module every bundler keeps external (sodium-native) — no s5 package on disk.
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import webpack from "webpack";
import { localProject, type Project, root, run } from "./helpers.ts";

const DB = "bundled-db-password-123";
const API = "bundled-api-key-456";
const EXTERNAL = ["sodium-native"];

const APP = [
  'import "s5/config";',
  'import { seen } from "./sibling.mjs";',
  "console.log(JSON.stringify({ DB_PASSWORD: seen.DB_PASSWORD, API_KEY: seen.API_KEY }));",
].join("\n");

/** A directory with what a deployment of the bundle holds. */
function deployment(project: Project): string {
  const dir = mkdtempSync(join(tmpdir(), "s5-deploy-"));
  mkdirSync(join(dir, "node_modules"));
  for (const name of EXTERNAL) {
    symlinkSync(join(root, "node_modules", name), join(dir, "node_modules", name), "dir");
  }
  for (const file of [".env", ".s5.json"]) copyFileSync(join(project.dir, file), join(dir, file));
  return dir;
}

function webpackBuild(entry: string, outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    webpack(
      {
        mode: "production",
        target: "node22",
        entry,
        output: { path: outDir, filename: "app.cjs", library: { type: "commonjs2" } },
        externals: Object.fromEntries(EXTERNAL.map((name) => [name, `commonjs ${name}`])),
        optimization: { minimize: false },
      },
      (error, stats) => {
        if (error) return reject(error);
        if (stats?.hasErrors()) return reject(new Error(stats.toString("errors-only")));
        resolve();
      },
    );
  });
}

describe("s5/config in a bundled application", () => {
  let project: Project;

  beforeAll(async () => {
    project = await localProject();
    const tokens = await project.encrypt([DB, API]);
    project.write({
      ".env": `DB_PASSWORD=${tokens[0]}\nAPI_KEY=${tokens[1]}\n`,
      "src/sibling.mjs": "export const seen = { ...process.env };\n",
      "src/app.mjs": APP,
    });
  });

  async function expectRuns(dir: string, file: string, path: RegExp) {
    const out = await run([file], { cwd: dir, env: { ...project.env, S5_CONFIG_DEBUG: "1" } });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ DB_PASSWORD: DB, API_KEY: API });
    expect(out.stderr).toMatch(path);
    expect(out.stderr).not.toContain(DB);
  }

  it("esbuild, ESM output: decrypts in the application's thread", async () => {
    const dir = deployment(project);
    await build({
      entryPoints: [join(project.dir, "src/app.mjs")],
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: join(dir, "app.mjs"),
      external: EXTERNAL,
      // esbuild's usual banner for CommonJS dependencies (dotenv) in an ESM bundle.
      banner: {
        js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
      },
      logLevel: "silent",
    });
    await expectRuns(dir, "app.mjs", /decrypted in this thread/);
  });

  it("esbuild, CommonJS output (no import.meta): decrypts in the application's thread too", async () => {
    const dir = deployment(project);
    await build({
      entryPoints: [join(project.dir, "src/app.mjs")],
      bundle: true,
      platform: "node",
      format: "cjs",
      outfile: join(dir, "app.cjs"),
      external: EXTERNAL,
      logLevel: "silent",
    });
    // The engine finds sodium-native from the main script, so no worker is needed here either.
    await expectRuns(dir, "app.cjs", /decrypted in this thread/);
  });

  it("webpack (CommonJS output)", async () => {
    const dir = deployment(project);
    await webpackBuild(join(project.dir, "src/app.mjs"), dir);
    await expectRuns(dir, "app.cjs", /decrypted in this thread/);
  });
});
