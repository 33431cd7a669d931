// render: all or nothing, file modes, atomic writes, several files, stdin.
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

const KEY = "22".repeat(32);

async function aesBox() {
  const box = sandbox();
  const cipher = async (value: string, extra: string[] = []) =>
    (await box.s5(["cipher", "aes", "--key", KEY, ...extra, value])).stdout.toString();
  return { box, cipher, env: { S5_AES_KEY: KEY } };
}

describe("s5 render", () => {
  it("prints nothing, writes nothing and exits non-zero when any token fails", async () => {
    const { box, cipher, env } = await aesBox();
    const good = await cipher("top-secret-value");
    const input = `a: ${good}\nb: {{ s5:aes:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA }}\n`;
    const file = join(box.dir, "s.yml");
    writeFileSync(file, input);
    const before = statSync(file);

    const toStdout = await box.s5(["render", "s.yml"], { env });
    expect(toStdout.code).toBe(6);
    expect(toStdout.stdout.length).toBe(0);
    expect(toStdout.stderr).toContain("s.yml:2:4");
    expect(toStdout.stderr).not.toContain("top-secret-value");

    const inPlace = await box.s5(["render", "-i", "s.yml"], { env });
    expect(inPlace.code).toBe(6);
    expect(readFileSync(file, "utf8")).toBe(input);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);

    const toFile = await box.s5(["render", "s.yml", "-o", "out.yml"], { env });
    expect(toFile.code).toBe(6);
    expect(existsSync(join(box.dir, "out.yml"))).toBe(false);
    expect(readdirSync(box.dir)).toEqual(["s.yml"]);
  });

  it("creates -o files 0600 and keeps the owner bits of -i files, leaving no temporary file", async () => {
    const { box, cipher, env } = await aesBox();
    writeFileSync(join(box.dir, "a.yml"), `a: ${await cipher("1")}\n`);
    chmodSync(join(box.dir, "a.yml"), 0o640);
    expect((await box.s5(["render", "a.yml", "-o", "out.yml"], { env })).code).toBe(0);
    expect(statSync(join(box.dir, "out.yml")).mode & 0o777).toBe(0o600);
    expect((await box.s5(["render", "a.yml", "-i"], { env })).code).toBe(0);
    expect(statSync(join(box.dir, "a.yml")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(box.dir, "a.yml"), "utf8")).toBe("a: 1\n");
    expect(readdirSync(box.dir).sort()).toEqual(["a.yml", "out.yml"]);
  });

  it("renders several files at once, to stdout in order or each in place", async () => {
    const { box, cipher, env } = await aesBox();
    writeFileSync(join(box.dir, "1.txt"), `one=${await cipher("1")}\n`);
    writeFileSync(join(box.dir, "2.txt"), `two=${await cipher("2")}`);
    const out = await box.s5(["render", "1.txt", "2.txt"], { env });
    expect(out.stdout.toString()).toBe("one=1\ntwo=2");
    expect((await box.s5(["render", "-i", "1.txt", "2.txt"], { env })).code).toBe(0);
    expect(readFileSync(join(box.dir, "2.txt"), "utf8")).toBe("two=2");
  });

  it("reads stdin for - or no file, and keeps bytes exactly", async () => {
    const { box, cipher, env } = await aesBox();
    const token = await cipher("v", ["-f", "base64"]);
    const input = Buffer.concat([
      Buffer.from("\ufeffk: "),
      Buffer.from(token),
      Buffer.from("\r\n\xff", "latin1"),
    ]);
    const out = await box.s5(["render", "-"], { env, input });
    expect(
      out.stdout.equals(Buffer.concat([Buffer.from("\ufeffk: dg==\r\n"), Buffer.from([0xff])])),
    ).toBe(true);
  });

  it("refuses contradictory options with a usage error", async () => {
    const { box } = await aesBox();
    expect((await box.s5(["render", "-i", "-o", "x", "a"])).code).toBe(2);
    expect((await box.s5(["render", "-i"])).code).toBe(2);
    expect((await box.s5(["render", "a", "b", "-o", "x"])).code).toBe(2);
    expect((await box.s5(["render", "--bogus"])).code).toBe(2);
  });

  it("exits 3 for a file it cannot read and 5 for a malformed token", async () => {
    const { box, env } = await aesBox();
    expect((await box.s5(["render", "missing.yml"], { env })).code).toBe(3);
    const malformed = await box.s5(["render"], { env, input: "x\ny: {{ s5:abc def }}" });
    expect(malformed.code).toBe(5);
    expect(malformed.stderr).toContain("<stdin>:2:4: malformed token");
  });
});

describe("s5 render -i on a symbolic link", () => {
  it("replaces the file the link points to and keeps the link (and the owner bits)", async () => {
    const { symlinkSync, lstatSync } = await import("node:fs");
    const { box, cipher, env } = await aesBox();
    writeFileSync(join(box.dir, "real.yml"), `a: ${await cipher("1")}\n`);
    chmodSync(join(box.dir, "real.yml"), 0o704);
    symlinkSync("real.yml", join(box.dir, "link.yml"));
    expect((await box.s5(["render", "-i", "link.yml"], { env })).code).toBe(0);
    expect(lstatSync(join(box.dir, "link.yml")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(box.dir, "real.yml"), "utf8")).toBe("a: 1\n");
    expect(statSync(join(box.dir, "real.yml")).mode & 0o777).toBe(0o700);
  });
});

describe("s5 render of a large output into a pipe", () => {
  it("waits for the reader without warnings and loses nothing", async () => {
    const { box, cipher, env } = await aesBox();
    const token = await cipher("v");
    const line = `${"y".repeat(1 << 16)}${token}\n`;
    writeFileSync(join(box.dir, "big.txt"), line.repeat(256));
    const out = await box.s5(["render", "big.txt"], { env });
    expect(out.stderr).toBe("");
    expect(out.stdout.length).toBe(((1 << 16) + 2) * 256);
  });
});

describe("s5 render of many files on a terminal", () => {
  it("shows a progress bar on stderr (a real pseudo-terminal), and keeps stdout clean", async () => {
    const { spawnSync } = await import("node:child_process");
    const { S5_BIN } = await import("./run.ts");
    const { box, cipher, env } = await aesBox();
    const token = await cipher("v");
    const files: string[] = [];
    for (let i = 0; i < 12; i++) {
      files.push(`f${i}.txt`);
      writeFileSync(join(box.dir, `f${i}.txt`), `${i}=${token}\n`);
    }
    // stderr is a terminal (python's pty), stdout a pipe.
    const script = [
      "import os, pty, subprocess, sys",
      "master, slave = pty.openpty()",
      "p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)",
      "os.close(slave)",
      "out = p.stdout.read()",
      "p.wait()",
      "err = b''",
      "while True:",
      "    try:",
      "        chunk = os.read(master, 65536)",
      "    except OSError:",
      "        break",
      "    if not chunk:",
      "        break",
      "    err += chunk",
      "sys.stdout.write(str(p.returncode) + '\\n' + out.decode() + '\\n---\\n' + err.decode())",
    ].join("\n");
    // (the sandbox's environment has no CI variable: progress is off in CI)
    const result = spawnSync(
      "python3",
      ["-c", script, process.execPath, S5_BIN, "render", ...files],
      {
        cwd: box.dir,
        env: { ...box.env, ...env },
        encoding: "utf8",
      },
    );
    const [head = "", err = ""] = result.stdout.split("\n---\n");
    const [code, ...out] = head.split("\n");
    expect(code).toBe("0");
    expect(out.join("\n")).toBe(`${files.map((_, i) => `${i}=v`).join("\n")}\n`);
    expect(err).toMatch(/\[#+-*\] read \d+\/12 files/);
  });
});
