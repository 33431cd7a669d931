// Values: nothing is sealed in part, nothing empty is sealed by accident, and no message echoes a
// command-line argument that may be a secret.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

const KEY = "33".repeat(32);
const env = { S5_AES_KEY: KEY, S5_BACKEND: "aes" };

describe("half-sealed secrets", () => {
  it("seal refuses a bare value holding `}}` or `|`, with its location, and changes nothing", async () => {
    const box = sandbox();
    const text = [
      "a: {{ s5:seal Xy7}}kP9#qLm2vR8 }}",
      "b: {{ s5:seal a|raw }}",
      "c: {{ s5:seal fine-value }}",
    ].join("\n");
    writeFileSync(join(box.dir, "v.yml"), text);
    const result = await box.s5(["seal", "-i", "v.yml"], { env });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("v.yml:1:4: malformed seal marker: a bare value cannot hold");
    expect(result.stderr).toContain("v.yml:2:4: malformed seal marker");
    expect(result.stderr).toContain('{{ s5:seal "…" }}');
    for (const secret of ["Xy7", "kP9", "qLm2", "fine-value"]) {
      expect(result.stderr).not.toContain(secret);
    }
    expect(readFileSync(join(box.dir, "v.yml"), "utf8")).toBe(text);

    writeFileSync(
      join(box.dir, "q.yml"),
      'a: {{ s5:seal "Xy7}}kP9#qLm2vR8" }}\nb: {{ s5:seal "a|raw" }}\n',
    );
    expect((await box.s5(["seal", "-i", "q.yml"], { env })).code).toBe(0);
    const rendered = await box.s5(["render", "q.yml"], { env });
    expect(rendered.stdout.toString()).toBe("a: Xy7}}kP9#qLm2vR8\nb: a|raw\n");
  });

  it("check finds plaintext left beside a token on its line", async () => {
    const box = sandbox();
    const token = (await box.s5(["cipher", "--key", KEY, "Xy7"], { env })).stdout.toString();
    writeFileSync(
      join(box.dir, "v.yml"),
      `password: ${token}kP9#qLm2vR8 }}\napi_secret: ${token}kP9#qLm2vR8\nok: ${token}\n`,
    );
    const result = await box.s5(["check", "v.yml"], { env });
    expect(result.code).toBe(10);
    const lines = result.stdout.toString().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^v\.yml:1:\d+: text after a token ends with `}}`/);
    expect(lines[1]).toMatch(/^v\.yml:2:1: `api_secret` holds plaintext beside its token/);
    expect(result.stdout.toString()).not.toContain("kP9");
  });
});
