// Inputs shaped to be slow: every look at a file must stay linear in its size. Each case runs the
// built CLI in a child killed after 50 s only so that a regression ends the test instead of
// hanging it: each took minutes to hours before its fix, and takes well under a second now.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { S5_BIN, sandbox } from "./run.ts";

const env = { S5_AES_KEY: "44".repeat(32), S5_BACKEND: "aes" };

function s5(box: ReturnType<typeof sandbox>, args: string[]) {
  const result = spawnSync(process.execPath, [S5_BIN, ...args], {
    cwd: box.dir,
    env: { ...box.env, ...env },
    encoding: "utf8",
    timeout: 50_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(result.signal, "killed: the input took far longer than its size warrants").toBeNull();
  return result;
}

describe("inputs shaped to be slow", () => {
  it("s5 check reads a minified line with 100,000 near misses and dotted words once", async () => {
    const box = sandbox();
    const token = (await box.s5(["cipher", "db-value"], { env })).stdout.toString().trim();
    // Each near miss read its whole line again (for `s5:ignore`) and the file up to it (for its
    // column in bytes); every `.` of the dotted run began a try of the URL pattern that ran to
    // the line's end.
    writeFileSync(
      join(box.dir, "min.yml"),
      `db: ${token}\nk: ${"{{ s5 seal x }} ".repeat(100_000)}\n` +
        `d: ${"a.".repeat(500_000)}\nurl: x.a.b://admin:Hunter2Hunter2@db.internal/x\n`,
    );
    const result = s5(box, ["check", "min.yml"]);
    expect(result.status, result.stderr).toBe(10);
    const lines = result.stdout.trim().split("\n");
    expect(lines.filter((line) => line.includes("S5_CHECK_MARKER"))).toHaveLength(100_000);
    expect(lines[0]).toMatch(/^min\.yml:2:4: written like a seal marker/);
    expect(lines.at(-2)).toMatch(/^min\.yml:2:1599988: written like a seal marker/);
    expect(result.stdout).toContain("min.yml:4:6: looks like a password in a URL");
    expect(result.stdout + result.stderr).not.toContain("Hunter2");
  });

  it("s5 render follows a TOML line of a million quotes once", async () => {
    const box = sandbox();
    // Each string the lexer opened and closed in the run counted the quotes to its end.
    const token = (await box.s5(["cipher", 'x"y'], { env })).stdout.toString().trim();
    writeFileSync(join(box.dir, "a.toml"), `a = ${'"'.repeat(1_000_000)}\nb = "${token}"\n`);
    const result = s5(box, ["render", "a.toml"]);
    expect(result.status).toBe(5);
    expect(result.stderr).toContain(
      "a.toml:2:6: this token's plaintext would break out of a TOML basic string",
    );
  });

  it("s5 render reads heredocs nested 125,000 deep once", async () => {
    const box = sandbox();
    const token = (await box.s5(["cipher", "x$" + "{y}"], { env })).stdout.toString().trim();
    // Each heredoc read its body to its closing line and kept a list of its lines: depth × size,
    // out of a 4 GB heap after minutes.
    const depth = 125_000;
    let text = "a = <<-E0\n";
    for (let i = 1; i < depth; i++) text += `\${<<-E${i}\n`;
    text += `  ${token}\n`;
    for (let i = depth - 1; i >= 1; i--) text += `E${i}\n}\n`;
    writeFileSync(join(box.dir, "a.hcl"), `${text}E0\n`);
    const result = s5(box, ["render", "a.hcl"]);
    expect(result.status).toBe(5);
    expect(result.stderr).toContain(
      `a.hcl:${depth + 1}:3: this token's plaintext would break out of an HCL heredoc`,
    );
  });

  it("s5 render refuses, as not judged, thousands of tokens on a long heredoc line", async () => {
    const box = sandbox();
    const token = (await box.s5(["cipher", "x,y"], { env })).stdout.toString().trim();
    // Each token was judged with its whole line: 20,000 tokens on a 1 MB line, minutes. Past a
    // few times the file's size of reading, the tokens left are refused, never let through.
    const line = (filter: string) => `${token.slice(0, -3)}${filter} }} `.repeat(20_000);
    writeFileSync(join(box.dir, "a.hcl"), `a = <<-E\n  ${line("")}\n  b\nE\n`);
    const result = s5(box, ["render", "a.hcl"]);
    expect(result.status).toBe(5);
    expect(result.stderr).toMatch(
      /a\.hcl:2:\d+: this token's place in an HCL heredoc could not be judged: .* \(S5_VALUE_CONTEXT\)/,
    );
    expect(result.stderr).toContain("`| raw` says the splice is meant");
    writeFileSync(join(box.dir, "a.hcl"), `a = <<-E\n  ${line(" | raw")}\n  b\nE\n`);
    const raw = s5(box, ["render", "a.hcl"]);
    expect(raw.status, raw.stderr).toBe(0);
    expect(raw.stdout).toContain("x,y x,y");
  });
});
