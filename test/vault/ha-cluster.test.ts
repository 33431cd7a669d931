// Smoke tests of the HA harness (test/setup/ha-cluster.ts) over plain HTTP: the cluster forms,
// HAProxy follows the active node through failovers, and what OpenBao does with a request sent
// straight to a standby — the facts s5's own HA tests build on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/openbao.mjs";
import { type Cluster, type ClusterNode, startCluster } from "../setup/ha-cluster.ts";
import { findHaproxy, type Haproxy, startHaproxy } from "../setup/haproxy.ts";
import { tempDir as ownedDir, removeDir } from "../setup/processes.ts";
import { describeHa, s5, server, unique, vaultEnv } from "./helpers.ts";

const log = (line: string) => process.stderr.write(`[ha] ${line}\n`);
const since = (start: number) => Math.round(performance.now() - start);
const b64 = (text: string) => Buffer.from(text).toString("base64");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  location: string | null;
  /** The HAProxy server that answered (absent when the request went to a node directly). */
  backend: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the server
  body: any;
}

describeHa("OpenBao HA cluster: 3 raft nodes behind HAProxy", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    const start = performance.now();
    cluster = await startCluster({ bin: server.bin, log });
    log(
      `cluster start (3 nodes initialised, unsealed, 3 voters, HAProxy routing): ${since(start)} ms`,
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** One request, redirects not followed: a 307 is an answer here. */
  async function request(
    addr: string,
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<Answer> {
    const response = await fetch(`${addr}/v1/${path}`, {
      method,
      headers: { "X-Vault-Token": cluster.rootToken, ...options.headers },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    const text = await response.text();
    return {
      status: response.status,
      location: response.headers.get("location"),
      backend: response.headers.get("x-s5-backend"),
      // HAProxy's own 503 ("no server available") is HTML.
      body: response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : { text },
    };
  }

  const encrypt = (addr: string, plaintext: string, timeoutMs?: number) =>
    request(addr, "POST", `transit/encrypt/${cluster.key}`, {
      body: { plaintext: b64(plaintext) },
      timeoutMs,
    });

  async function decrypt(addr: string, ciphertext: string, timeoutMs?: number) {
    const answer = await request(addr, "POST", `transit/decrypt/${cluster.key}`, {
      body: { ciphertext },
      timeoutMs,
    });
    const plaintext = answer.body.data?.plaintext;
    return { ...answer, plaintext: plaintext && Buffer.from(plaintext, "base64").toString() };
  }

  async function aStandby(): Promise<{ active: ClusterNode; standby: ClusterNode }> {
    const active = await cluster.leader();
    return { active, standby: cluster.nodes.find((node) => node !== active)! };
  }

  it("forms one active node, two standbys and three raft voters", async () => {
    const statuses = await Promise.all(
      cluster.nodes.map(async (node) => (await cluster.health(node)).status),
    );
    expect(statuses.sort()).toEqual([200, 429, 429]);
    expect((await cluster.voters()).sort()).toEqual(["node1", "node2", "node3"]);
  });

  it("encrypts and decrypts through HAProxy, always on the active node", async () => {
    const active = await cluster.leader();
    for (let i = 0; i < 5; i++) {
      const encrypted = await encrypt(cluster.proxyAddr, `value ${i}`);
      expect(encrypted.status).toBe(200);
      expect(encrypted.backend).toBe(active.id);
      const decrypted = await decrypt(cluster.proxyAddr, encrypted.body.data.ciphertext);
      expect(decrypted.plaintext).toBe(`value ${i}`);
      expect(decrypted.backend).toBe(active.id);
    }
  });

  describe("a request sent straight to a standby", () => {
    it("/v1/sys/health answers 429 with standby: true (what HAProxy's check keys on)", async () => {
      const { standby } = await aStandby();
      const health = await cluster.health(standby);
      expect(health.status).toBe(429);
      expect(health.body).toMatchObject({ initialized: true, sealed: false, standby: true });
    });

    // OpenBao ≥ 2.5 with raft storage: standbys serve requests that only read storage themselves
    // (disable_standby_reads defaults to false). Freezing the active node proves it: a forwarded
    // request would hang. Short freeze, far below raft's 1 s heartbeat timeout: no election.
    it("s5 doctor says a standby answers, with the key's rights through it", async () => {
      const { standby } = await aStandby();
      const env = vaultEnv({
        VAULT_ADDR: standby.addr,
        VAULT_TOKEN: cluster.rootToken,
        S5_VAULT_TRANSIT_KEY: cluster.key,
      });
      const run = await s5(["doctor"], { env });
      expect(run.stdout).toMatch(
        /ok {3}server {5}answers: Vault \S+, a standby \(it serves transit requests or forwards them to the active node\)/,
      );
      expect(run.stdout).toContain(
        `ok   transit    transit/…/${cluster.key}: may encrypt, decrypt`,
      );
      expect(run.code).toBe(0);
    });

    it("serves transit encrypt and decrypt itself (200, no redirect), even with the active node frozen", async () => {
      const { active, standby } = await aStandby();
      const made = await encrypt(cluster.proxyAddr, "made on the active node");
      const pid = active.pid!;
      process.kill(pid, "SIGSTOP");
      let answers: [Answer, Awaited<ReturnType<typeof decrypt>>];
      try {
        answers = await Promise.all([
          encrypt(standby.addr, "made on a standby", 500),
          decrypt(standby.addr, made.body.data.ciphertext, 500),
        ]);
      } finally {
        process.kill(pid, "SIGCONT");
      }
      const [encrypted, decrypted] = answers;
      expect([encrypted.status, encrypted.location]).toEqual([200, null]);
      expect([decrypted.status, decrypted.location]).toEqual([200, null]);
      expect(decrypted.plaintext).toBe("made on the active node");
      expect((await decrypt(active.addr, encrypted.body.data.ciphertext)).plaintext).toBe(
        "made on a standby",
      );
    });

    it("forwards a write (creating a key) to the active node", async () => {
      const { active, standby } = await aStandby();
      const key = unique("forwarded");
      const created = await request(standby.addr, "POST", `transit/keys/${key}`, { body: {} });
      expect([created.status, created.location]).toEqual([200, null]);
      expect((await request(active.addr, "GET", `transit/keys/${key}`)).status).toBe(200);
    });

    it("with X-Vault-No-Request-Forwarding still serves reads, and answers writes 307 to the active node", async () => {
      const { active, standby } = await aStandby();
      const noForwarding = { "X-Vault-No-Request-Forwarding": "1" };
      const encrypted = await request(standby.addr, "POST", `transit/encrypt/${cluster.key}`, {
        body: { plaintext: b64("x") },
        headers: noForwarding,
      });
      expect([encrypted.status, encrypted.location]).toEqual([200, null]);
      const key = unique("redirected");
      const created = await request(standby.addr, "POST", `transit/keys/${key}`, {
        body: {},
        headers: noForwarding,
      });
      expect(created.status).toBe(307);
      expect(created.location).toBe(`${active.addr}/v1/transit/keys/${key}`);
      expect((await request(active.addr, "GET", `transit/keys/${key}`)).status).not.toBe(200);
    });
  });

  // What "standbys serve reads" changes: a client sent to a standby keeps decrypting while the
  // cluster has no leader at all, where one behind the usual health check gets 503s until an
  // election ends; so does one behind a load balancer that keeps standbys (`?standbyok=true`).
  it("standbys keep serving decrypts while the cluster elects a new leader, directly and behind ?standbyok=true", {
    timeout: 120_000,
  }, async () => {
    const dir = ownedDir("s5-ha-spread-");
    const spread: Haproxy = await startHaproxy({
      bin: findHaproxy()!,
      dir,
      port: await freePort(),
      backends: cluster.nodes.map((node) => ({ name: node.id, address: new URL(node.addr).host })),
      standbys: true,
    });
    try {
      const made = await encrypt(cluster.proxyAddr, "read during an election");
      // HAProxy's first checks have run once the standbys answer through it.
      const seen = new Set<string | null>();
      while (seen.size < 3)
        seen.add((await decrypt(spread.addr, made.body.data.ciphertext)).backend);
      const active = await cluster.leader();
      const standbys = cluster.nodes.filter((node) => node !== active);
      const start = performance.now();
      await cluster.kill(active);
      const counts = { direct: new Map<string, number>(), balanced: new Map<string, number>() };
      const leaderless = { direct: 0, balanced: 0 };
      const ask = async (addr: string, kind: keyof typeof counts) => {
        const answer = await decrypt(addr, made.body.data.ciphertext, 1000).catch(
          (error: Error) => ({ status: error.name, plaintext: undefined }),
        );
        counts[kind].set(String(answer.status), (counts[kind].get(String(answer.status)) ?? 0) + 1);
        return answer.plaintext === "read during an election" ? 1 : 0;
      };
      for (;;) {
        let direct = 0;
        for (const node of standbys) direct += await ask(node.addr, "direct");
        const balanced = await ask(spread.addr, "balanced");
        // Counted only when still no node is active after them: served without a leader.
        const elected = await cluster.leader().then(
          () => true,
          () => false,
        );
        if (elected) break;
        leaderless.direct += direct;
        leaderless.balanced += balanced;
        if (performance.now() - start > 60_000) throw new Error("no new leader within 60 s");
      }
      const text = (map: Map<string, number>) =>
        [...map].map(([status, count]) => `${count}×${status}`).join(", ");
      log(
        `while leaderless (${since(start)} ms): ${text(counts.direct)} from the standbys directly, ${text(counts.balanced)} through HAProxy with ?standbyok=true`,
      );
      expect(leaderless.direct).toBeGreaterThan(0);
      expect(leaderless.balanced).toBeGreaterThan(0);
      await cluster.restart(active);
    } finally {
      await spread.stop();
      removeDir(dir);
    }
  });

  /** Encrypts through HAProxy until it works; what came back before (503, timeouts) for the log. */
  async function untilEncrypts(plaintext: string, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    const seen: string[] = [];
    for (;;) {
      try {
        const answer = await encrypt(cluster.proxyAddr, plaintext, 1000);
        if (answer.status === 200) return { answer, seen };
        seen.push(String(answer.status));
      } catch (error) {
        seen.push((error as Error).name);
      }
      if (Date.now() > deadline) throw new Error(`no encrypt through HAProxy: ${seen.join(",")}`);
      await sleep(50);
    }
  }

  it("fails over: a new active node within seconds, HAProxy follows, old ciphertexts decrypt (3 runs)", {
    timeout: 300_000,
  }, async () => {
    const made: { plaintext: string; ciphertext: string }[] = [];
    const times: number[] = [];
    for (let run = 1; run <= 3; run++) {
      const plaintext = `made before failover ${run}`;
      made.push({
        plaintext,
        ciphertext: (await encrypt(cluster.proxyAddr, plaintext)).body.data.ciphertext,
      });
      const start = performance.now();
      const killed = await cluster.killLeader();
      // When a node answers /v1/sys/health with 200 again, to tell the election from HAProxy's share.
      const elected = cluster.waitForLeader().then(() => since(start));
      const { answer, seen } = await untilEncrypts(`after failover ${run}`, 60_000);
      times.push(since(start));
      const electedAfter = await elected;
      const active = await cluster.leader();
      expect(active.id).not.toBe(killed.id);
      expect(answer.backend).toBe(active.id);
      const counts = new Map<string, number>();
      for (const status of seen) counts.set(status, (counts.get(status) ?? 0) + 1);
      const before = [...counts].map(([status, count]) => `${count}×${status}`).join(", ");
      log(
        `failover ${run}: SIGKILL ${killed.id} → new active node after ≤ ${electedAfter} ms, first encrypt through HAProxy on ${active.id} after ${times.at(-1)} ms (before it: ${before || "nothing"})`,
      );
      for (const item of made) {
        expect((await decrypt(cluster.proxyAddr, item.ciphertext)).plaintext).toBe(item.plaintext);
      }
      const restart = performance.now();
      await cluster.restart(killed);
      log(`restart of ${killed.id} (unsealed, autopilot healthy again): ${since(restart)} ms`);
    }
    // Printed, not asserted (CONTRIBUTING: no timing thresholds); untilEncrypts' 60 s is a hang guard.
    log(`failover times (kill → first success through HAProxy): ${times.join(" ms, ")} ms`);
  });
});
