// s5 against an OpenBao HA cluster (3 raft nodes behind HAProxy): a render of 20,000 distinct
// tokens survives the active node being killed mid-render, byte-exact and all or nothing; and a
// cluster that stays down past the retry budget fails with one clear error, never a hang. A Vite
// build during a failover, and s5 pointed straight at a standby (which serves, forwards or 307s).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import s5Plugin from "@s5/unplugin/vite";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkModules, run } from "../loader/helpers.ts";
import { type Cluster, type ClusterNode, startCluster } from "../setup/ha-cluster.ts";
import { startFaultProxy } from "./fault-proxy.ts";
import { describeHa, root, server, tempDir, unique, vaultEnv } from "./helpers.ts";

const COUNT = 20_000;

/** Temp dirs of this file, removed after it. */
const dirs: string[] = [];
const scratch = (prefix?: string) => {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
};
const bin = join(root, "packages/cli/bin/s5.cjs");

/**
 * A proxy to `target` that holds each request to a path holding `step` 50 ms, and a wait until
 * `count` of them have passed (or `ended` says the client is gone): a kill timed by the client's
 * progress, not by the clock (a fixed 400 ms wait found a render already done on a fast run).
 */
async function slowDown(target: string, step: string) {
  const proxy = await startFaultProxy(target);
  proxy.plan = (seen) => (seen.path.includes(step) ? { kind: "delay", ms: 50 } : undefined);
  const passed = async (count: number, ended: () => boolean) => {
    const answered = () => proxy.seen.filter((seen) => seen.path.includes(step) && seen.status);
    while (answered().length < count && !ended()) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return { proxy, passed };
}

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
      // A request caught in the election (once in a cold CI run, one stalled until the default
      // 60 s timeout) is given up and retried well within the test's time.
      VAULT_CLIENT_TIMEOUT: "10s",
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
    file = join(scratch(), "many.yml");
    writeFileSync(file, `${lines.join("\n")}\n`);
    expected = `${values.map((value, i) => `k${i}: ${JSON.stringify(value).slice(1, -1)}`).join("\n")}\n`;
  });
  afterAll(async () => {
    await cluster?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("a render of 20,000 tokens survives the active node killed mid-render", async () => {
    // Each decrypt batch held 50 ms on its way (~80 batches, one at a time: seconds), and the
    // leader killed once three have passed: mid-render on any machine. A fixed wait before the
    // kill found the render done on a fast run (a cold CI run, 400 ms).
    const slow = await slowDown(cluster.proxyAddr, "/decrypt/");
    const child = spawn(process.execPath, [bin, "render", file], {
      env: { ...env, VAULT_ADDR: slow.proxy.url },
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
    await slow.passed(3, () => child.exitCode !== null);
    const runningAtKill = child.exitCode === null && out.length === 0;
    const killed = await cluster.killLeader();
    const code = await done;
    await slow.proxy.close();
    // Back to three nodes whatever happened, so that a failure here is not every later test's.
    await cluster.restart(killed);
    expect(runningAtKill, "the render ended before the failover").toBe(true);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(Buffer.concat(out).toString()).toBe(expected);
  });

  it("rewrap -i survives a failover too (a retried rewrap gives a valid ciphertext)", async () => {
    const rotate = await fetch(`${cluster.proxyAddr}/v1/transit/keys/${cluster.key}/rotate`, {
      method: "POST",
      headers: { "X-Vault-Token": cluster.rootToken },
    });
    expect(rotate.ok).toBe(true);
    const copy = join(scratch(), "rewrap.yml");
    writeFileSync(copy, readFileSync(file));
    // Held 50 ms a batch and the leader killed after three, as the render above.
    const slow = await slowDown(cluster.proxyAddr, "/rewrap/");
    const child = spawn(process.execPath, [bin, "rewrap", "-i", copy], {
      env: { ...env, VAULT_ADDR: slow.proxy.url },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const done = new Promise<number | null>((resolve) => child.on("close", resolve));
    await slow.passed(3, () => child.exitCode !== null);
    const runningAtKill = child.exitCode === null;
    const killed = await cluster.killLeader();
    const code = await done;
    await slow.proxy.close();
    await cluster.restart(killed);
    expect({ code, stderr }).toEqual({
      code: 0,
      stderr: `s5: rewrapped ${COUNT} of ${COUNT} Vault tokens in 1 file\n`,
    });
    expect(runningAtKill, "the rewrap ended before the failover").toBe(true);
    const after = readFileSync(copy, "utf8");
    expect(after.match(/vault:v2:/g)).toHaveLength(COUNT);
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
    const dir = scratch("s5-ha-loader-");
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

  it("a Vite build started while the active node is being killed waits and gets every value", async () => {
    const dir = scratch("s5-ha-vite-");
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    const lines = readFileSync(file, "utf8").split("\n");
    const expected: Record<string, string[]> = {};
    let entry = "";
    // 12 modules of 20 tokens each, taken from the file the render test used.
    for (let m = 0; m < 12; m++) {
      const slice = lines.slice(m * 20, m * 20 + 20);
      const tokens = slice.map((line) => line.replace(/^k\d+: /, "").replace(" | json }}", " }}"));
      expected[`m${m}`] = slice.map((line) => `value-${line.match(/^k(\d+)/)![1]}-"quoted" $x`);
      writeFileSync(join(dir, "src", `m${m}.ts`), `export default ${JSON.stringify(tokens)};\n`);
      entry += `import m${m} from "./m${m}.ts";\n`;
    }
    entry += `export const all = { ${Object.keys(expected).join(", ")} };\n`;
    writeFileSync(join(dir, "src", "entry.ts"), entry);
    // The leader dies as the build starts: its decrypt batches meet the election.
    const killed = await cluster.killLeader();
    await build({
      root: dir,
      configFile: false,
      logLevel: "silent",
      plugins: [s5Plugin({ env })],
      build: { ssr: "src/entry.ts", outDir: join(dir, "dist") },
    });
    const { all } = await import(pathToFileURL(join(dir, "dist", "entry.js")).href);
    expect(all).toEqual(expected);
    await cluster.restart(killed);
  });

  describe("pointed straight at a standby (no load balancer)", () => {
    let standby: ClusterNode;
    let active: ClusterNode;
    const cli = (args: string[], extra: Record<string, string>) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, ...args], { env: { ...env, ...extra } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk;
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk;
        });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });

    beforeAll(async () => {
      active = await cluster.leader();
      standby = cluster.nodes.find((node) => node !== active)!;
    });

    it("renders: the standby serves decrypts itself", async () => {
      const part = join(scratch(), "part.yml");
      const lines = readFileSync(file, "utf8").split("\n").slice(0, 1000);
      writeFileSync(part, `${lines.join("\n")}\n`);
      const render = await cli(["render", part], { VAULT_ADDR: standby.addr });
      expect(render.stderr).toBe("");
      expect(render.stdout).toBe(`${expected.split("\n").slice(0, 1000).join("\n")}\n`);
    });

    it("when the node at VAULT_ADDR dies mid-render, s5 moves on to the next of S5_VAULT_CLUSTER_ADDRS", async () => {
      // The standby reached through a proxy that holds each batch 50 ms; both die after three
      // batches (the proxy's port refuses from then on, as the node's would).
      const slow = await slowDown(standby.addr, "/decrypt/");
      const others = cluster.nodes.filter((node) => node !== standby).map((node) => node.addr);
      const child = spawn(process.execPath, [bin, "render", file], {
        env: {
          ...env,
          VAULT_ADDR: slow.proxy.url,
          S5_VAULT_CLUSTER_ADDRS: [slow.proxy.url, ...others].join(","),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const done = new Promise<number | null>((resolve) => child.on("close", resolve));
      await slow.passed(3, () => child.exitCode !== null);
      const runningAtKill = child.exitCode === null && out.length === 0;
      await slow.proxy.close();
      await cluster.kill(standby);
      const code = await done;
      await cluster.restart(standby);
      expect(runningAtKill, "the render ended before the node died").toBe(true);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(Buffer.concat(out).toString()).toBe(expected);
    });

    it("a write the standby forwards (a key created on first encrypt) works", async () => {
      const key = unique("forwarded");
      const made = await cli(["cipher", "vault", "made via a standby"], {
        VAULT_ADDR: standby.addr,
        S5_VAULT_TRANSIT_KEY: key,
      });
      expect(made.stderr).toBe("");
      const render = await cli(["decipher", made.stdout.trim()], {
        VAULT_ADDR: active.addr,
        S5_VAULT_TRANSIT_KEY: key,
      });
      expect(render.stdout).toBe("made via a standby");
    });

    it("a standby that redirects (307, forwarding off) is followed to the active node in S5_VAULT_CLUSTER_ADDRS; outside it, refused", async () => {
      // OpenBao answers 307 to the active node's api_addr for a write sent with this header.
      const noForwarding = await startFaultProxy(standby.addr, {
        headers: { "X-Vault-No-Request-Forwarding": "1" },
      });
      try {
        const key = unique("redirected");
        const all = cluster.nodes.map((node) => node.addr).join(",");
        const made = await cli(["cipher", "vault", "made after a 307"], {
          VAULT_ADDR: noForwarding.url,
          S5_VAULT_TRANSIT_KEY: key,
          S5_VAULT_CLUSTER_ADDRS: all,
        });
        expect(made.stderr).toBe("");
        expect(noForwarding.seen.map((seen) => seen.status)).toContain(307);
        // Read back on the active node: a standby serves reads from its own raft copy, which may
        // not hold a key created a moment ago yet.
        const render = await cli(["decipher", made.stdout.trim()], {
          VAULT_ADDR: active.addr,
          S5_VAULT_TRANSIT_KEY: key,
        });
        expect(render.stderr).toBe("");
        expect(render.stdout).toBe("made after a 307");

        const refused = await cli(["cipher", "vault", "not sent"], {
          VAULT_ADDR: noForwarding.url,
          S5_VAULT_TRANSIT_KEY: unique("refused"),
          S5_VAULT_CLUSTER_ADDRS: standby.addr,
        });
        expect(refused.code).toBe(8);
        expect(refused.stderr).toContain(`(HTTP 307) to ${active.addr}/v1/transit/encrypt/`);
        expect(refused.stderr).toContain("S5_VAULT_REDIRECT");
      } finally {
        await noForwarding.close();
      }
    });
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
