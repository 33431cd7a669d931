// A CommonJS config on purpose: `require()` of the plugin entry must work.
const path = require("node:path");
const s5 = require("@s5/unplugin/webpack");

const client = process.env.S5_APP_CLIENT === "1";

module.exports = {
  mode: "production",
  target: client ? "web" : "node",
  entry: "./src/server.js",
  output: { path: path.resolve(__dirname, "dist"), filename: "server.cjs" },
  devtool: "source-map",
  cache: { type: "filesystem", cacheDirectory: path.resolve(__dirname, ".cache/webpack") },
  plugins: [s5()],
};
