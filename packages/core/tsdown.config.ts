import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts", "src/internal.ts"],
  format: "esm",
  platform: "node",
  target: "node22",
  dts: true,
  // The JSON Schema of .s5.json, for editors and `$schema` (s5 checks against it too).
  exports: { customExports: { "./schema.json": "./s5.schema.json" } },
  sourcemap: true,
});
