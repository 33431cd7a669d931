// The Vite dev server as a browser sees it: real HTTP on 127.0.0.1 to a server with the plugin.
// No request, whatever its query or path form, gets a server-only module's plaintext, also after
// the SSR environment decrypted that module; and `client: false` cannot make the browser's
// environment a server one.
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import s5vite from "@s5/unplugin/vite";
import { createServer, type InlineConfig } from "vite";
import { describe, expect, it } from "vitest";
import { sealedBeforeAll, tempProject } from "./setup.ts";

const SECRET = "Sup3r-Secr3t-VALUE-42";
const sealed = sealedBeforeAll(SECRET);

/** Every form of the secret a response could carry it in. */
const leaked = (body: string) =>
  [SECRET, Buffer.from(SECRET).toString("base64"), "U3VwM3ItU2VjcjN0"].filter((form) =>
    body.includes(form),
  );

function app(): string {
  return tempProject("s5-dev-http-", {
    "index.html": `<!doctype html><html><head><meta name="k" content="${sealed.token}"></head><body><script type="module" src="/src/main.ts"></script></body></html>\n`,
    "src/main.ts": `const server = import.meta.glob("./server/*", { eager: true });\nconsole.log(server);\n`,
    "src/server/secrets.ts": `export const password = "${sealed.token}";\n`,
    "src/server/data.json": `{ "password": "${sealed.token}" }\n`,
    "src/server/style.css": `:root { --pw: "${sealed.token}"; }\nbody { background: url("/x.png?${sealed.token}"); }\n`,
  });
}

async function serve(
  root: string,
  options: Parameters<typeof s5vite>[0],
  extra: InlineConfig = {},
) {
  const server = await createServer({
    root,
    configFile: false,
    logLevel: "silent",
    server: { port: 0, host: "127.0.0.1", hmr: false },
    plugins: [s5vite({ env: sealed.keys.env, ...options })],
    ...extra,
  });
  await server.listen();
  const { port } = server.httpServer!.address() as AddressInfo;
  const get = async (url: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${url}`);
    return { url, status: response.status, body: await response.text() };
  };
  return { server, get };
}

describe("Vite dev server over HTTP", () => {
  it("no URL form of a server-only module returns its plaintext, also after the SSR environment decrypted it", async () => {
    const root = app();
    const { server, get } = await serve(root, {});
    try {
      expect((await server.ssrLoadModule("/src/server/secrets.ts")).password).toBe(SECRET);
      await server.ssrLoadModule("/src/server/data.json");
      const abs = join(root, "src/server/secrets.ts");
      const urls = [
        "/",
        "/src/main.ts",
        ...["", "?import", "?t=1", "?direct", "?raw", "?raw&import", "?inline", "?url", "?worker"]
          .concat(["?worker_file&type=module", "?import&map", ".map"])
          .map((query) => `/src/server/secrets.ts${query}`),
        `/@fs${abs}`,
        `/@fs${abs}?import`,
        `/@id/${abs}`,
        "/src/server/data.json?import",
        "/src/server/style.css",
        "/src/server/style.css?direct",
        "/src/server/style.css?inline",
      ];
      const responses = await Promise.all(urls.map(get));
      for (const { url, body } of responses)
        expect({ url, leaked: leaked(body) }).toEqual({ url, leaked: [] });
      // The page and the module itself are refused (a token in the browser's environment).
      expect(responses.find((r) => r.url === "/")?.status).toBe(500);
      expect(responses.find((r) => r.url === "/src/server/secrets.ts")?.status).toBe(500);
    } finally {
      await server.close();
    }
  });

  it("`client: false` does not make the dev server's browser environment a server: its requests are refused", async () => {
    const root = app();
    const { server, get } = await serve(root, { client: false });
    try {
      // The SSR environment still decrypts.
      expect((await server.ssrLoadModule("/src/server/secrets.ts")).password).toBe(SECRET);
      for (const url of ["/", "/src/server/secrets.ts", "/src/server/secrets.ts?raw"]) {
        const { status, body } = await get(url);
        expect({ url, leaked: leaked(body) }).toEqual({ url, leaked: [] });
        expect({ url, status }).toEqual({ url, status: 500 });
        expect(body).toContain("S5_CLIENT_TOKEN");
      }
    } finally {
      await server.close();
    }
  });
});
