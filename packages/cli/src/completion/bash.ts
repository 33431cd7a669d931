/** The bash completion script (`s5 completion bash`). */
import type { CompletedCommand } from "./model.ts";

function commandCase(command: CompletedCommand): string {
  const values = command.options.filter((option) => option.takesValue);
  const valueCases = values.map((option) => {
    const pattern = option.flags.join("|");
    if (option.choices.length > 0) {
      return `        ${pattern}) COMPREPLY=( $(compgen -W "${option.choices.join(" ")}" -- "$cur") ); return 0 ;;`;
    }
    if (option.files) return `        ${pattern}) _s5_files ${option.files}; return 0 ;;`;
    return `        ${pattern}) return 0 ;;`;
  });
  const lines = [
    `    ${command.name})`,
    `      options="${command.options.flatMap((option) => option.flags).join(" ")}"`,
    `      words="${command.words.join(" ")}"`,
    `      files="${command.files ?? ""}"`,
  ];
  if (valueCases.length > 0) lines.push('      case "$prev" in', ...valueCases, "      esac");
  lines.push("      ;;");
  return lines.join("\n");
}

/** bash: `source <(s5 completion bash)`. */
export function bashScript(commands: readonly CompletedCommand[]): string {
  return `# bash completion for s5 (s5 completion bash); generated from the command declarations
_s5_files() {
  local IFS=$'\\n'
  if [[ "$1" == dir ]]; then
    COMPREPLY+=( $(compgen -d -- "$cur") )
  else
    COMPREPLY+=( $(compgen -f -- "$cur") )
  fi
  compopt -o filenames 2>/dev/null
}

_s5_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" command="" i
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  for (( i = 1; i < COMP_CWORD; i++ )); do
    case "\${COMP_WORDS[i]}" in
      --log-level|--log-format) (( i++ )) ;;
      -*) ;;
      *) command="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$command" ]]; then
    COMPREPLY=( $(compgen -W "${commands.map((command) => command.name).join(" ")} --help --version" -- "$cur") )
    return 0
  fi
  local options="" words="" files=""
  case "$command" in
${commands.map(commandCase).join("\n")}
    *) return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$options" -- "$cur") )
    return 0
  fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  [[ -n "$files" ]] && _s5_files "$files"
  return 0
}
complete -F _s5_complete s5
`;
}
