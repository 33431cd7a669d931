// The esbuild CLI cannot load plugins, so the build is a script (esbuild's documented way).
import s5 from "@s5/unplugin/esbuild";
import { build } from "esbuild";

const client = process.env.S5_APP_CLIENT === "1";

try {
  await build({
    entryPoints: ["src/script.ts"],
    bundle: true,
    platform: client ? "browser" : "node",
    format: "esm",
    outfile: "dist/script.mjs",
    sourcemap: true,
    loader: { ".txt": "text" },
    logLevel: "error",
    plugins: [s5()],
  });
} catch {
  process.exit(1);
}
