// Every code block of README.md and docs/*.md is run or checked here, so the docs cannot drift
// (markers and defaults: test/docs/examples.ts). Shell examples run with bash in a temporary
// project, with the built `s5` on PATH, local keys in a private HOME, and Vault examples against
// the test's OpenBao (with the real `bao` CLI). A block nobody marked fails the test.
//
// What the test changes in an example before it runs, and why:
//   - `npx s5` runs as `s5` (on PATH, as `npm install --save-dev s5` + npx gives; npx itself could
//     fetch an unrelated package of that name from the registry);
//   - `https://vault.example.com:8200` is the test's OpenBao;
//   - kubectl and helm are stand-ins that fail when a token or nothing reaches them (the real ones
//     against a real API server run in test/k8s/flows.test.ts).
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { s5OnPath } from "../cli/run.ts";
import { admin, apiOk, describeVault, server } from "../vault/helpers.ts";
import {
  actionOf,
  type Block,
  consoleSteps,
  type Directive,
  extractBlocks,
  outputPattern,
} from "./examples.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./fixture/", import.meta.url));
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
];

const STAND_INS: Record<string, string> = {
  kubectl: `#!/bin/sh
# Stand-in for kubectl (see test/docs/examples.test.ts): the manifest must arrive, without tokens.
input=$(cat)
[ -n "$input" ] || { echo "kubectl stand-in: nothing on stdin" >&2; exit 1; }
case "$input" in *"{{ s5:"*|*"{{s5:"*) echo "kubectl stand-in: a token reached kubectl" >&2; exit 1;; esac
`,
  helm: `#!/bin/sh
# Stand-in for helm (see test/docs/examples.test.ts): every -f file must be rendered.
while [ $# -gt 0 ]; do
  if [ "$1" = "-f" ]; then
    grep -q "{{ *s5:" "$2" && { echo "helm stand-in: $2 still holds tokens" >&2; exit 1; }
  fi
  shift
done
exit 0
`,
};

const substitute = (text: string) =>
  text
    .replaceAll(/\bnpx s5\b/g, "s5")
    .replaceAll("https://vault.example.com:8200", server.addr ?? "");

interface Project {
  dir: string;
  home: string;
  env: Record<string, string>;
}

describeVault("the examples of README.md and docs/*.md", () => {
  let base: string;
  let bin: string;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "s5-docs-"));
    bin = s5OnPath(join(base, "first"));
    for (const [name, script] of Object.entries(STAND_INS)) {
      writeFileSync(join(bin, name), script);
      chmodSync(join(bin, name), 0o755);
    }
    if (server.bin) copyFileSync(server.bin, join(bin, "bao"));
    // The mount and key the Vault examples name (`transit`, `app`).
    const mounts = await apiOk(admin, "GET", "sys/mounts");
    if (!mounts["transit/"] && !mounts.data?.["transit/"]) {
      await apiOk(admin, "POST", "sys/mounts/transit", { type: "transit" });
    }
  }, 60_000);
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  function newProject(doc: string, marker?: Extract<Directive, { kind: "project" }>): Project {
    const root = mkdtempSync(join(base, `${doc.replaceAll("/", "-")}-`));
    const dir = join(root, "app");
    const home = join(root, "home");
    mkdirSync(dir);
    mkdirSync(home);
    const env: Record<string, string> = {
      PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      NO_COLOR: "1",
      LANG: "C.UTF-8",
    };
    if (marker?.vault) {
      Object.assign(env, {
        VAULT_ADDR: admin.addr,
        VAULT_TOKEN: admin.token,
        BAO_ADDR: admin.addr,
        BAO_TOKEN: admin.token,
        NO_PROXY: "127.0.0.1,localhost",
      });
    }
    if (marker?.fixture) {
      copyFileSync(join(FIXTURE, "s5.json"), join(dir, ".s5.json"));
      mkdirSync(join(home, ".config", "s5"), { recursive: true, mode: 0o700 });
      copyFileSync(join(FIXTURE, "identity.txt"), join(home, ".config", "s5", "identity.txt"));
      chmodSync(join(home, ".config", "s5", "identity.txt"), 0o600);
    }
    return { dir, home, env };
  }

  function bash(project: Project, script: string) {
    return spawnSync("bash", ["-e", "-o", "pipefail", "-c", script], {
      cwd: project.dir,
      env: project.env,
      encoding: "utf8",
    });
  }

  const commands = (block: Block, kind: "before" | "expect") =>
    block.directives.flatMap((d) => (d.kind === kind ? [substitute(d.command)] : []));
  const where = (block: Block) => `${block.file}:${block.line}`;

  /** A console block: each `$ command`, its output (stdout and stderr, as a terminal shows). */
  function runConsole(project: Project, block: Block) {
    const steps = consoleSteps(block.text);
    const lines = [...commands(block, "before")];
    steps.forEach((step, i) => {
      // `$ cat FILE` of a file that is not there yet: the block shows the file, so write it.
      const cat = /^cat (\S+)$/.exec(step.command);
      if (cat?.[1] && !existsSync(join(project.dir, cat[1]))) {
        writeFileSync(join(project.dir, cat[1]), step.expected);
      }
      lines.push(`printf '\\036%d\\n' ${i}`, `{ ${substitute(step.command)}\n} 2>&1`);
      for (const d of block.directives) {
        if (d.kind === "after" && d.step === i + 1) {
          lines.push(`printf '\\036hidden\\n'`, `{ ${substitute(d.command)}\n} >/dev/null 2>&1`);
        }
      }
    });
    lines.push(`printf '\\036end\\n'`, ...commands(block, "expect"));
    const result = bash(project, lines.join("\n"));
    expect(result.status, `${where(block)}: ${result.stdout}${result.stderr}`).toBe(0);
    const parts = result.stdout
      .split(/\u001e(?:\d+|end)\n/)
      .slice(1, steps.length + 1)
      .map((part) => part.replace(/\u001ehidden\n[\s\S]*$/, ""))
      // Without a terminal, cipher prints no final newline (see the README); the docs show one.
      .map((part) => (part === "" || part.endsWith("\n") ? part : `${part}\n`));
    steps.forEach((step, i) => {
      const shown = (parts[i] ?? "")
        .replaceAll(project.dir, "/work/app")
        .replaceAll(project.home, "/home/alice");
      expect(shown, `${where(block)}: output of \`${step.command}\``).toMatch(
        outputPattern(step.expected),
      );
    });
  }

  function usageCommands(text: string): string[] {
    return [...text.matchAll(/^s5 ([a-z][\w-]*)/gm)].map((m) => m[1]!);
  }

  for (const doc of DOCS) {
    it(`${doc}: every block is run, checked, or marked with a reason`, () => {
      const blocks = extractBlocks(join(ROOT, doc), doc);
      const unmarked = blocks.filter((b) => actionOf(b) === "unmarked").map(where);
      expect(unmarked, "blocks with neither a runnable language nor a doc-test marker").toEqual([]);
      for (const block of blocks) {
        if (actionOf(block) === "run" && block.lang !== "sh") {
          throw new Error(`${where(block)}: shell examples are \`sh\` blocks`);
        }
      }
    });

    it(`${doc}: its examples work`, () => {
      const blocks = extractBlocks(join(ROOT, doc), doc);
      const projects = new Map<Block, Project>();
      let current: Project | undefined;
      // Projects and files first: an `output` block may come before the file it renders.
      for (const block of blocks) {
        const marker = block.directives.find((d) => d.kind === "project");
        if (marker) current = newProject(doc, marker);
        current ??= newProject(doc);
        projects.set(block, current);
        const file = block.directives.find((d) => d.kind === "file");
        if (file && actionOf(block) === "file") {
          mkdirSync(dirname(join(current.dir, file.name)), { recursive: true });
          writeFileSync(join(current.dir, file.name), block.text);
        }
      }
      for (const block of blocks) {
        const project = projects.get(block)!;
        const action = actionOf(block);
        if (action === "parse") {
          // Tokens are not YAML until rendered: parse with a plain stand-in value.
          const text = block.text.replace(/\{\{[^}]*\}\}/g, "TOKEN");
          if (block.lang === "json") expect(() => JSON.parse(text), where(block)).not.toThrow();
          else expect(() => parseYaml(text), where(block)).not.toThrow();
        } else if (action === "run") {
          const script = [...commands(block, "before"), substitute(block.text)];
          const result = bash(project, [...script, ...commands(block, "expect")].join("\n"));
          expect(result.status, `${where(block)}: ${result.stdout}${result.stderr}`).toBe(0);
        } else if (action === "file" && commands(block, "expect").length > 0) {
          const result = bash(project, commands(block, "expect").join("\n"));
          expect(result.status, `${where(block)}: ${result.stdout}${result.stderr}`).toBe(0);
        } else if (action === "console") {
          runConsole(project, block);
        } else if (action === "output") {
          const output = block.directives.find((d) => d.kind === "output")!;
          const script = [...commands(block, "before"), substitute(output.command)];
          const result = bash(project, script.join("\n"));
          expect(result.stderr, where(block)).toBe("");
          expect(result.stdout, `${where(block)}: what \`${output.command}\` prints`).toBe(
            block.text,
          );
        } else if (action === "usage") {
          const help = bash(project, "s5 --help");
          const listed = [...help.stdout.matchAll(/^ {2}([a-z][\w-]*) {2,}/gm)].map((m) => m[1]);
          expect(usageCommands(block.text), `${where(block)}: the commands of s5 --help`).toEqual(
            listed,
          );
        }
      }
    }, 120_000);
  }
});
