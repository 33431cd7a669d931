// Vite through its JS API in this process: the dev server resolves tokens on demand and again
// after an edit, with HMR still working; the leak scan fails a client build that contains a value
// the server build decrypted, whichever of the two builds runs first.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import s5 from "@s5/unplugin/vite";
import { build, createServer } from "vite";
import { beforeAll, describe, expect, it } from "vitest";
import { APPS, type Keys, makeKeys, SECRETS } from "./setup.ts";

let keys: Keys;
beforeAll(async () => {
  keys = await makeKeys();
});

/** A private copy of apps/vite-app with its templates rendered (other tests build the original). */
function copyApp(): string {
  const dir = mkdtempSync(join(tmpdir(), "s5-vite-"));
  cpSync(join(APPS, "vite-app", "index.html"), join(dir, "index.html"));
  cpSync(join(APPS, "vite-app", "src"), join(dir, "src"), {
    recursive: true,
    filter: (file) => !file.includes(".generated."),
  });
  for (const name of ["config", "secrets", "public", "extra"]) {
    const ext = name === "config" ? "json" : "ts";
    const text = readFileSync(join(dir, "src", `${name}.template.${ext}`), "utf8").replace(
      /%([A-Z_]+)%/g,
      (_, key: keyof Keys["tokens"]) => keys.tokens[key],
    );
    writeFileSync(join(dir, "src", `${name}.generated.${ext}`), text);
  }
  return dir;
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read();
    if (ok(value) || i > 200) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("Vite dev server", () => {
  it("resolves on demand, re-resolves an edited file, and HMR still sends updates", async () => {
    const root = copyApp();
    const server = await createServer({
      root,
      configFile: false,
      logLevel: "silent",
      server: { middlewareMode: true, watch: { usePolling: true, interval: 50 } },
      plugins: [s5({ env: keys.env, allowClient: ["src/public.generated.ts"] })],
    });
    try {
      const load = async () =>
        (await server.ssrLoadModule("/src/entry-server.ts")).render() as Record<string, string>;
      expect(await load()).toMatchObject({
        dbPassword: SECRETS.DB_PASSWORD,
        apiKey: SECRETS.API_KEY,
      });

      const rotated = 'rotated "pa$$word" \\ 2';
      writeFileSync(
        join(root, "src", "secrets.generated.ts"),
        `export const dbPassword = "${await keys.encrypt(rotated)}";\nexport const greeting = "hi";\n`,
      );
      expect((await until(load, (v) => v.dbPassword === rotated)).dbPassword).toBe(rotated);

      // Client side: an allowed module, imported by a self-accepting entry.
      const client = server.environments.client;
      const sent: { type: string }[] = [];
      const send = client.hot.send.bind(client.hot);
      client.hot.send = ((payload: { type: string }) => {
        sent.push(payload);
        return send(payload as never);
      }) as typeof client.hot.send;
      await client.transformRequest("/src/entry-client.ts");
      const before = await client.transformRequest("/src/public.generated.ts");
      expect(before?.code).toContain(SECRETS.PUBLIC_KEY);
      writeFileSync(
        join(root, "src", "public.generated.ts"),
        `export const publicKey = "${await keys.encrypt("pk_rotated_value")}";\n`,
      );
      await until(
        async () => sent,
        (list) => list.some((p) => p.type === "update" || p.type === "full-reload"),
      );
      expect(sent.map((p) => p.type)).toContain("update");
      const after = await client.transformRequest("/src/public.generated.ts");
      expect(after?.code).toContain("pk_rotated_value");

      // A token in a client module outside allowClient is refused in dev too.
      writeFileSync(
        join(root, "src", "extra.generated.ts"),
        `export const extra = "${keys.tokens.API_KEY}";\n`,
      );
      const error = await until(
        () =>
          client.transformRequest("/src/extra.generated.ts").then(
            () => undefined,
            (e: Error) => e,
          ),
        (e) => e !== undefined,
      );
      expect(error?.message).toContain("src/extra.generated.ts:1:23: a secret token in a client");
      expect(error?.message).not.toContain(SECRETS.API_KEY);
    } finally {
      await server.close();
    }
  });
});

describe("leak scan", () => {
  const options = () => ({ env: keys.env, allowClient: ["src/public.generated.ts"] });

  async function buildSsr(root: string) {
    await build({
      root,
      configFile: false,
      logLevel: "silent",
      plugins: [s5(options())],
      build: { ssr: "src/entry-server.ts", outDir: join(root, "dist/server"), sourcemap: true },
    });
  }
  async function buildClient(root: string) {
    await build({
      root,
      configFile: false,
      logLevel: "silent",
      plugins: [s5(options())],
      build: { outDir: join(root, "dist/client"), sourcemap: true },
    });
  }

  it("a client build containing a value the server build decrypted fails", async () => {
    const root = copyApp();
    await buildSsr(root);
    // Someone pasted the decrypted API key into client code (here URL-encoded, as in a link).
    writeFileSync(
      join(root, "src", "extra.generated.ts"),
      `export const extra = ${JSON.stringify(`https://x/?k=${encodeURIComponent(SECRETS.API_KEY)}`)};\n`,
    );
    const error = await buildClient(root).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      /a secret decrypted during this build is in the client output: .*assets\/index-\w+\.js/,
    );
    expect(error?.message).not.toContain(SECRETS.API_KEY);
    expect(error?.message).not.toContain(encodeURIComponent(SECRETS.API_KEY));
  });

  it("also when the client build ran first: the server build fails when it decrypts the value", async () => {
    const root = copyApp();
    const value = "late-secret-value-0042";
    writeFileSync(
      join(root, "src", "extra.generated.ts"),
      `export const extra = ${JSON.stringify(btoa(value))};\n`,
    );
    await buildClient(root);
    writeFileSync(
      join(root, "src", "secrets.generated.ts"),
      `export const dbPassword = "${await keys.encrypt(value)}";\nexport const greeting = "";\n`,
    );
    await expect(buildSsr(root)).rejects.toThrow(/is in the client output: .*index-\w+\.js/);
  });

  it("values from allowClient files are not reported", async () => {
    const root = copyApp();
    await buildSsr(root); // the server also imports the public value
    await expect(buildClient(root)).resolves.toBeUndefined();
  });
});
