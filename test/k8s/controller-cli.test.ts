// `s5-controller` as a command: help, and start-up errors that say what is wrong (with a code)
// and exit, instead of a stack trace or a process that hangs. No cluster needed.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runChild } from "../child.ts";

const bin = fileURLToPath(
  new URL("../../packages/kubernetes/bin/s5-controller.mjs", import.meta.url),
);
const run = (args: string[]) =>
  runChild(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" },
  });

describe("s5-controller (the command)", () => {
  it("--help lists its flags and exits 0", async () => {
    const out = await run(["--help"]);
    expect(out.code).toBe(0);
    for (const flag of [
      "--kubeconfig",
      "--namespace",
      "--listen",
      "--lease-duration",
      "--resync",
      "--backoff-max",
    ]) {
      expect(out.stdout).toContain(flag);
    }
  });

  it("an unknown flag exits 2 with the usage", async () => {
    const out = await run(["--bogus"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("Usage: s5-controller");
  });

  it("a bad duration or a missing kubeconfig is one JSON error line with a code", async () => {
    const duration = await run(["--kubeconfig", "/nonexistent/kubeconfig", "--resync", "soon"]);
    const missing = await run(["--kubeconfig", "/nonexistent/kubeconfig"]);
    for (const out of [duration, missing]) {
      expect(out.code).not.toBe(0);
      const lines = out.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      const entry = JSON.parse(lines[0]!);
      expect(entry).toMatchObject({ level: "error", msg: "cannot start" });
      expect(entry.code).toMatch(/^S5_/);
    }
    expect(missing.stderr).toContain("/nonexistent/kubeconfig");
  });
});
