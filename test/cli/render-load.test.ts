// What a local-key `s5 render` loads of Node: nothing it does not use. `render -o`'s git check
// once loaded `node:child_process` at every render (and with it `net`, `dgram` and Node's
// streams: ~12 M instructions, callgrind, a tenth of the whole start), and git's config reader
// and the bin's cache directory (without XDG_CACHE_HOME) `node:os` (~2 M). Checked through Node's own list of loaded modules, written by a preload at exit.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { sandbox } from "./run.ts";

const UNUSED = ["child_process", "net", "dgram", "http"];

it("a local-key render, to stdout or -o outside a work tree, loads no child_process, net, os or streams", async () => {
  const box = sandbox();
  expect((await box.s5(["init", "--name", "dev"])).code).toBe(0);
  const token = (await box.s5(["cipher", "local"], { input: "render-load-value" })).stdout;
  writeFileSync(join(box.dir, ".env"), `A=${token.toString()}\n`);
  const preload = join(box.dir, "..", "loaded.cjs");
  writeFileSync(
    preload,
    `process.on("exit", () => require("node:fs").writeFileSync(process.env.LOADED_OUT, process.moduleLoadList.join("\\n")));\n`,
  );
  // A file output goes through fs/promises, which loads `os` and Node's streams itself.
  for (const [args, unused] of [
    [
      ["render", ".env"],
      [...UNUSED, "os", "stream"],
    ],
    [["render", ".env", "-o", "out.env"], UNUSED],
  ] as const) {
    const list = join(box.dir, "..", "loaded.txt");
    const run = await box.s5([...args], {
      env: { NODE_OPTIONS: `--require ${preload}`, LOADED_OUT: list },
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const loaded = readFileSync(list, "utf8").split("\n");
    expect(loaded).toContain("NativeModule fs");
    const found = unused.filter((name) => loaded.includes(`NativeModule ${name}`));
    expect(found, `s5 ${args.join(" ")}`).toEqual([]);
  }
  expect(readFileSync(join(box.dir, "out.env"), "utf8")).toBe("A=render-load-value\n");
});
