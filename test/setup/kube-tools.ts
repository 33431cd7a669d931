// Where the Kubernetes tools of test/setup/kube.ts are, and what a test file does without them:
// skip loudly, or fail with S5_REQUIRE_K8S_TOOLS=1 (set by .ci/run once scripts/build-k8s.sh worked).
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, it } from "vitest";

/** The same rule as scripts/_go-tools-env.sh: `$S5_TOOLS_CACHE` or `~/.cache/s5-tools`. */
const toolsDir =
  process.env.S5_TOOLS_CACHE ||
  join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "s5-tools");

/** Set by .ci/run after scripts/build-k8s.sh succeeded: a missing tool then fails the tests. */
export const kubeToolsRequired = process.env.S5_REQUIRE_K8S_TOOLS === "1";

export type KubeTool =
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kubectl"
  | "helm"
  | "helm4";

function executable(file: string): string | undefined {
  try {
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const file = executable(join(dir || ".", name));
    if (file) return file;
  }
  return undefined;
}

/**
 * Where a tool is, or undefined. kube-apiserver and helm (3, and 4 as `helm4`) only from the tools
 * cache: the versions scripts/build-k8s.sh built, not whatever else is on PATH.
 */
export function findKubeTool(tool: KubeTool): string | undefined {
  switch (tool) {
    case "etcd":
      return onPath("etcd") ?? executable("/usr/bin/etcd");
    case "kubectl":
      return onPath("kubectl") ?? executable("/usr/bin/kubectl");
    case "kube-apiserver":
    case "kube-controller-manager":
    case "helm":
    case "helm4":
      return executable(join(toolsDir, "bin", tool));
  }
}

/** Why these tools cannot be used (a message naming scripts/build-k8s.sh), or undefined. */
export function missingKubeTools(
  tools: readonly KubeTool[] = ["etcd", "kube-apiserver", "kubectl"],
): string | undefined {
  const missing = tools.filter((tool) => !findKubeTool(tool));
  if (missing.length === 0) return undefined;
  return (
    `missing ${missing.join(", ")} (looked on PATH, /usr/bin and ${join(toolsDir, "bin")}): ` +
    "run scripts/build-k8s.sh to install etcd and build kube-apiserver, kube-controller-manager, helm and helm4"
  );
}

/** Path of a tool; throws (naming scripts/build-k8s.sh) when it is missing. */
export function kubeTool(tool: KubeTool): string {
  const file = findKubeTool(tool);
  if (!file) throw new Error(missingKubeTools([tool]));
  return file;
}

/**
 * `describe` when the tools are there. Otherwise a loud skip, or with S5_REQUIRE_K8S_TOOLS=1 one
 * failing test in place of the body.
 */
export function describeKube(
  name: string,
  body: () => void,
  tools: readonly KubeTool[] = ["etcd", "kube-apiserver", "kubectl"],
): void {
  const reason = missingKubeTools(tools);
  if (!reason) {
    describe(name, body);
  } else if (kubeToolsRequired) {
    describe(name, () => {
      it("has the Kubernetes tools (S5_REQUIRE_K8S_TOOLS=1)", () => {
        throw new Error(reason);
      });
    });
  } else {
    process.stderr.write(`[k8s] SKIPPED ${name}: ${reason}\n`);
    describe.skip(name, body);
  }
}
