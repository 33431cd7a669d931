// A hostile review of "a file's project is found above its real place, links followed". A link
// chooses the keys and settings that read and seal a file, and git commits links: one in a pull
// request to repository A that points into repository B (`../b/prod.yml`, or an absolute path
// to another checkout) made `s5 render` decrypt B's secrets into A's output, where before A's keys
// failed on them; one into another user's directory took that user's `.s5.json`. And `..` after a
// link (`sub/../y.yml`, which the kernel takes from the link's target) chose the project of one
// file, read another and wrote a third.
import { spawnSync } from "node:child_process";
import { chownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { asRoot, OTHER_UID } from "../setup/system-tools.ts";
import { sandbox } from "./run.ts";

const keyOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8")).local.keys.at(-1).id as string;
const keyIds = (text: string) => [...text.matchAll(/s5:local:([\w-]{8}):/g)].map((m) => m[1]);

/** Projects `names` beside the sandbox's, each its own key (the first use behind), `git` ones repositories. */
async function projects(names: string[], git: boolean) {
  const box = sandbox();
  const top = join(box.dir, "..");
  for (const name of names) {
    const dir = join(top, name);
    mkdirSync(dir);
    if (git) spawnSync("git", ["init", "-q"], { cwd: dir });
    expect((await box.s5(["init", "--dir", "."], { cwd: dir })).code).toBe(0);
    await box.s5(["cipher", "x"], { cwd: dir });
  }
  return { box, top };
}

const refusal =
  /^s5: error: .* (?:is a symbolic link|on its way leads) into (a project out of its git repository|another user's project \(uid \d+\)), .*\.s5\.json: s5 will not read or seal it with that project's keys and settings \(S5_CONFIG_UNSAFE\)\n {2}hint: .*name the file by its real path \(.*\)/;

describe("a link that leads into another project", () => {
  it("out of its git repository is refused: render, run -f, check, seal, ls; its real path is not", async () => {
    const { box, top } = await projects(["a", "b"], true);
    const [a, b] = [join(top, "a"), join(top, "b")];
    mkdirSync(join(b, "sub"));
    writeFileSync(join(b, "prod.yml"), "db: {{ s5:seal prod-password }}\n");
    writeFileSync(join(b, "sub", "c.yml"), "c: {{ s5:seal other-secret }}\n");
    expect((await box.s5(["seal", "-i", "prod.yml", "sub/c.yml"], { cwd: b })).code).toBe(0);
    const token = (await box.s5(["cipher", "env-secret"], { cwd: b })).stdout.toString().trim();
    writeFileSync(join(b, ".env"), `DB=${token}\n`);
    // What a pull request to A can commit: links, relative and absolute, to a file or a directory.
    symlinkSync("../b/prod.yml", join(a, "leak.yml"));
    symlinkSync(join(b, "prod.yml"), join(a, "leak-abs.yml"));
    symlinkSync("../b/sub", join(a, "apps"));
    symlinkSync("../b/.env", join(a, ".env"));
    writeFileSync(join(b, "new.yml"), "n: {{ s5:seal typed }}\n");
    symlinkSync("../b/new.yml", join(a, "new.yml"));
    const s5 = (args: string[]) => box.s5(args, { cwd: a });
    for (const args of [
      ["render", "leak.yml"],
      ["render", "leak-abs.yml"],
      ["render", "apps/c.yml"],
      ["run", "-f", ".env", "--", "true"],
      ["check", "leak.yml"],
      ["ls", "leak.yml"],
      ["seal", "-i", "new.yml"],
    ]) {
      const out = await s5(args);
      // Before: exit 0, B's plaintext on stdout (A's keys failed on B's tokens before links were followed).
      expect(out.code, `${args.join(" ")}: ${out.stderr}`).toBe(12);
      expect(out.stderr, args.join(" ")).toMatch(refusal);
      expect(out.stdout.toString()).not.toContain("prod-password");
    }
    expect(readFileSync(join(b, "new.yml"), "utf8")).toBe("n: {{ s5:seal typed }}\n");
    // Named by its real place, the file is the user's choice: B's keys read it.
    const real = await s5(["render", "../b/prod.yml"]);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout.toString()).toBe("db: prod-password\n");
    // A link within the repository to another of its projects is followed (a monorepo's).
    mkdirSync(join(a, "pkg"));
    expect((await box.s5(["init", "--dir", "."], { cwd: join(a, "pkg") })).code).toBe(0);
    await box.s5(["cipher", "x"], { cwd: join(a, "pkg") });
    writeFileSync(join(a, "pkg", "p.yml"), "p: {{ s5:seal inside }}\n");
    symlinkSync("pkg/p.yml", join(a, "p.yml"));
    const inside = await s5(["seal", "-i", "p.yml"]);
    expect(inside.code, inside.stderr).toBe(0);
    expect(keyIds(readFileSync(join(a, "pkg", "p.yml"), "utf8"))).toEqual([keyOf(join(a, "pkg"))]);
  });

  it.runIf(asRoot)("of another user is refused, though its directory is theirs alone", async () => {
    const { box, top } = await projects(["app", "evil"], false);
    const [app, evil] = [join(top, "app"), join(top, "evil")];
    writeFileSync(join(evil, "values.yml"), "token: {{ s5:seal theirs }}\n");
    for (const name of ["", ".s5.json", "values.yml"])
      chownSync(join(evil, name), OTHER_UID, OTHER_UID);
    symlinkSync("../evil/values.yml", join(app, "values.yml"));
    const sealed = await box.s5(["seal", "values.yml"], { cwd: app });
    // Before: exit 0, sealed to their key with a first-use warning.
    expect(sealed.code, sealed.stderr).toBe(12);
    expect(sealed.stderr).toMatch(refusal);
    expect(sealed.stderr).toContain(`another user's project (uid ${OTHER_UID})`);
    expect(sealed.stdout.toString()).toBe("");
  });
});

describe("`..` after a link", () => {
  it("is read, sealed and written where the kernel opens it, with that place's project", async () => {
    const { box, top } = await projects(["app", "other"], false);
    const [app, other] = [join(top, "app"), join(top, "other")];
    mkdirSync(join(other, "sub"));
    symlinkSync("../other/sub", join(app, "sublink"));
    writeFileSync(join(other, "y.yml"), "y: {{ s5:seal from-other }}\n");
    writeFileSync(join(app, "y.yml"), "mine: a\n");
    const sealed = await box.s5(["seal", "-i", "sublink/../y.yml"], { cwd: app });
    expect(sealed.code, sealed.stderr).toBe(0);
    // Before: other's y.yml read, sealed to app's key, and written over app's y.yml.
    expect(readFileSync(join(app, "y.yml"), "utf8")).toBe("mine: a\n");
    expect(keyIds(readFileSync(join(other, "y.yml"), "utf8"))).toEqual([keyOf(other)]);
    const render = await box.s5(["render", "sublink/../y.yml"], { cwd: app });
    expect(render.stdout.toString()).toBe("y: from-other\n");
  });
});
