// A loopback HTTP proxy that holds every request for a fixed delay before passing it on, as a
// Vault on another host costs one network round trip more. It counts the requests, so a row can
// say how many round trips each tool made. It runs in a worker thread: the bench measures its
// children with spawnSync, which blocks the main thread's event loop.
import http from "node:http";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

/**
 * Starts the proxy on a free 127.0.0.1 port in front of `target` (an http:// address).
 * Returns `{ url, port, requests(), reset(), close() }`.
 */
export async function startDelayProxy(target, delayMs) {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { target, delayMs, counter },
  });
  const port = await new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the delay proxy exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: () => Atomics.load(counter, 0),
    reset: () => Atomics.store(counter, 0, 0),
    close: () => worker.terminate(),
  };
}

function serve({ target, delayMs, counter }) {
  const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const upstreamHost = new URL(target).host;
  const server = http.createServer((request, response) => {
    Atomics.add(counter, 0, 1);
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      setTimeout(() => {
        const upstream = http.request(
          new URL(request.url ?? "/", target),
          {
            method: request.method,
            headers: { ...request.headers, host: upstreamHost },
            agent: upstreamAgent,
          },
          (answer) => {
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(response);
          },
        );
        upstream.on("error", () => {
          if (!response.headersSent) response.writeHead(502);
          response.end();
        });
        upstream.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
}

if (!isMainThread && workerData?.counter) serve(workerData);
