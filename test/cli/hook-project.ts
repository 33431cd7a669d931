// A git project with the README's plain pre-commit hook and a file of tokens committed, for the
// tests of what `s5 check --staged` refuses (staged-render, lfs).
import { readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";
import { gitProject } from "./run.ts";

/** Values no heuristic takes for a secret: only where they stood tells. */
export const PASSWORD = "Zx9kq2LmPw7vB3nR";
export const HOST = "db.internal.example";

/**
 * A project with s5 on PATH, the README's plain hook, and values.yml sealed and committed with
 * `.s5.json` and `extra` (files `setUp` wrote: it runs after `git init`, before the seal).
 */
export async function hookProject(
  setUp: (git: Awaited<ReturnType<typeof gitProject>>["git"]) => void = () => {},
  extra: readonly string[] = [],
) {
  const { box, env, git, file, s5 } = await gitProject();
  const read = (name: string) => readFileSync(file(name), "utf8");
  git("init", "-q", "-b", "main");
  setUp(git);
  // The README's hook (`.husky/pre-commit, or .git/hooks/pre-commit`), with s5 on PATH here where
  // a project has it in node_modules for `npx`.
  writeFileSync(file(".git/hooks/pre-commit"), "#!/bin/sh\ns5 check --no-decrypt --staged\n", {
    mode: 0o755,
  });
  writeFileSync(
    file("values.yml"),
    `db:\n  password: {{ s5:seal ${PASSWORD} }}\n  host: {{ s5:seal ${HOST} }}\n  port: 5432\n`,
  );
  expect((await s5("seal", "-i", "values.yml")).code).toBe(0);
  git("add", ".s5.json", "values.yml", ...extra);
  expect(git("commit", "-qm", "sealed").status).toBe(0);
  const sealed = read("values.yml");
  const commits = () => git("log", "--oneline").stdout.trim().split("\n").length;
  return { box, env, git, file, read, s5, sealed, commits };
}

/** `git commit -m MESSAGE` through the hook, which must refuse it: what git and the hook said. */
export function refusedCommit(
  git: Awaited<ReturnType<typeof gitProject>>["git"],
  message: string,
): string {
  const commit = git("commit", "-qm", message);
  const out = commit.stdout + commit.stderr;
  expect(commit.status, out).not.toBe(0);
  return out;
}

/**
 * values.yml rendered in place and committed past the hook (`--no-verify`) on a new branch
 * `feature`, as a pull request would carry it.
 */
export async function renderedOnBranch(project: {
  git: Awaited<ReturnType<typeof gitProject>>["git"];
  s5: Awaited<ReturnType<typeof gitProject>>["s5"];
}): Promise<void> {
  const { git, s5 } = project;
  expect(git("switch", "-q", "-c", "feature").status).toBe(0);
  expect((await s5("render", "-i", "values.yml")).code).toBe(0);
  git("add", "values.yml");
  expect(git("commit", "-q", "--no-verify", "-m", "rendered").status).toBe(0);
}
