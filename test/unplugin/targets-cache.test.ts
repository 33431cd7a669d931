// Plaintexts stay out of the places a build keeps or ships: webpack's filesystem cache (whatever
// form the value takes there), an esbuild browser build (decided per build, with esbuild's own
// default platform), and Vite's public directory (copied as is: a token there fails the build).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import s5esbuild from "@s5/unplugin/esbuild";
import s5vite from "@s5/unplugin/vite";
import s5webpack from "@s5/unplugin/webpack";
import { build as esbuild } from "esbuild";
import { build as viteBuild } from "vite";
import { beforeAll, describe, expect, it } from "vitest";
import webpack from "webpack";
import { type Keys, makeKeys, readTree, tempProject } from "./setup.ts";

let keys: Keys;
beforeAll(async () => {
  keys = await makeKeys();
});

const project = (files: Record<string, string>) => tempProject("s5-targets-", files);

async function webpackRun(dir: string, mode: "development" | "production", entry: string) {
  const compiler = webpack({
    mode,
    target: "node",
    context: dir,
    entry,
    output: { path: join(dir, `dist-${mode}`), filename: "server.cjs" },
    optimization: { minimize: false },
    cache: { type: "filesystem", cacheDirectory: join(dir, ".cache") },
    plugins: [s5webpack({ env: keys.env })],
  });
  const stats = await new Promise<webpack.Stats | undefined>((resolve, reject) =>
    compiler.run((error, result) => (error ? reject(error) : resolve(result))),
  );
  await new Promise((resolve) => compiler.close(resolve));
  expect(stats?.hasErrors()).toBe(false);
}

describe("webpack filesystem cache", () => {
  it("holds no plaintext: devtool eval (escaped twice) and a template literal (`\\$`)", async () => {
    const quoted = 'Gamma"Secret\\Three-99';
    const dollars = "pa$$w0rd$Beta-TWO";
    const dir = project({
      "src/a.js": `export const a = "${await keys.encrypt(quoted)}";\n`,
      "src/b.js": `export const b = \`${await keys.encrypt(dollars)}\`;\n`,
      "src/development.js": 'import { a } from "./a.js";\nconsole.log(JSON.stringify({ a }));\n',
      "src/production.js": 'import { b } from "./b.js";\nconsole.log(JSON.stringify({ b }));\n',
    });
    await webpackRun(dir, "development", "./src/development.js");
    await webpackRun(dir, "production", "./src/production.js");
    const cache = existsSync(join(dir, ".cache")) ? readTree(join(dir, ".cache")) : "";
    expect(cache.length).toBeGreaterThan(0);
    expect(cache).not.toContain("Gamma");
    expect(cache).not.toContain("w0rd");
  });
});

describe("a later loader's own cache on disk (babel-loader's cacheDirectory)", () => {
  /**
   * A loader that caches as babel-loader does: what it is given, written under its options'
   * `cacheDirectory` (babel-loader: `node_modules/.cache/babel-loader`, the umask's mode).
   */
  const cachingLoader = [
    'const { mkdirSync, writeFileSync } = require("node:fs");',
    'const { createHash } = require("node:crypto");',
    "module.exports = function (source) {",
    "  const { cacheDirectory } = this.getOptions();",
    "  if (cacheDirectory) {",
    "    mkdirSync(cacheDirectory, { recursive: true });",
    '    const name = createHash("sha256").update(source).digest("hex");',
    '    writeFileSync(cacheDirectory + "/" + name + ".json", source);',
    "  }",
    "  return source;",
    "};",
    "",
  ].join("\n");

  const config = (dir: string, out: string) => ({
    mode: "production" as const,
    target: "node" as const,
    context: dir,
    entry: "./src/server.js",
    output: { path: join(dir, out), filename: "server.cjs" },
    optimization: { minimize: false },
    module: {
      rules: [
        {
          test: /\.js$/,
          use: {
            loader: join(dir, "caching-loader.cjs"),
            options: { cacheDirectory: join(dir, ".cache", out) },
          },
        },
      ],
    },
  });

  const files = async () => ({
    "caching-loader.cjs": cachingLoader,
    "src/secret.js": `export const password = "${await keys.encrypt("Babel-Cach3d-SECRET-7")}";\n`,
    "src/plain.js": "export const port = 5432;\n",
    "src/server.js":
      'import { password } from "./secret.js";\nimport { port } from "./plain.js";\nconsole.log(password.length, port);\n',
  });

  it("webpack: the module we decrypted is not cached there; the others still are", async () => {
    const dir = project(await files());
    const compiler = webpack({
      ...config(dir, "webpack"),
      plugins: [s5webpack({ env: keys.env })],
    });
    const stats = await new Promise<webpack.Stats | undefined>((resolve, reject) =>
      compiler.run((error, result) => (error ? reject(error) : resolve(result))),
    );
    await new Promise((resolve) => compiler.close(resolve));
    expect(stats?.hasErrors()).toBe(false);
    expect(readFileSync(join(dir, "webpack", "server.cjs"), "utf8")).toContain("Babel-Cach3d");
    const cache = readTree(join(dir, ".cache", "webpack"));
    expect(cache).toContain("5432");
    expect(cache).not.toContain("Babel-Cach3d");
  });

  it("Rspack: the same", async () => {
    const { rspack } = await import("@rspack/core");
    const s5rspack = (await import("@s5/unplugin/rspack")).default;
    const dir = project(await files());
    const compiler = rspack({ ...config(dir, "rspack"), plugins: [s5rspack({ env: keys.env })] });
    const stats = await new Promise<{ hasErrors(): boolean } | undefined>((resolve, reject) =>
      compiler.run((error, result) => (error ? reject(error) : resolve(result ?? undefined))),
    );
    await new Promise((resolve) => compiler.close(() => resolve(undefined)));
    expect(stats?.hasErrors()).toBe(false);
    expect(readFileSync(join(dir, "rspack", "server.cjs"), "utf8")).toContain("Babel-Cach3d");
    const cache = readTree(join(dir, ".cache", "rspack"));
    expect(cache).toContain("5432");
    expect(cache).not.toContain("Babel-Cach3d");
  });
});

describe("esbuild client or server", () => {
  const files = async (value: string) => ({
    "src/secret.ts": `export const apiKey = "${await keys.encrypt(value)}";\n`,
    "src/client.ts": 'import { apiKey } from "./secret.ts";\ndocument.title = apiKey;\n',
    "src/server.ts": 'import { apiKey } from "./secret.ts";\nconsole.log(apiKey.length);\n',
  });

  it("one plugin instance shared by a browser and a node build at once: the browser build fails", async () => {
    const dir = project(await files("Esb-Secr3t-VALUE-55"));
    const plugins = [s5esbuild({ env: keys.env })];
    const common = { absWorkingDir: dir, bundle: true, logLevel: "silent" as const, plugins };
    const [client, server] = await Promise.allSettled([
      esbuild({
        ...common,
        entryPoints: ["src/client.ts"],
        platform: "browser",
        outfile: join(dir, "dist/client.js"),
      }),
      esbuild({
        ...common,
        entryPoints: ["src/server.ts"],
        platform: "node",
        outfile: join(dir, "dist/server.js"),
      }),
    ]);
    expect(server.status).toBe("fulfilled");
    expect(client.status).toBe("rejected");
    expect(String((client as PromiseRejectedResult).reason)).toContain(
      "a secret token in a client",
    );
    const written = existsSync(join(dir, "dist/client.js"))
      ? readFileSync(join(dir, "dist/client.js"), "utf8")
      : "";
    expect(written).not.toContain("Esb-Secr3t");
  });

  it("one plugin instance shared by two builds at once: each keeps its own `loader` for a file", async () => {
    const value = "Esb-Loader-VALUE-77";
    const dir = project({
      "src/secret.txt": `${await keys.encrypt(value)}`,
      "src/main.ts": 'import text from "./secret.txt";\nexport default text;\n',
    });
    const plugins = [s5esbuild({ env: keys.env })];
    const common = {
      absWorkingDir: dir,
      bundle: true,
      logLevel: "silent" as const,
      platform: "node" as const,
      format: "esm" as const,
      entryPoints: ["src/main.ts"],
      plugins,
    };
    await Promise.all([
      esbuild({ ...common, loader: { ".txt": "text" }, outfile: join(dir, "dist/text.mjs") }),
      esbuild({ ...common, loader: { ".txt": "base64" }, outfile: join(dir, "dist/base64.mjs") }),
    ]);
    const text = await import(join(dir, "dist/text.mjs"));
    const base64 = await import(join(dir, "dist/base64.mjs"));
    expect(text.default).toBe(value);
    expect(base64.default).toBe(Buffer.from(value).toString("base64"));
  });

  it('`format: "cjs"` without `platform` is esbuild\'s browser platform: a client build', async () => {
    const dir = project(await files("Esb-Secr3t-VALUE-66"));
    const error = await esbuild({
      absWorkingDir: dir,
      entryPoints: ["src/client.ts"],
      bundle: true,
      format: "cjs",
      outfile: join(dir, "dist/client.js"),
      logLevel: "silent",
      plugins: [s5esbuild({ env: keys.env })],
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain("a secret token in a client");
  });
});

describe("Vite public directory", () => {
  it("a token in a public file fails the client build and names the file", async () => {
    const dir = project({
      "public/config.json": `{"apiKey": "${await keys.encrypt("Public-Dir-Secr3t")}"}\n`,
      "index.html": '<!doctype html><script type="module" src="/src/main.ts"></script>\n',
      "src/main.ts": 'fetch("/config.json").then((r) => r.json()).then(console.log);\n',
    });
    const error = await viteBuild({
      root: dir,
      configFile: false,
      logLevel: "silent",
      plugins: [s5vite({ env: keys.env })],
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain("public/config.json:1:13");
    expect(error?.message).toContain("public directory");
  });
});
