/** What the completion scripts need from the command declarations, in one flat shape. */
import { type CommandDef, completesFiles, flagsOf, visibleOptions } from "../define.ts";

/** One option as the completion scripts see it. */
export interface CompletedOption {
  long: string;
  short: string | undefined;
  /** `-s` and `--long`. */
  flags: string[];
  description: string;
  takesValue: boolean;
  /** The value hint (`HEX`), for zsh's message. */
  value: string;
  /** Fixed values to offer (`--backend local|aes|vault`). */
  choices: readonly string[];
  /** Offer file or directory names for the value. */
  files: "file" | "dir" | undefined;
  multiple: boolean;
}

/** One command as the completion scripts see it. */
export interface CompletedCommand {
  name: string;
  summary: string;
  options: CompletedOption[];
  /** Words offered as positionals: backend words, `keys` actions, shells. */
  words: string[];
  /** Offer file or directory names as positionals. */
  files: "file" | "dir" | undefined;
}

/** The first line of a description, for one-line completion hints. */
function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}

/** The completion model of every command, in order. */
export function completionModel(defs: readonly CommandDef[]): CompletedCommand[] {
  return defs.map((def) => {
    const words = new Set<string>();
    let files: "file" | "dir" | undefined;
    for (const positional of def.positionals) {
      if (Array.isArray(positional.complete))
        for (const word of positional.complete) words.add(word);
      else if (positional.complete === "file" || positional.complete === "dir") {
        files = files === "file" ? "file" : positional.complete;
      }
    }
    return {
      name: def.name,
      summary: def.summary,
      words: [...words],
      files,
      options: visibleOptions(def).map(([long, option]) => ({
        long,
        short: option.short,
        flags: flagsOf(long, option),
        description: firstLine(option.description),
        takesValue: option.type === "string",
        value: option.value ?? "VALUE",
        choices: option.choices ?? [],
        files: completesFiles(option),
        multiple: option.multiple === true,
      })),
    };
  });
}

/** Quotes a word for a POSIX shell (bash, zsh): inside single quotes. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
