// A loopback HTTP proxy in front of the real server that counts requests and injects faults:
// error statuses (with headers such as Retry-After), redirects, connection resets, delays, and
// rewritten (partial, shuffled) batch answers. Each request is recorded with its arrival time and
// whether it carried a Vault token, and each answer with its status and Retry-After.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Seen {
  method: string;
  path: string;
  /** Items in a batch request. */
  items: number;
  /** Arrival (Date.now()). */
  at: number;
  /** The request carried X-Vault-Token. */
  token: boolean;
  /** The status answered (once answered). */
  status?: number;
  /** The Retry-After answered, if any. */
  retryAfter?: string;
  /** The client closed the connection before it was answered (gave up waiting). */
  abandoned?: boolean;
}

export type Fault =
  | { kind: "status"; status: number; headers?: Record<string, string> }
  | { kind: "redirect"; status: number; location: string }
  | { kind: "reset" }
  /** Passed on and carried out by the server, but its answer never reaches the client. */
  | { kind: "lost" }
  | { kind: "delay"; ms: number }
  | { kind: "raw"; status: number; contentType: string; body: string }
  | { kind: "response"; rewrite: (body: Record<string, unknown>) => unknown };

/** Decides a fault for the n-th request (0-based) to a path; undefined passes it through. */
export type Plan = (seen: Seen, index: number) => Fault | undefined;

export interface FaultProxy {
  url: string;
  seen: Seen[];
  /** The most requests that were open at once (arrived, not yet answered); reset it to 0 by hand. */
  maxInFlight: number;
  /** Client connections open now. */
  openConnections: number;
  plan: Plan;
  close(): Promise<void>;
}

/** `headers` are added to every request passed on (e.g. X-Vault-No-Request-Forwarding). */
export async function startFaultProxy(
  target: string,
  options: { headers?: Record<string, string> } = {},
): Promise<FaultProxy> {
  const proxy: FaultProxy = {
    url: "",
    seen: [],
    maxInFlight: 0,
    openConnections: 0,
    plan: () => undefined,
    close: async () => {},
  };
  let inFlight = 0;
  const server = http.createServer((request, response) => {
    inFlight++;
    proxy.maxInFlight = Math.max(proxy.maxInFlight, inFlight);
    response.once("close", () => inFlight--);
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      let items = 0;
      try {
        const input = JSON.parse(body.toString("utf8") || "{}").batch_input;
        items = Array.isArray(input) ? input.length : 0;
      } catch {
        // not JSON
      }
      const seen: Seen = {
        method: request.method ?? "",
        path: request.url ?? "",
        items,
        at: Date.now(),
        token: request.headers["x-vault-token"] !== undefined,
      };
      const index = proxy.seen.length;
      proxy.seen.push(seen);
      response.once("close", () => {
        if (!response.writableEnded) seen.abandoned = true;
      });
      const fault = proxy.plan(seen, index);
      if (fault?.kind === "reset") {
        request.socket.destroy();
        return;
      }
      if (fault?.kind === "raw") {
        response.writeHead(fault.status, { "Content-Type": fault.contentType });
        response.end(fault.body);
        return;
      }
      if (fault?.kind === "redirect") {
        seen.status = fault.status;
        response.writeHead(fault.status, { Location: fault.location });
        response.end();
        return;
      }
      if (fault?.kind === "status") {
        seen.status = fault.status;
        seen.retryAfter = fault.headers?.["Retry-After"];
        response.writeHead(fault.status, { "Content-Type": "application/json", ...fault.headers });
        response.end(JSON.stringify({ errors: [`injected ${fault.status}`] }));
        return;
      }
      const forward = () => {
        const upstream = http.request(
          new URL(request.url ?? "/", target),
          {
            method: request.method,
            headers: { ...request.headers, ...options.headers, host: new URL(target).host },
          },
          (answer) => {
            const parts: Buffer[] = [];
            answer.on("data", (chunk: Buffer) => parts.push(chunk));
            answer.on("end", () => {
              if (fault?.kind === "lost") {
                seen.abandoned = true;
                request.socket.destroy();
                return;
              }
              let out = Buffer.concat(parts);
              if (fault?.kind === "response") {
                out = Buffer.from(JSON.stringify(fault.rewrite(JSON.parse(out.toString("utf8")))));
              }
              const headers = { ...answer.headers, "content-length": String(out.length) };
              delete headers["transfer-encoding"];
              seen.status = answer.statusCode;
              const retryAfter = answer.headers["retry-after"];
              if (retryAfter) seen.retryAfter = retryAfter;
              response.writeHead(answer.statusCode ?? 502, headers);
              response.end(out);
            });
          },
        );
        upstream.on("error", () => request.socket.destroy());
        upstream.end(body);
      };
      if (fault?.kind === "delay") setTimeout(forward, fault.ms);
      else forward();
    });
  });
  server.on("connection", (socket) => {
    proxy.openConnections++;
    socket.once("close", () => proxy.openConnections--);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
