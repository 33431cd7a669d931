import type { Context } from "../context.ts";

export const completionHelp = `Usage: s5 completion bash|zsh|fish

Prints a shell completion script for commands, options and backend words.
  bash:  echo 'source <(s5 completion bash)' >> ~/.bashrc
  zsh:   s5 completion zsh > "\${fpath[1]}/_s5"   (then restart zsh)
  fish:  s5 completion fish > ~/.config/fish/completions/s5.fish
`;

type Command = (args: readonly string[], context: Context) => Promise<number>;

export interface CommandSpec {
  name: string;
  description: string;
  flags: string[];
  backends: boolean;
}

/** Reads each command's own `--help`, so completion never drifts from the commands. */
export async function commandSpecs(
  commands: Record<string, Command>,
  mainHelp: string,
): Promise<CommandSpec[]> {
  const specs: CommandSpec[] = [];
  for (const [name, command] of Object.entries(commands)) {
    let help = "";
    await command(["--help"], {
      help(text) {
        help = text;
        return 0;
      },
      usage(message) {
        throw new Error(message);
      },
    });
    const flags = new Set<string>(["--help", "-h"]);
    for (const match of help.matchAll(/(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)/g)) {
      const flag = match[1]!;
      if (flag.length === 2 || flag.startsWith("--")) flags.add(flag);
    }
    const description =
      new RegExp(`^\\s+${name}\\s{2,}(.+?)(?:\\s{2,}|$)`, "m").exec(mainHelp)?.[1] ?? "";
    specs.push({
      name,
      description,
      flags: [...flags].sort(),
      backends: help.includes("[BACKEND]"),
    });
  }
  return specs;
}

const BACKENDS = "local aes vault";

function bash(specs: CommandSpec[]): string {
  const cases = specs
    .map(
      (spec) =>
        `    ${spec.name}) words="${spec.flags.join(" ")}${spec.backends ? ` ${BACKENDS}` : ""}" ;;`,
    )
    .join("\n");
  return `# bash completion for s5 (s5 completion bash)
_s5() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${specs.map((s) => s.name).join(" ")} --help --version" -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -o bashdefault -F _s5 s5
`;
}

function zsh(specs: CommandSpec[]): string {
  const quote = (text: string) => text.replace(/'/g, "'\\''").replace(/:/g, "\\:");
  const commands = specs.map((spec) => `    '${spec.name}:${quote(spec.description)}'`).join("\n");
  const cases = specs
    .map(
      (spec) =>
        `    ${spec.name}) compadd -- ${spec.flags.join(" ")}${spec.backends ? ` ${BACKENDS}` : ""}; _files ;;`,
    )
    .join("\n");
  return `#compdef s5
# zsh completion for s5 (s5 completion zsh)
_s5() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case $words[2] in
${cases}
  esac
}
compdef _s5 s5
`;
}

function fish(specs: CommandSpec[]): string {
  const names = specs.map((s) => s.name).join(" ");
  const lines = [
    `# fish completion for s5 (s5 completion fish)`,
    `complete -c s5 -n "not __fish_seen_subcommand_from ${names}" -f`,
  ];
  for (const spec of specs) {
    const description = spec.description.replace(/'/g, "\\'");
    lines.push(
      `complete -c s5 -n "not __fish_seen_subcommand_from ${names}" -a ${spec.name} -d '${description}'`,
    );
    const when = `-n "__fish_seen_subcommand_from ${spec.name}"`;
    for (const flag of spec.flags) {
      lines.push(
        flag.startsWith("--")
          ? `complete -c s5 ${when} -l ${flag.slice(2)}`
          : `complete -c s5 ${when} -s ${flag.slice(1)}`,
      );
    }
    if (spec.backends) lines.push(`complete -c s5 ${when} -a '${BACKENDS}'`);
  }
  return `${lines.join("\n")}\n`;
}

export async function completionCommand(
  args: readonly string[],
  context: Context,
  commands: Record<string, Command>,
  mainHelp: string,
): Promise<number> {
  const [shell, ...rest] = args;
  if (shell === "--help" || shell === "-h") return context.help(completionHelp);
  if (rest.length > 0 || (shell !== "bash" && shell !== "zsh" && shell !== "fish")) {
    context.usage("name a shell: bash, zsh or fish", completionHelp);
  }
  const specs = await commandSpecs(commands, mainHelp);
  const script = shell === "bash" ? bash(specs) : shell === "zsh" ? zsh(specs) : fish(specs);
  process.stdout.write(script);
  return 0;
}
