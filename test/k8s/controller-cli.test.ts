// `s5-controller` as a command: help, and start-up errors that say what is wrong (with a code)
// and exit, instead of a stack trace or a process that hangs. No cluster needed.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runChild } from "../child.ts";

// S5_CONTROLLER_BIN: the same tests against another build (an older one, to see a test fail).
const bin =
  process.env.S5_CONTROLLER_BIN ||
  fileURLToPath(new URL("../../packages/kubernetes/bin/s5-controller.mjs", import.meta.url));
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
      "--namespace-key",
      "--namespace-private-keys",
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
    // Before the kubeconfig is read: a template without {namespace} would open every namespace's
    // tokens with one key, the scope it was asked for gone.
    const template = await run([
      "--kubeconfig",
      "/nonexistent/kubeconfig",
      "--namespace-key",
      "s5",
    ]);
    // A key directory that is not there: every namespace's local-key tokens would wait for ever.
    const keyDir = await run([
      "--kubeconfig",
      "/nonexistent/kubeconfig",
      "--namespace-private-keys",
      "/nonexistent/namespace-keys",
    ]);
    for (const out of [duration, missing, template, keyDir]) {
      expect(out.code).not.toBe(0);
      const lines = out.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      const entry = JSON.parse(lines[0]!);
      expect(entry).toMatchObject({ level: "error", msg: "cannot start" });
      expect(entry.code).toMatch(/^S5_/);
    }
    expect(missing.stderr).toContain("/nonexistent/kubeconfig");
    expect(JSON.parse(template.stderr).code).toBe("S5_K8S_FLAG");
    expect(template.stderr).toContain("{namespace}");
    expect(JSON.parse(keyDir.stderr).code).toBe("S5_K8S_FLAG");
    expect(keyDir.stderr).toContain("/nonexistent/namespace-keys");
  });

  // Where /healthz, /readyz and /metrics listen when --listen names no host: every address in a
  // pod (the kubelet's probes and Prometheus come to the pod's IP), loopback anywhere else.
  it("--listen PORT: loopback on a laptop, every address in a pod (KUBERNETES_SERVICE_HOST)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-ctl-listen-"));
    try {
      // A kubeconfig whose server answers nothing: the endpoints listen all the same.
      const kubeconfig = join(dir, "kubeconfig");
      writeFileSync(
        kubeconfig,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:9" } }],
          users: [{ name: "u", user: { token: "t" } }],
          contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
          "current-context": "c",
        }),
      );
      /** The address it listens on; with `signal`, what it printed from a SIGUSR1 to its end. */
      const address = (env: Record<string, string>, signal = false) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [bin, "--kubeconfig", kubeconfig, "--no-leader-elect", "--listen", "0"],
            { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, ...env } },
          );
          let err = "";
          const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
          child.stderr.on("data", (chunk: Buffer) => {
            err += chunk.toString();
            const line = err
              .split("\n")
              .filter((l) => l.startsWith("{"))
              .map((l) => JSON.parse(l) as { msg: string; address?: string })
              .find((l) => l.msg === "listening");
            if (line?.address && !signal) {
              clearTimeout(timer);
              child.kill("SIGKILL");
              resolve(line.address);
            } else if (line?.address && !child.killed && err.indexOf("SIGUSR1 sent") === -1) {
              err += "SIGUSR1 sent\n";
              twice(`http://${line.address}/healthz`).catch(reject);
            }
          });
          // Twice: a listener that went after the first (`once`) let the second open one. Each
          // signal is followed by an answer from /healthz, which the controller serves after it
          // handled the signal: two signals sent before it handled one are one (Linux merges
          // them), and the second would prove nothing. Then SIGTERM, and all it printed.
          async function twice(healthz: string) {
            for (let i = 1; i <= 2; i++) {
              child.kill("SIGUSR1");
              await fetch(healthz).catch((error) => {
                throw new Error(`no answer from /healthz after SIGUSR1 ${i}:\n${err}`, {
                  cause: error,
                });
              });
            }
            child.kill("SIGTERM");
          }
          child.once("exit", () => {
            if (err.indexOf("SIGUSR1 sent") === -1)
              reject(new Error(`exited without listening:\n${err}`));
          });
          child.once("close", () => {
            clearTimeout(timer);
            resolve(err.slice(err.indexOf("SIGUSR1 sent")));
          });
        });
      expect(await address({})).toMatch(/^127\.0\.0\.1:\d+$/);
      // SIGUSR1 opens no inspector in the controller (Node's default: one on 127.0.0.1:9229).
      const signalled = await address({}, true);
      expect(signalled).not.toMatch(/Debugger|inspector/);
      // Alive after both (a listener gone, the second ended it), stopped by the SIGTERM.
      expect(signalled).toMatch(/"msg":"shutting down"/);
      // `::` (IPv6 and IPv4), or `0.0.0.0` where the machine has no IPv6.
      expect(await address({ KUBERNETES_SERVICE_HOST: "10.0.0.1" })).toMatch(
        /^(\[::\]|0\.0\.0\.0):\d+$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
