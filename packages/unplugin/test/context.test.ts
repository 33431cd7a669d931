/** The plugin context through the real hook table: client detection per bundler, the shared output scan. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { createContext } from "../src/core/context.ts";
import type { BundleItem } from "../src/core/emitted.ts";
import type { Options } from "../src/core/options.ts";
import { isClientTarget } from "../src/core/target.ts";
import { unplugin, unpluginFactory } from "../src/core/unplugin.ts";
import { fakeBackends, token } from "./helpers.ts";

type Framework = "vite" | "rollup" | "rolldown";
type Hook = (this: unknown, ...args: unknown[]) => unknown;
type HookTable = { transform: { handler: Hook } } & Record<Framework, Record<string, Hook>>;
const inVite = (consumer: string) => ({ environment: { config: { consumer } } });

function plugin(framework: Framework, options: Options = {}) {
  const made = unpluginFactory(
    { root: "/project", backends: fakeBackends().backends, ...options },
    { framework, versions: {} },
  ) as unknown as HookTable;
  /** The shared `generateBundle` as `framework` calls it: the message it fails the build with. */
  const generateBundle = (bundle: Record<string, BundleItem>, hookThis: object = {}) => {
    try {
      made[framework].generateBundle!.call(
        {
          ...hookThis,
          error(message: string): never {
            throw new Error(message);
          },
        },
        {},
        bundle,
      );
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
  return { hooks: made, generateBundle };
}

/** A client build's bundle is scanned and this one fails it; a server build's is not. */
const tokenChunk = (): Record<string, BundleItem> => ({
  "assets/a.js": { type: "chunk", code: `\nconst k = "${token("inlined")}";` },
});

describe("client or server build, as each bundler says it", () => {
  it("Vite: the consumer of the hook's environment; the `client` option wins", () => {
    const ctx = (options: Options = {}) =>
      createContext(options, { framework: "vite", versions: {} });
    expect(ctx().isClient(inVite("client"))).toBe(true);
    expect(ctx().isClient(inVite("server"))).toBe(false);
    expect(ctx({ client: true }).isClient(inVite("server"))).toBe(true);
    expect(ctx({ client: false }).isClient(inVite("client"))).toBe(false);
    // …but for the dev server's browser environment, which answers any browser.
    const devBrowser = { environment: { config: { consumer: "client", command: "serve" } } };
    expect(ctx({ client: false }).isClient(devBrowser)).toBe(true);
    expect(plugin("vite").generateBundle(tokenChunk(), inVite("client"))).toBeDefined();
    expect(plugin("vite").generateBundle(tokenChunk(), inVite("ssr"))).toBeUndefined();
  });

  it("Rollup: a server build unless the `client` option says otherwise", () => {
    expect(plugin("rollup").generateBundle(tokenChunk())).toBeUndefined();
    expect(plugin("rollup", { client: true }).generateBundle(tokenChunk())).toBeDefined();
  });

  it("Rolldown: `platform` from its options hook (browser by default, Node for bare `cjs`)", () => {
    const isClient = (input: object, options: Options = {}) => {
      const { hooks, generateBundle } = plugin("rolldown", options);
      expect(hooks.rolldown.options!(input)).toBeNull();
      return generateBundle(tokenChunk()) !== undefined;
    };
    expect(isClient({})).toBe(true);
    expect(isClient({ platform: "browser", output: { format: "cjs" } })).toBe(true);
    expect(isClient({ output: [{ format: "esm" }] })).toBe(true);
    expect(isClient({ platform: "node" })).toBe(false);
    expect(isClient({ platform: "neutral" })).toBe(false);
    expect(isClient({ output: { format: "cjs" } })).toBe(false);
    expect(isClient({}, { client: false })).toBe(false);
  });

  it("webpack/Rspack: every `target` that is not Node (or Electron main, NW.js) is a browser", () => {
    expect(isClientTarget("web")).toBe(true);
    expect(isClientTarget(["browserslist"])).toBe(true);
    expect(isClientTarget(undefined)).toBe(true);
    expect(isClientTarget("node")).toBe(false);
    expect(isClientTarget(["async-node18", "es2022"])).toBe(false);
    expect(isClientTarget("electron-main")).toBe(false);
  });

  it("esbuild: `platform` decides which scan a token in the output meets", async () => {
    const run = (platform: "browser" | "node") =>
      build({
        stdin: { contents: `console.log("${token("inlined")}")` },
        bundle: true,
        write: false,
        platform,
        logLevel: "silent",
        plugins: [unplugin.esbuild({ root: "/project", backends: fakeBackends().backends })],
      }).then(
        () => "built",
        (error: Error) => error.message,
      );
    expect(await run("browser")).toMatch(/reached the client output undecrypted/);
    expect(await run("node")).toMatch(/reached the server output undecrypted/);
    // Each with its code and what to do, as the plugin's decrypt failures have.
    expect(await run("browser")).toMatch(
      /does not transform\) \(S5_CLIENT_TOKEN\)\n {2}hint: a token is a secret meant for the server/,
    );
    expect(await run("node")).toMatch(
      /after the fact \(S5_SERVER_TOKEN\)\n {2}hint: put the token in a module the plugin transforms/,
    );
  });

  it("a `| raw` value that breaks the module: S5_TOKEN_SYNTAX and a hint, without the value", async () => {
    const root = mkdtempSync(join(tmpdir(), "s5-syntax-"));
    writeFileSync(
      join(root, "config.js"),
      `export default "${token('hidden-value"(', " | raw")}";\n`,
    );
    const message = await build({
      entryPoints: [join(root, "config.js")],
      bundle: true,
      write: false,
      platform: "node",
      logLevel: "silent",
      plugins: [unplugin.esbuild({ root, backends: fakeBackends().backends })],
    }).then(
      () => "built",
      (error: Error) => error.message,
    );
    expect(message).toMatch(
      /config\.js: the decrypted values make this module invalid code \(S5_TOKEN_SYNTAX\)\n {2}hint: a value written with `\| raw` must be code/,
    );
    expect(message).not.toContain("hidden-value");
  });
});

describe("one generateBundle for Vite, Rollup and Rolldown", () => {
  it("is the same function in the three hook tables", () => {
    const { hooks } = plugin("vite");
    expect(hooks.vite.generateBundle).toBe(hooks.rollup.generateBundle);
    expect(hooks.rolldown.generateBundle).toBe(hooks.rollup.generateBundle);
  });

  it("names the file and line of a token in a chunk or asset, never in a sourcemap", () => {
    const { generateBundle } = plugin("rollup", { client: true });
    const encoder = new TextEncoder();
    expect(generateBundle(tokenChunk())).toMatch(/^\[s5\] assets\/a\.js:2:12: an s5 token/);
    expect(
      generateBundle({ "x.txt": { type: "asset", source: encoder.encode(`a ${token("b")}`) } }),
    ).toMatch(/^\[s5\] x\.txt:1:3: /);
    expect(
      generateBundle({
        "b.js": { type: "chunk", code: "1", map: { sourcesContent: [token("in-source")] } },
      }),
    ).toBeUndefined();
  });

  it("fails a client bundle that holds a value decrypted by another build of the process", async () => {
    const server = plugin("vite");
    const value = "context-test-secret-1";
    await server.hooks.transform.handler.call(
      inVite("server"),
      `export default "${token(value)}"`,
      "/project/s.ts",
    );
    const encoded = Buffer.from(value).toString("base64");
    const leaking = { "assets/c.js": { type: "chunk", code: `atob("${encoded}")` } } as const;
    expect(plugin("vite").generateBundle({ ...leaking }, inVite("client"))).toMatch(
      /a secret decrypted during this build is in the client output: assets\/c\.js \(S5_LEAK\)\n {2}hint: the build fails so it is not deployed/,
    );
    expect(
      plugin("vite", { leakScan: false }).generateBundle({ ...leaking }, inVite("client")),
    ).toBeUndefined();
    expect(plugin("vite").generateBundle({ ...leaking }, inVite("server"))).toBeUndefined();
  });
});
