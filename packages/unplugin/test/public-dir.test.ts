/** The public-directory scan: files read in pieces as bytes, binary ones included, no token missed. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scanPublicDir } from "../src/core/public-dir.ts";
import { token } from "./helpers.ts";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

function publicDir(files: Record<string, Buffer | string>) {
  const root = mkdtempSync(join(tmpdir(), "s5-public-"));
  const dir = join(root, "public");
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return { root, config: { command: "build", publicDir: dir, build: {} } };
}

/** `size` bytes of a binary file (NUL bytes from the start) with `text` at `at`. */
function binary(size: number, at: number, text: string): Buffer {
  const bytes = Buffer.alloc(size, 0x7b); // `{` everywhere: every `{{` is looked at
  PNG.copy(bytes);
  bytes.fill(0, PNG.length, 8192);
  bytes.write(text, at, "latin1");
  return bytes;
}

describe("scanPublicDir", () => {
  it("finds a token in a binary file wherever it falls, across the 64 KiB pieces", () => {
    const tok = token("secret-in-a-png");
    const files: Record<string, Buffer> = {};
    for (const at of [9000, 65_536 - 3, 65_536 - 255, 65_536 + 1, 200_000 - tok.length]) {
      files[`img/at-${at}.png`] = binary(200_000, at, ` ${tok} `);
    }
    const { root, config } = publicDir(files);
    const message = scanPublicDir(config, root);
    expect(message).toMatch(/^\[s5\] /);
    for (const name of Object.keys(files)) expect(message).toContain(`public/${name}`);
    expect(message).not.toContain("secret-in-a-png");
  });

  it("finds a token whose `{{` is followed by 300 spaces, or by a zero-width space (UTF-8)", () => {
    const body = token("v").slice(2);
    const { root, config } = publicDir({
      "spaces.txt": `{{${" ".repeat(300)}${body}\n`,
      "zwsp.txt": `x {{\u200b${body}\n`,
    });
    const message = scanPublicDir(config, root);
    expect(message).toContain("public/spaces.txt");
    expect(message).toContain("public/zwsp.txt:1:3");
  });

  it("passes template braces, JSON and binary files without a token", () => {
    const { root, config } = publicDir({
      "page.html": "<p>{{ name }}</p>{{#each items}}{{/each}}\n".repeat(5000),
      "data.json": '{"a":{"b":{}}}\n',
      "photo.png": binary(300_000, 100_000, "{{ not s5 }}"),
    });
    expect(scanPublicDir(config, root)).toBeUndefined();
  });
});
