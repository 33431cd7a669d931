/** `/healthz`, `/readyz` and `/metrics` on one HTTP port (kubelet probes, Prometheus). */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthSource {
  isReady(): boolean;
  metrics: { render(): string };
}

export interface HealthServer {
  /** `host:port` actually bound (port 0 picks a free one). */
  address: string;
  close(): Promise<void>;
}

export async function startHealthServer(
  source: HealthSource,
  host: string,
  port: number,
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed\n");
    if (path === "/healthz") return send(200, "ok\n");
    if (path === "/readyz") return source.isReady() ? send(200, "ok\n") : send(503, "not ready\n");
    if (path === "/metrics") {
      return send(200, source.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    }
    send(404, "not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { address, port: bound } = server.address() as AddressInfo;
  return {
    address: `${address.includes(":") ? `[${address}]` : address}:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
