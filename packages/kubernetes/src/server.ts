/**
 * `/healthz`, `/readyz` and `/metrics` on one HTTP port (kubelet probes, Prometheus). A stuck
 * controller (its Lease loop finishing no round, its watch hearing nothing) fails both probes:
 * answering "ok" while it serves nothing would hide it from the kubelet, which can restart it
 * (a leader restarted gives its Lease up, and a standby that reaches the API server leads).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthSource {
  isReady(): boolean;
  /** What is stuck (names and durations, never data); empty when healthy. */
  problems?(): string[];
  metrics: { render(): string };
}

export interface HealthServer {
  /** `host:port` actually bound (port 0 picks a free one). */
  address: string;
  close(): Promise<void>;
}

export async function startHealthServer(
  source: HealthSource,
  /** undefined: every address (IPv6 and IPv4, or IPv4 only where there is no IPv6). */
  host: string | undefined,
  port: number,
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed\n");
    const problems = source.problems?.() ?? [];
    const stuck = () => send(503, problems.map((problem) => `${problem}\n`).join(""));
    if (path === "/healthz") return problems.length > 0 ? stuck() : send(200, "ok\n");
    if (path === "/readyz") {
      if (problems.length > 0) return stuck();
      return source.isReady() ? send(200, "ok\n") : send(503, "not ready\n");
    }
    if (path === "/metrics") {
      return send(200, source.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    }
    send(404, "not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(host === undefined ? { port } : { port, host }, () => resolve());
  });
  const { address, port: bound } = server.address() as AddressInfo;
  return {
    address: `${address.includes(":") ? `[${address}]` : address}:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
