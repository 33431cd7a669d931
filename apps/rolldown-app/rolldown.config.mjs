import s5 from "@s5/unplugin/rolldown";
import { defineConfig } from "rolldown";

export default defineConfig({
  input: "src/main.ts",
  // S5_APP_CLIENT=1 builds for the browser, where tokens are refused.
  platform: process.env.S5_APP_CLIENT === "1" ? "browser" : "node",
  moduleTypes: { ".txt": "text" },
  output: { file: "dist/main.mjs", format: "esm", sourcemap: true },
  plugins: [s5()],
});
