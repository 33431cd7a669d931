// `npm run build:binary` itself: when it builds again, what the executable carries, which Node it
// is made from. Each rebuild takes a few seconds (one Node copied, stripped, injected).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { BINARY, ensureBinary } from "../../scripts/build-binary.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const linux = process.platform === "linux";

it.runIf(linux)(
  "builds again when a file the bundle reads changes: @s5/kubernetes's source, not only core, loader and cli",
  async () => {
    await ensureBinary();
    const built = statSync(BINARY).ino;
    expect(statSync(await ensureBinary()).ino).toBe(built);
    // `s5 k8s` comes from packages/kubernetes: a binary built before a change to it ran old code.
    const source = join(ROOT, "packages/kubernetes/src/manifest.ts");
    const text = readFileSync(source);
    // Inode numbers tell builds apart: each new file is made while the one it replaces exists
    // (two builds apart, a freed number may come back).
    let changed: number;
    try {
      writeFileSync(source, `${text}\n`);
      changed = statSync(await ensureBinary()).ino;
      expect(changed).not.toBe(built);
    } finally {
      writeFileSync(source, text);
    }
    expect(statSync(await ensureBinary()).ino).not.toBe(changed);
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
  "the executable carries no path of the machine that built it (stack traces name s5.cjs)",
  async () => {
    const bytes = readFileSync(await ensureBinary());
    expect(bytes.includes(ROOT.replace(/\/$/, ""))).toBe(false);
    expect(bytes.includes(".cache/binary/build-")).toBe(false);
  },
  120_000,
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
