// What a user gets from `npm install s5`: the published packages packed from a checkout (default:
// this one) and installed from the tarballs into a fresh project, as a new user would. Prints the
// number of packages and their size on disk, then the files Node loads for `import "s5/config"`
// with local-key tokens. `node scripts/install-footprint.mjs [CHECKOUT [NPM-INSTALL-ARGS…]] [--json]`; used by
// `npm run bench` and test/publish/install.test.ts.
import { execFileSync, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("..", import.meta.url));
/** The packages `npm install s5` brings: s5 and the two it depends on. */
export const S5_PACKAGES = ["packages/core", "packages/loader", "packages/cli"];

const npm = (args, cwd) =>
  execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Packs the packages of a checkout into `dest`; returns the tarballs' paths. */
export function packTarballs(checkout = REPO, dest = mkdtempSync(join(tmpdir(), "s5-pack-"))) {
  const workspaces = S5_PACKAGES.flatMap((dir) => ["-w", dir]);
  const out = JSON.parse(
    npm(["pack", "--json", "--pack-destination", dest, ...workspaces], checkout),
  );
  return out.map((entry) => join(dest, entry.filename));
}

/** A fresh project (package.json only) with the tarballs and `extra` packages installed. */
export function installProject(
  tarballs,
  extra = [],
  dir = mkdtempSync(join(tmpdir(), "s5-user-")),
) {
  writeFileSync(
    join(dir, "package.json"),
    '{ "name": "user-app", "private": true, "type": "module" }\n',
  );
  npm(["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs, ...extra], dir);
  return dir;
}

/** Every installed package (nested ones too) with its size on disk in bytes. */
export function listPackages(dir) {
  const found = [];
  const walk = (modules) => {
    let entries;
    try {
      entries = readdirSync(modules, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = join(modules, entry.name);
      if (entry.name.startsWith("@")) {
        walk(path);
        continue;
      }
      if (!entry.isDirectory()) continue;
      const { name } = JSON.parse(readFileSync(join(path, "package.json"), "utf8"));
      found.push({ name, bytes: sizeOf(path, true) });
      walk(join(path, "node_modules"));
    }
  };
  walk(join(dir, "node_modules"));
  return found;
}

function sizeOf(path, top = false) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path)) {
    if (top && entry === "node_modules") continue; // nested packages are counted on their own
    total += sizeOf(join(path, entry));
  }
  return total;
}

// Records every module file Node loads (ESM and CommonJS) and every native addon.
const RECORDER = `import { registerHooks } from "node:module";
import { writeFileSync } from "node:fs";
const seen = new Set();
registerHooks({ load(url, context, next) { if (url.startsWith("file:")) seen.add(url); return next(url, context); } });
const dlopen = process.dlopen;
process.dlopen = function (module, file, ...rest) { seen.add("native:" + file); return dlopen.call(this, module, file, ...rest); };
process.on("exit", () => writeFileSync(process.env.S5_LOADED_FILE, JSON.stringify([...seen])));
`;

/**
 * Runs `import "s5/config"` in the project with a .env of local-key tokens and returns the files
 * loaded under node_modules, by package.
 */
export function loadedByConfig(dir) {
  const home = join(dir, ".home");
  mkdirSync(home, { recursive: true });
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
  const s5 = (args, input) => {
    const result = spawnSync(process.execPath, [join(dir, "node_modules/s5/bin/s5.cjs"), ...args], {
      cwd: dir,
      env,
      input,
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`s5 ${args[0]}: ${result.stderr}`);
    return result.stdout;
  };
  s5(["init", "--name", "footprint"]);
  const tokens = Array.from({ length: 5 }, (_, i) => s5(["cipher"], `value-${i}`));
  writeFileSync(join(dir, ".env"), tokens.map((t, i) => `SECRET_${i}=${t}\n`).join(""));
  writeFileSync(join(dir, "app.mjs"), 'import "s5/config";\nconsole.log(process.env.SECRET_4);\n');
  writeFileSync(join(dir, "recorder.mjs"), RECORDER);
  const listFile = join(dir, "loaded.json");
  const run = spawnSync(process.execPath, ["--import", "./recorder.mjs", "app.mjs"], {
    cwd: dir,
    env: { ...env, S5_LOADED_FILE: listFile },
    encoding: "utf8",
  });
  if (run.stdout.trim() !== "value-4") throw new Error(`the app did not decrypt: ${run.stderr}`);
  const files = JSON.parse(readFileSync(listFile, "utf8")).filter((f) =>
    f.includes("node_modules"),
  );
  const byPackage = {};
  for (const file of files) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(file);
    const name = match?.[1] ?? "?";
    byPackage[name] = (byPackage[name] ?? 0) + 1;
  }
  return { files: files.length, byPackage };
}

/** `extra`: more arguments for `npm install` (`--omit=optional`, `node-vault`). */
export function footprint(checkout = REPO, extra = []) {
  const tarballs = packTarballs(checkout);
  const dir = mkdtempSync(join(tmpdir(), "s5-user-"));
  try {
    installProject(tarballs, extra, dir);
    const packages = listPackages(dir);
    const ours = new Set(["s5", "@s5/core", "@s5/loader"]);
    return {
      packages: packages.length,
      thirdParty: packages.filter((p) => !ours.has(p.name)).length,
      bytes: packages.reduce((sum, p) => sum + p.bytes, 0),
      largest: packages
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 6)
        .map((p) => `${p.name} ${(p.bytes / 1e6).toFixed(1)} MB`),
      names: packages.map((p) => p.name).sort(),
      loaded: loadedByConfig(dir),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dirname(tarballs[0]), { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const checkout = resolve(args[0] && args[0] !== "--json" ? args[0] : REPO);
  const extra = args.slice(1).filter((a) => a !== "--json");
  const result = footprint(checkout, extra);
  if (args.includes("--json")) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(
      `${checkout} ${extra.join(" ")}\n  ${result.packages} packages (${result.thirdParty} third-party), ${(result.bytes / 1e6).toFixed(1)} MB on disk\n  largest: ${result.largest.join(", ")}\n  import "s5/config" (local keys) loads ${result.loaded.files} files: ${JSON.stringify(result.loaded.byPackage)}\n  packages: ${result.names.join(" ")}\n`,
    );
  }
}
