// A `.env` reached through a symbolic link is read with the project where its bytes live (the
// nearest `.s5.json` above its real place), by `s5/config` (`S5_CONFIG_PATH`) and `config({ path
// })`, as by the CLI's commands. Before, with the project above the name given: the link's
// directory's keys for another project's tokens (S5_KEY_LOCAL_UNKNOWN).
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { localProject, type Project, printVars, run, s5Bin } from "./helpers.ts";

const PRINT = printVars(["X", "Y"]);

describe("a .env through a symbolic link into another project", () => {
  let app: Project;

  beforeAll(async () => {
    app = await localProject();
    // A project beside the app, with its own key, for the same user.
    const other = join(app.dir, "..", "other");
    mkdirSync(join(other, "sub"), { recursive: true });
    const init = await run([s5Bin, "init", "--dir", ".", "--name", "other"], {
      cwd: other,
      env: app.env,
    });
    expect(init.code, init.stderr).toBe(0);
    const cipher = await run([s5Bin, "cipher", "from-other"], { cwd: other, env: app.env });
    const token = cipher.stdout.trim();
    writeFileSync(join(other, ".env"), `X=${token}\n`);
    writeFileSync(join(other, "sub", ".env"), `Y=${token}\n`);
    symlinkSync("../other/.env", join(app.dir, "shared.env"));
    symlinkSync("../other/sub", join(app.dir, "linked"));
    symlinkSync("nowhere.env", join(app.dir, "dangling.env"));
  });

  it("S5_CONFIG_PATH and config({ path }) read it with its target's project", async () => {
    const byEnv = await app.node(["--import", "s5/config", "-e", PRINT], {
      S5_CONFIG_PATH: "shared.env,linked/.env",
    });
    expect(byEnv.stderr).toBe("");
    expect(JSON.parse(byEnv.stdout)).toEqual({ X: "from-other", Y: "from-other" });
    const code = `import { config } from "@s5/loader"; config({ path: ["shared.env", "linked/.env"] }); ${PRINT}`;
    const byCode = await app.node(["--input-type=module", "-e", code]);
    expect(byCode.stderr).toBe("");
    expect(JSON.parse(byCode.stdout)).toEqual({ X: "from-other", Y: "from-other" });
  });

  it("a dangling link says where it points", async () => {
    const out = await app.node(["--import", "s5/config", "-e", PRINT], {
      S5_CONFIG_PATH: "dangling.env",
    });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain("cannot read dangling.env (ENOENT) (S5_INPUT)");
    expect(out.stderr).toContain("it is a symbolic link to nowhere.env, which does not exist");
  });
});

describe("a .env through a symbolic link out of its git repository into another project", () => {
  it("is refused by s5/config and config({ path }); named by its real path, it is read", async () => {
    const app = await localProject();
    const other = join(app.dir, "..", "other");
    mkdirSync(other);
    for (const dir of [app.dir, other]) spawnSync("git", ["init", "-q"], { cwd: dir });
    const init = await run([s5Bin, "init", "--dir", "."], { cwd: other, env: app.env });
    expect(init.code, init.stderr).toBe(0);
    const token = (
      await run([s5Bin, "cipher", "other-secret"], { cwd: other, env: app.env })
    ).stdout.trim();
    writeFileSync(join(other, ".env"), `X=${token}\n`);
    // A link a pull request to the app's repository could commit.
    symlinkSync("../other/.env", join(app.dir, "shared.env"));
    const byEnv = await app.node(["--import", "s5/config", "-e", PRINT], {
      S5_CONFIG_PATH: "shared.env",
    });
    // Before: exit 0, {"X":"other-secret"} in the app's environment.
    expect(byEnv.code).not.toBe(0);
    expect(byEnv.stdout).not.toContain("other-secret");
    expect(byEnv.stderr).toContain(
      "shared.env is a symbolic link into a project out of its git repository",
    );
    expect(byEnv.stderr).toContain("(S5_CONFIG_UNSAFE)");
    // The hint names both ways out exactly, the loader's own included.
    expect(byEnv.stderr).toContain(
      `name the file by its real path (${join(other, ".env")}), or name its config: --config ${join(other, ".s5.json")} (S5_CONFIG=${join(other, ".s5.json")} for s5/config)`,
    );
    const code = `import { config } from "@s5/loader"; config({ path: "shared.env" }); ${PRINT}`;
    const byCode = await app.node(["--input-type=module", "-e", code]);
    expect(byCode.code).not.toBe(0);
    expect(byCode.stdout).not.toContain("other-secret");
    expect(byCode.stderr).toContain("ConfigError: ");
    expect(byCode.stderr).toContain("is a symbolic link into a project out of its git repository");
    const real = await app.node(["--import", "s5/config", "-e", PRINT], {
      S5_CONFIG_PATH: join(other, ".env"),
    });
    expect(real.stderr).toBe("");
    expect(JSON.parse(real.stdout)).toEqual({ X: "other-secret", Y: null });
    // The other way out the hint names: the config named, every file is read with it.
    const named = await app.node(["--import", "s5/config", "-e", PRINT], {
      S5_CONFIG_PATH: "shared.env",
      S5_CONFIG: join(other, ".s5.json"),
    });
    // Before: refused as without S5_CONFIG (S5_CONFIG_UNSAFE), though the hint offered it.
    expect(named.stderr).toBe("");
    expect(JSON.parse(named.stdout)).toEqual({ X: "other-secret", Y: null });
    const byRun = await app.s5([
      "run",
      "--config",
      join(other, ".s5.json"),
      "-f",
      "shared.env",
      "--",
      process.execPath,
      "-e",
      PRINT,
    ]);
    expect(byRun.stderr).toBe("");
    expect(JSON.parse(byRun.stdout)).toEqual({ X: "other-secret", Y: null });
    // A file without tokens needs no project, so its link is not judged (and not looked at:
    // what a start without tokens costs): its values are set, as dotenv sets them.
    writeFileSync(join(other, "plain.env"), "Y=plain-value\n");
    symlinkSync("../other/plain.env", join(app.dir, "plain.env"));
    const plain = await app.node(["--import", "s5/config", "-e", PRINT], {
      S5_CONFIG_PATH: "plain.env",
    });
    // Before: refused (S5_CONFIG_UNSAFE), the project of a file with nothing to decrypt judged.
    expect(plain.stderr).toBe("");
    expect(JSON.parse(plain.stdout)).toEqual({ X: null, Y: "plain-value" });
  });
});
