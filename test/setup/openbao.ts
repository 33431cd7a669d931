// Vitest globalSetup of the e2e project: one real OpenBao dev server for every test file.
// An existing server can be given with S5_TEST_VAULT_ADDR + S5_TEST_VAULT_TOKEN (never the
// ambient VAULT_ADDR/VAULT_TOKEN, which may point at a production Vault).
import type { TestProject } from "vitest/node";
import { findBao, startOpenBao } from "../../scripts/openbao.mjs";

export interface VaultServer {
  available: boolean;
  /** Why there is no server; with `required` (CI) the Vault suite fails instead of skipping. */
  reason?: string;
  required: boolean;
  addr?: string;
  token?: string;
  /** A binary to start more servers (TLS), when there is one. */
  bin?: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    vault: VaultServer;
  }
}

export default async function setup(project: TestProject) {
  const required = process.env.CI === "true" || process.env.CI === "1";
  const log = (line: string) => process.stderr.write(`[openbao] ${line}\n`);
  const givenAddr = process.env.S5_TEST_VAULT_ADDR;
  const givenToken = process.env.S5_TEST_VAULT_TOKEN;
  if (givenAddr && givenToken) {
    let bin: string | undefined;
    try {
      bin = findBao({ install: false }).bin;
    } catch {
      // TLS tests skip without a binary
    }
    project.provide("vault", {
      available: true,
      required,
      addr: givenAddr,
      token: givenToken,
      bin,
    });
    return;
  }
  try {
    const server = await startOpenBao({ log });
    project.provide("vault", {
      available: true,
      required,
      addr: server.addr,
      token: server.token,
      bin: server.bin,
    });
    return () => server.stop();
  } catch (error) {
    const reason = `no OpenBao server could be started: ${(error as Error).message}`;
    process.stderr.write(
      `\n${"!".repeat(78)}\n[openbao] ${reason}\n[openbao] the Vault end-to-end tests ${
        required ? "FAIL (CI=true)" : "are SKIPPED"
      }\n${"!".repeat(78)}\n\n`,
    );
    project.provide("vault", { available: false, required, reason });
  }
}
