import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import s5 from "@s5/unplugin/rspack";

const here = dirname(fileURLToPath(import.meta.url));
const client = process.env.S5_APP_CLIENT === "1";

export default {
  mode: "production",
  target: client ? "web" : "node",
  entry: "./src/main.js",
  output: { path: resolve(here, "dist"), filename: "main.cjs" },
  devtool: "source-map",
  plugins: [s5()],
};
