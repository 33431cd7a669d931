// The commit and CI gate (`s5 check`): what a careless user writes must not pass it with exit 0.
import { constants } from "node:buffer";
import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { S5_BIN, sandbox } from "./run.ts";

const KEY = "44".repeat(32);
const env = { S5_AES_KEY: KEY, S5_BACKEND: "aes" };

describe("s5 check as a gate", () => {
  it("finds a seal marker written with a template's trim mark (`{{-`, `{{~`)", async () => {
    const box = sandbox();
    // A Helm chart's author types `{{-` out of habit: neither a marker nor a token, so seal and
    // render leave the plaintext as it is.
    const text =
      "a: {{- s5:seal Pw-helm-1 }}\nb: {{~ s5:seal Pw-hbs-2 ~}}\nc: {{-s5:seal Pw-tight-3 -}}\n" +
      '{{- include "s5.seal" . }}\n{{- .Values.s5_seal }}\n{{- if .Values.s5.sealed }}\n';
    writeFileSync(join(box.dir, "chart.yml"), text);
    const check = await box.s5(["check", "--no-decrypt", "chart.yml"], { env });
    expect(check.code).toBe(10);
    const out = check.stdout.toString();
    for (const line of [1, 2, 3]) {
      expect(out).toContain(`chart.yml:${line}:4: written like a seal marker, but not one`);
    }
    // A template's own names are not markers.
    expect(out).not.toMatch(/chart\.yml:[456]:/);
    expect(out + check.stderr).not.toContain("Pw-");
    // seal refuses it rather than leave the plaintext in place with success.
    const seal = await box.s5(["seal", "-i", "chart.yml"], { env });
    expect(seal.code).toBe(5);
    expect(seal.stderr).toContain("chart.yml:1:4: neither a seal marker nor a token");
    expect(seal.stderr).not.toContain("Pw-");
    expect(readFileSync(join(box.dir, "chart.yml"), "utf8")).toBe(text);
  });

  it("checks a named file too large for a string, and leaves out a named binary over 2 GiB", async () => {
    const box = sandbox();
    // Sparse files: no disk used. Past V8's longest string, with a marker and a token at its end
    // (the pre-commit framework names every staged file, a video or a model included).
    const large = join(box.dir, "large.bin");
    const tail = Buffer.from("\nx: {{ s5:seal Pw-large-1 }}\ns5 {{ s5 seal Pw-near-2 }}\n");
    writeFileSync(large, "");
    truncateSync(large, constants.MAX_STRING_LENGTH + 16);
    const fd = openSync(large, "r+");
    writeSync(fd, tail, 0, tail.length, constants.MAX_STRING_LENGTH + 16);
    closeSync(fd);
    const check = await box.s5(["check", "--no-decrypt", "large.bin"], { env });
    expect(check.stderr).not.toContain("S5_INTERNAL");
    expect(check.code, check.stderr).toBe(10);
    expect(check.stdout.toString()).toMatch(/large\.bin:2:4: .*\(S5_TOKEN_UNSEALED\)/);
    expect(check.stdout.toString() + check.stderr).not.toContain("Pw-");
    // Over 2 GiB, whose first bytes say binary: nothing s5 can read, render neither.
    const huge = join(box.dir, "model.bin");
    writeFileSync(huge, "");
    truncateSync(huge, 3 * 1024 ** 3);
    const skipped = await box.s5(["check", "--no-decrypt", "model.bin"], { env });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toContain("note: model.bin: a binary file over 2 GiB, not read");
    // A text file over 2 GiB still stops the check with its name.
    const text = join(box.dir, "huge.yml");
    writeFileSync(text, "a: 1\n".repeat(4096));
    truncateSync(text, 3 * 1024 ** 3);
    const stopped = await box.s5(["check", "--no-decrypt", "huge.yml"], { env });
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toContain("cannot read huge.yml: a text file larger than 2 GiB");
  });

  it("after `--`, a file called like a backend (`vault`, `aes`, `local`) is checked", async () => {
    const box = sandbox();
    for (const name of ["vault", "aes", "local", "--help"]) {
      writeFileSync(join(box.dir, name), "x: {{ s5:seal Pw-named-1 }}\n");
    }
    writeFileSync(join(box.dir, "clean.yml"), "x: 1\n");
    // What the pre-commit framework runs: the hook's entry and args, then the staged files.
    for (const name of ["vault", "aes", "local", "--help"]) {
      const check = await box.s5(["check", "--no-decrypt", "--", name, "clean.yml"], { env });
      expect(check.code, `${name}: ${check.stderr}`).toBe(10);
      expect(check.stdout.toString()).toContain(`${name}:1:4: a value marked for encryption`);
      expect(check.stderr).toContain("checked 2 file(s)");
    }
    // Before `--`, the first word is still the Go tool's backend word.
    const word = await box.s5(["check", "--no-decrypt", "aes", "clean.yml"], { env });
    expect(word.code, word.stderr).toBe(0);
    expect(word.stderr).toContain("checked 1 file(s)");
  });

  it("exits 10 when the reader of its report stops early (EPIPE), in every format", async () => {
    const box = sandbox();
    const lines = Array.from({ length: 3000 }, (_, i) => `k${i}: {{ s5:seal Pw-${i} }}`);
    writeFileSync(join(box.dir, "many.yml"), `${lines.join("\n")}\n`);
    for (const format of ["text", "json", "sarif"]) {
      const script = `"${process.execPath}" "${S5_BIN}" check --no-decrypt --format ${format} many.yml | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"`;
      const result = spawnSync("bash", ["-c", script], {
        cwd: box.dir,
        env: { ...box.env, ...env },
        encoding: "utf8",
      });
      expect(result.stdout, `${format}: ${result.stderr}`).toBe("10\n");
    }
  });

  it("walks into files and directories whose names are not UTF-8", async () => {
    const box = sandbox();
    // `café` in Latin-1, as an old archive unpacks it: Node reads the name with U+FFFD in it.
    const latin1 = (name: string) => Buffer.from(join(box.dir, name), "latin1");
    writeFileSync(latin1("caf\u00e9.yml"), "x: {{ s5:seal Pw-latin-1 }}\n");
    mkdirSync(latin1("d\u00e9"));
    writeFileSync(latin1("d\u00e9/in.yml"), "x: {{ s5:seal Pw-latin-2 }}\n");
    writeFileSync(join(box.dir, "ok.yml"), "y: 1\n");
    const check = await box.s5(["check", "--no-decrypt", "."], { env });
    expect(check.code, check.stderr).toBe(10);
    expect(check.stdout.toString()).toContain("caf\ufffd.yml:1:4: a value marked for encryption");
    expect(check.stdout.toString()).toContain("d\ufffd/in.yml:1:4: a value marked for encryption");
    expect(check.stderr).toContain("checked 3 file(s)");
    expect(check.stdout.toString() + check.stderr).not.toContain("Pw-");
  });

  it("--no-decrypt (the hook) finds a local-key token whose key the project does not list", async () => {
    const here = sandbox();
    const there = sandbox();
    await here.s5(["init", "--name", "dev"]);
    await there.s5(["init", "--name", "dev"]);
    const own = (await here.s5(["cipher", "own-value"])).stdout.toString();
    // Pasted from another project's values: nobody here can decrypt it.
    const foreign = (await there.s5(["cipher", "foreign-value"])).stdout.toString();
    writeFileSync(join(here.dir, "app.yml"), `a: ${own}\nb: ${foreign}\n`);
    const check = await here.s5(["check", "--no-decrypt", "app.yml"]);
    expect(check.code, check.stderr).toBe(10);
    const out = check.stdout.toString().trim().split("\n");
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^app\.yml:2:4: local key \S+ is not in the project config \(S5_KEY_LOCAL_UNKNOWN\)$/,
    );
    // The same problem as where it is decrypted, at the same place.
    const decrypt = await here.s5(["check", "app.yml"]);
    expect(decrypt.code).toBe(10);
    expect(decrypt.stdout.toString().trim()).toBe(out[0]);
    // Its own tokens pass.
    writeFileSync(join(here.dir, "app.yml"), `a: ${own}\n`);
    expect((await here.s5(["check", "--no-decrypt", "app.yml"])).code).toBe(0);
  });

  it("reads a long line beside a token (a hex digest, a minified file) in one pass", async () => {
    const box = sandbox();
    // 2 MB of key characters on one line: the heuristics' pair search tried a key from every
    // character of the run, each try to its end (80,000 took 10 s; this, hours); 5,000 spaces
    // in a value took 86 s, and 200,000 would take days. Killed after
    // 50 s only so that a regression ends the test instead of hanging it: it takes well under 1 s.
    const token = (await box.s5(["cipher", "db-value"], { env })).stdout.toString();
    // A certificate or a digest in hex, on one line of a block scalar.
    writeFileSync(
      join(box.dir, "min.yml"),
      `db: ${token}\nblob: |\n  ${"ab12".repeat(500_000)}\npassword: Hunter2Hunter2!\n` +
        // Space inside a value: the assignment's trailing `\s*,?\s*` tried every split of it.
        `note: a${" ".repeat(200_000)}b\n`,
    );
    const result = spawnSync(process.execPath, [S5_BIN, "check", "--no-decrypt", "min.yml"], {
      cwd: box.dir,
      env: { ...box.env, ...env },
      encoding: "utf8",
      timeout: 50_000,
    });
    expect(result.signal).toBeNull();
    expect(result.status, result.stderr).toBe(10);
    expect(result.stdout).toMatch(/^min\.yml:4:11: `password` holds a plaintext value/);
    expect(result.stdout).not.toContain("Hunter2");
  });
});
