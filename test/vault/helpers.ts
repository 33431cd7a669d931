// Shared pieces of the Vault end-to-end tests: the server from globalSetup, the built CLI as a
// child process, isolated transit mounts, and core's API with an explicit environment.

import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createBackends, type Overrides, resolveSettings } from "@s5/core";
import { describe, inject, it } from "vitest";
import { api, apiOk } from "../../scripts/openbao.mjs";
import { runChild } from "../child.ts";
import { findHaproxy, HAPROXY_MISSING } from "../setup/haproxy.ts";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const bin = join(root, "packages/cli/bin/s5.cjs");

export const server = inject("vault");

export interface Server {
  addr: string;
  token: string;
  namespace?: string | undefined;
  caCert?: string | undefined;
}

export const admin: Server = { addr: server.addr ?? "", token: server.token ?? "" };

/**
 * `describe` when a server runs; otherwise a loud skip, or (CI) a failing test.
 */
export function describeVault(name: string, body: () => void): void {
  if (server.available) {
    describe(name, body);
  } else if (server.required) {
    describe(name, () => {
      it("needs an OpenBao server (CI=true)", () => {
        throw new Error(server.reason);
      });
    });
  } else {
    console.warn(`[s5] SKIPPED ${name}: ${server.reason}`);
    describe.skip(name, body);
  }
}

/**
 * `describeVault` for suites that also need haproxy (test/setup/ha-cluster.ts). Without it: a loud
 * skip, or a failing test with S5_REQUIRE_HA_TOOLS=1 (set by .ci/run once it installed haproxy).
 */
export function describeHa(name: string, body: () => void): void {
  if (findHaproxy()) {
    describeVault(name, body);
  } else if (process.env.S5_REQUIRE_HA_TOOLS === "1") {
    describe(name, () => {
      it("needs haproxy (S5_REQUIRE_HA_TOOLS=1)", () => {
        throw new Error(HAPROXY_MISSING);
      });
    });
  } else {
    console.warn(`[s5] SKIPPED ${name}: ${HAPROXY_MISSING}`);
    describe.skip(name, body);
  }
}

export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

export function tempDir(prefix = "s5-vault-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fresh transit mount with one key (`app` unless named): tests never share keys. */
export async function newMount(
  key = "app",
  target: Server = admin,
): Promise<{ mount: string; key: string }> {
  const mount = unique("transit");
  await apiOk(target, "POST", `sys/mounts/${mount}`, { type: "transit" });
  await apiOk(target, "POST", `${mount}/keys/${key}`, {});
  return { mount, key };
}

/** Encrypts through the HTTP API directly, as the Go tool's server side would. */
export async function vaultEncrypt(mount: string, key: string, plaintext: string): Promise<string> {
  const body = await apiOk(admin, "POST", `${mount}/encrypt/${key}`, {
    plaintext: Buffer.from(plaintext).toString("base64"),
  });
  return body.data.ciphertext as string;
}

/** A token with only these policies (HCL created on the fly). */
export async function tokenWithPolicy(hcl: string): Promise<string> {
  const name = unique("policy");
  await apiOk(admin, "POST", `sys/policies/acl/${name}`, { policy: hcl });
  const body = await apiOk(admin, "POST", "auth/token/create", { policies: [name], ttl: "1h" });
  return body.auth.client_token as string;
}

/** A minimal environment: nothing of the developer's VAULT_*, proxies or HOME leaks in. */
export function vaultEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: tempDir("s5-home-"),
    NO_PROXY: "127.0.0.1,localhost",
    VAULT_ADDR: admin.addr,
    VAULT_TOKEN: admin.token,
    S5_VAULT_RETRY_BASE_MS: "20",
    ...extra,
  };
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (asynchronously: a fault proxy in this process must keep answering). */
export function s5(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string } = {},
): Promise<Run> {
  return runChild(process.execPath, [bin, ...args], {
    env: options.env ?? vaultEnv(),
    cwd: options.cwd ?? tempDir(),
    input: options.input ?? "",
  });
}

/** Core's backends for this environment (no process.env involved). */
export function coreBackends(env: Record<string, string>, overrides: Overrides = {}) {
  return createBackends(resolveSettings({ cwd: tempDir(), env, overrides }));
}

export { api, apiOk };

/** Starts `server` on a free 127.0.0.1 port: its URL, and a close that ends open connections. */
export async function listenLoopback(
  server: http.Server,
): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
