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

// As in bin/s5.cjs: SIGUSR1 would open Node's inspector on 127.0.0.1:9229, where any local user
// may connect; a listener of s5's own keeps it closed (`s5 run` passes the signal on).
process.on("SIGUSR1", () => {});

// As in bin/s5.cjs: a diagnostic report would record the credentials of the environment (a file
// created 0644), and an inspector that NODE_OPTIONS opens here would let whoever reaches its port
// read them and the decrypted values. The build tells Node to ignore NODE_OPTIONS
// (`execArgvExtension`); a Node too old to know the setting reads it, and these still apply.
// NODE_OPTIONS as Node reads it, near enough for a test: quotes and escapes dropped
// (`"--insp\ect"` is --inspect to Node).
const nodeOptions = (process.env.NODE_OPTIONS ?? "").replace(/["\\]/g, "");
if (/--report[-_]/.test(`${nodeOptions} ${process.execArgv.join(" ")}`)) {
  try {
    process.report.excludeEnv = true;
  } catch {
    // a Node without the setting
  }
}
if (/--inspect/.test(nodeOptions)) {
  const inspector = process.getBuiltinModule("node:inspector");
  if (inspector.url()) {
    inspector.close();
    process.stderr.write(
      "s5: warning: closed the inspector that NODE_OPTIONS opened in s5's own process (whoever reached it could read credentials and decrypted values)\n",
    );
  }
}

if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${S5_VERSION}\n`);
} else {
  main(args).then((code) => {
    process.exitCode = code;
  });
}
