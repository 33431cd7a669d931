// What the Vault transport loads: nothing until a Vault token is met, and then node-vault from
// core's own build sending through Node's http — not Node's fetch implementation (undici) nor
// http2 (which axios, node-vault's default sender, would load), nor https, tls and crypto for an
// http:// address. Checked in a child process against the real server, through Node's own list
// of loaded modules.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import { runChild } from "../child.ts";
import { describeVault, newMount, root, tempDir, vaultEncrypt, vaultEnv } from "./helpers.ts";

const core = pathToFileURL(join(root, "packages/core/dist/index.mjs")).href;

describeVault("the Vault transport's loading", () => {
  it("waits for a Vault token, and then loads neither undici nor http2, nor TLS for http://", async () => {
    const { mount, key } = await newMount();
    const ciphertext = await vaultEncrypt(mount, key, "transport-load-value");
    const script = `
      const loaded = (name) => process.moduleLoadList.includes("NativeModule " + name);
      const core = await import(${JSON.stringify(core)});
      const backends = core.createBackends(core.resolveSettings({ cwd: process.cwd(), env: process.env }));
      const before = loaded("http");
      const [out] = await core.renderSources([{ name: "a.yml", content: "a: {{ s5:${ciphertext} }}\\n" }], backends);
      await backends[Symbol.asyncDispose]();
      console.log(JSON.stringify({
        before,
        out,
        http: loaded("http"),
        undici: loaded("internal/deps/undici/undici"),
        http2: loaded("http2"),
        https: loaded("https"),
        tls: loaded("tls"),
        crypto: loaded("crypto"),
        tty: loaded("tty"),
        zlib: loaded("zlib"),
      }));
    `;
    const env = vaultEnv({ S5_VAULT_TRANSIT_MOUNT: mount, S5_VAULT_TRANSIT_KEY: key });
    const result = await runChild(process.execPath, ["--input-type=module", "-e", script], {
      env,
      cwd: tempDir(),
    });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      before: false,
      out: "a: transport-load-value\n",
      http: true,
      undici: false,
      http2: false,
      // An http:// address: TLS is loaded only for https:// ones (test/vault/auth.test.ts, "TLS").
      https: false,
      tls: false,
      crypto: false,
      // No terminal check by a logger (s5 bundles none).
      tty: false,
      zlib: false,
    });
  });
});
