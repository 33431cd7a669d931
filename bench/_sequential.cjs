"use strict";
// The Go tool's way, as a whole process: one sequential decrypt request per token (keep-alive, the
// leanest HTTP client Node has, no batching), then the file with the values in place. Used as the
// baseline of bench/vault-peers.mjs.
//   VAULT_ADDR=… VAULT_TOKEN=… node bench/_sequential.cjs KEY FILE
// This script is also the 1-token row's floor, so it is as lean as a Node client gets: CommonJS,
// like s5's bin (an ES module as the main script starts Node's ES module loader, ~5 ms here), and
// built-ins through process.getBuiltinModule.
const { readFileSync } = process.getBuiltinModule("node:fs");
const http = process.getBuiltinModule("node:http");

const [key, file] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = new URL(`/v1/transit/decrypt/${key}`, process.env.VAULT_ADDR);

function decrypt(ciphertext) {
  const body = JSON.stringify({ ciphertext });
  return new Promise((resolve, reject) => {
    const request = http.request(
      base,
      {
        method: "POST",
        agent,
        headers: {
          "X-Vault-Token": process.env.VAULT_TOKEN,
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => {
          if (response.statusCode !== 200) return reject(new Error(`HTTP ${response.statusCode}`));
          const { data } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          resolve(Buffer.from(data.plaintext, "base64").toString("utf8"));
        });
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

async function main() {
  const text = readFileSync(file, "utf8");
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/\{\{ s5:(vault:v\d+:[A-Za-z0-9+/=]+) \}\}/g)) {
    parts.push(text.slice(last, match.index), await decrypt(match[1]));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  agent.destroy();
  process.stdout.write(parts.join(""));
}

main();
