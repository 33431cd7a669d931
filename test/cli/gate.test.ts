// The commit and CI gate (`s5 check`): what a careless user writes must not pass it with exit 0.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

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
});
