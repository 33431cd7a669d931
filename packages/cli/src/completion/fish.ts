/** The fish completion script (`s5 completion fish`). */
import type { CompletedCommand, CompletedOption } from "./model.ts";

/** A fish single-quoted string. */
function quote(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function optionLine(command: CompletedCommand, option: CompletedOption): string {
  const parts = ["complete -c s5", `-n ${quote(`__fish_seen_subcommand_from ${command.name}`)}`];
  if (option.short) parts.push(`-s ${option.short}`);
  parts.push(`-l ${option.long}`);
  if (option.takesValue) {
    if (option.choices.length > 0) parts.push(`-x -a ${quote(option.choices.join(" "))}`);
    else if (option.files === "dir") parts.push(`-x -a ${quote("(__fish_complete_directories)")}`);
    else if (option.files === "file") parts.push("-r -F");
    else parts.push("-x");
  }
  parts.push(`-d ${quote(option.description)}`);
  return parts.join(" ");
}

/** fish: `s5 completion fish > ~/.config/fish/completions/s5.fish`. */
export function fishScript(commands: readonly CompletedCommand[]): string {
  const lines = [
    "# fish completion for s5 (s5 completion fish); generated from the command declarations",
    "complete -c s5 -f",
    "complete -c s5 -n __fish_use_subcommand -s h -l help -d 'show help'",
    "complete -c s5 -n __fish_use_subcommand -s V -l version -d 'print the version'",
  ];
  for (const command of commands) {
    lines.push(
      `complete -c s5 -n __fish_use_subcommand -a ${command.name} -d ${quote(command.summary)}`,
    );
  }
  for (const command of commands) {
    const when = `-n ${quote(`__fish_seen_subcommand_from ${command.name}`)}`;
    for (const option of command.options) lines.push(optionLine(command, option));
    if (command.words.length > 0) {
      lines.push(`complete -c s5 ${when} -a ${quote(command.words.join(" "))}`);
    }
    if (command.files === "file") lines.push(`complete -c s5 ${when} -F`);
    if (command.files === "dir") {
      lines.push(`complete -c s5 ${when} -a ${quote("(__fish_complete_directories)")}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
