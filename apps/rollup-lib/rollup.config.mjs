import json from "@rollup/plugin-json";
import s5 from "@s5/unplugin/rollup";

export default {
  input: "src/index.js",
  output: { file: "dist/index.mjs", format: "es", sourcemap: true },
  // S5_APP_CLIENT=1 builds it as a browser library, where tokens are refused.
  plugins: [s5({ client: process.env.S5_APP_CLIENT === "1" }), json()],
};
