// The CLI's engine (packages/cli/dist/engine.js, run by bin/engine.cjs): V8's cached data of each
// command, in the user's private cache directory, never in one someone else could write, never
// holding a value; rewritten when a run used another backend, replaced when damaged.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { damagedCopies, expectIntact, LOG_CACHED_DATA, scriptSpy } from "../script-spy.ts";
import { type Sandbox, sandbox } from "./run.ts";

const AES_KEY = "0123456789abcdef0123456789abcdef";

/** The engine's cache files in `dir` (name → bytes). */
function engineFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    if (name.startsWith("cli-")) files.set(name, readFileSync(join(dir, name)));
  }
  return files;
}

async function ok(box: Sandbox, args: string[], env: Record<string, string>, input = "") {
  const out = await box.s5(args, { input, env });
  expect(out.stderr).toBe("");
  expect(out.code).toBe(0);
  return out.stdout.toString();
}

/** An AES token of `value` (the project's key-less backend, so no key file is needed). */
async function aesToken(box: Sandbox, value: string, env: Record<string, string>) {
  return (await ok(box, ["cipher", "aes", "--key", AES_KEY], env, value)).trim();
}

describe.skipIf(process.platform === "win32")("the CLI's engine cache", () => {
  it("keeps one private file per command, and writes it again only for a new backend", async () => {
    const box = sandbox();
    const cache = join(box.dir, "cache");
    const env = { XDG_CACHE_HOME: cache };
    const dir = join(cache, "s5", "code-cache");
    expect(await ok(box, ["render"], env, "greeting: hello\n")).toBe("greeting: hello\n");

    const first = engineFiles(dir);
    const names = [...first.keys()];
    expect(names).toEqual([
      expect.stringMatching(
        new RegExp(`^cli-render-[0-9a-f]{16}-${process.version}-${process.arch}\\.bin$`),
      ),
    ]);
    const file = join(dir, names[0]!);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.get(names[0]!)![0]).toBe(0); // no backend used

    // The same command, nothing new: the file stays as it is.
    const before = statSync(file);
    await ok(box, ["render"], env, "greeting: hello\n");
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(file).ino).toBe(before.ino);

    // AES is new for `render`: written again, with the bit of AES (2).
    const token = await aesToken(box, "s3cret-value", env);
    const out = await ok(box, ["render", "--key", AES_KEY], env, `password: ${token}\n`);
    expect(out).toBe("password: s3cret-value\n");
    expect(readFileSync(file)[0]).toBe(2);
    const { ino } = statSync(file);
    expect([...engineFiles(dir).keys()].sort()).toEqual(
      [names[0]!, expect.stringMatching(/^cli-cipher-/)].sort(),
    );

    // A failed run writes nothing, even one that used a backend new to the file (Vault, here
    // without an address).
    const vault = `{{ s5:vault:v1:${"A".repeat(40)} }}`;
    const failed = await box.s5(["render"], { input: `password: ${vault}\n`, env });
    expect(failed.code).not.toBe(0);
    expect(readFileSync(file)[0]).toBe(2);
    expect(statSync(file).ino).toBe(ino);
  });

  it("replaces a damaged file, and holds no value, token or key", async () => {
    const box = sandbox();
    const cache = join(box.dir, "cache");
    const env = { XDG_CACHE_HOME: cache };
    const dir = join(cache, "s5", "code-cache");
    const token = await aesToken(box, "plaintext-4b1d9e", env);
    await ok(box, ["render", "--key", AES_KEY], env, `a: ${token}\n`);
    const name = [...engineFiles(dir).keys()].find((n) => n.startsWith("cli-render-"))!;
    const file = join(dir, name);
    const good = readFileSync(file);
    for (const secret of ["plaintext-4b1d9e", token, token.split(":").at(-1)!, AES_KEY]) {
      expect(good.includes(Buffer.from(secret))).toBe(false);
    }

    // Same length, other bytes: V8 refuses them; the run still works and writes good data.
    writeFileSync(file, Buffer.concat([Buffer.of(2), Buffer.alloc(good.length - 1, 0x5a)]));
    expect(await ok(box, ["render", "--key", AES_KEY], env, `a: ${token}\n`)).toBe(
      "a: plaintext-4b1d9e\n",
    );
    const again = readFileSync(file);
    expect(again.subarray(1).every((byte) => byte === 0x5a)).toBe(false);
    expect(again[0]).toBe(2);
  });

  it("is not used when a byte of V8's data changed on disk: the run is right, and the file written again", async () => {
    // V8 checks a cache's header, not its payload (a release build skips the checksum): one byte
    // changed there crashed every later run of the command (SIGSEGV, SIGTRAP) or ran wrong code.
    const box = sandbox();
    const cache = join(box.dir, "cache");
    const dir = join(cache, "s5", "code-cache");
    const { preload, log } = scriptSpy(
      join(box.dir, ".."),
      `String(options?.filename).endsWith("/dist/engine.js")`,
      LOG_CACHED_DATA,
    );
    const env = { XDG_CACHE_HOME: cache, NODE_OPTIONS: `--require ${preload}` };
    const token = await aesToken(box, "plaintext-77c0aa", env);
    const render = () => ok(box, ["render", "--key", AES_KEY], env, `a: ${token}\n`);
    expect(await render()).toBe("a: plaintext-77c0aa\n");
    const name = [...engineFiles(dir).keys()].find((n) => n.startsWith("cli-render-"))!;
    const file = join(dir, name);
    const good = readFileSync(file);
    expect(await render()).toBe("a: plaintext-77c0aa\n");
    expect(readFileSync(log, "utf8").trim().split("\n").at(-1)).toBe("given");

    // Nine places through the file, each alone: V8's header, its payload, the last byte.
    for (const damaged of damagedCopies(good)) {
      writeFileSync(file, damaged);
      writeFileSync(log, "");
      expect(await render()).toBe("a: plaintext-77c0aa\n");
      expect(readFileSync(log, "utf8")).toBe("none\n");
      expectIntact(readFileSync(file), 2); // written again, whole
    }
  });

  it("is not used in a directory others can write to, through a link, or with NODE_DISABLE_COMPILE_CACHE", async () => {
    const box = sandbox();
    const shared = join(box.dir, "shared");
    mkdirSync(join(shared, "s5"), { recursive: true });
    chmodSync(join(shared, "s5"), 0o777);
    await ok(box, ["render"], { XDG_CACHE_HOME: shared }, "a: 1\n");
    expect(engineFiles(join(shared, "s5", "code-cache")).size).toBe(0);

    const linked = join(box.dir, "linked");
    const elsewhere = join(box.dir, "elsewhere");
    mkdirSync(join(linked, "s5"), { recursive: true, mode: 0o700 });
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, join(linked, "s5", "code-cache"));
    await ok(box, ["render"], { XDG_CACHE_HOME: linked }, "a: 1\n");
    expect(readdirSync(elsewhere)).toEqual([]);

    const off = join(box.dir, "off");
    await ok(box, ["render"], { XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: "1" }, "a: 1\n");
    expect(existsSync(join(off, "s5"))).toBe(false);
  });

  it("keeps the three newest files of other builds and removes stale temporary files", async () => {
    const box = sandbox();
    const cache = join(box.dir, "cache");
    const dir = join(cache, "s5", "code-cache");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const old = (name: string, hoursAgo: number) => {
      writeFileSync(join(dir, name), "x", { mode: 0o600 });
      const time = Date.now() / 1000 - hoursAgo * 3600;
      utimesSync(join(dir, name), time, time);
    };
    const other = (i: number) => `cli-render-${String(i).repeat(16)}-${process.version}-x.bin`;
    for (let i = 1; i <= 5; i++) old(other(i), i);
    old("cli-cipher-1111111111111111-v0-x.bin", 9); // another command: not counted
    old("cli-render-x.123.abc.tmp", 2);
    old("cli-render-y.456.def.tmp", 0.1);
    await ok(box, ["render"], { XDG_CACHE_HOME: cache }, "a: 1\n");
    const left = readdirSync(dir).sort();
    const own = left.filter((n) => n.endsWith(`-${process.version}-${process.arch}.bin`));
    expect(own).toEqual([expect.stringMatching(/^cli-render-[0-9a-f]{16}-v/)]);
    expect(left.filter((n) => !own.includes(n))).toEqual([
      "cli-cipher-1111111111111111-v0-x.bin",
      other(1),
      other(2),
      other(3),
      "cli-render-y.456.def.tmp",
    ]);
  });

  it("compiles dist/engine.js as it reads it: no second copy of its text made around it", async () => {
    // V8 keeps the compiled text as the script's source for as long as the process runs. The
    // bin once wrapped the file's text in a function at run time: a second string of ~330 kB, and
    // ~1.3 MiB more peak memory in a 1000-token Vault render. The build wraps it now.
    const box = sandbox();
    const { preload, log } = scriptSpy(
      join(box.dir, ".."),
      `String(options?.filename).endsWith("/dist/engine.js")`,
      `fs.appendFileSync(log, (source === fs.readFileSync(options.filename, "latin1") ? "as read" : "changed") + "\\n");`,
    );
    const env = { NODE_OPTIONS: `--require ${preload}` };
    expect(await ok(box, ["render"], env, "a: 1\n")).toBe("a: 1\n");
    expect(readFileSync(log, "utf8")).toBe("as read\n");
  });

  it("runs a render without loading any ES module: no ES module loader, no dist module", async () => {
    const box = sandbox();
    const hook = join(box.dir, "..", "hook.mjs");
    const log = join(box.dir, "..", "loaded.txt");
    writeFileSync(
      hook,
      `import { registerHooks } from "node:module";\nimport { appendFileSync } from "node:fs";\n` +
        `registerHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + "\\n"); return next(url, context); } });\n`,
    );
    const env = { NODE_OPTIONS: `--import ${pathToFileURL(hook).href}` };
    await ok(box, ["render"], env, "a: 1\n");
    const loaded = readFileSync(log, "utf8").trim().split("\n");
    expect(loaded.some((url) => url.endsWith("/packages/cli/bin/engine.cjs"))).toBe(true);
    expect(loaded.filter((url) => /\/packages\/(core|cli)\/dist\//.test(url))).toEqual([]);
    // No ES module after the hook's own: the bin and its engine are CommonJS (bin/s5.cjs says why).
    expect(loaded.filter((url) => url.endsWith(".mjs"))).toEqual([]);
  });
});
