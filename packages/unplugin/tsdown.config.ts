import { packageBuild } from "../../tsdown.base.ts";

export default packageBuild([
  "src/index.ts",
  "src/vite.ts",
  "src/rollup.ts",
  "src/rolldown.ts",
  "src/webpack.ts",
  "src/rspack.ts",
  "src/esbuild.ts",
]);
