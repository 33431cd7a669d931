// s5 through a real Vault Agent (`bao agent`): VAULT_AGENT_ADDR is where requests go, and the agent
// adds its auto-auth token to requests that carry none — as the Vault CLI and the Go tool's client
// (Vault's Go API) use it.

import type { ChildProcess } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  mkdirSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../../scripts/openbao.mjs";
import { running, spawnLogged, stopChild, tail } from "../setup/processes.ts";
import { asRoot, OTHER_UID } from "../setup/system-tools.ts";
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
  let socket: string;
  /** The same agent's sockets in places of another user (uid 65534, when the tests run as root). */
  let places: { evil: string; service: string; link: string; nested: string };

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
    // Its socket in a directory of this user's (0755): the agent's own place.
    socket = join(dir, "run", "agent.sock");
    mkdirSync(join(dir, "run"), { mode: 0o755 });
    chmodSync(join(dir, "run"), 0o755);
    // Where another user could put an agent of its own: a directory of its own in a sticky,
    // /tmp-like one; a service's own directory in a closed one (/run/vault); a link to the
    // latter that the service user owns. The agent listens in each; the owners change once it does.
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "tmp"), { mode: 0o1777 });
    chmodSync(join(dir, "tmp"), 0o1777);
    mkdirSync(join(dir, "tmp", "evil"), { mode: 0o755 });
    mkdirSync(join(dir, "srv", "vault"), { recursive: true, mode: 0o755 });
    mkdirSync(join(dir, "home", "svc", "run"), { recursive: true, mode: 0o755 });
    mkdirSync(join(dir, "etc"), { mode: 0o755 });
    symlinkSync(join(dir, "srv", "vault"), join(dir, "etc", "vault"));
    places = {
      evil: join(dir, "tmp", "evil", "agent.sock"),
      service: join(dir, "srv", "vault", "agent.sock"),
      link: join(dir, "etc", "vault", "agent.sock"),
      nested: join(dir, "home", "svc", "run", "agent.sock"),
    };
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
listener "unix" {
  address = "${socket}"
  tls_disable = true
}
listener "unix" {
  address = "${places.evil}"
  tls_disable = true
}
listener "unix" {
  address = "${places.service}"
  tls_disable = true
}
listener "unix" {
  address = "${places.nested}"
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
      if (
        answered &&
        existsSync(socket) &&
        [places.evil, places.service, places.nested].every((path) => existsSync(path))
      )
        break;
      if (tries > 300) throw new Error(`bao agent did not start:\n${tail(log)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (asRoot) {
      for (const entry of [places.evil, join(dir, "tmp", "evil")]) {
        chownSync(entry, OTHER_UID, OTHER_UID);
      }
      for (const entry of [places.service, join(dir, "srv", "vault")]) {
        chownSync(entry, OTHER_UID, OTHER_UID);
      }
      lchownSync(join(dir, "etc", "vault"), OTHER_UID, OTHER_UID);
      for (const entry of [
        places.nested,
        join(dir, "home", "svc", "run"),
        join(dir, "home", "svc"),
      ]) {
        chownSync(entry, OTHER_UID, OTHER_UID);
      }
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

  it("reaches the agent over its Unix socket (unix://, as the CLI), never through a proxy", async () => {
    const proxies = {
      HTTP_PROXY: "http://127.0.0.1:9",
      HTTPS_PROXY: "http://127.0.0.1:9",
      VAULT_PROXY_ADDR: "http://127.0.0.1:9",
    };
    const env = { ...agentEnv(`unix://${socket}`), ...proxies };
    const sealed = await s5(["cipher", "vault"], { env, input: "agent-secret-4" });
    expect(sealed.stderr).toBe("");
    const token = sealed.stdout.trim();
    const rendered = await s5(["render"], { env, input: `pw: ${token}\n` });
    expect(rendered.stderr).toBe("");
    expect(rendered.stdout).toBe("pw: agent-secret-4\n");
    // VAULT_ADDR may name it too, with a token of its own that the agent passes on.
    const direct = await s5(["decipher", token.slice(3, -3).trim()], {
      env: {
        ...vaultEnv({ VAULT_ADDR: `unix://${socket}`, VAULT_TOKEN: agentToken }),
        S5_VAULT_TRANSIT_MOUNT: mount,
        S5_VAULT_TRANSIT_KEY: key,
      },
    });
    expect(direct.stderr).toBe("");
    expect(direct.stdout).toBe("agent-secret-4");
  });

  it("says what is wrong with a socket address: not absolute, not there", async () => {
    const relative = await s5(["cipher", "vault", "x"], { env: agentEnv("unix://agent.sock") });
    expect(relative.code).toBe(12);
    expect(relative.stderr).toContain(
      "VAULT_AGENT_ADDR names a Unix socket without an absolute path: unix://agent.sock",
    );
    const absent = join(tempDir(), "absent.sock");
    const gone = await s5(["cipher", "vault", "x"], {
      env: { ...agentEnv(`unix://${absent}`), VAULT_MAX_RETRIES: "0" },
    });
    expect(gone.code).toBe(8);
    expect(gone.stderr).toContain(`cannot reach Vault at unix://${absent} (ENOENT)`);
  });

  it("refuses a socket another user could have put there: a directory everyone may write to", async () => {
    const dir = tempDir();
    const open = join(dir, "open");
    mkdirSync(open);
    chmodSync(open, 0o777);
    const planted = join(open, "agent.sock");
    const server = createServer((connection) => connection.destroy());
    await new Promise<void>((resolve) => server.listen(planted, resolve));
    try {
      const run = await s5(["cipher", "vault"], {
        env: agentEnv(`unix://${planted}`),
        input: "agent-secret-5",
      });
      expect(run.code).toBe(12);
      expect(run.stderr).toContain(
        `VAULT_AGENT_ADDR (unix://${planted}) can be changed by another user: everyone can write to ${open}`,
      );
      expect(run.stderr).toContain("S5_CONFIG_VAULT_ADDR");
      expect(run.stderr).toContain(`chmod o-w ${open}`);
      // Requests may move on to a node of S5_VAULT_CLUSTER_ADDRS: the same rule.
      const other = await s5(["cipher", "vault", "x"], {
        env: { ...agentEnv(agentAddr), S5_VAULT_CLUSTER_ADDRS: `unix://${planted}` },
      });
      expect(other.code).toBe(12);
      expect(other.stderr).toContain(
        `S5_VAULT_CLUSTER_ADDRS (unix://${planted}) can be changed by another user`,
      );
    } finally {
      server.close();
    }
  });

  it.skipIf(!asRoot)(
    "refuses another user's socket in a sticky /tmp-like directory; accepts a service's own directory",
    async () => {
      const dir = tempDir();
      chmodSync(dir, 0o755);
      const sticky = join(dir, "tmp");
      mkdirSync(sticky);
      chmodSync(sticky, 0o1777);
      const service = join(dir, "service");
      mkdirSync(service);
      const servers = [];
      try {
        for (const where of [sticky, service]) {
          const path = join(where, "agent.sock");
          const server = createServer((connection) => connection.destroy());
          await new Promise<void>((resolve) => server.listen(path, resolve));
          servers.push(server);
          chownSync(path, OTHER_UID, OTHER_UID);
        }
        chownSync(service, OTHER_UID, OTHER_UID);
        const planted = join(sticky, "agent.sock");
        const refused = await s5(["cipher", "vault", "x"], { env: agentEnv(`unix://${planted}`) });
        expect(refused.code).toBe(12);
        expect(refused.stderr).toContain(
          `VAULT_AGENT_ADDR (unix://${planted}) can be changed by another user: ${planted} belongs to another user (uid ${OTHER_UID})`,
        );
        // The socket and its directory of one service user: that user runs the agent.
        const own = join(service, "agent.sock");
        const accepted = await s5(["cipher", "vault", "x"], {
          env: { ...agentEnv(`unix://${own}`), VAULT_MAX_RETRIES: "0" },
        });
        expect(accepted.stderr).not.toContain("can be changed by another user");
        expect(accepted.code).toBe(8);
      } finally {
        for (const server of servers) server.close();
      }
    },
  );

  it.skipIf(!asRoot)(
    "refuses a real agent in another user's own directory inside a sticky /tmp: it would get the token",
    async () => {
      // uid 65534 owns the directory and the socket; /tmp's sticky bit keeps others from its
      // entries, not from making one of their own there. Before, the agent answered (exit 0).
      const run = await s5(["cipher", "vault"], {
        env: agentEnv(`unix://${places.evil}`),
        input: "agent-secret-6",
      });
      expect(run.code).toBe(12);
      expect(run.stderr).toContain("S5_CONFIG_VAULT_ADDR");
      expect(run.stderr).toContain(
        `VAULT_AGENT_ADDR (unix://${places.evil}) can be changed by another user: ${places.evil} belongs to another user (uid ${OTHER_UID})`,
      );
      expect(run.stdout).toBe("");
      expect(run.stderr).not.toContain("agent-secret-6");
    },
  );

  it.skipIf(!asRoot)(
    "takes a real agent in its service user's own directory (/run/vault), checked as written: never through a link that user owns",
    async () => {
      const sealed = await s5(["cipher", "vault"], {
        env: agentEnv(`unix://${places.service}`),
        input: "agent-secret-7",
      });
      expect(sealed.stderr).toBe("");
      expect(sealed.stdout).toMatch(/^\{\{ s5:vault:v1:/);
      // The same socket, named through a link uid 65534 owns: it can point the link at any
      // socket (another user's) between the check and the connection. Before, accepted (exit 0).
      const linked = await s5(["cipher", "vault"], {
        env: agentEnv(`unix://${places.link}`),
        input: "agent-secret-8",
      });
      expect(linked.code).toBe(12);
      expect(linked.stderr).toContain(
        `is a symbolic link of another user (uid ${OTHER_UID}), who can point it elsewhere`,
      );
      expect(linked.stdout).toBe("");
      // Its directory inside another of its own (a home's run/): that user could swap run/
      // itself; only the socket's own directory is the service user's to own.
      const nested = await s5(["cipher", "vault", "x"], {
        env: agentEnv(`unix://${places.nested}`),
      });
      expect(nested.code).toBe(12);
      expect(nested.stderr).toContain(
        `can be changed by another user: ${dirname(dirname(places.nested))} belongs to another user (uid ${OTHER_UID})`,
      );
      // s5 doctor names the setting, and no proxy or TLS line for a socket.
      const doctor = await s5(["doctor"], {
        env: { ...agentEnv(`unix://${places.service}`), HTTPS_PROXY: "http://127.0.0.1:9" },
      });
      expect(doctor.stderr).toBe("");
      expect(doctor.stdout).toContain(
        `     address    unix://${places.service} (VAULT_AGENT_ADDR)`,
      );
      expect(doctor.stdout).toContain("     proxy      none: requests go to Vault directly");
      expect(doctor.stdout).not.toContain(" tls ");
      expect(doctor.code).toBe(0);
    },
  );

  it("refuses a socket not there yet where anyone may create it: the first to do so gets the token", async () => {
    // The agent is not running; /tmp-like: sticky, writable by everyone. Before, s5 connected
    // (ENOENT, exit 8), and would have to whoever made the socket first.
    const sticky = dirname(dirname(places.evil));
    const absent = join(sticky, "absent.sock");
    const run = await s5(["cipher", "vault", "x"], {
      env: { ...agentEnv(`unix://${absent}`), VAULT_MAX_RETRIES: "0" },
    });
    expect(run.code).toBe(12);
    expect(run.stderr).toContain(
      `VAULT_AGENT_ADDR (unix://${absent}) can be changed by another user: everyone can add files to ${sticky} (mode 01777)`,
    );
  });
});
