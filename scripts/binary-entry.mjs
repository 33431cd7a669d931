// The entry of the single-file `s5` (scripts/build-binary.mjs bundles it with the CLI): what
// packages/cli/bin/s5.cjs does, for an executable that is its own Node.
import { main } from "../packages/cli/src/cli.ts";

const args = process.argv.slice(2);

// As in bin/s5.cjs: DEBUG and NODE_DEBUG would make Node print credentials and values, and Node
// reads NODE_DEBUG once at start-up, so s5 starts itself again without them (execve).
const DEBUG_VARIABLES = ["DEBUG", "NODE_DEBUG", "NODE_DEBUG_NATIVE"];
if (DEBUG_VARIABLES.some((name) => process.env[name])) {
  const env = { ...process.env };
  const saved = {};
  for (const name of DEBUG_VARIABLES) {
    if (env[name] !== undefined) saved[name] = env[name];
    delete env[name];
  }
  env.S5_SAVED_DEBUG = JSON.stringify(saved);
  process.execve(process.execPath, [process.execPath, ...args], env);
}

if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${S5_VERSION}\n`);
} else {
  main(args).then((code) => {
    process.exitCode = code;
  });
}
