// A proxy on 127.0.0.1 in front of the API server that can turn into a black hole: it keeps
// accepting connections, completes their TLS handshake, and never answers (nor forwards) — as a
// stuck API server or a hung TLS-terminating proxy does. It serves the API server's own
// certificate (kube-apiserver's self-signed `apiserver.crt`/`.key`, which name 127.0.0.1), so
// clients still verify TLS against the kubeconfig's CA; it verifies the API server the same way.
//
// Why TLS and not a bare TCP black hole: a connection that never finishes its handshake is cut by
// undici's connect timeout (10 s) even without a deadline of our own. A request the server
// accepted and never answers waits for undici's headers timeout: 300 s.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connect, createServer, type TLSSocket } from "node:tls";

export interface BlackholeProxy {
  /** `https://127.0.0.1:PORT`: a kubeconfig's `server`. */
  url: string;
  /**
   * On: every open connection and every new one swallows what it gets and answers nothing,
   * forever (a request cut in half must never resume). Off: new connections forward again.
   */
  blackhole(on: boolean): void;
  close(): Promise<void>;
}

export async function startBlackholeProxy(
  target: string,
  certDir: string,
  caFile: string,
): Promise<BlackholeProxy> {
  const { hostname, port } = new URL(target);
  const ca = readFileSync(caFile);
  let holeOpen = false;
  const sockets = new Set<TLSSocket>();
  const frozen = new WeakSet<TLSSocket>();
  const track = (socket: TLSSocket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer(
    {
      cert: readFileSync(join(certDir, "apiserver.crt")),
      key: readFileSync(join(certDir, "apiserver.key")),
    },
    (client) => {
      track(client);
      if (holeOpen) {
        frozen.add(client);
        client.on("data", () => {});
        return;
      }
      const upstream = connect({ host: hostname, port: Number(port), ca });
      track(upstream);
      const forward = (from: TLSSocket, to: TLSSocket) => {
        from.on("data", (chunk) => {
          if (!frozen.has(from)) to.write(chunk);
        });
        from.on("close", () => {
          if (!frozen.has(from)) to.destroy();
        });
      };
      forward(client, upstream);
      forward(upstream, client);
    },
  );
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${address.port}`,
    blackhole(on) {
      holeOpen = on;
      if (on) for (const socket of sockets) frozen.add(socket);
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
