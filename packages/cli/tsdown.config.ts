import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts", "src/cli.ts", "src/config.ts"],
  format: "esm",
  platform: "node",
  target: "node22",
  dts: true,
  exports: { exclude: ["cli"] },
  sourcemap: true,
});
