// `npm run demo`: the main job on the embedded default (local keys), in a temporary place.
// 1. `s5 init` makes a throw-away identity and project key; 2. `s5 cipher` encrypts the sensitive
// values of a Kubernetes Secret; 3. `s5 render` turns the committed template back into the Secret.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "packages/cli/bin/s5.cjs");
const place = mkdtempSync(join(tmpdir(), "s5-demo-"));
const project = join(place, "project");
mkdirSync(project);
const env = { ...process.env, XDG_CONFIG_HOME: join(place, "config"), S5_BACKEND: "" };
for (const name of Object.keys(env)) if (/^(S5_|VAULT_|BAO_)/.test(name)) delete env[name];

const bold = (text) =>
  process.stdout.isTTY && !process.env.NO_COLOR ? `\u001b[1m${text}\u001b[22m` : text;
function s5(args, input) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: project,
    env,
    input,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    throw new Error(`s5 ${args[0]} failed with exit code ${result.status}`);
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

try {
  console.log(bold(`$ s5 init          # in ${project}`));
  process.stdout.write(s5(["init", "--name", "demo"]).stderr);

  const plain = readFileSync(join(root, "apps/k8s-secret/secret.plain.yml"), "utf8");
  const password = Buffer.from(/password: (\S+)/.exec(plain)[1], "base64").toString();
  const quoted = /url: (".*"|'.*')/.exec(plain)[1];
  const url = quoted.startsWith('"')
    ? JSON.parse(quoted)
    : quoted.slice(1, -1).replaceAll("''", "'");
  const tlsKey = /tls\.key: \|\n((?: {4}.*\n)+)/.exec(plain)[1].replace(/^ {4}/gm, "");

  console.log(
    bold("\n$ s5 cipher -f FILTER < value   # the public key is enough; values go through stdin"),
  );
  const token = (value, filter) => s5(["cipher", "--no-trim", "-f", filter], value).stdout;
  const template = plain
    .replace(
      /^# What the cluster.*\n(?:#.*\n)*/,
      "# Committed to git: only the values are encrypted.\n",
    )
    .replace(/password: \S+/, `password: ${token(password, "base64")}`)
    .replace(/url: (".*"|'.*')/, `url: ${token(url, "yaml")}`)
    .replace(/tls\.key: \|\n(?: {4}.*\n)+/, `tls.key: ${token(tlsKey, "yaml")}\n`);
  writeFileSync(join(project, "secret.yml"), template);
  console.log(bold("\n--- secret.yml (safe to commit, review in diffs) ---"));
  process.stdout.write(template);

  console.log(bold("\n$ s5 render secret.yml    # | kubectl apply -f -"));
  const rendered = s5(["render", "secret.yml"]).stdout;
  process.stdout.write(rendered);

  const checks = [
    [
      "data.password is base64 of the password",
      rendered.includes(`password: ${Buffer.from(password).toString("base64")}`),
    ],
    ["stringData.url kept its quotes and $", rendered.includes(`url: ${JSON.stringify(url)}`)],
    ["tls.key kept its newlines", rendered.includes(`tls.key: ${JSON.stringify(tlsKey)}`)],
    ["nothing else changed", rendered.split("\n").length === template.split("\n").length],
  ];
  console.log(bold("\nchecks:"));
  for (const [name, ok] of checks) console.log(`  ${ok ? "ok  " : "FAIL"} ${name}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
  else
    console.log(
      bold("\nDemo complete: encrypted with the public key, rendered with the private key."),
    );
} finally {
  if (process.argv.includes("--keep")) console.log(`kept ${place}`);
  else rmSync(place, { recursive: true, force: true });
}
