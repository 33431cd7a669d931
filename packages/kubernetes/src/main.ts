/**
 * `s5-controller`: the controller as a process. In a pod it uses its ServiceAccount
 * (in-cluster config); anywhere else `--kubeconfig FILE`. s5's own settings (Vault address and
 * auth, local keys) come from the environment, as for the CLI: `VAULT_ADDR`,
 * `S5_VAULT_AUTH_METHOD=kubernetes`, `S5_VAULT_ROLE`, `S5_PRIVATE_KEY_FILE`…
 */
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { S5Error, toS5Error } from "@s5/core";
import { type Controller, startController } from "./controller.ts";
import { parseDuration } from "./duration.ts";
import { KubernetesError } from "./errors.ts";
import { createLogger, type Level } from "./log.ts";
import { parseNamespaceKey } from "./namespace-key.ts";
import { checkNamespaceKeyDir } from "./namespace-private-keys.ts";
import { startHealthServer } from "./server.ts";

const USAGE = `Usage: s5-controller [options]

Turns S5Secrets into Secrets: decrypts their s5 tokens in the cluster.

Options:
  --kubeconfig FILE        kubeconfig to use (default: in-cluster, else $KUBECONFIG)
  --namespace NS           watch only this namespace (default: all)
  --namespace-key TEMPLATE open each namespace's tokens only with its own Vault transit key,
                           {namespace} replaced (e.g. s5-{namespace}); other backends refused
                           (local keys follow --namespace-private-keys if given)
  --namespace-private-keys DIR
                           open each namespace's local-key tokens only with its own key file,
                           DIR/NAMESPACE (and project config DIR/NAMESPACE.json, if there);
                           other backends refused (Vault's follow --namespace-key if given)
  --listen ADDRESS         /healthz, /readyz, /metrics: HOST:PORT, :PORT (every address) or
                           PORT (default: :8080 in a pod, 127.0.0.1:8080 elsewhere; port 0: any)
  --no-leader-elect        run without a Lease (only ever one process)
  --lease-namespace NS     namespace of the Lease (default: $POD_NAMESPACE, else the context's)
  --lease-name NAME        name of the Lease (default: s5-controller)
  --lease-duration D       how long a Lease holds without renewal (default: 15s)
  --renew-deadline D       how long a leader tries to renew before it stops (default: 10s)
  --retry-period D         time between two Lease attempts (default: 2s)
  --resync D               render every S5Secret again this often (default: 5m)
  --backoff-base D         first retry delay of a failing S5Secret (default: 1s)
  --backoff-max D          longest retry delay (default: 5m)
  --workers N              S5Secrets reconciled at once (default: 2)
  --request-timeout D      deadline of each API request; a watch silent this long reconnects
                           (default: 30s)
  --log-level LEVEL        debug, info, warn, error (default: info)
  -h, --help               this help

s5 settings come from the environment: VAULT_ADDR, S5_VAULT_AUTH_METHOD=kubernetes,
S5_VAULT_ROLE, S5_VAULT_TRANSIT_MOUNT, S5_PRIVATE_KEY_FILE, …
`;

function flags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      kubeconfig: { type: "string" },
      namespace: { type: "string" },
      "namespace-key": { type: "string" },
      "namespace-private-keys": { type: "string" },
      listen: { type: "string" },
      "leader-elect": { type: "boolean", default: true },
      "no-leader-elect": { type: "boolean" },
      "lease-namespace": { type: "string" },
      "lease-name": { type: "string", default: "s5-controller" },
      "lease-duration": { type: "string", default: "15s" },
      "renew-deadline": { type: "string", default: "10s" },
      "retry-period": { type: "string", default: "2s" },
      resync: { type: "string", default: "5m" },
      "backoff-base": { type: "string", default: "1s" },
      "backoff-max": { type: "string", default: "5m" },
      workers: { type: "string", default: "2" },
      "request-timeout": { type: "string", default: "30s" },
      "log-level": { type: "string", default: "info" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

function loadKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else if (process.env.KUBERNETES_SERVICE_HOST && !process.env.KUBECONFIG) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

const DEFAULT_PORT = 8080;

/**
 * Where /healthz, /readyz and /metrics listen. In a pod (the kubelet sets
 * KUBERNETES_SERVICE_HOST in every container) the kubelet's probes and Prometheus come to the
 * pod's IP, so every address (`::`, which also takes IPv4, or `0.0.0.0` where there is no IPv6:
 * an IPv6-only cluster works too). Anywhere else (a laptop, CI) loopback only: the endpoints
 * hold no values, but a controller run by hand has no business on the office network.
 * `host: undefined` is Node's "every address".
 */
function listenAddress(
  text: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { host: string | undefined; port: number } {
  const fallbackHost = env.KUBERNETES_SERVICE_HOST ? undefined : "127.0.0.1";
  if (text === undefined) return { host: fallbackHost, port: DEFAULT_PORT };
  const at = text.lastIndexOf(":");
  const portText = text.slice(at + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new KubernetesError(
      "S5_K8S_FLAG",
      `--listen must be HOST:PORT, :PORT or PORT, not \`${text}\``,
    );
  }
  if (at < 0) return { host: fallbackHost, port };
  return { host: text.slice(0, at).replace(/^\[|\]$/g, "") || undefined, port };
}

/** Runs the controller until SIGTERM or SIGINT; resolves with the exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  let values: ReturnType<typeof flags>;
  try {
    values = flags(argv);
  } catch (error) {
    process.stderr.write(`s5-controller: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const level = values["log-level"] as Level;
  if (!["debug", "info", "warn", "error"].includes(level)) {
    process.stderr.write(`s5-controller: --log-level must be debug, info, warn or error\n`);
    return 2;
  }
  const log = createLogger(level);
  let controller: Controller | undefined;
  try {
    const template = values["namespace-key"];
    const namespaceKey = template === undefined ? undefined : parseNamespaceKey(template);
    const keyDir = values["namespace-private-keys"];
    const namespacePrivateKeys = keyDir === undefined ? undefined : checkNamespaceKeyDir(keyDir);
    const kc = loadKubeConfig(values.kubeconfig);
    const elect = values["leader-elect"] && !values["no-leader-elect"];
    const leaseNamespace =
      values["lease-namespace"] ||
      process.env.POD_NAMESPACE ||
      kc.getContextObject(kc.getCurrentContext())?.namespace ||
      "default";
    const workers = Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1) {
      throw new KubernetesError("S5_K8S_FLAG", "--workers must be a whole number above 0");
    }
    const listen = listenAddress(values.listen);
    const requestTimeoutMs = parseDuration(values["request-timeout"], "--request-timeout");
    if (requestTimeoutMs <= 0) {
      throw new KubernetesError("S5_K8S_FLAG", "--request-timeout must be above 0");
    }
    controller = startController({
      kubeConfig: kc,
      namespace: values.namespace,
      namespaceKey,
      namespacePrivateKeys,
      resyncMs: parseDuration(values.resync, "--resync"),
      backoff: {
        baseMs: parseDuration(values["backoff-base"], "--backoff-base"),
        maxMs: parseDuration(values["backoff-max"], "--backoff-max"),
      },
      workers,
      requestTimeoutMs,
      leaderElection: elect
        ? {
            namespace: leaseNamespace,
            name: values["lease-name"],
            leaseDurationSeconds:
              parseDuration(values["lease-duration"], "--lease-duration") / 1000,
            renewDeadlineMs: parseDuration(values["renew-deadline"], "--renew-deadline"),
            retryPeriodMs: parseDuration(values["retry-period"], "--retry-period"),
          }
        : false,
      log,
    });
    const server = await startHealthServer(controller, listen.host, listen.port);
    log("info", "listening", { address: server.address });
    const running = controller;
    return await new Promise<number>((resolve) => {
      const shutdown = (signal: string) => {
        log("info", "shutting down", { signal });
        Promise.all([running.stop(), server.close()]).then(
          () => resolve(0),
          () => resolve(1),
        );
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    });
  } catch (error) {
    await controller?.stop().catch(() => {});
    const s5 = error instanceof S5Error ? error : toS5Error(error);
    log("error", "cannot start", { code: s5.code, error: s5.describe() });
    return s5.exitCode;
  }
}
