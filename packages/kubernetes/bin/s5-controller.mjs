#!/usr/bin/env node
import { main } from "../dist/main.mjs";

// SIGUSR1 would open Node's inspector on 127.0.0.1:9229, with no password, in the process that
// holds the controller's Vault login and keys: a listener of its own keeps it closed (as the s5
// CLI's). To debug the controller, put --inspect on node's command line.
process.on("SIGUSR1", () => {});

process.exit(await main());
