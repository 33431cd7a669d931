// Compares the files `s5 ls` walks with the files git lists, on random repositories: random
// .gitignore rules (negations included) in most directories, one in .git/info/exclude, files
// force-added past the rules (`git add -f`), index version 2, 3 or 4, a third split (`git
// update-index --split-index`). Each repository is listed
// from its top, from `sub` and from `app`, by `s5 ls` and by `git ls-files --cached --others
// --exclude-standard`. Not part of the test suite (a few minutes for 100 repositories); run it
// after changing packages/cli/src/walk.ts or git-*.ts (needs the build and git):
//
//   node scripts/walk-vs-git.mjs [SEED] [REPOSITORIES]
//
// A start directory that git ignores is not compared: s5 walks a directory named on the command
// line, git lists only what it tracks there. Repositories that differ are kept and named.
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const s5Bin = fileURLToPath(new URL("../packages/cli/bin/s5.cjs", import.meta.url));
let seed = Number(process.argv[2] ?? 1);
const repositories = Number(process.argv[3] ?? 100);

/** A small linear congruential generator: the same seed gives the same repositories. */
function random(n) {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
}
const pick = (list) => list[random(list.length)];

const NAMES = ["a", "b", "keep", "drop", "x"];
const EXTENSIONS = [".yml", ".txt", ".json"];
const DIRS = ["", "sub/", "sub/deep/", "app/", "app/sub/", "build/", "app/build/"];
const RULES = [
  "*.yml",
  "!keep.yml",
  "*.txt",
  "!*.txt",
  "build/",
  "/build",
  "sub/",
  "!sub/",
  "deep",
  "/a.yml",
  "a*",
  "!a.json",
  "**/x.*",
  "!**/keep.*",
  "app/sub/*",
  "*.json",
  "!/app/a.yml",
  "sub/deep/",
];
const CONTENT = "k: {{ s5:local:v1:abc }}\n";

function lines(text) {
  return text.split("\n").filter(Boolean);
}

/** Writes one random repository; returns the environment git and s5 run with. */
function makeRepository(dir, round) {
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: "1",
    HOME: join(dir, ".git"),
    XDG_CONFIG_HOME: join(dir, ".git", "xdg"),
  };
  spawnSync("git", ["init", "-q"], { cwd: dir, env });
  const files = new Set();
  for (let i = 0; i < 25; i++) files.add(pick(DIRS) + pick(NAMES) + pick(EXTENSIONS));
  // Every third: a negation below a rule above it, the case git decides by the last match.
  if (round % 3 === 0) files.add("sub/keep.yml");
  for (const file of files) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), CONTENT);
  }
  for (const sub of DIRS) {
    if (random(5) === 0) continue;
    const rules = Array.from({ length: 2 + random(5) }, () => pick(RULES));
    mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, sub, ".gitignore"), `${rules.join("\n")}\n`);
  }
  if (round % 3 === 0) {
    appendFileSync(join(dir, ".gitignore"), "*.yml\n");
    appendFileSync(join(dir, "sub", ".gitignore"), "!keep.yml\n");
  }
  writeFileSync(join(dir, ".git", "info", "exclude"), random(2) ? `${pick(RULES)}\n` : "");
  const forced = [...files].filter(() => random(3) === 0);
  const git = (...args) => spawnSync("git", args, { cwd: dir, env });
  if (random(3) === 0 && forced.length > 1) {
    // A split index: the first half in the shared index, the rest added and one removed after.
    const half = forced.length >> 1;
    git("add", "-f", ...forced.slice(0, half));
    git("update-index", "--split-index");
    git("add", "-f", ...forced.slice(half));
    git("rm", "-q", "--cached", forced[random(half)]);
  } else if (forced.length > 0) git("add", "-f", ...forced);
  if (random(2)) git("update-index", "--index-version", "4");
  return env;
}

let differences = 0;
let compared = 0;
let split = 0;
const parent = mkdtempSync(join(tmpdir(), "s5-walk-vs-git-"));
for (let round = 0; round < repositories; round++) {
  const dir = join(parent, String(round));
  mkdirSync(dir);
  const env = makeRepository(dir, round);
  if (readdirSync(join(dir, ".git")).some((name) => name.startsWith("sharedindex."))) split++;
  const listed = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: dir,
    env,
    encoding: "utf8",
  });
  const gitFiles = lines(listed.stdout).filter((file) => !file.endsWith(".gitignore"));
  let same = true;
  for (const start of [".", "sub", "app"]) {
    if (start !== "." && !existsSync(join(dir, start))) continue;
    const ignored = spawnSync("git", ["check-ignore", "-q", "--no-index", `${start}/`], {
      cwd: dir,
      env,
    });
    if (start !== "." && ignored.status === 0) continue;
    const s5 = spawnSync(process.execPath, [s5Bin, "ls", start], {
      cwd: dir,
      env,
      encoding: "utf8",
    });
    const got = lines(s5.stdout)
      .map((line) => line.split(":")[0])
      .sort();
    const want = gitFiles.filter((file) => start === "." || file.startsWith(`${start}/`)).sort();
    compared++;
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      same = false;
      differences++;
      console.log(`${dir}, from ${start}:\n  s5:  ${got.join(" ")}\n  git: ${want.join(" ")}`);
    }
  }
  if (same) rmSync(dir, { recursive: true, force: true });
}
if (differences === 0) rmSync(parent, { recursive: true, force: true });
console.log(
  `${repositories} repositories (${split} with a split index), ${compared} listings compared, ${differences} different`,
);
process.exitCode = differences === 0 ? 0 : 1;
