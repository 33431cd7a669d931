// Faults injected by a loopback proxy in front of the real server: retries, timeouts, partial
// batches, reordered and missing items — with no wrong and no lost output — and batch counts.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Backend } from "@s5/core";
import { formatToken, parseBody, type TokenBody } from "@s5/core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.ts";
import { admin, coreBackends, describeVault, newMount, s5, tempDir, vaultEnv } from "./helpers.ts";

const BATCH = 240;
const isDecrypt = (path: string) => path.includes("/decrypt/");

describeVault("vault faults and batching", () => {
  let proxy: FaultProxy;
  let env: Record<string, string>;
  let bodies: TokenBody[];
  const values = Array.from({ length: 1000 }, (_, i) => `value-${i}-${"x".repeat(i % 7)}`);
  let backends: ReturnType<typeof coreBackends>;
  let vault: Backend;

  beforeAll(async () => {
    const { mount, key } = await newMount("faults");
    proxy = await startFaultProxy(admin.addr);
    env = vaultEnv({
      VAULT_ADDR: proxy.url,
      S5_VAULT_TRANSIT_MOUNT: mount,
      S5_VAULT_TRANSIT_KEY: key,
      VAULT_CLIENT_TIMEOUT: "1s",
      VAULT_MAX_RETRIES: "3",
    });
    backends = coreBackends(env);
    vault = await backends.get("vault");
    bodies = await vault.encrypt(values.map((value) => Buffer.from(value)));
    proxy.seen.length = 0;
  });
  afterEach(() => {
    proxy.plan = () => undefined;
    proxy.seen.length = 0;
  });
  afterAll(async () => {
    await backends?.[Symbol.asyncDispose]();
    await proxy?.close();
  });

  /** Decrypts everything through core and checks every value exactly. */
  async function expectAllCorrect(): Promise<void> {
    const results = await vault.decrypt(bodies);
    expect(results).toHaveLength(values.length);
    for (const [i, result] of results.entries()) {
      if (!result.ok) throw new Error(`item ${i}: ${result.error.message}`);
      expect(Buffer.from(result.value).toString()).toBe(values[i]);
    }
  }

  it(`renders 1000 distinct tokens + 1000 duplicates in ≤ ceil(1000/${BATCH}) decrypt requests`, async () => {
    const tokens = bodies.map((body) => formatToken(body));
    const lines = [...tokens, ...tokens].map((token, i) => `k${i}: ${token}`);
    const file = join(tempDir(), "many.yml");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const render = await s5(["render", file], { env });
    expect(render.stderr).toBe("");
    const expected = [...values, ...values].map((value, i) => `k${i}: ${value}`).join("\n");
    expect(render.stdout).toBe(`${expected}\n`);
    const decrypts = proxy.seen.filter((seen) => isDecrypt(seen.path));
    expect(decrypts.length).toBeLessThanOrEqual(Math.ceil(1000 / BATCH));
    expect(decrypts.reduce((sum, seen) => sum + seen.items, 0)).toBe(1000);
    expect(proxy.seen).toHaveLength(decrypts.length);
  });

  it("closing the backends closes their connections", async () => {
    const own = await startFaultProxy(admin.addr);
    try {
      const backends = coreBackends({ ...env, VAULT_ADDR: own.url });
      await (await backends.get("vault")).decrypt(bodies.slice(0, 10));
      expect(own.openConnections).toBeGreaterThan(0);
      await backends[Symbol.asyncDispose]();
      // Closed by s5, not by the server: keep-alive connections would otherwise stay open in a
      // long-running host (a bundler's watch mode, a Pulumi program) until the server drops them.
      const deadline = Date.now() + 2000;
      while (own.openConnections > 0 && Date.now() < deadline) await sleep(10);
      expect(own.openConnections).toBe(0);
    } finally {
      await own.close();
    }
  });

  it("honours S5_VAULT_BATCH_SIZE", async () => {
    const small = coreBackends({ ...env, S5_VAULT_BATCH_SIZE: "100" });
    try {
      await (await small.get("vault")).decrypt(bodies);
    } finally {
      await small[Symbol.asyncDispose]();
    }
    expect(proxy.seen.map((seen) => seen.items)).toEqual(Array(10).fill(100));
  });

  it("keeps at most S5_VAULT_PARALLELISM requests in flight (default 8)", async () => {
    // Every decrypt held 150 ms, so requests that may overlap do.
    proxy.plan = (seen) => (isDecrypt(seen.path) ? { kind: "delay", ms: 150 } : undefined);
    for (const [parallelism, batch, most] of [
      [undefined, "50", 8],
      ["3", "50", 3],
    ] as const) {
      proxy.maxInFlight = 0;
      proxy.seen.length = 0;
      const limited = coreBackends({
        ...env,
        S5_VAULT_BATCH_SIZE: batch,
        ...(parallelism ? { S5_VAULT_PARALLELISM: parallelism } : {}),
      });
      try {
        const results = await (await limited.get("vault")).decrypt(bodies);
        expect(results.every((result) => result.ok)).toBe(true);
      } finally {
        await limited[Symbol.asyncDispose]();
      }
      expect(proxy.seen).toHaveLength(20);
      expect(proxy.maxInFlight).toBe(most);
    }
  });

  it("a retry never outlives the retry budget by more than 2 s, whatever VAULT_CLIENT_TIMEOUT", async () => {
    // The first decrypt is reset; every retry stalls at the proxy (as in a leader election).
    proxy.plan = (seen, index) =>
      isDecrypt(seen.path)
        ? index === 0
          ? { kind: "reset" }
          : { kind: "delay", ms: 8000 }
        : undefined;
    const budget = coreBackends({
      ...env,
      VAULT_CLIENT_TIMEOUT: "60s",
      S5_VAULT_RETRY_TIMEOUT: "1s",
      S5_VAULT_RETRY_BASE_MS: "20",
    });
    try {
      const [result] = await (await budget.get("vault")).decrypt(bodies.slice(0, 1));
      expect(result?.ok).toBe(false);
      expect(result?.ok ? undefined : result?.error.code).toBe("S5_VAULT_TIMEOUT");
    } finally {
      await budget[Symbol.asyncDispose]();
    }
    const decrypts = proxy.seen.filter((seen) => isDecrypt(seen.path));
    // One reset, one retry that s5 gave up on (its 2 s floor) long before the proxy's 8 s.
    expect(decrypts).toHaveLength(2);
    // The proxy sees the client's close a moment later.
    await expect.poll(() => decrypts[1]!.abandoned).toBe(true);
  });

  it("retries 500 and 429 answers and still returns every value", async () => {
    proxy.plan = (_seen, index) =>
      index % 2 === 0 ? { kind: "status", status: index % 4 === 0 ? 500 : 429 } : undefined;
    await expectAllCorrect();
    expect(proxy.seen.length).toBe(10);
  });

  it("retries connection resets", async () => {
    proxy.plan = (_seen, index) => (index < 3 ? { kind: "reset" } : undefined);
    await expectAllCorrect();
  });

  it("times out a stalled request (VAULT_CLIENT_TIMEOUT) and retries it", async () => {
    proxy.plan = (_seen, index) => (index === 0 ? { kind: "delay", ms: 2500 } : undefined);
    await expectAllCorrect();
  });

  it("gives up with a clear error when the server keeps failing, writing nothing", async () => {
    proxy.plan = () => ({ kind: "status", status: 503 });
    const file = join(tempDir(), "one.yml");
    writeFileSync(file, `a: ${formatToken(bodies[0]!)}\n`);
    const started = Date.now();
    const render = await s5(["render", file], { env });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(render.code).toBe(8);
    expect(render.stdout).toBe("");
    expect(render.stderr).toContain("HTTP 503");
    expect(proxy.seen).toHaveLength(4);
  });

  it("maps per-item failures back to their tokens; the others stay correct", async () => {
    proxy.plan = (seen) =>
      isDecrypt(seen.path)
        ? {
            kind: "response",
            rewrite: (body) => {
              const results = (body.data as { batch_results: Record<string, unknown>[] })
                .batch_results;
              for (const item of results) {
                if (item.reference === "7") {
                  item.plaintext = "";
                  item.error = "cipher: message authentication failed";
                }
              }
              results.reverse(); // order must not matter: references decide
              return body;
            },
          }
        : undefined;
    const results = await vault.decrypt(bodies);
    for (const [i, result] of results.entries()) {
      if (i === 7) {
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.code).toBe("S5_DECRYPT_VAULT");
      } else {
        expect(result.ok && Buffer.from(result.value).toString()).toBe(values[i]);
      }
    }

    const file = join(tempDir(), "partial.yml");
    writeFileSync(
      file,
      bodies
        .slice(0, 10)
        .map((body, i) => `k${i}: ${formatToken(body)}`)
        .join("\n"),
    );
    const render = await s5(["render", file], { env });
    expect(render.code).toBe(6);
    expect(render.stdout).toBe("");
    expect(render.stderr).toContain("partial.yml:8:5");
  });

  it("reports an item Vault did not answer for, instead of shifting values", async () => {
    proxy.plan = (seen) =>
      isDecrypt(seen.path)
        ? {
            kind: "response",
            rewrite: (body) => {
              const data = body.data as { batch_results: Record<string, unknown>[] };
              data.batch_results = data.batch_results.filter((item) => item.reference !== "3");
              return body;
            },
          }
        : undefined;
    const results = await vault.decrypt(bodies.slice(0, 6));
    expect(results.map((result) => result.ok)).toEqual([true, true, true, false, true, true]);
    for (const i of [0, 1, 2, 4, 5]) {
      const result = results[i]!;
      expect(result.ok && Buffer.from(result.value).toString()).toBe(values[i]);
    }
  });

  it("keeps real per-item errors from a mixed batch (HTTP 200 with partial_failure_response_code)", async () => {
    const tampered = parseBody(`vault:v1:${Buffer.alloc(40, 1).toString("base64")}`);
    const tooNew = parseBody("vault:v99:AAAA");
    const results = await vault.decrypt([bodies[0]!, tampered, tooNew, bodies[1]!]);
    expect(results.map((result) => result.ok)).toEqual([true, false, false, true]);
    const failedOnly = await vault.decrypt([tampered]);
    expect(failedOnly[0]?.ok).toBe(false);
  });

  it("an item answered twice is an error, never the other item's value in its place", async () => {
    proxy.plan = (seen) =>
      isDecrypt(seen.path)
        ? {
            kind: "response",
            rewrite: (body) => {
              const data = body.data as { batch_results: Record<string, unknown>[] };
              // A second answer for item 3 after its true one, holding item 4's plaintext.
              const fourth = data.batch_results.find((item) => item.reference === "4");
              data.batch_results.push({ ...fourth, reference: "3" });
              return body;
            },
          }
        : undefined;
    const results = await vault.decrypt(bodies.slice(0, 6));
    expect(results.map((result) => result.ok)).toEqual([true, true, true, false, true, true]);
    const third = results[3]!;
    expect(third.ok ? "" : third.error.message).toContain("answered more than once");
    for (const i of [0, 1, 2, 4, 5]) {
      const result = results[i]!;
      expect(result.ok && Buffer.from(result.value).toString()).toBe(values[i]);
    }
  });

  it("stops at an answer over 64 MiB: not retried, one clear error, and the CLI exits at once", {
    timeout: 60_000,
  }, async () => {
    const huge = " ".repeat(65 * 2 ** 20);
    proxy.plan = (seen) =>
      isDecrypt(seen.path)
        ? { kind: "raw", status: 200, contentType: "application/json", body: huge }
        : undefined;
    const file = join(tempDir(), "huge.yml");
    writeFileSync(file, `a: ${formatToken(bodies[0]!)}\n`);
    const started = Date.now();
    // A long client timeout: a timer left running after the failure would hold the process.
    const render = await s5(["render", file], { env: { ...env, VAULT_CLIENT_TIMEOUT: "30s" } });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(render.code).toBe(8);
    expect(render.stdout).toBe("");
    expect(render.stderr).toContain("answered the decrypt request with more than 64 MiB");
    expect(render.stderr).toContain("S5_VAULT_RESPONSE");
    expect(proxy.seen.filter((seen) => isDecrypt(seen.path))).toHaveLength(1);
  });
});
