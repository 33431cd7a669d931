// The single-file `s5` (`npm run build:binary`) on a machine without Node: each command runs with
// `env -i PATH=/usr/bin:/bin` in a private mount namespace where /usr/bin/node is covered (this
// machine ships a Node 20 there), so `which node` fails as on a bare CI image. cipher, decipher,
// render, run and check with local keys, AES and Vault (the test's OpenBao), and with AES the
// files it writes (-o, seal -i) and `k8s wrap`; tokens made by the binary (JavaScript libsodium)
// open with the Node CLI (sodium-native) and the other way round.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BINARY, buildWithCache, ensureBinary, INPUTS_FILE } from "../../scripts/build-binary.mjs";
import { runChild } from "../child.ts";
import { admin, describeVault, newMount, s5 as nodeS5 } from "../vault/helpers.ts";

// Covers every Node the system has, then runs the command with only the given variables.
const NO_NODE = `set -e
for node in /usr/bin/node /usr/local/bin/node /bin/node; do
  if [ -e "$node" ]; then mount --bind /dev/null "$node"; fi
done
exec env -i "$@"`;

describeVault("the single-file s5, on a machine without Node", () => {
  let binary: string;
  let dir: string;
  let home: string;
  beforeAll(async () => {
    binary = await ensureBinary();
    dir = mkdtempSync(join(tmpdir(), "s5-binary-"));
    home = join(dir, "home");
    mkdirSync(home);
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const base = () => ({
    PATH: "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    NO_COLOR: "1",
  });

  /** Runs `command args` with no Node on the system, in `cwd`, with exactly `env`. */
  function bare(
    command: string,
    args: string[],
    options: { cwd: string; env?: Record<string, string>; input?: string },
  ) {
    const pairs = Object.entries({ ...base(), ...options.env }).map(([k, v]) => `${k}=${v}`);
    return runChild("unshare", ["-m", "sh", "-c", NO_NODE, "sh", ...pairs, command, ...args], {
      cwd: options.cwd,
      env: { PATH: "/usr/bin:/bin" },
      input: options.input ?? "",
    });
  }
  const s5 = (args: string[], cwd: string, env: Record<string, string> = {}, input?: string) =>
    bare(binary, args, { cwd, env, ...(input === undefined ? {} : { input }) });

  function project(name: string): string {
    const path = join(dir, name);
    mkdirSync(path);
    return path;
  }

  /** cipher → decipher → render → run → check, the same for each backend. */
  async function everyCommand(cwd: string, env: Record<string, string>, backend: string[]) {
    const token = await s5(["cipher", ...backend], cwd, env, "p@ss w0rd\n");
    expect(token.stderr).toBe("");
    expect(token.code).toBe(0);
    const back = await s5(["decipher", ...backend, token.stdout], cwd, env);
    expect(back.stdout).toBe("p@ss w0rd");

    writeFileSync(join(cwd, "app.yml"), `db:\n  password: ${token.stdout}\n  name: billing\n`);
    const rendered = await s5(["render", ...backend, "app.yml"], cwd, env);
    expect(rendered.stderr).toBe("");
    expect(rendered.stdout).toBe("db:\n  password: p@ss w0rd\n  name: billing\n");

    writeFileSync(join(cwd, ".env"), `DB_PASSWORD=${token.stdout}\n`);
    const ran = await s5(["run", "--", "sh", "-c", 'printf "%s" "$DB_PASSWORD"'], cwd, env);
    expect(ran.stderr).toBe("");
    expect(ran.stdout).toBe("p@ss w0rd");

    const clean = await s5(["check", "app.yml"], cwd, env);
    expect(clean.code, clean.stderr).toBe(0);
    writeFileSync(join(cwd, "leak.yml"), `db: ${token.stdout}\napi_password: Hunter2Hunter2!\n`);
    const leak = await s5(["check", "leak.yml"], cwd, env);
    expect(leak.code).toBe(10);
    expect(leak.stdout + leak.stderr).toContain("leak.yml:2:");
    return token.stdout;
  }

  it("has no Node to fall back on: `which node` fails, `node` does not run", async () => {
    const which = await bare("sh", ["-c", "which node"], { cwd: dir });
    expect(which.code).not.toBe(0);
    expect(which.stdout).toBe("");
    const node = await bare("sh", ["-c", "node --version"], { cwd: dir });
    expect(node.code).not.toBe(0);
    const version = await s5(["--version"], dir);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it("local keys: init, cipher, decipher, render, run, check; tokens shared with the Node CLI", async () => {
    const cwd = project("local");
    const init = await s5(["init", "--name", "ci-image"], cwd);
    expect(init.code, init.stderr).toBe(0);
    const token = await everyCommand(cwd, {}, []);
    // Its V8 code cache is inside the file: nothing compiled is written to the home (the Node
    // CLI below keeps its compile cache there).
    expect(readdirSync(home)).toEqual([".config"]);

    const nodeEnv = { ...base(), PATH: process.env.PATH ?? "" };
    const opened = await nodeS5(["decipher", token], { cwd, env: nodeEnv });
    expect(opened.stdout).toBe("p@ss w0rd");
    const fromNode = await nodeS5(["cipher", "sealed by sodium-native"], { cwd, env: nodeEnv });
    expect((await s5(["decipher", fromNode.stdout], cwd)).stdout).toBe("sealed by sodium-native");

    const native = await s5(["decipher", token], cwd, { S5_SODIUM: "native" });
    expect(native.code).toBe(7);
    expect(native.stderr).toContain("(S5_CONFIG_SODIUM_NATIVE)");
  });

  it("AES (the Go tool's backend)", async () => {
    const key = "8f".repeat(32);
    const cwd = project("aes");
    const env = { S5_AES_KEY: key };
    const token = await everyCommand(cwd, env, ["aes"]);

    // Files it writes, as the CLI on Node: -o created 0600, seal -i keeps the file's mode.
    const out = await s5(["render", "aes", "app.yml", "-o", "out.yml"], cwd, env);
    expect(out.code, out.stderr).toBe(0);
    expect(statSync(join(cwd, "out.yml")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(cwd, "out.yml"), "utf8")).toContain("password: p@ss w0rd");
    writeFileSync(join(cwd, "new.yml"), "api: {{ s5:seal n3w-value }}\n", { mode: 0o640 });
    chmodSync(join(cwd, "new.yml"), 0o640);
    const sealed = await s5(["seal", "aes", "-i", "new.yml"], cwd, env);
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(statSync(join(cwd, "new.yml")).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(cwd, "new.yml"), "utf8")).not.toContain("n3w-value");
    expect((await s5(["render", "aes", "new.yml"], cwd, env)).stdout).toBe("api: n3w-value\n");
    // `s5 k8s` (@s5/kubernetes, bundled from its source).
    writeFileSync(
      join(cwd, "secret.yml"),
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ${token}\n`,
    );
    const wrapped = await s5(["k8s", "wrap", "secret.yml"], cwd, env);
    expect(wrapped.stderr).toBe("");
    expect(wrapped.stdout).toContain("kind: S5Secret");
    expect(wrapped.stdout).toContain(token);

    // A CI container run as `--user 48213` with only PATH and the key: no HOME, no passwd entry
    // (it was S5_INTERNAL: `os.homedir()` throws there).
    chmodSync(dir, 0o755);
    const stranger = await runChild(
      "unshare",
      ["-m", "sh", "-c", NO_NODE, "sh", "PATH=/usr/bin:/bin", `S5_AES_KEY=${key}`, "setpriv"]
        .concat(["--reuid=48213", "--regid=48213", "--clear-groups", binary, "render", "app.yml"])
        .concat(["--backend", "aes"]),
      { cwd, env: { PATH: "/usr/bin:/bin" } },
    );
    expect(stranger.stderr).toBe("");
    expect(stranger.stdout).toBe("db:\n  password: p@ss w0rd\n  name: billing\n");
  });

  it("NODE_OPTIONS is not s5's: no --require, report or inspector in its process, handed to run's command; SIGUSR1 opens no inspector; run refuses NODE_DEBUG=child_process", async () => {
    const cwd = project("diagnostics");
    const key = "7e".repeat(32);
    const env = { S5_AES_KEY: key };
    const token = await s5(["cipher", "aes"], cwd, env, "diagnostics-value\n");
    writeFileSync(join(cwd, "app.yml"), `a: ${token.stdout.trim()}\n`);
    // A module an application's NODE_OPTIONS preloads (an APM agent, say) would run with s5's
    // credentials; this one leaves a mark and asks for a diagnostic report.
    const preload = join(cwd, "preload.cjs");
    writeFileSync(
      preload,
      `require("node:fs").writeFileSync(${JSON.stringify(join(cwd, "ran"))}, "");
setImmediate(() => process.kill(process.pid, "SIGUSR2"));\n`,
    );
    const nodeOptions = `--report-on-signal --require ${preload} --inspect=127.0.0.1:0`;
    const rendered = await s5(["render", "aes", "app.yml"], cwd, {
      ...env,
      NODE_OPTIONS: nodeOptions,
    });
    expect(rendered.stdout, rendered.stderr).toBe("a: diagnostics-value\n");
    expect(rendered.stderr).toBe("");
    expect(readdirSync(cwd).sort()).toEqual(["app.yml", "preload.cjs"]);
    const handed = await s5(["run", "--", "sh", "-c", 'printf "%s" "$NODE_OPTIONS"'], cwd, {
      ...env,
      NODE_OPTIONS: `--require ${preload}`,
    });
    expect(handed.stdout, handed.stderr).toBe(`--require ${preload}`);
    expect(readdirSync(cwd)).not.toContain("ran");
    // SIGUSR1 opens Node's inspector (127.0.0.1:9229, no password: any local user may connect)
    // in the process that holds the credentials and a token from a Vault login; the single file
    // turns that off. (The second gives an inspector that would open the time to say so.)
    const signalled = await s5(
      [
        "run",
        "--",
        "sh",
        "-c",
        'trap "echo command got USR1" USR1; kill -USR1 "$PPID"; sleep 1; echo still here',
      ],
      cwd,
      env,
    );
    expect(signalled.stderr).toBe("");
    // `s5 run` passes it on to its command, as the other signals.
    expect(signalled.stdout).toBe("command got USR1\nstill here\n");
    // Any command: `s5 edit` holds the plaintexts while its editor (this one sends it) runs.
    writeFileSync(join(cwd, "editor.sh"), 'kill -USR1 "$PPID"; sleep 1\n');
    const edited = await s5(["edit", "app.yml"], cwd, { ...env, EDITOR: "sh editor.sh" });
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stderr).not.toMatch(/Debugger|inspector/);
    const refused = await s5(["run", "--", "true"], cwd, {
      ...env,
      A: token.stdout.trim(),
      NODE_DEBUG: "child_process",
    });
    expect(refused.code).toBe(12);
    expect(refused.stderr).toContain("(S5_CONFIG_DEBUG_SWITCH)");
  });

  it("Vault transit (OpenBao): node-vault is inside the binary", async () => {
    const { mount, key } = await newMount();
    const env = {
      VAULT_ADDR: admin.addr,
      VAULT_TOKEN: admin.token,
      NO_PROXY: "127.0.0.1",
      S5_VAULT_TRANSIT_MOUNT: mount,
      S5_VAULT_TRANSIT_KEY: key,
    };
    const cwd = project("vault");
    const token = await everyCommand(cwd, env, ["vault"]);
    expect(token).toMatch(/^\{\{ s5:vault:v1:/);

    // Node's debug output of the request (headers: the token; body: the base64 plaintext) is not
    // printed: the binary drops DEBUG and NODE_DEBUG for itself, and `s5 run` hands them back.
    const debug = { DEBUG: "*", NODE_DEBUG: "http,https,net,tls,fetch", NODE_DEBUG_NATIVE: "tls" };
    const rendered = await s5(["render", "vault", "app.yml"], cwd, { ...env, ...debug });
    expect(rendered.stdout).toBe("db:\n  password: p@ss w0rd\n  name: billing\n");
    expect(rendered.stderr).toBe("");
    const sealed = await s5(["cipher", "vault"], cwd, { ...env, ...debug }, "debugged value\n");
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(sealed.stderr).toBe("");
    const handed = await s5(
      ["run", "--", "sh", "-c", 'printf "%s|%s|%s" "$DEBUG" "$NODE_DEBUG" "$DB_PASSWORD"'],
      cwd,
      { ...env, ...debug },
    );
    expect(handed.stdout, handed.stderr).toBe("*|http,https,net,tls,fetch|p@ss w0rd");
  });
});

it.runIf(process.platform === "linux")("unshare works here (the test above needs it)", () => {
  const probe = spawnSync("unshare", ["-m", "true"]);
  expect(probe.status, "unshare -m needs root (CI runs as root)").toBe(0);
});

// `npm run build:binary` itself: when it builds again, what the executable carries, which Node it
// is made from. In this file, after the tests above: a build by another file running at the same
// time would replace the binary between two of these checks. Each rebuild takes a few seconds.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const linux = process.platform === "linux";

it.runIf(linux)(
  "builds again when a file the bundle reads changes (@s5/kubernetes's source, not only core, loader and cli), the lock file (esbuild's version), the build script or a package's version",
  async () => {
    let built = statSync(await ensureBinary()).ino;
    expect(statSync(await ensureBinary()).ino).toBe(built);
    // `s5 k8s` comes from packages/kubernetes: a binary built before a change to it ran old code.
    for (const file of [
      "packages/kubernetes/src/manifest.ts",
      "package-lock.json",
      "scripts/build-binary.mjs",
      // The start that compiles the bundle with the code cache, and the training that makes it.
      "scripts/binary-start.cjs",
      "scripts/_binary-train.cjs",
      // What it cuts from node-vault, which esbuild does not list either.
      "packages/core/build/transport.ts",
      // The version it reports (`s5 --version`): a release bump without a new lock file kept it.
      "packages/cli/package.json",
      "packages/core/package.json",
    ]) {
      const path = join(ROOT, file);
      const text = readFileSync(path);
      // Inode numbers tell builds apart: each new file is made while the one it replaces exists
      // (two builds apart, a freed number may come back).
      try {
        writeFileSync(path, `${text}\n`);
        const changed = statSync(await ensureBinary()).ino;
        expect(changed, file).not.toBe(built);
        built = changed;
      } finally {
        writeFileSync(path, text);
      }
      const back = statSync(await ensureBinary()).ino;
      expect(back, file).not.toBe(built);
      built = back;
    }
  },
  120_000,
);

it.runIf(linux)(
  "a binary without the record of what it was made from is built again, not an error",
  async () => {
    await ensureBinary();
    const built = statSync(BINARY).ino;
    const dir = dirname(BINARY);
    // Every file beside it but the work directories of builds that may be running (build-PID).
    for (const name of readdirSync(dir)) {
      if (join(dir, name) !== BINARY && !name.startsWith("build-")) rmSync(join(dir, name));
    }
    await ensureBinary();
    expect(statSync(BINARY).ino).not.toBe(built);
    // And that build's record is used: nothing changed, nothing built.
    const again = statSync(BINARY).ino;
    await ensureBinary();
    expect(statSync(BINARY).ino).toBe(again);
  },
  120_000,
);

it.runIf(linux)(
  "a file newer than the build's start leaves no record: built again, and not taken for the build before once changed back",
  async () => {
    const before = statSync(await ensureBinary()).ino;
    const source = join(ROOT, "packages/kubernetes/src/manifest.ts");
    const text = readFileSync(source);
    let built: number;
    try {
      // A time past the build's start stands for a save while the bundle was read.
      writeFileSync(source, `${text}\n`);
      const later = new Date(Date.now() + 3_600_000);
      utimesSync(source, later, later);
      built = statSync(await ensureBinary()).ino;
      expect(built).not.toBe(before);
      // No record of that build: built again, though nothing changed since.
      const again = statSync(await ensureBinary()).ino;
      expect(again).not.toBe(built);
      built = again;
    } finally {
      writeFileSync(source, text);
    }
    // The file as the record before this test's builds was made from: that record is gone, so
    // the binary (made from the changed file) is built again.
    expect(statSync(await ensureBinary()).ino).not.toBe(built);
  },
  120_000,
);

it.runIf(linux)(
  "builds again for another Node, and keeps a record that holds when run from another directory",
  async () => {
    const before = statSync(await ensureBinary()).ino;
    const dir = mkdtempSync(join(tmpdir(), "s5-node-"));
    let other: number;
    try {
      // A Node at another path stands for another Node (an upgrade, another version manager).
      const node = join(dir, "node");
      copyFileSync(process.execPath, node);
      chmodSync(node, 0o755);
      // From `/`: paths relative to the working directory would not lead back to the checkout.
      const build = () =>
        spawnSync(node, [join(ROOT, "scripts/build-binary.mjs")], { cwd: "/", encoding: "utf8" });
      const first = build();
      expect(first.status, first.stderr).toBe(0);
      other = statSync(BINARY).ino;
      expect(other).not.toBe(before);
      const second = build();
      expect(second.status, second.stderr).toBe(0);
      expect(statSync(BINARY).ino).toBe(other);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(statSync(await ensureBinary()).ino).not.toBe(other);
  },
  120_000,
);

it.runIf(linux)(
  "the executable carries no path of the machine that built it (stack traces name s5.cjs)",
  async () => {
    const bytes = readFileSync(await ensureBinary());
    expect(bytes.includes(ROOT.replace(/\/$/, ""))).toBe(false);
    expect(bytes.includes(".cache/binary/build-")).toBe(false);
    // Nor anything its code cache was made from running (build-binary.mjs's `train`): a code
    // cache holds bytecode and the source's literals, not the values a run saw.
    for (const seen of ["training value", "training-token", "dHJhaW5pbmcgdmFsdWU", "s5-train-"]) {
      expect(bytes.includes(seen), seen).toBe(false);
    }
  },
  120_000,
);

// The code cache is made at build time after running s5's common commands (build-binary.mjs's
// `train`), so it holds what those ran, not only what V8 compiles eagerly. A cache V8 rejects
// costs the compiling and nothing else; one the build machine rejects is a broken build.
it.runIf(linux)(
  "starts from the code cache it was built with (S5_CODE_CACHE_REPORT)",
  async () => {
    const binary = await ensureBinary();
    for (const args of [["--version"], ["version"]]) {
      const out = spawnSync(binary, args, {
        env: { PATH: "/usr/bin:/bin", S5_CODE_CACHE_REPORT: "1" },
        encoding: "utf8",
      });
      expect(out.stderr).toBe("s5: code cache accepted\n");
      expect(out.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
      expect(out.status).toBe(0);
    }
  },
  120_000,
);

it.runIf(linux)(
  "a code cache V8 rejects (another V8's, cut short, not a cache at all) changes nothing but the time it takes",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "s5-cache-"));
    try {
      const key = "3c".repeat(32);
      const env = { PATH: "/usr/bin:/bin", HOME: dir, S5_AES_KEY: key };
      const sealed = spawnSync(await ensureBinary(), ["cipher", "aes"], {
        env,
        input: "cached value\n",
        encoding: "utf8",
      });
      expect(sealed.status, sealed.stderr).toBe(0);
      writeFileSync(join(dir, "app.yml"), `db: ${sealed.stdout.trim()}\n`);
      const edits: Record<string, (cache: Buffer) => Buffer> = {
        // The header's second word is the V8 version's hash.
        "another V8": (cache) => {
          const other = Buffer.from(cache);
          other[4] = (other[4] ?? 0) ^ 1;
          return other;
        },
        "cut short": (cache) => cache.subarray(0, cache.length >> 1),
        "not a cache": (cache) => Buffer.alloc(cache.length, 0x5a),
      };
      for (const [name, edit] of Object.entries(edits)) {
        const binary = await buildWithCache(join(dir, "s5"), edit);
        const run = (args: string[], report = false) =>
          spawnSync(binary, args, {
            cwd: dir,
            env: report ? { ...env, S5_CODE_CACHE_REPORT: "1" } : env,
            encoding: "utf8",
          });
        expect(run(["--version"], true).stderr, name).toBe("s5: code cache rejected\n");
        const rendered = run(["render", "aes", "app.yml"]);
        expect(rendered.stderr, name).toBe("");
        expect(rendered.stdout, name).toBe("db: cached value\n");
        expect(rendered.status, name).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  180_000,
);

it.runIf(linux)(
  "says what to install when `strip` is missing, and leaves the binary as it was",
  () => {
    const before = statSync(BINARY, { throwIfNoEntry: false })?.ino;
    const out = spawnSync(process.execPath, [join(ROOT, "scripts/build-binary.mjs"), "--force"], {
      cwd: ROOT,
      env: { ...process.env, PATH: "/nonexistent" },
      encoding: "utf8",
    });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("build:binary: `strip` was not found: install binutils");
    expect(statSync(BINARY, { throwIfNoEntry: false })?.ino).toBe(before);
  },
);

// node-vault's defaults that s5 replaces stay out of the single file as they stay out of core's
// build (packages/core/build/transport.ts). Bundled, axios's fetch adapter loaded Node's undici and
// web streams as it was evaluated: 514 M instructions for a Vault command that fails at once, 193 M
// without; and 458 M against 126 M for `s5 --version` while core's doctor imported the Vault
// client statically (callgrind).
it.runIf(linux)(
  "bundles node-vault as core's build does: no axios and its tree, tv4, mustache, debug or command table",
  async () => {
    const bytes = readFileSync(await ensureBinary());
    const { files } = JSON.parse(readFileSync(INPUTS_FILE, "utf8")) as { files: string[] };
    expect(files).toContain("node_modules/node-vault/src/index.js");
    const left = files.filter((file) =>
      /^node_modules\/(axios|follow-redirects|form-data|tv4|mustache|debug)\/|^node_modules\/node-vault\/src\/(?!index\.js$)/.test(
        file,
      ),
    );
    expect(left).toEqual([]);
    expect(bytes.includes("AxiosError")).toBe(false);
  },
  120_000,
);

// What README's "One file for CI images" says an image needs: glibc and libstdc++, as Node's own
// Linux build (Alpine's musl, distroless/static or scratch have not).
it.runIf(linux && process.arch === "x64")(
  "loads only glibc's libraries and libstdc++ from the system",
  async () => {
    const dynamic = spawnSync("readelf", ["-d", await ensureBinary()], { encoding: "utf8" });
    const needed = [...dynamic.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)];
    expect(needed.map((match) => match[1]).sort()).toEqual([
      "ld-linux-x86-64.so.2",
      "libc.so.6",
      "libdl.so.2",
      "libgcc_s.so.1",
      "libm.so.6",
      "libpthread.so.0",
      "libstdc++.so.6",
    ]);
  },
);

// The executable is a copy of the Node that builds it; s5 drops NODE_DEBUG with process.execve.
const oldNode = ["/usr/bin/node", "/usr/local/bin/node"].find((node) => {
  const probe = spawnSync(node, ["-p", "typeof process.execve"], { encoding: "utf8" });
  return probe.status === 0 && probe.stdout.trim() !== "function";
});

it.runIf(linux && oldNode !== undefined)(
  "is refused on a Node without process.execve (its binary failed wherever NODE_DEBUG was set)",
  () => {
    const before = statSync(BINARY, { throwIfNoEntry: false })?.ino;
    const out = spawnSync(oldNode as string, [join(ROOT, "scripts/build-binary.mjs")], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain("lacks process.execve: use Node >= 22.15");
    expect(statSync(BINARY, { throwIfNoEntry: false })?.ino).toBe(before);
  },
);
