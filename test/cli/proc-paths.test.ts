// Paths under /proc that do not exist: Node's `mkdirSync(dir, { recursive: true })` loops for ever
// there (ENOENT for `/proc/nonexistent`, EEXIST for `/proc`), and every s5 that made such a
// directory hung at full CPU — the record of known keys, the identity's directory, the code caches
// of the CLI and of `s5/config`. Each child runs under `timeout -s KILL`, so a regression fails
// (signal SIGKILL, exit null) instead of hanging the suite; no time is asserted.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runChild } from "../child.ts";
import { localProject, printVars } from "../loader/helpers.ts";
import { S5_BIN, sandbox } from "./run.ts";

/** Runs s5 in `box` under `timeout`: killed after 30 s if it hangs. */
function s5Bounded(box: ReturnType<typeof sandbox>, args: string[], env: Record<string, string>) {
  return runChild("timeout", ["-s", "KILL", "30", process.execPath, S5_BIN, ...args], {
    cwd: box.dir,
    env: { ...box.env, ...env },
  });
}

const HINT = "set S5_KNOWN_KEYS_FILE to a file in a directory of yours that you can write";

describe.skipIf(!existsSync("/proc/self"))("a path under /proc that does not exist", () => {
  it("S5_KNOWN_KEYS_FILE there: seal goes on and says so, keys trust fails, neither hangs", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "dev"])).code).toBe(0);
    writeFileSync(join(box.dir, "a.yml"), "a: {{ s5:seal x }}\n");
    const env = { S5_KNOWN_KEYS_FILE: "/proc/nonexistent/x/known.json" };
    // Before: killed by the timeout (SIGKILL), the file untouched.
    const seal = await s5Bounded(box, ["seal", "-i", "a.yml"], env);
    expect(seal.signal).toBeNull();
    expect(seal.code).toBe(0);
    // A record that cannot be written does not stop a seal (as for a read-only home): said.
    expect(seal.stderr).toBe(
      `s5: warning: cannot write /proc/nonexistent/x/known.json: cannot make its directory /proc/nonexistent (ENOENT): this machine cannot remember the project keys it encrypts to, and will not notice if they are replaced (S5_KEY_KNOWN_WRITE; ${HINT})\n` +
        "a.yml: 1 new token(s): 1 to local key " +
        /to local key (\S+)/.exec(seal.stderr)![1] +
        " (1 recipient)\n",
    );
    expect(readFileSync(join(box.dir, "a.yml"), "utf8")).toMatch(/^a: \{\{ s5:local:/);
    const trust = await s5Bounded(box, ["keys", "trust"], env);
    expect(trust.signal).toBeNull();
    expect(trust.code).toBe(7);
    expect(trust.stderr).toBe(
      "s5: error: cannot write /proc/nonexistent/x/known.json: cannot make its directory /proc/nonexistent (ENOENT) (S5_KEY_KNOWN_WRITE)\n" +
        `  hint: ${HINT}\n`,
    );
  });

  it("XDG_CONFIG_HOME there: init fails with the directory and a hint", async () => {
    const box = sandbox();
    const init = await s5Bounded(box, ["init"], { XDG_CONFIG_HOME: "/proc/nonexistent/h" });
    expect(init.signal).toBeNull();
    expect(init.code).toBe(4);
    expect(init.stderr).toBe(
      "s5: error: cannot create your identity /proc/nonexistent/h/s5/identity.txt: cannot make its directory /proc/nonexistent (ENOENT) (S5_OUTPUT)\n" +
        "  hint: the directory does not exist: create it first; or set S5_IDENTITY_FILE (or XDG_CONFIG_HOME) to a place of yours\n",
    );
    expect(existsSync(join(box.dir, ".s5.json"))).toBe(false);
  });

  it("XDG_CACHE_HOME there: the CLI and s5/config run without their code cache", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "dev"])).code).toBe(0);
    const env = { XDG_CACHE_HOME: "/proc/nonexistent/c" };
    const ls = await s5Bounded(box, ["ls"], env);
    expect(ls.signal).toBeNull();
    expect(ls).toMatchObject({ code: 0, stderr: "" });
    // The loader's engine keeps its own cache by the same rules (packages/loader/src/code-cache.ts).
    const project = await localProject();
    const [token] = await project.encrypt(["from-proc"]);
    project.write({
      ".env": `X=${token}\n`,
      "app.mjs": `import "s5/config";\n${printVars(["X"])}\n`,
    });
    const app = await runChild("timeout", ["-s", "KILL", "30", process.execPath, "app.mjs"], {
      cwd: project.dir,
      env: { ...project.env, ...env },
    });
    expect(app.signal).toBeNull();
    expect(app).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(app.stdout)).toEqual({ X: "from-proc" });
  });
});
