#!/usr/bin/env node
// Kept tiny so `s5 --version` costs no more than starting Node; everything else loads on demand.
import { readFileSync } from "node:fs";
import module from "node:module";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${version}\n`);
} else {
  module.enableCompileCache?.();
  const { main } = await import("../dist/cli.mjs");
  process.exitCode = await main(args);
}
