// s5 through a real Vault Agent (`bao agent`): VAULT_AGENT_ADDR is where requests go, and the agent
// adds its auto-auth token to requests that carry none — as the Vault CLI and the Go tool's client
// (Vault's Go API) use it.

import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../../scripts/openbao.mjs";
import { running, spawnLogged, stopChild, tail } from "../setup/processes.ts";
import {
  admin,
  describeVault,
  newMount,
  s5,
  server,
  tempDir,
  tokenWithPolicy,
  vaultEnv,
} from "./helpers.ts";

describeVault("through a Vault Agent", () => {
  let agent: ChildProcess | undefined;
  let agentAddr: string;
  let log: string;
  let mount: string;
  let key: string;
  let agentToken: string;

  beforeAll(async () => {
    ({ mount, key } = await newMount("agent"));
    agentToken = await tokenWithPolicy(
      `path "${mount}/encrypt/${key}" { capabilities = ["update"] }
path "${mount}/decrypt/${key}" { capabilities = ["update"] }`,
    );
    const dir = tempDir("s5-agent-");
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, agentToken, { mode: 0o600 });
    const port = await freePort();
    agentAddr = `http://127.0.0.1:${port}`;
    const config = join(dir, "agent.hcl");
    writeFileSync(
      config,
      `vault { address = "${admin.addr}" }
auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address = "127.0.0.1:${port}"
  tls_disable = true
}
`,
    );
    log = join(dir, "agent.log");
    agent = spawnLogged(server.bin ?? "bao", ["agent", `-config=${config}`], log, {
      PATH: process.env.PATH,
      HOME: dir,
    });
    // Ready once it has logged in and its listener answers.
    for (let tries = 0; ; tries++) {
      if (!running(agent)) throw new Error(`bao agent exited:\n${tail(log)}`);
      const logged = tail(log, 100_000).includes("authentication successful");
      const answered = logged
        ? await fetch(`${agentAddr}/v1/sys/health`).then(
            (answer) => answer.ok,
            () => false,
          )
        : false;
      if (answered) break;
      if (tries > 300) throw new Error(`bao agent did not start:\n${tail(log)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);

  afterAll(() => stopChild(agent));

  /** No token anywhere (no VAULT_TOKEN, an empty home), VAULT_ADDR pointing nowhere. */
  const agentEnv = (addr: string) =>
    vaultEnv({
      VAULT_TOKEN: undefined,
      VAULT_ADDR: "http://127.0.0.1:9",
      VAULT_AGENT_ADDR: addr,
      S5_VAULT_TRANSIT_MOUNT: mount,
      S5_VAULT_TRANSIT_KEY: key,
    });

  it("encrypts and renders with no token of its own, VAULT_AGENT_ADDR before VAULT_ADDR", async () => {
    const env = agentEnv(agentAddr);
    const sealed = await s5(["cipher", "vault"], { env, input: "agent-secret-1" });
    expect(sealed.stderr).toBe("");
    expect(sealed.code).toBe(0);
    const token = sealed.stdout.trim();
    expect(token).toMatch(/^\{\{ s5:vault:v1:/);
    const rendered = await s5(["render"], { env, input: `pw: ${token}\n` });
    expect(rendered.code).toBe(0);
    expect(rendered.stdout).toBe("pw: agent-secret-1\n");
  });

  it("says what VAULT_AGENT_ADDR must be when what answers there wants a token", async () => {
    const env = agentEnv(admin.addr);
    const run = await s5(["cipher", "vault"], { env, input: "agent-secret-2" });
    expect(run.code).toBe(7);
    expect(run.stderr).toContain("S5_KEY_VAULT_TOKEN_INVALID");
    expect(run.stderr).toContain("refused a request without a token");
    expect(run.stderr).toContain("use_auto_auth_token");
    expect(run.stderr + run.stdout).not.toContain("agent-secret-2");
    expect(run.stderr + run.stdout).not.toContain(agentToken);
  });

  it("sends a token given as well (the agent passes it on), as Vault's client does", async () => {
    const env = { ...agentEnv(agentAddr), VAULT_TOKEN: "s.not-a-token" };
    const run = await s5(["cipher", "vault"], { env, input: "agent-secret-3" });
    expect(run.code).toBe(7);
    expect(run.stderr).toContain("S5_KEY_VAULT_TOKEN_INVALID");
    expect(run.stderr).toContain("VAULT_TOKEN");
    expect(run.stderr).not.toContain("s.not-a-token");
  });
});
