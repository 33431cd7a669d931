/**
 * `s5 render` of a value that would rewrite its file (a line break in a YAML plain scalar, a quote
 * in a JSON string, a PEM in a block scalar): refused with its place, nothing written, no value in
 * any message. A filter (`| json`, `| yaml`, `| raw`) says how the value lands: rendered.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { sandbox } from "./run.ts";

const KEY = "33".repeat(32);
const env = { S5_AES_KEY: KEY };
/** Distinct pieces, each looked for in every output: none may be shown. */
const SECRET = "Sup3rS3cretPw\nadmin: true";
const PEM =
  "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8w\n-----END PRIVATE KEY-----\n";

async function setUp() {
  const box = sandbox();
  const cipher = async (value: string, filter?: string) =>
    (
      await box.s5([
        "cipher",
        "aes",
        "--key",
        KEY,
        "--no-trim",
        ...(filter ? ["-f", filter] : []),
        "--",
        value,
      ])
    ).stdout.toString();
  const write = (name: string, text: string) => writeFileSync(join(box.dir, name), text);
  return { box, cipher, write };
}

function expectNoValue(...outputs: (string | Buffer)[]) {
  for (const output of outputs) {
    const text = output.toString();
    expect(text).not.toContain("Sup3rS3cretPw");
    expect(text).not.toContain("admin: true");
    expect(text).not.toContain("MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8w");
  }
}

describe("s5 render of a value that would rewrite its file", () => {
  it("refuses a line break in a YAML plain scalar: nothing printed, -i unchanged, no -o file", async () => {
    const { box, cipher, write } = await setUp();
    const input = `db:\n  user: app\n  password: ${await cipher(SECRET)}\n`;
    write("values.yml", input);
    const before = statSync(join(box.dir, "values.yml"));

    const out = await box.s5(["render", "values.yml"], { env });
    expect(out.code).toBe(5);
    expect(out.stdout.length).toBe(0);
    expect(out.stderr).toContain("values.yml:3:13");
    expect(out.stderr).toContain("a YAML plain (unquoted) scalar");
    expect(out.stderr).toContain("S5_VALUE_CONTEXT");
    expect(out.stderr).toContain("| yaml");
    expectNoValue(out.stdout, out.stderr);

    const inPlace = await box.s5(["render", "-i", "values.yml"], { env });
    expect(inPlace.code).toBe(5);
    expectNoValue(inPlace.stdout, inPlace.stderr);
    expect(readFileSync(join(box.dir, "values.yml"), "utf8")).toBe(input);
    expect(statSync(join(box.dir, "values.yml")).mtimeMs).toBe(before.mtimeMs);

    const toFile = await box.s5(["render", "values.yml", "-o", "out.yml"], { env });
    expect(toFile.code).toBe(5);
    expectNoValue(toFile.stdout, toFile.stderr);
    expect(readdirSync(box.dir)).toEqual(["values.yml"]);
  });

  it("refuses a PEM in a block scalar, a quote in a JSON string and a line break in a .env value", async () => {
    const { box, cipher, write } = await setUp();
    write("tls.yaml", `tls:\n  key: |\n    ${await cipher(PEM)}\n`);
    write("app.json", `{"password": "${await cipher('Sup3rS3cretPw", "admin": true, "x": "')}"}\n`);
    write(".env.production", `PASSWORD=${await cipher(SECRET)}\n`);
    const cases = [
      ["tls.yaml", "tls.yaml:3:5", "a YAML block scalar"],
      ["app.json", "app.json:1:15", "a JSON string"],
      [".env.production", ".env.production:1:10", "an unquoted .env value"],
    ] as const;
    for (const [file, place, words] of cases) {
      const before = readFileSync(join(box.dir, file));
      const out = await box.s5(["render", "-i", file], { env });
      expect(out.code, file).toBe(5);
      expect(out.stderr).toContain(`${place}: this token's plaintext would break out of ${words}`);
      expectNoValue(out.stdout, out.stderr);
      expect(readFileSync(join(box.dir, file)).equals(before)).toBe(true);
    }
    // Several files in place: one refused, none replaced.
    write("ok.yml", `a: ${await cipher("fine")}\n`);
    const both = await box.s5(["render", "-i", "ok.yml", "tls.yaml"], { env });
    expect(both.code).toBe(5);
    expect(readFileSync(join(box.dir, "ok.yml"), "utf8")).toContain("{{ s5:aes:");
  });

  it("refuses code in an HCL string, a heredoc cut short, and a quote in a TOML string", async () => {
    const { box, cipher, write } = await setUp();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL's interpolation, on purpose
    const injection = 'Sup3rS3cretPw${file("/etc/shadow")}';
    write("main.tf", `resource "x" "y" {\n  password = "${await cipher(injection)}"\n}\n`);
    write(
      "prod.auto.tfvars",
      `cert = <<EOT\n${await cipher("Sup3rS3cretPw\nEOT\nadmin = true")}\nEOT\n`,
    );
    write("Cargo.toml", `[db]\npassword = "${await cipher('Sup3rS3cretPw"\nadmin = true')}"\n`);
    const cases = [
      ["main.tf", "main.tf:2:15", "an HCL quoted string", "| hcl"],
      ["prod.auto.tfvars", "prod.auto.tfvars:2:1", "an HCL heredoc", "| hcl"],
      ["Cargo.toml", "Cargo.toml:2:13", "a TOML basic string", "| json"],
    ] as const;
    for (const [file, place, words, filter] of cases) {
      const before = readFileSync(join(box.dir, file));
      const out = await box.s5(["render", "-i", file], { env });
      expect(out.code, file).toBe(5);
      expect(out.stderr).toContain(`${place}: this token's plaintext would break out of ${words}`);
      expect(out.stderr).toContain(filter);
      expectNoValue(out.stdout, out.stderr);
      expect(out.stderr).not.toContain("/etc/shadow");
      expect(readFileSync(join(box.dir, file)).equals(before)).toBe(true);
    }
    // With the filter that fits: rendered, escaped for the place.
    write("ok.tf", `password = "${await cipher(injection, "hcl")}"\n`);
    const hcl = await box.s5(["render", "ok.tf"], { env });
    expect(hcl.code).toBe(0);
    expect(hcl.stdout.toString()).toBe('password = "Sup3rS3cretPw$${file(\\"/etc/shadow\\")}"\n');
    write("ok.toml", `password = "${await cipher('Sup3rS3cretPw"\nadmin = true', "json")}"\n`);
    const toml = await box.s5(["render", "ok.toml"], { env });
    expect(toml.code).toBe(0);
    expect(toml.stdout.toString()).toBe('password = "Sup3rS3cretPw\\"\\nadmin = true"\n');
  });

  it("renders the same values with the filter that fits, or with | raw", async () => {
    const { box, cipher, write } = await setUp();
    write("tls.yaml", `tls:\n  key: ${await cipher(PEM, "yaml")}\n`);
    write("app.json", `{"password": "${await cipher(SECRET, "json")}"}\n`);
    write("raw.yml", `password: ${await cipher(SECRET, "raw")}\n`);

    const tls = await box.s5(["render", "tls.yaml"], { env });
    expect(tls.code).toBe(0);
    expect(parse(tls.stdout.toString())).toEqual({ tls: { key: PEM } });
    const json = await box.s5(["render", "app.json"], { env });
    expect(JSON.parse(json.stdout.toString())).toEqual({ password: SECRET });
    const raw = await box.s5(["render", "raw.yml"], { env });
    expect(raw.code).toBe(0);
    expect(raw.stdout.toString()).toBe(`password: ${SECRET}\n`);
  });

  it("does not judge stdin, which has no name, nor a file whose name tells no kind", async () => {
    const { box, cipher, write } = await setUp();
    const input = `password: ${await cipher(SECRET)}\n`;
    const piped = await box.s5(["render"], { env, input });
    expect(piped.code).toBe(0);
    expect(piped.stdout.toString()).toBe(`password: ${SECRET}\n`);
    write("values.txt", input);
    expect((await box.s5(["render", "values.txt"], { env })).code).toBe(0);
  });

  it("judges stdin and any file as --input-type says (text: none), and refuses an unknown type", async () => {
    const { box, cipher, write } = await setUp();
    const input = `password: ${await cipher(SECRET)}\n`;
    const piped = await box.s5(["render", "--input-type", "yaml"], { env, input });
    expect(piped.code).toBe(5);
    expect(piped.stdout.length).toBe(0);
    expect(piped.stderr).toContain("<stdin>:1:11");
    expect(piped.stderr).toContain("S5_VALUE_CONTEXT");
    expectNoValue(piped.stderr);
    write("values.yml", input);
    const text = await box.s5(["render", "--input-type", "text", "values.yml"], { env });
    expect(text.code).toBe(0);
    expect(text.stdout.toString()).toBe(`password: ${SECRET}\n`);
    const unknown = await box.s5(["render", "--input-type", "xml", "values.yml"], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--input-type is one of: json, yaml, env");
  });

  it("s5 check finds what render would refuse (exit 10), with its place and fix, and no value", async () => {
    const { box, cipher, write } = await setUp();
    write("values.yml", `a: ${await cipher(SECRET)}\nb: ${await cipher(SECRET, "yaml")}\n`);
    write("raw.yml", `c: ${await cipher(SECRET, "raw")}\n`);
    const text = await box.s5(["check", "values.yml", "raw.yml"], { env });
    expect(text.code).toBe(10);
    expect(text.stdout.toString()).toContain("values.yml:1:4:");
    expect(text.stdout.toString()).toContain("S5_VALUE_CONTEXT");
    expect(text.stdout.toString()).toContain("| yaml");
    expect(text.stderr).toContain("3 token(s) (3 decrypted): 1 problem(s)");
    expectNoValue(text.stdout, text.stderr);
    const json = await box.s5(["check", "--json", "values.yml", "raw.yml"], { env });
    expect(json.code).toBe(10);
    const [problem, ...others] = JSON.parse(json.stdout.toString());
    expect(others).toEqual([]);
    expect(problem).toMatchObject({ file: "values.yml", line: 1, column: 4 });
    expect(problem.code).toBe("S5_VALUE_CONTEXT");
  });

  it("keeps a refused token as a token with --keep-failed, as one that does not decrypt", async () => {
    const { box, cipher, write } = await setUp();
    const token = await cipher(SECRET);
    write("values.yml", `password: ${token}\nuser: ${await cipher("app")}\n`);
    const out = await box.s5(["render", "--keep-failed", "values.yml"], { env });
    expect(out.code).toBe(0);
    expect(out.stdout.toString()).toBe(`password: ${token}\nuser: app\n`);
    expectNoValue(out.stdout, out.stderr);
  });
});
