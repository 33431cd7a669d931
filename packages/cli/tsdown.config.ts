import { packageBuild } from "../../tsdown.base.ts";

// cli.ts is the command's own entry, not a public export.
export default packageBuild(["src/index.ts", "src/cli.ts", "src/config.ts", "src/preload.ts"], {
  exports: { exclude: ["cli"] },
});
