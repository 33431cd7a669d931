// projectOfFile, core's exported rule for a file's project: the nearest .s5.json above its real
// place, links followed and judged (link-crossing.ts), or, when a config is named, that config
// for every file, with no path looked at.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectOfFile, resolveSettings } from "../src/config.ts";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe("projectOfFile", () => {
  it("takes a named config for a file through a link out of its repository, which it refuses otherwise", () => {
    const top = mkdtempSync(join(tmpdir(), "s5-project-of-file-"));
    made.push(top);
    const [a, b] = [join(top, "a"), join(top, "b")];
    // a is a git work tree (its .git directory is all s5 looks at); b, beside it, a project.
    mkdirSync(join(a, ".git"), { recursive: true });
    mkdirSync(b);
    writeFileSync(join(b, ".s5.json"), "{}\n");
    writeFileSync(join(b, "x.yml"), "x: 1\n");
    symlinkSync("../b/x.yml", join(a, "x.yml"));
    const input = { cwd: a, env: {} };
    expect(() => projectOfFile("x.yml", resolveSettings(input), input)).toThrow(
      expect.objectContaining({ code: "S5_CONFIG_UNSAFE" }),
    );
    const named = { ...input, overrides: { configFile: join(b, ".s5.json") } };
    expect(projectOfFile("x.yml", resolveSettings(named), named).project).toBe(join(b, ".s5.json"));
    const variable = { cwd: a, env: { S5_CONFIG: join(b, ".s5.json") } };
    expect(projectOfFile("x.yml", resolveSettings(variable), variable).project).toBe(
      join(b, ".s5.json"),
    );
  });
});
