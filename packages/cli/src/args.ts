/** Command-line parsing on Node's own `util.parseArgs`: flags may come before or after arguments. */
import { parseArgs } from "node:util";
import { type BackendName, type Overrides, UsageError } from "@s5/core";
import { closest, parseBackendName, showable } from "@s5/core/internal";
import { type CommandDef, completesFiles, type Input, type OptionDefs } from "./define.ts";

type ParserOptions = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean }
>;

/** The `util.parseArgs` options of a command's declaration. */
export function parserOptions(options: OptionDefs): ParserOptions {
  const result: ParserOptions = {};
  for (const [name, { type, short, multiple }] of Object.entries(options)) {
    result[name] = { type, ...(short ? { short } : {}), ...(multiple ? { multiple } : {}) };
  }
  return result;
}

const UNSUPPORTED = new Set(["aws", "gcp", "pgp"]);

/**
 * How a word typed where a name was expected is shown: only when it is close to a known name. The
 * known names may come from a file (recipients in `.s5.json`): escaped like the word.
 */
export function shownName(word: string, known: Iterable<string>): string {
  const near = closest(word, known);
  if (!near) return "(not shown: it may be a value)";
  return `\`${showable(word)}\` (did you mean \`${showable(near)}\`?)`;
}

function flagsOf(options: ParserOptions): string[] {
  return Object.entries(options).flatMap(([name, spec]) =>
    spec.short ? [`--${name}`, `-${spec.short}`] : [`--${name}`],
  );
}

/**
 * parseArgs quotes the offending argument, which may be a secret that starts with `-`
 * (`s5 cipher --Sup3rS3cretPw`): it is named only when it is close to one of the command's options.
 */
function describeParseError(error: Error & { code?: string }, options: ParserOptions): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? "";
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return `unknown option ${shownName(quoted.split("=")[0]!, flagsOf(options))}`;
  }
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    // "Option '-o, --output <value>' argument missing": named by its long form, a declared name.
    const long = /'(?:-\w, )?(--[\w-]+)/.exec(error.message)?.[1];
    const known = long && flagsOf(options).includes(long) ? long : undefined;
    return known ? `option ${known} needs a value` : "an option is missing its value";
  }
  return "the command line cannot be read";
}

/**
 * s5's own arguments and the rest: everything after `--`, or from the first argument that is not
 * an option (`s5 run node server.js`).
 */
function splitPassThrough(args: readonly string[], options: ParserOptions) {
  const dash = args.indexOf("--");
  if (dash !== -1) return { own: args.slice(0, dash), rest: args.slice(dash + 1) };
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== "string") continue;
    takesValue.add(`--${name}`);
    if (spec.short) takesValue.add(`-${spec.short}`);
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-")) return { own: args.slice(0, i), rest: args.slice(i) };
    if (takesValue.has(arg)) i++;
  }
  return { own: [...args], rest: [] };
}

/** Parses a command line by the command's declaration. */
export function parse<O extends OptionDefs>(def: CommandDef<O>, args: readonly string[]): Input<O> {
  const options = parserOptions(def.options);
  const { own, rest } = def.passThrough ? splitPassThrough(args, options) : { own: args, rest: [] };
  let result: ReturnType<typeof parseArgs>;
  try {
    result = parseArgs({
      args: [...own],
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (cause) {
    throw new UsageError(describeParseError(cause as Error & { code?: string }, options), {
      hint: `see \`s5 ${def.name} --help\`; put \`--\` before a value that starts with \`-\``,
    });
  }
  const positionals = [...result.positionals];
  let backendWord: BackendName | undefined;
  // After `--` every argument is a path: a hook that names files (`s5 check --no-decrypt --
  // vault app.yml`) must not take a file called `vault` for the backend and leave it unread.
  const first =
    result.tokens?.find((token) => token.kind !== "option")?.kind === "positional"
      ? positionals[0]
      : undefined;
  if (first !== undefined && UNSUPPORTED.has(first)) {
    throw new UsageError(`the \`${first}\` backend of the Go tool is not supported`, {
      hint: "decrypt those values with the Go tool once and encrypt them again with `s5 cipher`",
    });
  }
  if (first === "aes" || first === "vault" || first === "local") {
    backendWord = parseBackendName(first, "the command line");
    positionals.shift();
  }
  refuseEmptyPaths(def, result.values, positionals);
  return { values: result.values as Input<O>["values"], positionals, backendWord, rest };
}

/**
 * An empty path (`-o ""`, `s5 render "$UNSET"`) is a usage error naming the option or argument:
 * read or written, it would fail with a message about a file without a name, and an empty
 * `--config` would quietly mean no project config.
 */
function refuseEmptyPaths(
  def: CommandDef,
  values: Record<string, unknown>,
  positionals: readonly string[],
): void {
  const hint = "give it a path (an unset shell variable?)";
  for (const [name, option] of Object.entries(def.options)) {
    const value = values[name];
    const empty = Array.isArray(value) ? value.includes("") : value === "";
    if (empty && completesFiles(option)) {
      throw new UsageError(`option --${name} is empty`, {
        hint: `${hint}; see \`s5 ${def.name} --help\``,
      });
    }
  }
  const declared = def.positionals.filter((positional) => positional.name !== "BACKEND");
  positionals.forEach((value, i) => {
    const last = declared.at(-1);
    const positional = declared[i] ?? (last?.multiple ? last : undefined);
    const takesPath = positional?.complete === "file" || positional?.complete === "dir";
    if (value === "" && takesPath) {
      throw new UsageError(`the ${positional.name} argument is empty`, {
        hint: `${hint}; see \`s5 ${def.name} --help\``,
      });
    }
  });
}

/** Settings overrides from the flags shared by every command. */
export function overridesFrom(
  values: Record<string, unknown>,
  backendWord: BackendName | undefined,
): Overrides {
  const word = backendWord ?? (values.backend as string | undefined);
  return {
    backend: word,
    aesKey: values.key as string | undefined,
    configFile: values.config as string | undefined,
    privateKeyFile: values["private-key-file"] as string | undefined,
    goToolTokens: values.legacy as boolean | undefined,
    noTrim: values["no-trim"] as boolean | undefined,
    transitKey: values["transit-key"] as string | undefined,
    transitMount: values["transit-mount"] as string | undefined,
    learnKeys: true,
    // Said at once to a person waiting at a terminal, where the error would come only after the
    // retries (a Vault that is down). Not in logs: a failover's retries that succeed are no news.
    // (Asked only when there is a note: a render that gets its answers never loads node:tty.)
    note: (message) => {
      if (process.getBuiltinModule("node:tty").isatty(2)) {
        process.stderr.write(`s5: note: ${message}\n`);
      }
    },
  };
}
