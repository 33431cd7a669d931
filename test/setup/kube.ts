// A real Kubernetes control plane for end-to-end tests: etcd and kube-apiserver on loopback ports,
// started per test file (beforeAll) and stopped in afterAll. There is no kubelet, scheduler or
// controller manager: API objects are stored and served, but no pod ever runs.
// scripts/build-k8s.sh provides the binaries; see docs/kubernetes.md.
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChildResult, runChild } from "../child.ts";
import { kubeTool } from "./kube-tools.ts";

export * from "./kube-tools.ts";

export interface KubeOptions {
  /** How long to wait for etcd and then kube-apiserver's /readyz (ms). */
  timeoutMs?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface Kube {
  /** https://127.0.0.1:<port> */
  server: string;
  /** Bearer token of `s5-admin`, in group system:masters (from the static token file). */
  token: string;
  /** A kubeconfig file: this server, the CA below, the admin token; namespace `default`. */
  kubeconfig: string;
  /** kube-apiserver's self-signed serving certificate and its CA (`<certDir>/apiserver.crt`). */
  caFile: string;
  /** kube-apiserver's --cert-dir. */
  certDir: string;
  /** The temporary directory holding everything (logs: etcd.log, kube-apiserver.log). */
  dir: string;
  /** http://127.0.0.1:<port> of etcd. */
  etcdUrl: string;
  /** PEM public key that verifies service account tokens (--service-account-key-file). */
  serviceAccountPublicKey: string;
  /** A minimal environment for clients (kubectl, helm): PATH, a private HOME, KUBECONFIG. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Runs kubectl against this cluster (`--kubeconfig` is added). */
  kubectl(
    args: readonly string[],
    options?: { input?: string | Buffer; env?: Record<string, string> },
  ): Promise<ChildResult>;
  /** One HTTPS request to the API as the admin (JSON in, parsed JSON or text out). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /**
   * Starts kube-controller-manager with only its garbage collector, so that ownerReferences
   * cascade (deleting an owner deletes what it owns). Start it after creating CRDs: it discovers
   * resource types at start-up, and a type created later only at its next resync (~30 s).
   */
  startGarbageCollector(): void;
  /** Stops kube-apiserver and etcd (their process groups) and removes the temporary directory. */
  stop(): Promise<void>;
}

interface Server {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<void>;
  watchdog: ChildProcess;
}

// Everything still running, for the exit hook.
const running = new Set<{ servers: Server[]; dir: string }>();
let hooked = false;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function exitHook(): void {
  for (const cluster of running) {
    for (const server of cluster.servers) {
      killGroup(server.child.pid, "SIGKILL");
      killGroup(server.watchdog.pid, "SIGKILL");
    }
    rmSync(cluster.dir, { recursive: true, force: true });
  }
}

/** Free loopback ports, all held open at once so that they differ. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("no port");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

// The watchdog's script: $1 is this process, $2 the server (and its group), $3 the temp dir.
// Once this process is gone it kills the server's group and removes the directory; when the
// server exits on its own it just ends (stop() or the failed start-up cleans up).
const watchdogScript = `
while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
kill -0 "$1" 2>/dev/null && exit 0
kill -KILL -"$2" 2>/dev/null
sleep 1
rm -rf "$3"
`;

/**
 * Starts `bin` in its own process group with output going to `<dir>/<name>.log`, plus a watchdog
 * that cleans up once this process is gone: a test worker killed with SIGKILL runs no exit hook,
 * and a stray etcd or kube-apiserver would outlive it.
 */
function startServer(dir: string, name: string, bin: string, args: string[]): Server {
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, "a");
  // A minimal environment: nothing like ETCD_* or HTTPS_PROXY from the developer's shell.
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir };
  const child = spawn(bin, args, { detached: true, stdio: ["ignore", fd, fd], env });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${bin}`);
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  const watchdog = spawn(
    "/bin/sh",
    ["-c", watchdogScript, "s5-kube-watchdog", String(process.pid), String(child.pid), dir],
    { detached: true, stdio: "ignore" },
  );
  watchdog.unref();
  return { name, child, log, exited, watchdog };
}

async function stopServer(server: Server): Promise<void> {
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    killGroup(child.pid, "SIGTERM");
    const timer = setTimeout(() => killGroup(child.pid, "SIGKILL"), 10_000);
    await server.exited;
    clearTimeout(timer);
  }
  killGroup(server.watchdog.pid, "SIGKILL");
}

function failure(what: string, servers: Server[]): Error {
  const logs = servers
    .map((server) => `--- ${server.name} log, last lines:\n${tail(server.log)}`)
    .join("\n");
  return new Error(`${what}\n${logs}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns true; fails early when a server has exited. */
async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  servers: Server[],
  deadline: number,
): Promise<void> {
  for (;;) {
    for (const server of servers) {
      const { exitCode, signalCode } = server.child;
      if (exitCode !== null || signalCode !== null) {
        throw failure(`${server.name} exited (${exitCode ?? signalCode}) before ${what}`, servers);
      }
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw failure(`timed out waiting for ${what}`, servers);
    await sleep(250);
  }
}

function httpsJson(
  url: URL,
  options: { ca?: string; token: string; method: string; body?: unknown },
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      url,
      {
        method: options.method,
        ca: options.ca,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: "application/json",
          ...(payload === undefined ? {} : { "content-type": "application/json" }),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // /readyz answers plain text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout: ${options.method} ${url}`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * Starts etcd and kube-apiserver on free loopback ports and resolves once /readyz says ok.
 * Throws when a binary is missing (see describeKube) or a server does not come up (with the
 * tail of its log).
 */
export async function startKube(options: KubeOptions = {}): Promise<Kube> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[k8s] ${line}\n`));
  const etcdBin = kubeTool("etcd");
  const apiserverBin = kubeTool("kube-apiserver");
  const kubectlBin = kubeTool("kubectl");
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 90_000);

  const dir = mkdtempSync(join(tmpdir(), "s5-kube-"));
  const certDir = join(dir, "certs");
  const home = join(dir, "home");
  mkdirSync(certDir);
  mkdirSync(home);
  const servers: Server[] = [];
  const cluster = { servers, dir };
  running.add(cluster);
  if (!hooked) {
    process.on("exit", exitHook);
    hooked = true;
  }
  const stop = async () => {
    for (const server of [...servers].reverse()) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
    running.delete(cluster);
  };

  try {
    const [clientPort, peerPort, securePort] = await freePorts(3);
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    servers.push(
      startServer(dir, "etcd", etcdBin, [
        "--name=s5",
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=s5=${peerUrl}`,
        "--initial-cluster-state=new",
        "--logger=zap",
        "--log-outputs=stderr",
      ]),
    );
    await waitFor(
      "etcd /health",
      async () => {
        const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(5_000) });
        return res.ok && ((await res.json()) as { health?: string }).health === "true";
      },
      servers,
      deadline,
    );
    log(`etcd ready at ${etcdUrl} after ${Date.now() - started} ms`);

    // Service account tokens are signed with this key; the public half verifies them.
    const { publicKey, privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    const saPub = join(dir, "sa.pub");
    const saKey = join(dir, "sa.key");
    writeFileSync(saPub, publicKey);
    writeFileSync(saKey, privateKey, { mode: 0o600 });
    // Static token file: token,user,uid,"groups". system:masters bypasses RBAC.
    const token = randomBytes(24).toString("hex");
    const tokenFile = join(dir, "tokens.csv");
    writeFileSync(tokenFile, `${token},s5-admin,s5-admin,"system:masters"\n`, { mode: 0o600 });

    const server = `https://127.0.0.1:${securePort}`;
    servers.push(
      startServer(dir, "kube-apiserver", apiserverBin, [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${certDir}`,
        `--secure-port=${securePort}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        "--service-account-issuer=https://kubernetes.default.svc",
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        `--token-auth-file=${tokenFile}`,
        "--authorization-mode=RBAC",
        "--service-cluster-ip-range=10.0.0.0/24",
        // The default reconciler would publish 127.0.0.1 as the `kubernetes` Service's endpoint,
        // which validation rejects (loopback), logging an error every 10 s. Nothing here needs it.
        "--endpoint-reconciler-type=none",
      ]),
    );
    // kube-apiserver writes its self-signed certificate, then its CA, into apiserver.crt.
    const caFile = join(certDir, "apiserver.crt");
    const readyz = new URL("/readyz", server);
    await waitFor(
      "kube-apiserver /readyz",
      async () => {
        if (!existsSync(caFile)) return false;
        const res = await httpsJson(readyz, {
          ca: readFileSync(caFile, "utf8"),
          token,
          method: "GET",
        });
        return res.status === 200 && res.body === "ok";
      },
      servers,
      deadline,
    );
    log(`kube-apiserver ready at ${server} after ${Date.now() - started} ms`);
    const ca = readFileSync(caFile, "utf8");

    // JSON is YAML: client-go (kubectl, helm) reads this as a kubeconfig.
    const kubeconfig = join(dir, "kubeconfig");
    const config = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "s5", cluster: { server, "certificate-authority": caFile } }],
      users: [{ name: "s5-admin", user: { token } }],
      contexts: [
        { name: "s5", context: { cluster: "s5", user: "s5-admin", namespace: "default" } },
      ],
      "current-context": "s5",
    };
    writeFileSync(kubeconfig, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });

    // Only the garbage collector: no pod runs here, so the other controllers have nothing to
    // do. No serving port (--secure-port=0), no election (one instance per cluster). Stopped
    // first by stop() (servers are stopped in reverse).
    const startGarbageCollector = () => {
      if (servers.some((s) => s.name === "kube-controller-manager")) return;
      servers.push(
        startServer(dir, "kube-controller-manager", kubeTool("kube-controller-manager"), [
          `--kubeconfig=${kubeconfig}`,
          "--controllers=garbagecollector",
          "--leader-elect=false",
          "--secure-port=0",
        ]),
      );
    };

    const env = (extra: Record<string, string> = {}) => ({
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      // kubectl and helm cache discovery under HOME: a private one per cluster.
      HOME: home,
      KUBECONFIG: kubeconfig,
      NO_PROXY: "127.0.0.1,localhost",
      ...extra,
    });
    return {
      server,
      token,
      kubeconfig,
      caFile,
      certDir,
      dir,
      etcdUrl,
      serviceAccountPublicKey: publicKey,
      env,
      kubectl: (args, opts = {}) =>
        runChild(kubectlBin, ["--kubeconfig", kubeconfig, ...args], {
          env: env(opts.env),
          cwd: dir,
          ...(opts.input === undefined ? {} : { input: opts.input }),
        }),
      api: (method, path, body) => httpsJson(new URL(path, server), { ca, token, method, body }),
      startGarbageCollector,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A token for Vault's Kubernetes auth to review other tokens with: the ServiceAccount
 * `kube-system/vault-reviewer`, bound to `system:auth-delegator`, valid for an hour.
 */
export async function createTokenReviewer(
  kubectl: (...args: string[]) => Promise<string>,
): Promise<string> {
  await kubectl("create", "serviceaccount", "vault-reviewer", "-n", "kube-system");
  await kubectl(
    "create",
    "clusterrolebinding",
    "vault-reviewer",
    "--clusterrole=system:auth-delegator",
    "--serviceaccount=kube-system:vault-reviewer",
  );
  const token = await kubectl(
    "create",
    "token",
    "vault-reviewer",
    "-n",
    "kube-system",
    "--duration=1h",
  );
  return token.trim();
}
