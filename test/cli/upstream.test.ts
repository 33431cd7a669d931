// The Go tool's tokens and command lines work unchanged.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

const { vectors } = JSON.parse(
  readFileSync(new URL("../fixtures/upstream-aes.json", import.meta.url), "utf8"),
) as {
  vectors: { key: string; token: string; plaintext: string }[];
};

describe("the Go tool's AES tokens and command lines", () => {
  it.each(vectors)("s5 decipher aes --key K '$token'", async ({ key, token, plaintext }) => {
    const box = sandbox();
    const result = await box.s5(["decipher", "aes", "--key", key, token]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe(plaintext);
  });

  it("S5_AES_KEY=K s5 render aes file.yml -i renders a file of the Go tool in place", async () => {
    const box = sandbox();
    const key = "0b9f3051e89ba4d5018fc7fb96fe5b44";
    const mine = vectors.filter((v) => v.key === key);
    const file = join(box.dir, "file.yml");
    writeFileSync(file, mine.map((v, i) => `k${i}: ${v.token}\n`).join(""));
    const result = await box.s5(["render", "aes", "file.yml", "-i"], { env: { S5_AES_KEY: key } });
    expect(result.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(mine.map((v, i) => `k${i}: ${v.plaintext}\n`).join(""));
  });

  it("accepts the Go tool's global flags, -o/--output and the backend word anywhere before flags", async () => {
    const box = sandbox();
    const { key, token, plaintext } = vectors[0]!;
    writeFileSync(join(box.dir, "in.yml"), `a: ${token}`);
    const result = await box.s5([
      "--log-level",
      "debug",
      "render",
      "aes",
      "in.yml",
      "--output",
      "out.yml",
      "--key",
      key,
    ]);
    expect(result.code).toBe(0);
    expect(readFileSync(join(box.dir, "out.yml"), "utf8")).toBe(`a: ${plaintext}`);
  });

  it("prints the version for the Go tool's `s5 -v`, alone and after its global flags", async () => {
    const box = sandbox();
    const { version } = JSON.parse(
      readFileSync(new URL("../../packages/cli/package.json", import.meta.url), "utf8"),
    );
    for (const args of [["-v"], ["--log-level", "info", "-v"]]) {
      const result = await box.s5(args);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(String(result.stdout)).toBe(`${version}\n`);
    }
  });

  it("without a backend word, recognises a Go-tool AES token by its shape", async () => {
    const box = sandbox();
    const { key, token, plaintext } = vectors[2]!;
    const result = await box.s5(["render"], { input: `x: ${token}\n`, env: { S5_AES_KEY: key } });
    expect(result.stdout.toString()).toBe(`x: ${plaintext}\n`);
  });

  it("--legacy writes tokens in the Go tool's own format, which its pattern matches", async () => {
    const box = sandbox();
    const key = "cc6af4c2bf251c1cce0aebdbd39dc91d";
    const made = await box.s5(["cipher", "aes", "--key", key, "--legacy", "coucou"]);
    const token = made.stdout.toString();
    // The Go tool's parse pattern (RE2), from its source.
    expect(token).toMatch(/^\{\{\s?s5:([A-Za-z0-9+\\/=]*)\s?\}\}$/);
    const payload = Buffer.from(token.slice(5, -2), "base64").toString();
    expect(payload).toMatch(/^[0-9a-f]{44}:[0-9a-f]{24}$/);
    const back = await box.s5(["decipher", "aes", "--key", key, token]);
    expect(back.stdout.toString()).toBe("coucou");
  });

  it("refuses the Go tool's unsupported backends with a way forward", async () => {
    const box = sandbox();
    const result = await box.s5(["decipher", "pgp", "x"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("`pgp` backend of the Go tool is not supported");
  });
});
