// cipher/decipher print exactly the value; stdin handling; help; exit codes; colours.
import { describe, expect, it } from "vitest";
import { S5_BIN, type Sandbox, sandbox } from "./run.ts";
import { onTerminal, type TerminalStep } from "./terminal.ts";

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

  it("does not hang when stdin is a terminal and input is expected (decipher)", () => {
    const box = sandbox();
    const run = onTerminal(
      [process.execPath, S5_BIN, "decipher", "aes", "--key", KEY],
      [{ pause: 0 }],
      box.env,
    );
    expect(run.code).toBe(2);
    expect(run.shown).toContain("stdin is a terminal");
  });
});

describe("s5 cipher at a terminal", () => {
  const PROMPT = "value to encrypt (not shown";
  const cipherAt = (steps: TerminalStep[]) => {
    const box = sandbox();
    const env = { ...box.env, S5_AES_KEY: KEY };
    return { box, run: onTerminal([process.execPath, S5_BIN, "cipher", "aes"], steps, env) };
  };
  const decipher = async (box: Sandbox, token: string) =>
    (await box.s5(["decipher", "aes", "--key", KEY, token])).stdout.toString();

  it("asks for the value and shows nothing of it; Backspace mends a typo", async () => {
    const { box, run } = cipherAt([{ waitFor: PROMPT, type: "huntex" }, { type: "\u007fr2\r" }]);
    expect(run.code).toBe(0);
    expect(run.shown).toContain(PROMPT);
    expect(run.shown).not.toContain("hunte");
    expect(run.echo && run.canonical).toBe(true);
    expect(await decipher(box, run.stdout)).toBe("hunter2");
  });

  it("keeps a pasted value of several lines whole, with or without bracketed paste", async () => {
    const key = "-----BEGIN KEY-----\nAAAA\n-----END KEY-----";
    const bracketed = cipherAt([
      { waitFor: PROMPT, type: `\u001b[200~${key.replaceAll("\n", "\r")}\u001b[201~` },
      { type: "\r" },
    ]);
    expect(bracketed.run.shown).toContain("\u001b[?2004h");
    expect(bracketed.run.shown).not.toContain("AAAA");
    expect(await decipher(bracketed.box, bracketed.run.stdout)).toBe(key);
    // The paste markers split over reads (ssh, tmux), and a lone Escape before a key.
    const split = cipherAt([
      { waitFor: PROMPT, type: "\u001b[20" },
      { type: `0~${key.replaceAll("\n", "\r")}\u001b[20` },
      { type: "1~\u001b" },
      { type: "!\r" },
    ]);
    expect(await decipher(split.box, split.run.stdout)).toBe(`${key}!`);
    // A terminal without bracketed paste: the lines arrive together, Enter last.
    const plain = cipherAt([{ waitFor: PROMPT, type: `${key.replaceAll("\n", "\r")}\r` }]);
    expect(await decipher(plain.box, plain.run.stdout)).toBe(key);
  });

  it("Ctrl-C and SIGTERM end s5 with the terminal put back, bracketed paste off", () => {
    const interrupted = cipherAt([{ waitFor: PROMPT, type: "abc\u0003" }]);
    expect(interrupted.run.code).toBe(-2);
    expect(interrupted.run.stdout).toBe("");
    expect(interrupted.run.echo && interrupted.run.canonical).toBe(true);
    expect(interrupted.run.shown).toContain("\u001b[?2004l");
    const terminated = cipherAt([{ waitFor: PROMPT, type: "abc" }, { signal: "SIGTERM" }]);
    expect(terminated.run.code).toBe(-15);
    expect(terminated.run.stdout).toBe("");
    expect(terminated.run.echo && terminated.run.canonical).toBe(true);
    expect(terminated.run.shown).toContain("\u001b[?2004l");
  });

  it("notes a VALUE or --key typed on the command line, without showing either", () => {
    const box = sandbox();
    const run = onTerminal(
      [process.execPath, S5_BIN, "cipher", "aes", "--key", KEY, "Sup3rSecret"],
      [{ pause: 0 }],
      box.env,
    );
    expect(run.code).toBe(0);
    expect(run.shown).toContain("VALUE and --key on the command line can be read by other users");
    expect(run.shown).toContain("S5_AES_KEY");
    expect(run.shown).not.toContain("Sup3rSecret");
    expect(run.shown).not.toContain(KEY);
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
