// One declaration per command: the parser, `--help` and the bash/zsh/fish completion scripts must
// agree on every option of every command. The declarations are read from the CLI's source; each
// is checked against the built CLI's parser (a child process).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parserOptions } from "../../packages/cli/src/args.ts";
import { loadCommands } from "../../packages/cli/src/commands.ts";
import type { CommandDef } from "../../packages/cli/src/define.ts";
import { sandbox } from "./run.ts";

let defs: CommandDef[] = [];
beforeAll(async () => {
  defs = await loadCommands();
});

/** Every flag the parser accepts for a command, minus the hidden Go-tool ones. */
function acceptedFlags(def: CommandDef): string[] {
  return Object.entries(parserOptions(def.options))
    .filter(([name]) => !def.options[name]!.hidden)
    .flatMap(([name, spec]) => (spec.short ? [`-${spec.short}`, `--${name}`] : [`--${name}`]))
    .sort();
}

const has = (shell: string) => spawnSync("which", [shell]).status === 0;

describe("the parser accepts every declared option", () => {
  it("for every command (all options at once, then --help)", async () => {
    const box = sandbox();
    expect(defs.length).toBe(15);
    for (const def of defs) {
      const args = Object.entries(def.options).flatMap(([name, option]) =>
        option.type === "string"
          ? [`--${name}=v`]
          : option.short
            ? [`-${option.short}`]
            : [`--${name}`],
      );
      const result = await box.s5([def.name, ...args.filter((arg) => arg !== "--help"), "--help"]);
      expect(result.stderr, def.name).toBe("");
      expect(result.code, def.name).toBe(0);
      expect(result.stdout.toString()).toMatch(new RegExp(`^Usage: s5 ${def.name} `));
    }
  });

  it("--help shows every declared option, its alias and its variable", async () => {
    const box = sandbox();
    for (const def of defs) {
      const help = (await box.s5([def.name, "--help"])).stdout.toString();
      for (const [name, option] of Object.entries(def.options)) {
        if (option.hidden) {
          expect(help).not.toContain(`--${name}`);
          continue;
        }
        const label = `${option.short ? `-${option.short}, ` : ""}--${name}`;
        expect(help, `${def.name} ${name}`).toContain(label);
        if (option.env) expect(help).toContain(option.env);
      }
      expect(help).toContain(def.examples[0]!);
    }
    const main = (await box.s5(["--help"])).stdout.toString();
    for (const def of defs)
      expect(main).toMatch(
        new RegExp(`^  ${def.name} +${def.summary.replace(/[{}$.*|?]/g, "\\$&")}`, "m"),
      );
    // Each summary ends its line or is set apart from its example by two spaces, and every
    // example starts in the same column (the k8s summary ran into its example).
    const rows = main.slice(
      main.indexOf("Commands:\n") + 10,
      main.indexOf("\n\n", main.indexOf("Commands:")),
    );
    for (const def of defs) {
      const example = (def.examples[0] ?? "").replace(/\s+#.*$/, "");
      const line = rows.split("\n").find((row) => row.endsWith(example))!;
      expect(line, def.name).toBeDefined();
      expect(line.length - example.length, def.name).toBe(55);
      expect(line.slice(0, 55)).toMatch(/(^ +$)| {2}$/);
    }
    // No command with stdout going into a pipe (`s5 | kubectl apply -f -`): the usage goes to
    // stderr and the exit code is 2, so the help text never becomes the next program's input.
    const bare = await box.s5([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout.toString()).toBe("");
    expect(bare.stderr).toBe(main);
  });
});

describe("completion is generated from the declarations", () => {
  const bash = (script: string, cwd: string, words: string[]) => {
    const quoted = words.map((word) => `'${word}'`).join(" ");
    const run = spawnSync(
      "bash",
      [
        "-c",
        `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _s5_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { cwd, encoding: "utf8" },
    );
    expect(run.stderr).toBe("");
    return run.stdout.split("\n").filter(Boolean).sort();
  };

  it("bash offers exactly the options the parser accepts, for every command", async () => {
    const box = sandbox();
    const script = (await box.s5(["completion", "bash"])).stdout.toString();
    expect(bash(script, box.dir, ["s5", ""])).toEqual(
      [...defs.map((def) => def.name), "--help", "--version"].sort(),
    );
    for (const def of defs) {
      expect(bash(script, box.dir, ["s5", def.name, "-"]), def.name).toEqual(acceptedFlags(def));
    }
  });

  it("bash offers backend words, keys actions, shells, option values and file names", async () => {
    const box = sandbox();
    mkdirSync(join(box.dir, "conf"));
    writeFileSync(join(box.dir, "secret.yml"), "a: 1\n");
    const script = (await box.s5(["completion", "bash"])).stdout.toString();
    const at = (...words: string[]) => bash(script, box.dir, ["s5", ...words]);
    for (const command of ["cipher", "decipher", "render", "seal", "edit", "ls", "check"]) {
      expect(at(command, ""), command).toEqual(expect.arrayContaining(["aes", "local", "vault"]));
    }
    expect(at("render", "")).toEqual(expect.arrayContaining(["secret.yml", "conf"]));
    expect(at("cipher", "")).not.toContain("secret.yml");
    expect(at("keys", "")).toEqual([
      "add",
      "endorse",
      "generate",
      "list",
      "remove",
      "rotate",
      "show",
      "trust",
    ]);
    expect(at("completion", "")).toEqual(["bash", "fish", "zsh"]);
    expect(at("render", "--config", "")).toEqual(["conf", "secret.yml"]);
    expect(at("run", "-f", "se")).toEqual(["secret.yml"]);
    expect(at("run", "--render", "se")).toEqual(["secret.yml"]);
    expect(at("init", "--dir", "")).toEqual(["conf"]);
    expect(at("cipher", "--key", "")).toEqual([]);
    expect(at("cipher", "-f", "b")).toEqual(["base64"]);
    expect(at("check", "--format", "")).toEqual(["json", "sarif", "text"]);
    expect(at("ls", "-b", "v")).toEqual(["vault"]);
    expect(at("--log-level", "debug", "render", "--ke")).toEqual(["--keep-failed", "--key"]);
    expect(at("render", "-")).not.toContain("-f");
  });

  it("zsh and fish scripts name exactly the parser's options, and are valid shell", async () => {
    const box = sandbox();
    const zsh = (await box.s5(["completion", "zsh"])).stdout.toString();
    const fish = (await box.s5(["completion", "fish"])).stdout.toString();
    for (const def of defs) {
      const block = new RegExp(`\\n {8}${def.name}\\)\\n([\\s\\S]*?);;`).exec(zsh)?.[1] ?? "";
      const zshFlags = [...block.matchAll(/'(?:\([^)]*\)|\*)?(--?[a-z][\w-]*)/g)].map((m) => m[1]);
      expect([...new Set(zshFlags)].sort(), `zsh ${def.name}`).toEqual(acceptedFlags(def));

      const lines = fish
        .split("\n")
        .filter((line) => line.includes(`__fish_seen_subcommand_from ${def.name}'`));
      const fishFlags = lines.flatMap((line) => [
        ...[...line.matchAll(/ -s (\w)/g)].map((m) => `-${m[1]}`),
        ...[...line.matchAll(/ -l ([\w-]+)/g)].map((m) => `--${m[1]}`),
      ]);
      expect(fishFlags.sort(), `fish ${def.name}`).toEqual(acceptedFlags(def));
    }
    expect(zsh).toContain("'*:argument:_s5_keys_arguments'");
    expect(zsh).toContain("(show list generate add remove rotate endorse trust)");

    for (const [shell, script, check] of [
      ["zsh", zsh, ["-n"]],
      ["fish", fish, ["--no-execute"]],
    ] as const) {
      if (!has(shell)) {
        console.warn(`[s5 test] ${shell} is not installed: only the script's content was checked`);
        continue;
      }
      const file = join(box.dir, `s5.${shell}`);
      writeFileSync(file, script);
      const result = spawnSync(shell, [...check, file], { encoding: "utf8" });
      expect(result.status, result.stderr).toBe(0);
    }
    if (has("fish")) {
      const file = join(box.dir, "s5.fish");
      const asked = spawnSync(
        "fish",
        [
          "-c",
          `source ${file}; complete -C 's5 keys '; complete -C 's5 decipher --'; complete -C 's5 cipher --filter '`,
        ],
        { encoding: "utf8" },
      );
      expect(asked.stdout).toMatch(/^rotate$/m);
      expect(asked.stdout).toMatch(/^--backend\t/m);
      expect(asked.stdout).toMatch(/^base64\t/m);
    }
  });
});

describe("typos and missing values", () => {
  it("an unknown command is one error line with a hint, exit 2", async () => {
    const box = sandbox();
    const typo = await box.s5(["rendr"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      "s5: error: unknown command `rendr` (did you mean `render`?) (S5_USAGE)\n  hint: `s5 --help` lists the commands\n",
    );
    const far = await box.s5(["hunter2-Sup3rS3cret"]);
    expect(far.stderr).toMatch(
      /^s5: error: unknown command \(not shown: it may be a value\) \(S5_USAGE\)\n {2}hint: /,
    );
  });

  it("a missing value names its option", async () => {
    const box = sandbox();
    const missing = await box.s5(["render", "x.yml", "--output"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("option --output needs a value");
    expect((await box.s5(["cipher", "-k"])).stderr).toContain("option --transit-key needs a value");
    expect((await box.s5(["check", "--format", "xml"])).stderr).toContain(
      "--format is text, json or sarif",
    );
  });
});

describe("machine-readable output: one JSON array per command; SARIF for check", () => {
  async function project() {
    const box = sandbox();
    await box.s5(["init", "--name", "dev"]);
    const token = (await box.s5(["cipher", "v"])).stdout.toString();
    writeFileSync(
      join(box.dir, "app.yml"),
      [`ok: ${token}`, "db_password: hunter2hunter2", "x: {{ s5:oops!! }}", ""].join("\n"),
    );
    return { box, token };
  }

  it("ls --json, keys list --json and check --json print arrays", async () => {
    const { box, token } = await project();
    const ls = JSON.parse((await box.s5(["ls", "--json"])).stdout.toString());
    expect(ls).toEqual([
      expect.objectContaining({
        file: "app.yml",
        line: 1,
        backend: "local",
        goTool: false,
        legacy: false,
      }),
    ]);
    const keys = JSON.parse((await box.s5(["keys", "list", "--json"])).stdout.toString());
    expect(keys).toEqual([
      {
        kind: "local",
        id: token.split(":")[2],
        publicKey: expect.stringMatching(/^s5pk-/),
        encrypts: true,
        created: expect.any(String),
        recipients: [{ name: "dev", publicKey: expect.stringMatching(/^s5pk-/) }],
      },
    ]);
    const check = await box.s5(["check", "--json"]);
    expect(check.code).toBe(10);
    const problems = JSON.parse(check.stdout.toString());
    expect(problems).toEqual([
      expect.objectContaining({ file: "app.yml", line: 2, column: 14, code: "S5_CHECK_PLAINTEXT" }),
      expect.objectContaining({ file: "app.yml", line: 3, column: 4, code: "S5_TOKEN_MALFORMED" }),
    ]);
    expect(check.stdout.toString()).not.toContain("hunter2");
    expect(JSON.parse((await box.s5(["check", "--format", "json"])).stdout.toString())).toEqual(
      problems,
    );
  });

  it("check --format sarif writes SARIF 2.1.0 with a rule per code and relative locations", async () => {
    const { box } = await project();
    mkdirSync(join(box.dir, "sub"));
    const result = await box.s5(["check", "--format", "sarif"], { cwd: box.dir });
    expect(result.code).toBe(10);
    const text = result.stdout.toString();
    expect(text).not.toContain("hunter2");
    const sarif = JSON.parse(text);
    expect(sarif.version).toBe("2.1.0");
    const [run] = sarif.runs;
    expect(run.tool.driver.name).toBe("s5");
    expect(run.tool.driver.rules.map((rule: { id: string }) => rule.id)).toEqual([
      "S5_CHECK_PLAINTEXT",
      "S5_TOKEN_MALFORMED",
    ]);
    expect(run.results).toHaveLength(2);
    for (const item of run.results) {
      expect(item.level).toBe("error");
      expect(run.tool.driver.rules[item.ruleIndex].id).toBe(item.ruleId);
      expect(typeof item.message.text).toBe("string");
      const { artifactLocation, region } = item.locations[0].physicalLocation;
      expect(artifactLocation.uri).toBe("app.yml");
      expect(region.startLine).toBeGreaterThan(0);
      expect(region.startColumn).toBeGreaterThan(0);
    }
    const nested = JSON.parse(
      (
        await box.s5(["check", "--format=sarif", "."], { cwd: join(box.dir, "sub") })
      ).stdout.toString(),
    );
    expect(nested.runs[0].results).toEqual([]);
    const above = JSON.parse(
      (
        await box.s5(["check", "--format=sarif", join(box.dir, "app.yml")], {
          cwd: join(box.dir, "sub"),
        })
      ).stdout.toString(),
    );
    expect(above.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
      "../app.yml",
    );
    // A name with a space, `#` and `%` is a URI reference, percent-encoded.
    writeFileSync(join(box.dir, "my file#1 100%.yml"), readFileSync(join(box.dir, "app.yml")));
    const odd = JSON.parse(
      (await box.s5(["check", "--format=sarif", "my file#1 100%.yml"])).stdout.toString(),
    );
    expect(odd.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
      "my%20file%231%20100%25.yml",
    );
  });
});
