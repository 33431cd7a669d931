/** The zsh completion script (`s5 completion zsh`), built on `_arguments`. */
import { type CompletedCommand, type CompletedOption, shellQuote } from "./model.ts";

/** Text inside `_arguments`' `[…]` and `:…:` parts. */
function zshText(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/([[\]:])/g, "\\$1");
}

function valueAction(option: CompletedOption): string {
  if (option.choices.length > 0) return `(${option.choices.join(" ")})`;
  if (option.files === "dir") return "_files -/";
  if (option.files === "file") return "_files";
  return " ";
}

function optionSpecs(option: CompletedOption): string[] {
  const exclude = option.multiple
    ? "*"
    : option.flags.length > 1
      ? `(${option.flags.join(" ")})`
      : "";
  const help = `[${zshText(option.description)}]`;
  const value = option.takesValue ? `:${zshText(option.value)}:${valueAction(option)}` : "";
  return option.flags.map((flag) => {
    const form = option.takesValue ? (flag.startsWith("--") ? "=" : "+") : "";
    return shellQuote(`${exclude}${flag}${form}${help}${value}`);
  });
}

function functionName(command: CompletedCommand): string {
  return `_s5_${command.name.replace(/-/g, "_")}_arguments`;
}

function argumentsHelper(command: CompletedCommand): string | undefined {
  const alternatives: string[] = [];
  if (command.words.length > 0) alternatives.push(`'words:word:(${command.words.join(" ")})'`);
  if (command.files)
    alternatives.push(`'files:file:_files${command.files === "dir" ? " -/" : ""}'`);
  if (alternatives.length === 0) return undefined;
  return `${functionName(command)}() {\n  _alternative ${alternatives.join(" ")}\n}`;
}

function commandCase(command: CompletedCommand): string {
  const specs = command.options.flatMap(optionSpecs);
  if (argumentsHelper(command)) specs.push(shellQuote(`*:argument:${functionName(command)}`));
  return `        ${command.name})\n          _arguments -s -S \\\n            ${specs.join(" \\\n            ")}\n          ;;`;
}

/** zsh: save as `_s5` in a directory of `$fpath`, or `source <(s5 completion zsh)` after compinit. */
export function zshScript(commands: readonly CompletedCommand[]): string {
  const described = commands
    .map((command) => `    ${shellQuote(`${command.name}:${zshText(command.summary)}`)}`)
    .join("\n");
  const helpers = commands.map(argumentsHelper).filter(Boolean).join("\n\n");
  return `#compdef s5
# zsh completion for s5 (s5 completion zsh); generated from the command declarations

${helpers}

_s5() {
  local curcontext="$curcontext" state line
  local -a commands
  commands=(
${described}
  )
  _arguments -C \\
    '(- *)'{-h,--help}'[show help]' \\
    '(- *)'{-V,-v,--version}'[print the version]' \\
    '1: :->command' \\
    '*:: :->argument'
  case $state in
    command)
      _describe -t commands 'command' commands
      ;;
    argument)
      case $words[1] in
${commands.map(commandCase).join("\n")}
      esac
      ;;
  esac
}

if [ "$funcstack[1]" = "_s5" ]; then
  _s5 "$@"
else
  compdef _s5 s5
fi
`;
}
