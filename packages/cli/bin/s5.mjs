#!/usr/bin/env node
// Kept tiny so `s5 --version` costs no more than starting Node; everything else loads on demand.
import { readFileSync } from "node:fs";
import module from "node:module";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);

// DEBUG makes the Vault transport print request headers (the token); NODE_DEBUG makes Node print
// sockets, HTTP headers and child processes' environments (decrypted values). Node reads
// NODE_DEBUG once at start-up, so s5 starts itself again without them (execve: the same process,
// nothing printed on the way). `s5 run` hands them back to the command it runs.
const DEBUG_VARIABLES = ["DEBUG", "NODE_DEBUG", "NODE_DEBUG_NATIVE"];
const debugSet = DEBUG_VARIABLES.filter((name) => process.env[name]);
if (debugSet.length > 0) {
  const env = { ...process.env };
  const saved = {};
  for (const name of DEBUG_VARIABLES) {
    if (env[name] !== undefined) saved[name] = env[name];
    delete env[name];
  }
  env.S5_SAVED_DEBUG = JSON.stringify(saved);
  if (typeof process.execve !== "function") {
    process.stderr.write(
      `s5: error: ${debugSet.join(" and ")} would make Node print credentials and values, and this Node (${process.version}) cannot drop ${debugSet.length > 1 ? "them" : "it"} (S5_DEBUG_SWITCH)\n  hint: unset ${debugSet.join(" ")} for s5, or use Node >= 22.15\n`,
    );
    process.exit(2);
  }
  const script = fileURLToPath(import.meta.url);
  process.execve(process.execPath, [process.execPath, ...process.execArgv, script, ...args], env);
}

if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${version}\n`);
} else {
  module.enableCompileCache?.();
  const { main } = await import("../dist/cli.mjs");
  process.exitCode = await main(args);
}
