// One esbuild build with the s5 plugin, in a process of its own (bench/long-lines.mjs, row L6):
// the plugin's leak guard keeps every value it decrypted for the rest of its process, and the
// 100k values of this row would slow every later build of the bench's own process. Prints the
// build's milliseconds. Arguments: the working directory, the entry, the plugin's env as JSON.
import s5esbuild from "@s5/unplugin/esbuild";
import { build } from "esbuild";

const [dir, entry, envJson] = process.argv.slice(2);
const start = performance.now();
await build({
  absWorkingDir: dir,
  entryPoints: [entry],
  bundle: true,
  platform: "node",
  write: false,
  logLevel: "silent",
  plugins: [s5esbuild({ env: JSON.parse(envJson) })],
});
process.stdout.write(String(performance.now() - start));
