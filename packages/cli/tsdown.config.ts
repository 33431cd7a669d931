import { fileURLToPath } from "node:url";
import { packageBuild } from "../../tsdown.base.ts";
import { buildEngine } from "./build/engine.ts";

// cli.ts is the command's own entry, not a public export; bin/engine.cjs runs its bundle.
export default packageBuild(["src/index.ts", "src/cli.ts", "src/config.ts", "src/preload.ts"], {
  exports: { exclude: ["cli"] },
  onSuccess: () => buildEngine(fileURLToPath(new URL(".", import.meta.url))),
});
