import { packageBuild } from "../../tsdown.base.ts";

// `manifest` is its own entry: `s5 k8s wrap` loads it without the Kubernetes client.
export default packageBuild(["src/index.ts", "src/manifest.ts", "src/main.ts"]);
