/**
 * A command is declared once, as data: its options, positionals, summary, description and examples.
 * The parser, `--help` and the shell completion scripts are all generated from that declaration.
 */
import type { BackendName } from "@s5/core";
import type { Context } from "./context.ts";

/** One option of a command, declared once for the parser, `--help` and shell completion. */
export interface OptionDef {
  /** `string` takes a value (`--key HEX` or `--key=HEX`); `boolean` is a switch. */
  type: "string" | "boolean";
  /**
   * One-letter alias, without the dash.
   * @example "k"
   */
  short?: string;
  /**
   * The value's placeholder in `--help`. `FILE` and `DIR` make completion offer file names.
   * @default "VALUE"
   * @example "HEX"
   */
  value?: string;
  /**
   * The environment variable the option mirrors (the option wins when both are set).
   * @example "S5_AES_KEY"
   */
  env?: string;
  /** What the option does; continuation lines are indented in `--help`. */
  description: string;
  /**
   * Shown in `--help` as `default: …`; the default itself is applied by the settings.
   * @example "transit"
   */
  default?: string;
  /**
   * May be given several times; the values arrive as an array.
   * @default false
   */
  multiple?: boolean;
  /** The values shell completion offers (`raw json yaml base64 shell`). */
  choices?: readonly string[];
  /**
   * Accepted, so that the Go tool's command lines work, but neither shown nor completed.
   * @default false
   */
  hidden?: boolean;
}

/** One positional argument of a command. */
export interface PositionalDef {
  /**
   * The name shown in the usage line.
   * @example "FILE"
   */
  name: string;
  /** What it is, shown under `Arguments:` in `--help`. */
  description?: string;
  /** @default false */
  optional?: boolean;
  /** May be given several times. @default false */
  multiple?: boolean;
  /** What shell completion offers here: file or directory names, or fixed words. */
  complete?: "file" | "dir" | readonly string[];
}

/** The options object of a command: option name (without `--`) to its declaration. */
export type OptionDefs = Record<string, OptionDef>;

/** The parsed values of {@link OptionDefs}: a string, a string array (`multiple`) or a boolean. */
export type Values<O extends OptionDefs> = {
  [K in keyof O]?: O[K] extends { type: "boolean" }
    ? boolean
    : O[K] extends { multiple: true }
      ? string[]
      : string;
};

/** What a command's `run` receives. */
export interface Input<O extends OptionDefs> {
  values: Values<O>;
  positionals: string[];
  /** The Go tool's backend word, when the first positional is one. */
  backendWord: BackendName | undefined;
  /** With {@link CommandDef.passThrough}: the arguments after s5's own, untouched. */
  rest: string[];
}

/** A command, declared once. */
export interface CommandDef<O extends OptionDefs = OptionDefs> {
  /** The word after `s5`. */
  name: string;
  /** One line, for `s5 --help` and shell completion. */
  summary: string;
  /** The usage line after `s5 NAME`, when the one generated from the positionals does not say enough. */
  usage?: string;
  /** The text between the usage line and the options. */
  description: string;
  positionals: readonly PositionalDef[];
  options: O;
  /** Command lines, with an optional `# comment`; the first is also shown in `s5 --help`. */
  examples: readonly string[];
  /** Text after the examples. */
  notes?: string;
  /**
   * s5's own options end at `--` or at the first argument that is not an option; the rest is
   * passed on unparsed (`s5 run -- node server.js`).
   * @default false
   */
  passThrough?: boolean;
  run(input: Input<O>, context: Context): Promise<number>;
}

/** Declares a command; only checks and infers its types. */
export function defineCommand<const O extends OptionDefs>(def: CommandDef<O>): CommandDef<O> {
  return def;
}

/** The backend words of the Go tool, offered where a command takes a backend as first argument. */
export const BACKEND_WORDS = ["local", "aes", "vault"] as const;

/** The options a command shows and completes (everything the parser accepts but hidden ones). */
export function visibleOptions(def: CommandDef): [string, OptionDef][] {
  return Object.entries(def.options).filter(([, option]) => !option.hidden);
}

/** `--name` and `-s` for an option. */
export function flagsOf(name: string, option: OptionDef): string[] {
  return option.short ? [`-${option.short}`, `--${name}`] : [`--${name}`];
}

/** Whether completion should offer file names for an option's value. */
export function completesFiles(option: OptionDef): "file" | "dir" | undefined {
  if (option.type !== "string") return undefined;
  if (option.value === "FILE") return "file";
  if (option.value === "DIR") return "dir";
  return undefined;
}
