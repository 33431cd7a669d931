#!/usr/bin/env node
// The Kubernetes client's HTTP library (undici 8, under @kubernetes/client-node 2) needs Node
// 22.19: on an older Node it failed at import with a TypeError (zlib's zstd, 22.15+). Refused
// first, with the version to use; main.mjs is imported only then.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `s5-controller: error: the controller needs Node >= 22.19 (its Kubernetes client does), and this is Node ${process.versions.node} (S5_CONFIG_NODE_VERSION)\n  hint: run it on Node 22.19 or newer (the image of packages/kubernetes/Dockerfile: node:22-slim)\n`,
  );
  process.exit(12);
}
const { main } = await import("../dist/main.mjs");

// SIGUSR1 would open Node's inspector on 127.0.0.1:9229, with no password, in the process that
// holds the controller's Vault login and keys: a listener of its own keeps it closed (as the s5
// CLI's). To debug the controller, put --inspect on node's command line.
process.on("SIGUSR1", () => {});

process.exit(await main());
