// s5 against an OpenBao HA cluster (3 raft nodes behind HAProxy): a render of 20,000 distinct
// tokens survives the active node being killed mid-render, byte-exact and all or nothing; and a
// cluster that stays down past the retry budget fails with one clear error, never a hang.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { linkModules, run } from "../loader/helpers.ts";
import { type Cluster, startCluster } from "../setup/ha-cluster.ts";
import { describeHa, root, server, tempDir, vaultEnv } from "./helpers.ts";

const COUNT = 20_000;
const bin = join(root, "packages/cli/bin/s5.mjs");

describeHa("s5 against an HA cluster (leader failover)", () => {
  let cluster: Cluster;
  let env: Record<string, string>;
  let file: string;
  let expected: string;

  beforeAll(async () => {
    cluster = await startCluster({ bin: server.bin });
    env = vaultEnv({
      VAULT_ADDR: cluster.proxyAddr,
      VAULT_TOKEN: cluster.rootToken,
      S5_VAULT_TRANSIT_KEY: cluster.key,
      // One batch at a time: the render lasts long enough to be interrupted.
      S5_VAULT_PARALLELISM: "1",
      S5_VAULT_RETRY_BASE_MS: "250",
    });
    // 20,000 ciphertexts made through the proxy, 400 per request (OpenBao's JSON limits).
    const values = Array.from({ length: COUNT }, (_, i) => `value-${i}-"quoted" $x`);
    const lines: string[] = [];
    for (let start = 0; start < COUNT; start += 400) {
      const batch = values.slice(start, start + 400);
      const answer = await fetch(`${cluster.proxyAddr}/v1/transit/encrypt/${cluster.key}`, {
        method: "POST",
        headers: { "X-Vault-Token": cluster.rootToken },
        body: JSON.stringify({
          batch_input: batch.map((value) => ({ plaintext: Buffer.from(value).toString("base64") })),
        }),
      });
      const body = (await answer.json()) as { data: { batch_results: { ciphertext: string }[] } };
      body.data.batch_results.forEach((item, i) => {
        lines.push(`k${start + i}: {{ s5:${item.ciphertext} | json }}`);
      });
    }
    file = join(tempDir(), "many.yml");
    writeFileSync(file, `${lines.join("\n")}\n`);
    expected = `${values.map((value, i) => `k${i}: ${JSON.stringify(value).slice(1, -1)}`).join("\n")}\n`;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("a render of 20,000 tokens survives the active node killed mid-render", async () => {
    const child = spawn(process.execPath, [bin, "render", file], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const done = new Promise<number | null>((resolve) => child.on("close", resolve));
    // Kill the leader while s5 is still sending batches (and before it printed anything).
    await new Promise((resolve) => setTimeout(resolve, 400));
    const runningAtKill = child.exitCode === null && out.length === 0;
    const killed = await cluster.killLeader();
    const code = await done;
    expect(runningAtKill, "the render ended before the failover").toBe(true);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(Buffer.concat(out).toString()).toBe(expected);
    await cluster.restart(killed);
  });

  it("rewrap -i survives a failover too (a retried rewrap gives a valid ciphertext)", async () => {
    const rotate = await fetch(`${cluster.proxyAddr}/v1/transit/keys/${cluster.key}/rotate`, {
      method: "POST",
      headers: { "X-Vault-Token": cluster.rootToken },
    });
    expect(rotate.ok).toBe(true);
    const copy = join(tempDir(), "rewrap.yml");
    writeFileSync(copy, readFileSync(file));
    const child = spawn(process.execPath, [bin, "rewrap", "-i", copy], { env });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const done = new Promise<number | null>((resolve) => child.on("close", resolve));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const runningAtKill = child.exitCode === null;
    const killed = await cluster.killLeader();
    expect(await done).toBe(0);
    expect(runningAtKill, "the rewrap ended before the failover").toBe(true);
    expect(stderr).toBe(`s5: rewrapped ${COUNT} of ${COUNT} Vault tokens in 1 file\n`);
    const after = readFileSync(copy, "utf8");
    expect(after.match(/vault:v2:/g)).toHaveLength(COUNT);
    await cluster.restart(killed);
    // Every rewrapped token decrypts to its value: a rewrap sent twice is still a valid ciphertext.
    const render = await new Promise<string>((resolve) => {
      const check = spawn(process.execPath, [bin, "render", copy], { env });
      const parts: Buffer[] = [];
      check.stdout.on("data", (chunk: Buffer) => parts.push(chunk));
      check.on("close", () => resolve(Buffer.concat(parts).toString()));
    });
    expect(render).toBe(expected);
  });

  it('an app with import "s5/config" starts during a failover, with every value', async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-ha-loader-"));
    linkModules(dir);
    const lines = readFileSync(file, "utf8").split("\n").slice(0, 50);
    writeFileSync(
      join(dir, ".env"),
      `${lines.map((line) => line.replace(/^k(\d+): /, "K$1=").replace(" | json }}", " }}")).join("\n")}\n`,
    );
    writeFileSync(
      join(dir, "app.mjs"),
      'import "s5/config";\nconsole.log(JSON.stringify([process.env.K0, process.env.K49]));\n',
    );
    // The leader dies just before the app starts: its one batch meets the election.
    const killed = await cluster.killLeader();
    const app = await run(["app.mjs"], { cwd: dir, env });
    expect(app.stderr).toBe("");
    expect(JSON.parse(app.stdout)).toEqual(['value-0-"quoted" $x', 'value-49-"quoted" $x']);
    await cluster.restart(killed);
  });

  it("a cluster down longer than the retry budget fails with one clear error", async () => {
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn(process.execPath, [bin, "render", file], {
          env: {
            ...env,
            VAULT_ADDR: "http://127.0.0.1:9",
            VAULT_MAX_RETRIES: "3",
            S5_VAULT_RETRY_BASE_MS: "100",
          },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk;
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk;
        });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      },
    );
    expect(run.code).toBe(8);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      /cannot reach Vault at http:\/\/127\.0\.0\.1:9 after 4 attempts over \d+\.\d s/,
    );
    expect(run.stderr).toContain("VAULT_MAX_RETRIES");
    // One error for the whole render, not one per batch.
    expect(run.stderr.match(/cannot reach Vault/g)).toHaveLength(1);
  });
});
