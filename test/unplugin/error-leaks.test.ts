import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { rspack } from "@rspack/core";
import s5esbuild from "@s5/unplugin/esbuild";
import s5rspack from "@s5/unplugin/rspack";
import s5vite from "@s5/unplugin/vite";
import s5webpack from "@s5/unplugin/webpack";
import { build as esbuild } from "esbuild";
import { createServer, build as viteBuild } from "vite";
import { beforeAll, describe, expect, it } from "vitest";
import webpack from "webpack";
import { type Keys, makeKeys, tempProject } from "./setup.ts";

const SECRET = "Sup3r-Secr3t-VALUE-42";
let keys: Keys;
let token: string;

beforeAll(async () => {
  keys = await makeKeys();
  token = await keys.encrypt(SECRET);
});

const project = (files: Record<string, string>) => tempProject("s5-errors-", files);

const stripColours = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

describe("Vite dev server", () => {
  it("an SSR module with a syntax error: the error page holds no plaintext", async () => {
    const root = project({
      "src/server.ts": [
        `export const config = { password: "${token}" };`,
        "",
        "export function handler() {",
        "  const port: number = = 1; // a typo, away from the token",
        "  return port;",
        "}",
        "",
      ].join("\n"),
    });
    const server = await createServer({
      root,
      configFile: false,
      logLevel: "silent",
      server: { port: 0, host: "127.0.0.1" },
      plugins: [
        s5vite({ env: keys.env }),
        {
          name: "ssr-app",
          // Vite's documented SSR pattern: ssrLoadModule, ssrFixStacktrace, next(error).
          configureServer(dev) {
            dev.middlewares.use(async (req, res, next) => {
              if (req.url !== "/app") return next();
              try {
                await dev.ssrLoadModule("/src/server.ts");
                res.end("ok");
              } catch (error) {
                dev.ssrFixStacktrace(error as Error);
                next(error);
              }
            });
          },
        },
      ],
    });
    try {
      await server.listen();
      const { port } = server.httpServer!.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/app`);
      const page = await response.text();
      expect(response.status).toBe(500);
      expect(page).toContain("Unexpected token");
      expect(page).not.toContain(SECRET);
    } finally {
      await server.close();
    }
  });
});

describe("build logs", () => {
  it("webpack: a parse error on the line after a token shows no plaintext in its code frame", async () => {
    const dir = project({
      "src/server.js": `const password = "${token}";\nmodule.exports = { password, port: 5432,, host: "db" };\n`,
    });
    const compiler = webpack({
      mode: "production",
      target: "node",
      context: dir,
      entry: "./src/server.js",
      output: { path: join(dir, "dist"), filename: "server.cjs" },
      plugins: [s5webpack({ env: keys.env })],
    });
    const stats = await new Promise<webpack.Stats | undefined>((resolve, reject) =>
      compiler.run((error, result) => (error ? reject(error) : resolve(result))),
    );
    await new Promise((resolve) => compiler.close(resolve));
    const log = stats?.toString({ colors: false }) ?? "";
    expect(stats?.hasErrors()).toBe(true);
    expect(log).toContain("Module parse failed");
    expect(log).not.toContain(SECRET);
  });

  it("Rspack: the same parse error shows no plaintext either", async () => {
    const dir = project({
      "src/server.js": `const password = "${token}";\nmodule.exports = { password, port: 5432,, host: "db" };\n`,
    });
    const compiler = rspack({
      mode: "production",
      target: "node",
      context: dir,
      entry: "./src/server.js",
      output: { path: join(dir, "dist"), filename: "server.cjs" },
      plugins: [s5rspack({ env: keys.env })],
    });
    const stats = await new Promise<{ hasErrors(): boolean; toString(o: object): string }>(
      (resolve, reject) =>
        compiler.run((error, result) => (error || !result ? reject(error) : resolve(result))),
    );
    await new Promise((resolve) => compiler.close(resolve));
    const log = stats.toString({ colors: false });
    expect(stats.hasErrors()).toBe(true);
    expect(log).toContain("Module parse failed");
    expect(log).not.toContain(SECRET);
  });

  it("esbuild: a syntax error on a token's line is reported without the plaintext", async () => {
    const dir = project({
      "src/server.ts": `export const config = { password: "${token}", port: 5432,, host: "db" };\n`,
    });
    const error = await esbuild({
      absWorkingDir: dir,
      entryPoints: ["src/server.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: join(dir, "dist/server.mjs"),
      logLevel: "silent",
      plugins: [s5esbuild({ env: keys.env })],
    }).then(
      () => undefined,
      (e: Error & { errors?: unknown }) => e,
    );
    // What esbuild prints: each message with the line it points at.
    const printed = JSON.stringify(error?.errors);
    expect(printed).toContain('Expected identifier but found \\",\\"');
    expect(printed).toContain("src/server.ts");
    expect(printed).not.toContain(SECRET);
  });

  it("vite build --ssr: a syntax error on a token's line is reported without the plaintext", async () => {
    const dir = project({
      "src/server.ts": `export const config = { password: "${token}", port: 5432,, host: "db" };\n`,
    });
    const error = await viteBuild({
      root: dir,
      configFile: false,
      logLevel: "silent",
      plugins: [s5vite({ env: keys.env })],
      build: { ssr: "src/server.ts", outDir: "dist" },
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    // The frame is coloured one character at a time: compare without the colour codes.
    const printed = stripColours(`${error?.message}\n${error?.stack}`);
    expect(printed).toContain("src/server.ts");
    expect(printed).not.toContain(SECRET);
  });
});
