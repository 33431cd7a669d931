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

  it("finds a token in a UTF-16 file, either byte order, with or without a byte-order mark, with its place", () => {
    const text = `line one\ndata: ${token("in-utf16")}\n`;
    const le = Buffer.from(text, "utf16le");
    const be = Buffer.from(le).swap16();
    const bom = (mark: number[], body: Buffer) => Buffer.concat([Buffer.from(mark), body]);
    const { root, config } = publicDir({
      "le-bom.txt": bom([0xff, 0xfe], le),
      "be-bom.txt": bom([0xfe, 0xff], be),
      "le.txt": le,
    });
    const message = scanPublicDir(config, root);
    expect(message).toMatch(/^\[s5\] /);
    for (const name of ["le-bom.txt", "be-bom.txt", "le.txt"]) {
      // Once each (read at both byte offsets, a token is found twice), at its place.
      expect(message?.split(`public/${name}:`).length, name).toBe(2);
      expect(message).toContain(`public/${name}:2:7`);
    }
    expect(message).not.toContain("in-utf16");
    // In a binary file, at either byte offset, cut by the 64 KiB pieces.
    for (const at of [65_536 - 9, 65_536 - 300, 131_072 - 501]) {
      const utf16 = Buffer.from(` ${token("in-utf16")} `, "utf16le");
      for (const [order, written] of [
        ["le", utf16],
        ["be", Buffer.from(utf16).swap16()],
      ] as const) {
        const bytes = binary(200_000, 0, "");
        written.copy(bytes, at);
        const dir = publicDir({ [`img/${order}.bin`]: bytes });
        expect(scanPublicDir(dir.config, dir.root), `${order} at ${at}`).toContain(
          `public/img/${order}.bin:`,
        );
      }
    }
  });

  it("passes template braces, JSON and binary files without a token", () => {
    const { root, config } = publicDir({
      "page.html": "<p>{{ name }}</p>{{#each items}}{{/each}}\n".repeat(5000),
      "data.json": '{"a":{"b":{}}}\n',
      "photo.png": binary(300_000, 100_000, "{{ not s5 }}"),
      "page-utf16.html": Buffer.from(
        "\ufeff<p>{{ name }}</p>{{ vaultish }}\n".repeat(500),
        "utf16le",
      ),
    });
    expect(scanPublicDir(config, root)).toBeUndefined();
  });
});
