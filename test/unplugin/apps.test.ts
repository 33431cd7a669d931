// Each app is built by its own bundler CLI with the s5 plugin, then run; a client build with a
// token must fail naming the file and line, and no build output or cache may hold a plaintext
// that was not meant for it.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { APPS, clean, type Keys, makeKeys, readTree, renderApp, run, SECRETS } from "./setup.ts";

let keys: Keys;
beforeAll(async () => {
  keys = await makeKeys();
});

const fail = (result: { code: number | null; stdout: string; stderr: string }) =>
  `exit ${result.code}\n${result.stdout}\n${result.stderr}`;

/** A plaintext must never show up in an error message. */
function expectNoPlaintext(text: string) {
  for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
}

interface AppCase {
  app: string;
  build: [string, string[]];
  output: [string, string[]];
  expected: () => Record<string, string>;
  /** File name the client-build error must name. */
  clientFile: RegExp;
}

const cases: AppCase[] = [
  {
    app: "rollup-lib",
    build: ["rollup", ["-c"]],
    output: [
      "node",
      [
        "--input-type=module",
        "-e",
        "import('./dist/index.mjs').then(m => console.log(JSON.stringify(m.settings())))",
      ],
    ],
    expected: () => ({
      apiKey: SECRETS.API_KEY,
      region: "eu-west-1",
      dbPassword: SECRETS.DB_PASSWORD,
      greeting: `Hello, ${SECRETS.GREETING}!`,
    }),
    clientFile: /src\/(config|secrets)\.generated\.js(on)?:\d+:\d+/,
  },
  {
    app: "rolldown-app",
    build: ["rolldown", ["-c"]],
    output: ["node", ["dist/main.mjs"]],
    expected: () => ({
      apiKey: SECRETS.API_KEY,
      dbPassword: SECRETS.DB_PASSWORD,
      motd: `Message of the day: ${SECRETS.GREETING}\n`,
    }),
    clientFile: /src\/\w+\.generated\.\w+:\d+:\d+/,
  },
  {
    app: "webpack-service",
    build: ["webpack-cli", ["--config", "webpack.config.cjs"]],
    output: ["node", ["dist/server.cjs"]],
    expected: () => ({
      apiKey: SECRETS.API_KEY,
      dbPassword: SECRETS.DB_PASSWORD,
      greeting: `Hello, ${SECRETS.GREETING}!`,
    }),
    clientFile: /src\/\w+\.generated\.\w+:\d+:\d+/,
  },
  {
    app: "rspack-app",
    build: ["rspack", ["build"]],
    output: ["node", ["dist/main.cjs"]],
    expected: () => ({
      apiKey: SECRETS.API_KEY,
      dbPassword: SECRETS.DB_PASSWORD,
      greeting: `Hello, ${SECRETS.GREETING}!`,
    }),
    clientFile: /src\/\w+\.generated\.\w+:\d+:\d+/,
  },
  {
    app: "esbuild-script",
    build: ["node", ["build.mjs"]],
    output: ["node", ["dist/script.mjs"]],
    expected: () => ({
      apiKey: SECRETS.API_KEY,
      dbPassword: SECRETS.DB_PASSWORD,
      greeting: `Hello, ${SECRETS.GREETING}!`,
      motd: `Message of the day: ${SECRETS.GREETING}\n`,
    }),
    clientFile: /src\/\w+\.generated\.\w+:\d+:\d+/,
  },
];

describe.each(cases)("$app", ({ app, build, output, expected, clientFile }) => {
  it("builds with its own CLI; the output runs with the exact values", async () => {
    clean(app);
    renderApp(app, keys.tokens);
    const built = await run(app, build[0], build[1], keys.env);
    expect(built.code, fail(built)).toBe(0);
    const ran = await run(app, output[0], output[1], keys.env);
    expect(ran.code, fail(ran)).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual(expected());
    // A second build (warm caches) gives the same result.
    const again = await run(app, build[0], build[1], keys.env);
    expect(again.code, fail(again)).toBe(0);
    expect(JSON.parse((await run(app, output[0], output[1], keys.env)).stdout)).toEqual(expected());
  });

  it("a client (browser) build with a token fails, naming the file and line", async () => {
    clean(app);
    renderApp(app, keys.tokens);
    const built = await run(app, build[0], build[1], { ...keys.env, S5_APP_CLIENT: "1" });
    expect(built.code).not.toBe(0);
    const text = built.stdout + built.stderr;
    expect(text).toContain("a secret token in a client (browser) build (S5_CLIENT_TOKEN)");
    expect(text).toContain("hint: secrets stay server-side");
    expect(text).toMatch(clientFile);
    expectNoPlaintext(text);
  });
});

describe("webpack persistent cache", () => {
  it("the filesystem cache never holds a decrypted value", async () => {
    const app = "webpack-service";
    clean(app);
    renderApp(app, keys.tokens);
    for (let i = 0; i < 2; i++) {
      const built = await run(app, "webpack-cli", ["--config", "webpack.config.cjs"], keys.env);
      expect(built.code, fail(built)).toBe(0);
    }
    const cacheDir = join(APPS, app, ".cache", "webpack");
    expect(existsSync(cacheDir)).toBe(true);
    const cache = readTree(cacheDir);
    expect(cache.length).toBeGreaterThan(1000);
    for (const value of [SECRETS.API_KEY, SECRETS.GREETING, "p@ss"]) {
      expect(cache).not.toContain(value);
      expect(cache).not.toContain(JSON.stringify(value).slice(1, -1));
    }
    // The output itself does have them: the cache guard did not stop the build from resolving.
    expect(readTree(join(APPS, app, "dist"))).toContain("api-key-");
  });
});

describe("vite-app", () => {
  const app = "vite-app";

  it("vite build (client) and vite build --ssr: the server gets the secrets, the client only the public value", async () => {
    clean(app);
    renderApp(app, keys.tokens);
    const client = await run(app, "vite", ["build", "--outDir", "dist/client"], keys.env);
    expect(client.code, fail(client)).toBe(0);
    const server = await run(
      app,
      "vite",
      ["build", "--ssr", "src/entry-server.ts", "--outDir", "dist/server"],
      keys.env,
    );
    expect(server.code, fail(server)).toBe(0);
    const ran = await run(
      app,
      "node",
      [
        "--input-type=module",
        "-e",
        "import('./dist/server/entry-server.js').then(m => console.log(JSON.stringify(m.render())))",
      ],
      keys.env,
    );
    expect(ran.code, fail(ran)).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({
      apiKey: SECRETS.API_KEY,
      dbPassword: SECRETS.DB_PASSWORD,
      greeting: `Hello, ${SECRETS.GREETING}!`,
      publicKey: SECRETS.PUBLIC_KEY,
    });
    const clientOut = readTree(join(APPS, app, "dist", "client"));
    expect(clientOut).toContain(SECRETS.PUBLIC_KEY);
    expect(clientOut).not.toContain("api-key-");
    expect(clientOut).not.toContain("p@ss");
  });

  it("a token in a client module outside allowClient fails the client build", async () => {
    clean(app);
    renderApp(app, keys.tokens);
    writeFileSync(
      join(APPS, app, "src", "extra.generated.ts"),
      `// oops\nexport const extra = "${keys.tokens.API_KEY}";\n`,
    );
    const client = await run(app, "vite", ["build", "--outDir", "dist/client"], keys.env);
    expect(client.code).not.toBe(0);
    const text = client.stdout + client.stderr;
    expect(text).toContain(
      "src/extra.generated.ts:2:23: a secret token in a client (browser) build",
    );
    expectNoPlaintext(text);
  });
});
