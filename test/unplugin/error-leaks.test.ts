import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { rspack } from "@rspack/core";
import s5esbuild from "@s5/unplugin/esbuild";
import s5rollup from "@s5/unplugin/rollup";
import s5rspack from "@s5/unplugin/rspack";
import s5vite from "@s5/unplugin/vite";
import s5webpack from "@s5/unplugin/webpack";
import { build as esbuild } from "esbuild";
import { createLogger, createServer, build as viteBuild } from "vite";
import { beforeAll, describe, expect, it } from "vitest";
import webpack from "webpack";
import { runChild } from "../child.ts";
import { type Keys, makeKeys, tempProject } from "./setup.ts";

const SECRET = "Sup3r-Secr3t-VALUE-42";
let keys: Keys;
let token: string;

beforeAll(async () => {
  keys = await makeKeys();
  token = await keys.encrypt(SECRET);
});

const project = (files: Record<string, string>) => tempProject("s5-errors-", files);

const HIDDEN = "[s5: value hidden]";
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

  // A value under 4 characters is no form the redactor looks for (it would blank out words): the
  // frame webpack and Rspack print inside `message` is drawn again from the source.
  const shortValue = async () => {
    const dir = project({
      "src/server.js": `const pin = "${await keys.encrypt("Zq7")}";\nmodule.exports = { pin, port: 5432,, host: "db" };\n`,
    });
    return {
      mode: "production" as const,
      target: "node" as const,
      context: dir,
      entry: "./src/server.js",
      output: { path: join(dir, "dist"), filename: "server.cjs" },
    };
  };

  it("webpack: a short value in the frame of a parse error's message is shown as its token", async () => {
    const compiler = webpack({ ...(await shortValue()), plugins: [s5webpack({ env: keys.env })] });
    const stats = await new Promise<webpack.Stats | undefined>((resolve, reject) =>
      compiler.run((error, result) => (error ? reject(error) : resolve(result))),
    );
    await new Promise((resolve) => compiler.close(resolve));
    const log = stats?.toString({ colors: false }) ?? "";
    expect(log).toContain("Module parse failed");
    expect(log).not.toContain('"Zq7"');
    expect(log).toMatch(/ {2}1 \| const pin = "\{\{ s5:local:/);
    expect(log).toContain('> 2 | module.exports = { pin, port: 5432,, host: "db" };\n    |  ');
  });

  it("Rspack: a short value in the frame of a parse error's message is shown as its token", async () => {
    const compiler = rspack({ ...(await shortValue()), plugins: [s5rspack({ env: keys.env })] });
    const stats = await new Promise<{ toString(o: object): string }>((resolve, reject) =>
      compiler.run((error, result) => (error || !result ? reject(error) : resolve(result))),
    );
    await new Promise((resolve) => compiler.close(resolve));
    const log = stats.toString({ colors: false });
    expect(log).toContain("Module parse failed");
    expect(log).not.toContain('"Zq7"');
    expect(log).toMatch(/1 │ const pin = "\{\{ s5:local:/);
    expect(log).toContain('2 │ module.exports = { pin, port: 5432,, host: "db" };');
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

/** A later plugin that reports a problem at a place in a decrypted module (a linter, a checker). */
const linter = (file: string, loc: { line: number; column: number }, quote = false) => ({
  name: "lint",
  transform(this: { error(message: string, pos: object): never }, code: string, id: string) {
    if (!id.endsWith(file)) return null;
    // Some checkers quote the offending line in their message.
    const line = quote ? `: ${code.split("\n")[loc.line - 1]}` : "";
    this.error(`no-restricted-syntax${line}`, loc);
  },
});

/** What Rollup's CLI prints for a failed build: message, frame and stack. */
async function rollupError(dir: string, input: string, plugins: object[]): Promise<string> {
  const { rollup } = await import("rollup");
  const error = await rollup({ input: join(dir, input), plugins: plugins as never }).then(
    () => undefined,
    (e: Error & { frame?: string }) => e,
  );
  expect(error).toBeDefined();
  return stripColours(`${error?.message}\n${error?.frame ?? ""}\n${error?.stack}`);
}

/**
 * A later plugin's error about a TypeScript module: Vite's TypeScript transform has reprinted it
 * (`: string` gone, `'` became `"`), so its frame lines are no lines of the module s5 decrypted.
 */
describe("vite build: a module reprinted by Vite's TypeScript transform before the error", () => {
  const later = {
    name: "later",
    enforce: "post" as const,
    transform(this: { error(message: string, pos: number): never }, code: string, id: string) {
      if (id.endsWith("config.ts")) this.error("something is wrong here", code.indexOf("other"));
    },
  };

  /** What `vite build` prints for the failed build: the "Build failed" error and the one it wraps. */
  async function printed(source: string): Promise<string> {
    const dir = project({ "src/config.ts": source });
    const error = await viteBuild({
      root: dir,
      configFile: false,
      logLevel: "silent",
      plugins: [s5vite({ env: keys.env }), later],
      build: { ssr: "src/config.ts", outDir: "dist" },
    }).then(
      () => undefined,
      (e: Error & { errors?: (Error & { frame?: string })[] }) => e,
    );
    const inner = error?.errors?.[0];
    return stripColours(
      [error?.message, error?.stack, inner?.message, inner?.frame, inner?.stack].join("\n"),
    );
  }

  it("Rolldown cuts the line at 120 columns: no character of the value before the cut is shown", async () => {
    const value = "S3CR3Tabcdefghij0123456789XYZ";
    const token = await keys.encrypt(value);
    for (const shown of [1, 3, 7]) {
      const name = `theDatabasePasswordForTheProductionEnvironmentOfTheServiceNamedAlpha${"Z".repeat(32 - shown)}`;
      const log = await printed(
        `const n: number = 1;\nexport const ${name}: string = '${token}';\nexport const other: string = "x";\n`,
      );
      expect(log).toContain("something is wrong here");
      // The reprinted line, cut where the value began, with what was left of it hidden.
      expect(log, `${shown} characters`).toContain(`${name} = "${HIDDEN}...`);
      expect(log).not.toContain(`"${value[0]}`);
      expect(log).toContain('3: export const other = "x";');
    }
  });

  it("a value of 1–3 characters in a reprinted line shown whole is hidden", async () => {
    const token = await keys.encrypt("Zq7");
    const log = await printed(
      `const n: number = 1;\nexport const pin: string = '${token}';\nexport const other: string = "x";\n`,
    );
    expect(log).toContain("something is wrong here");
    expect(log).toContain(`2: export const pin = "${HIDDEN}";`);
    expect(log).not.toContain("Zq7");
    // Lines without a value are left as they were.
    expect(log).toContain("1: const n = 1;");
  });

  it("Rspack: a loader after builtin:swc-loader quotes the reprinted line in its message", async () => {
    const dir = project({
      "src/config.ts": `export const pin: string = '${await keys.encrypt("Zq7")}';\n`,
      "later-loader.cjs":
        'module.exports = function (code) { throw new Error("no-restricted-syntax: " + code.split("\\n")[0]); };\n',
    });
    const compiler = rspack({
      mode: "production",
      target: "node",
      context: dir,
      entry: "./src/config.ts",
      output: { path: join(dir, "dist") },
      module: {
        rules: [
          // Loaders run last to first: s5 (a pre loader), swc, then the checker.
          { test: /\.ts$/, loader: join(dir, "later-loader.cjs") },
          {
            test: /\.ts$/,
            loader: "builtin:swc-loader",
            options: { jsc: { parser: { syntax: "typescript" } } },
          },
        ],
      },
      plugins: [s5rspack({ env: keys.env })],
    });
    const stats = await new Promise<{ toString(o: object): string }>((resolve, reject) =>
      compiler.run((error, result) => (error || !result ? reject(error) : resolve(result))),
    );
    await new Promise((resolve) => compiler.close(resolve));
    const log = stats.toString({ colors: false });
    expect(log).toContain(`no-restricted-syntax: export var pin = '${HIDDEN}';`);
    expect(log).not.toContain("Zq7");
  });
});

describe("long values and many values", () => {
  it("Rollup: a 7,000-character value next to a syntax error is not printed, and redaction raises no error of its own", async () => {
    const value = `CERT-${"Zq9".repeat(2332)}`;
    const dir = project({
      "src/config.js": `export const cert = "${await keys.encrypt(value)}";\nexport const x = ;\n`,
    });
    const printed = await rollupError(dir, "src/config.js", [s5rollup({ env: keys.env })]);
    expect(printed).toContain("Expression expected");
    expect(printed).not.toContain("Invalid regular expression");
    expect(printed).not.toContain("CERT-Zq9");
    expect(printed).not.toContain("Zq9Zq9Zq9");
  });

  it("Rollup: a line cut at 120 columns by the code frame shows no part of a long value", async () => {
    const value = `sk_live_${"0123456789abcdef".repeat(11)}`;
    const dir = project({
      "src/a.js": `export const apiKey = "${await keys.encrypt(value)}";\nexport const x = 1;\n`,
    });
    const printed = await rollupError(dir, "src/a.js", [
      s5rollup({ env: keys.env }),
      linter("a.js", { line: 2, column: 13 }),
    ]);
    expect(printed).toContain("no-restricted-syntax");
    expect(printed).not.toContain("sk_live_0123");
    expect(printed).not.toContain("0123456789abcdef");
    // The frame is drawn from the source as written: the token, and the caret under line 2.
    expect(printed).toMatch(/1: export const apiKey = "\{\{ s5:/);
    expect(printed).toContain("2: export const x = 1;\n                ^");
  });

  it("Rollup: a plugin after s5 adds lines (a banner): the redrawn frame quotes the lines the error is at", async () => {
    const value = `sk_live_${"0123456789abcdef".repeat(11)}`;
    const dir = project({
      "src/a.js": `export const apiKey = "${await keys.encrypt(value)}";\nexport const x = 1;\n`,
    });
    const banner = {
      name: "banner",
      transform: (code: string, id: string) => (id.endsWith("a.js") ? `// a\n// b\n${code}` : null),
    };
    const printed = await rollupError(dir, "src/a.js", [
      s5rollup({ env: keys.env }),
      banner,
      linter("a.js", { line: 4, column: 13 }),
    ]);
    expect(printed).toContain("no-restricted-syntax");
    expect(printed).not.toContain("0123456789abcdef");
    expect(printed).toMatch(/3: export const apiKey = "\{\{ s5:/);
    expect(printed).toContain("4: export const x = 1;\n                ^");
  });

  it("Rollup: a line of a value of several lines (a raw PEM) in a frame is hidden, not shown", async () => {
    const value = "-----BEGIN KEY-----\nPEM-Zq9-middle-line-Xw4\n-----END KEY-----";
    // `| raw`: the value goes in as it is, its lines becoming lines of the module.
    const raw = (await keys.encrypt(value)).replace(/ \}\}$/, " | raw }}");
    const dir = project({
      "src/a.js": `export const cert = \`${raw}\`;\nexport const x = 1;\n`,
    });
    const printed = await rollupError(dir, "src/a.js", [
      s5rollup({ env: keys.env }),
      linter("a.js", { line: 3, column: 0 }),
    ]);
    expect(printed).toContain("no-restricted-syntax");
    expect(printed).toContain(HIDDEN);
    expect(printed).not.toContain("PEM-Zq9");
    expect(printed).not.toContain("BEGIN KEY");
  });

  it("Vite dev server: a frame cut on both sides around a long value shows no part of it", async () => {
    const value = `pk_secret_${"fedcba9876543210".repeat(20)}`;
    const root = project({
      "src/server.js": `export const key = "${await keys.encrypt(value)}"; export const after = 1;\n`,
    });
    const server = await createServer({
      root,
      configFile: false,
      logLevel: "silent",
      server: { port: 0, host: "127.0.0.1", hmr: false },
      plugins: [s5vite({ env: keys.env }), linter("server.js", { line: 1, column: 150 })],
    });
    try {
      const error = await server.ssrLoadModule("/src/server.js").then(
        () => undefined,
        (e: Error & { frame?: string; pluginCode?: string }) => e,
      );
      const printed = stripColours(
        `${error?.message}\n${error?.frame}\n${error?.stack}\n${error?.pluginCode}`,
      );
      expect(printed).toContain("no-restricted-syntax");
      expect(printed).not.toContain("fedcba9876543210");
      expect(printed).not.toContain("pk_secret_");
    } finally {
      await server.close();
    }
  });

  it("Rollup: 20,000 values in a module, quoted by a later plugin's error, are hidden and the build ends normally", async () => {
    const values = Array.from({ length: 20_000 }, () =>
      randomBytes(20).toString("base64url").slice(0, 20),
    );
    const tokens = await keys.encryptMany(values);
    const dir = project({
      "src/many.js": `export const values = [\n${tokens.map((t) => `  "${t}",`).join("\n")}\n];\n`,
      "build.mjs": [
        'import { rollup } from "rollup";',
        'import s5 from "@s5/unplugin/rollup";',
        `const lint = { name: "lint", transform(code, id) { if (id.endsWith("many.js")) this.error("no-restricted-syntax: " + code.split("\\n").slice(1, 4).join(" "), { line: 3, column: 2 }); } };`,
        "try { await rollup({ input: 'src/many.js', plugins: [s5(), lint] }); console.log('built'); }",
        "catch (e) { console.log([e.message, e.frame, e.stack].join('\\n')); }",
        "",
      ].join("\n"),
    });
    const result = await runChild(process.execPath, ["build.mjs"], { cwd: dir, env: keys.env });
    expect(result.stderr).not.toContain("FATAL");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`no-restricted-syntax:   "${HIDDEN}",   "${HIDDEN}"`);
    for (const value of values.slice(0, 5)) expect(result.stdout).not.toContain(value);
  });
});

describe("warnings about a decrypted module: printed as the build goes on, without the plaintext", () => {
  /** Every warning the build gives the user's `onLog` (what the CLI prints), as text. */
  const logged = (logs: { message?: string; frame?: string }[]) =>
    stripColours(logs.map((log) => `${log.message}\n${log.frame ?? ""}`).join("\n"));

  it("Rolldown: its own EVAL warning quotes the decrypted line", async () => {
    const { rolldown } = await import("rolldown");
    const s5rolldown = (await import("@s5/unplugin/rolldown")).default;
    const dir = project({
      "src/server.js": `export function run(x) { const pw = "${token}"; return eval(x) + pw; }\n`,
    });
    const logs: { message?: string; frame?: string }[] = [];
    const bundle = await rolldown({
      input: join(dir, "src/server.js"),
      platform: "node",
      plugins: [s5rolldown({ env: keys.env })],
      onLog: (_level, log) => {
        logs.push(log);
      },
    });
    const { output } = await bundle.generate({ format: "esm" });
    await bundle.close();
    // The build still has the value; its log does not.
    expect(output[0].code).toContain(SECRET);
    const text = logged(logs);
    expect(text).toContain("EVAL");
    expect(text).not.toContain(SECRET);
  });

  it("vite build --ssr: the same warning, as Vite prints it", async () => {
    const dir = project({
      "src/server.js": `export function run(x) { const pw = "${token}"; return eval(x) + pw; }\n`,
    });
    const printed: string[] = [];
    const logger = createLogger("info");
    const warn = logger.warn.bind(logger);
    logger.warn = (message, options) => {
      printed.push(message);
      warn(message, options);
    };
    logger.info = () => {};
    await viteBuild({
      root: dir,
      configFile: false,
      customLogger: logger,
      plugins: [s5vite({ env: keys.env })],
      build: { ssr: "src/server.js", outDir: "dist" },
    });
    const text = stripColours(printed.join("\n"));
    expect(text).toContain("EVAL");
    expect(text).not.toContain(SECRET);
  });

  it("Rollup: a later plugin's warning that quotes the decrypted line", async () => {
    const { rollup } = await import("rollup");
    const dir = project({ "src/server.js": `export const pw = "${token}";\n` });
    const lint = {
      name: "lint",
      transform(this: { warn(message: string): void }, code: string) {
        this.warn(`prefer-env: ${code.split("\n")[0]}`);
        return null;
      },
    };
    const logs: { message?: string; frame?: string }[] = [];
    await rollup({
      input: join(dir, "src/server.js"),
      plugins: [s5rollup({ env: keys.env }), lint],
      onLog: (_level, log) => {
        logs.push(log);
      },
    });
    const text = logged(logs);
    expect(text).toContain("prefer-env: export const pw = ");
    expect(text).not.toContain(SECRET);
  });
});

describe("Vite dev server: warnings", () => {
  it("a later plugin's warning that quotes a line of a decrypted SSR module is printed without the value", async () => {
    const root = project({ "src/server.js": `export const config = { password: "${token}" };\n` });
    const printed: string[] = [];
    const logger = createLogger("warn");
    const warn = logger.warn.bind(logger);
    logger.warn = (message, options) => {
      printed.push(message);
      warn(message, options);
    };
    const lint = {
      name: "lint",
      transform(this: { warn(message: string): void }, code: string, id: string) {
        if (id.endsWith("server.js")) this.warn(`prefer-env: ${code.split("\n")[0]}`);
        return null;
      },
    };
    const server = await createServer({
      root,
      configFile: false,
      customLogger: logger,
      plugins: [s5vite({ env: keys.env }), lint],
      server: { middlewareMode: true },
    });
    try {
      const module = (await server.ssrLoadModule("/src/server.js")) as {
        config: { password: string };
      };
      // The module has its value; what was printed does not.
      expect(module.config.password).toBe(SECRET);
      const text = stripColours(printed.join("\n"));
      expect(text).toContain("prefer-env: export const config = { password: ");
      expect(text).not.toContain(SECRET);
    } finally {
      await server.close();
    }
  });
});

describe("esbuild: the warnings a build returns", () => {
  it("a direct-eval warning on a decrypted line is returned without the value", async () => {
    const dir = project({
      "src/server.js": `export function run(x) { const pw = "${token}"; return eval(x) + pw; }\n`,
    });
    // esbuild prints its own messages natively, before any plugin callback (a documented limit):
    // a script that silences them and prints what build() returns gets them redacted.
    const result = await esbuild({
      entryPoints: [join(dir, "src/server.js")],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      logLevel: "silent",
      plugins: [s5esbuild({ env: keys.env })],
    });
    expect(result.outputFiles[0]!.text).toContain(SECRET);
    const text = JSON.stringify(result.warnings);
    expect(text).toContain("direct-eval");
    expect(text).not.toContain(SECRET);
  });
});
