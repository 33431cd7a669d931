// cipher/decipher print exactly the value; stdin handling; help; exit codes; colours.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { S5_BIN, sandbox } from "./run.ts";

const KEY = "00112233445566778899aabbccddeeff";

describe("s5 cipher / decipher", () => {
  it("prints exactly the token and exactly the plaintext (no newline off a terminal)", async () => {
    const box = sandbox();
    const secret = "line one\nline two\n\n";
    const made = await box.s5(["cipher", "aes", "--key", KEY, "--no-trim"], { input: secret });
    const token = made.stdout.toString();
    expect(token).toMatch(/^\{\{ s5:aes:[A-Za-z0-9_-]+ \}\}$/);
    const back = await box.s5(["decipher", "aes", "--key", KEY, token]);
    expect(back.stdout.toString()).toBe(secret);
  });

  it("trims spaces, CR and LF around stdin unless --no-trim", async () => {
    const box = sandbox();
    const token = (
      await box.s5(["cipher", "--backend", "aes", "--key", KEY], { input: "  value\r\n" })
    ).stdout.toString();
    const back = await box.s5(["decipher", "--key", KEY], { input: `${token}\n` });
    expect(back.stdout.toString()).toBe("value");
  });

  it("decipher takes a token body too, and applies the token's filters", async () => {
    const box = sandbox();
    const token = (
      await box.s5(["cipher", "aes", "--key", KEY, "-f", "base64", "hi"])
    ).stdout.toString();
    expect((await box.s5(["decipher", "--key", KEY, token])).stdout.toString()).toBe("aGk=");
    const body = token.slice(6, token.indexOf(" |"));
    expect((await box.s5(["decipher", "--key", KEY, body])).stdout.toString()).toBe("hi");
  });

  it("decipher refuses input with several tokens", async () => {
    const box = sandbox();
    const result = await box.s5(["decipher", "--key", KEY], { input: "{{s5:AAAA}} {{s5:BBBB}}" });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("use `s5 render`");
  });

  it("says how to set up when no backend is configured", async () => {
    const box = sandbox();
    const result = await box.s5(["cipher", "x"]);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain("no backend is set up here");
    expect(result.stderr).toContain("s5 init");
  });

  it("prints help and version", async () => {
    const box = sandbox();
    for (const command of ["cipher", "decipher", "render", "init", "keys"]) {
      const help = await box.s5([command, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout.toString()).toMatch(/^Usage: s5 /);
    }
    expect((await box.s5(["--help"])).stdout.toString()).toContain("Commands:");
    expect((await box.s5(["--version"])).stdout.toString()).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect((await box.s5(["nope"])).code).toBe(2);
  });

  it("colours errors only when asked, and never with NO_COLOR", async () => {
    const box = sandbox();
    const forced = await box.s5(["render", "missing"], { env: { FORCE_COLOR: "1" } });
    expect(forced.stderr).toContain("\u001b[31m");
    const plain = await box.s5(["render", "missing"], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } });
    expect(plain.stderr).not.toContain("\u001b[");
  });

  it("does not hang when stdin is a terminal", () => {
    const box = sandbox();
    // A real pseudo-terminal as stdin, through Python's pty module.
    const script = [
      "import os, pty, subprocess, sys",
      "master, slave = pty.openpty()",
      "p = subprocess.run(sys.argv[1:], stdin=slave, capture_output=True, timeout=20)",
      "sys.stdout.write(str(p.returncode) + '\\n' + p.stderr.decode())",
    ].join("\n");
    const result = spawnSync(
      "python3",
      ["-c", script, process.execPath, S5_BIN, "cipher", "aes", "--key", KEY],
      {
        env: box.env,
        encoding: "utf8",
      },
    );
    const [code, ...stderr] = result.stdout.split("\n");
    expect(code).toBe("2");
    expect(stderr.join("\n")).toContain("stdin is a terminal");
  });
});

describe("values that start with -", () => {
  it("never echoes an unknown option that may be a secret, and `--` passes it as a value", async () => {
    const box = sandbox();
    const refused = await box.s5([
      "cipher",
      "aes",
      "--key",
      KEY,
      "-----BEGIN PRIVATE KEY-----\nabc",
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).not.toContain("BEGIN PRIVATE KEY");
    expect(refused.stderr).toContain("`--`");
    const made = await box.s5(["cipher", "aes", "--key", KEY, "--", "-secret"]);
    const back = await box.s5(["decipher", "aes", "--key", KEY, made.stdout.toString()]);
    expect(back.stdout.toString()).toBe("-secret");
  });
});
