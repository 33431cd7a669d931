// Tokens the bundler inlines after the plugin's transform — `import.meta.env` from `.env`, and
// `define` — never reach a client bundle undecrypted with a passing build: the client build fails
// with the asset and line; the server build gets the plaintexts, escaped for where they land.
// Vite runs as a child process, as a user runs it.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runChild } from "../child.ts";
import { linkModules } from "../loader/helpers.ts";
import { type Keys, makeKeys, SECRETS } from "./setup.ts";

let keys: Keys;
let dir: string;

const BUILD = `
import { build } from "vite";
import s5 from "@s5/unplugin/vite";
const [mode, token] = process.argv.slice(2);
try {
  await build({
    root: process.cwd(),
    configFile: false,
    logLevel: "silent",
    define: { __DEFINED__: JSON.stringify(token) },
    plugins: [s5()],
    build: mode === "ssr" ? { ssr: "src/server.ts", outDir: "dist-ssr" } : { outDir: "dist" },
  });
  console.log("built");
} catch (error) {
  console.log(error.message);
  process.exitCode = 1;
}
`;

beforeAll(async () => {
  keys = await makeKeys();
  dir = mkdtempSync(join(tmpdir(), "s5-vite-env-"));
  linkModules(dir);
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  writeFileSync(join(dir, "build.mjs"), BUILD);
  writeFileSync(join(dir, ".env"), `VITE_API_KEY=${keys.tokens.API_KEY}\n`);
  writeFileSync(
    join(dir, "index.html"),
    '<!doctype html><script type="module" src="/src/main.ts"></script>\n',
  );
  writeFileSync(
    join(dir, "src", "main.ts"),
    "document.title = import.meta.env.VITE_API_KEY;\nconsole.log(__DEFINED__);\n",
  );
  writeFileSync(
    join(dir, "src", "server.ts"),
    "export const apiKey = import.meta.env.VITE_API_KEY;\nexport const defined = __DEFINED__;\n",
  );
});

const vite = (mode: string, token: string) =>
  runChild(process.execPath, ["build.mjs", mode, token], { cwd: dir, env: keys.env });

describe("tokens inlined by the bundler (import.meta.env, define)", () => {
  it("fail a client build with the asset and line, printing no plaintext", async () => {
    const client = await vite("client", keys.tokens.DB_PASSWORD);
    expect(client.code).toBe(1);
    expect(client.stdout).toMatch(/assets\/index-[\w-]+\.js:\d+:\d+/);
    expect(client.stdout).toContain("reached the client output undecrypted");
    for (const value of Object.values(SECRETS)) expect(client.stdout).not.toContain(value);
  });

  it("are decrypted in a server (SSR) build, escaped for the string they land in", async () => {
    const server = await vite("ssr", keys.tokens.DB_PASSWORD);
    expect(server.stdout.trim()).toBe("built");
    const [file] = readdirSync(join(dir, "dist-ssr"));
    const load = await runChild(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const m = await import(${JSON.stringify(join(dir, "dist-ssr", file!))}); console.log(JSON.stringify(m));`,
      ],
      { cwd: dir, env: keys.env },
    );
    expect(JSON.parse(load.stdout)).toEqual({
      apiKey: SECRETS.API_KEY,
      defined: SECRETS.DB_PASSWORD,
    });
  });
});

describe("bundlers that cannot decrypt their output after the fact", () => {
  it("an esbuild server build with a token in `define` fails clearly", async () => {
    writeFileSync(
      join(dir, "esbuild.mjs"),
      [
        'import { build } from "esbuild";',
        'import s5 from "@s5/unplugin/esbuild";',
        "try {",
        '  await build({ entryPoints: ["src/server.ts"], bundle: true, platform: "node", format: "esm", outfile: "dist-esbuild/server.js", logLevel: "silent", define: { "import.meta.env.VITE_API_KEY": "null", __DEFINED__: JSON.stringify(process.argv[2]) }, plugins: [s5()] });',
        '  console.log("built");',
        "} catch (error) {",
        "  console.log(error.message);",
        "}",
      ].join("\n"),
    );
    const result = await runChild(process.execPath, ["esbuild.mjs", keys.tokens.DB_PASSWORD], {
      cwd: dir,
      env: keys.env,
    });
    expect(result.stdout).toMatch(
      /dist-esbuild\/server\.js:\d+:\d+: an s5 token reached the server output/,
    );
    expect(result.stdout).toContain('import "s5/config"');
    for (const value of Object.values(SECRETS)) expect(result.stdout).not.toContain(value);
  });
});
