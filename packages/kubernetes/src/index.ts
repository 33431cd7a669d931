/**
 * `@s5/kubernetes`: s5 for GitOps. The `S5Secret` resource (a Secret whose values are s5 tokens),
 * the controller that decrypts it into a Secret in the cluster, and the manifest conversions
 * behind `s5 k8s wrap` / `unwrap`. The controller runs as `s5-controller` (see the Helm chart in
 * this package's `chart/`).
 *
 * @example
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { startController } from "@s5/kubernetes";
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const controller = startController({ kubeConfig, leaderElection: { namespace: "s5-system" } });
 */
export {
  type Controller,
  type ControllerOptions,
  type LeaderElectionOptions,
  startController,
} from "./controller.ts";
export { KubernetesError } from "./errors.ts";
export type { Level, Logger } from "./log.ts";
export { unwrapManifest, wrapManifest } from "./manifest.ts";
export { Metrics } from "./metrics.ts";
export type { BackoffOptions } from "./queue.ts";
export { type Rendered, renderSecret } from "./render.ts";
export {
  API_VERSION,
  type Condition,
  GROUP,
  KIND,
  MANAGED_LABEL,
  type ObjectMeta,
  type OwnerReference,
  PLURAL,
  type S5Secret,
  type S5SecretSpec,
  type S5SecretStatus,
  VERSION,
} from "./resource.ts";
