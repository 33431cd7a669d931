// HAProxy in front of the OpenBao nodes, as production HA setups put a load balancer there: its
// health check (`/v1/sys/health` must answer 200) sends traffic only to the active node.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { running, spawnLogged, stopChild, tail } from "./processes.ts";

export const HAPROXY_MISSING =
  "haproxy is not installed (Debian/Ubuntu: `apt-get install haproxy`, or run scripts/install-haproxy.sh)";

/**
 * The haproxy binary, or undefined: `S5_TEST_HAPROXY_BIN` when set (and then only that one, so the
 * missing-tool path can be tried), else PATH, else /usr/sbin (not on a normal user's PATH).
 */
export function findHaproxy(): string | undefined {
  const given = process.env.S5_TEST_HAPROXY_BIN;
  for (const bin of given ? [given] : ["haproxy", "/usr/sbin/haproxy"]) {
    if (spawnSync(bin, ["-v"], { stdio: "ignore", timeout: 10_000 }).status === 0) {
      return bin;
    }
  }
  return undefined;
}

export interface Backend {
  name: string;
  /** host:port */
  address: string;
}

export interface Haproxy {
  addr: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * The configuration. Checks every 250 ms and one failed check takes a node out (`fall 1 rise 1`):
 * failover is then bounded by OpenBao's election, not by HAProxy. `retries` + `redispatch` move a
 * request whose connection is refused (a killed node not yet marked down) to another server.
 * Each answer names the server that gave it (`X-S5-Backend`), so tests can see where it went.
 * `standbys`: the check asks `/v1/sys/health?standbyok=true`, which standbys answer 200 too, so
 * requests go round-robin to every unsealed node (reads served by standbys, writes forwarded).
 */
export function haproxyConfig(
  port: number,
  backends: readonly Backend[],
  standbys = false,
): string {
  return [
    "global",
    "  maxconn 256",
    "defaults",
    "  mode http",
    "  timeout connect 250ms",
    "  timeout client 30s",
    "  timeout server 30s",
    "  timeout check 1s",
    "  retries 3",
    "  option redispatch 1",
    "frontend vault",
    `  bind 127.0.0.1:${port}`,
    "  default_backend openbao",
    "backend openbao",
    `  option httpchk GET /v1/sys/health${standbys ? "?standbyok=true" : ""}`,
    "  balance roundrobin",
    "  http-check expect status 200",
    "  default-server inter 250ms fastinter 250ms downinter 250ms fall 1 rise 1",
    "  http-response set-header X-S5-Backend %s",
    ...backends.map((backend) => `  server ${backend.name} ${backend.address} check`),
    "",
  ].join("\n");
}

/** Runs `haproxy -f <cfg> -db` (foreground, no daemon) as a child of this process. */
export async function startHaproxy(options: {
  bin: string;
  dir: string;
  port: number;
  backends: readonly Backend[];
  standbys?: boolean;
}): Promise<Haproxy> {
  const config = join(options.dir, "haproxy.cfg");
  const log = join(options.dir, "haproxy.log");
  writeFileSync(config, haproxyConfig(options.port, options.backends, options.standbys));
  const check = spawnSync(options.bin, ["-c", "-q", "-f", config], { encoding: "utf8" });
  if (check.status !== 0) throw new Error(`haproxy rejects ${config}:\n${check.stderr}`);
  const child = spawnLogged(options.bin, ["-f", config, "-db"], log);
  // Give it a moment to bind or die (a port taken since we picked it, for example).
  await new Promise((resolve) => setTimeout(resolve, 200));
  if (!running(child)) throw new Error(`haproxy exited:\n${tail(log)}`);
  return {
    addr: `http://127.0.0.1:${options.port}`,
    pid: child.pid,
    stop: () => stopChild(child),
  };
}
