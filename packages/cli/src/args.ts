/** Command-line parsing on Node's own `util.parseArgs`: flags may come before or after arguments. */
import { parseArgs } from "node:util";
import { type BackendName, closest, type Overrides, parseBackendName, UsageError } from "@s5/core";

type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };

/** Flags every command takes (some only to accept the Go tool's command lines unchanged). */
export const commonOptions = {
  help: { type: "boolean", short: "h" },
  backend: { type: "string", short: "b" },
  config: { type: "string" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
} as const satisfies Record<string, OptionSpec>;

/** Flags of the backends: `--key` (aes), Vault's transit key and mount. */
export const backendOptions = {
  key: { type: "string" },
  "private-key-file": { type: "string" },
  "transit-key": { type: "string", short: "k" },
  "transit-mount": { type: "string" },
} as const satisfies Record<string, OptionSpec>;

/** The help lines of {@link backendOptions} (and `--config`), for commands that take all of them. */
export const backendOptionsHelp = `      --key HEX                AES key (S5_AES_KEY)
      --private-key-file FILE  s5 secret key(s) for local-key tokens (S5_PRIVATE_KEY_FILE)
  -k, --transit-key K          Vault transit key (S5_VAULT_TRANSIT_KEY)
      --transit-mount M        Vault transit mount (S5_VAULT_TRANSIT_MOUNT)
      --config FILE            project config (default: .s5.json found upward)`;

const UNSUPPORTED = new Set(["aws", "gcp", "pgp"]);

/** How a word typed where a name was expected is shown: only when it is close to a known name. */
export function shownName(word: string, known: Iterable<string>): string {
  const near = closest(word, known);
  if (!near) return "(not shown: it may be a value)";
  return `\`${word}\` (did you mean \`${near}\`?)`;
}

function flagsOf(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).flatMap(([name, spec]) =>
    spec.short ? [`--${name}`, `-${spec.short}`] : [`--${name}`],
  );
}

/**
 * parseArgs quotes the offending argument, which may be a secret that starts with `-`
 * (`s5 cipher --Sup3rS3cretPw`): it is named only when it is close to one of the command's options.
 */
function describeParseError(
  error: Error & { code?: string },
  options: Record<string, OptionSpec>,
): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? "";
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return `unknown option ${shownName(quoted.split("=")[0]!, flagsOf(options))}`;
  }
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const known = flagsOf(options).find((flag) => error.message.includes(`'${flag}`));
    return known ? `option ${known} needs a value` : "an option is missing its value";
  }
  return "the command line cannot be read";
}

export interface Parsed<V> {
  values: V;
  positionals: string[];
  /** The Go tool's backend word, when the first argument is one. */
  backendWord: BackendName | undefined;
}

export function parse<const O extends Record<string, OptionSpec>>(
  command: string,
  args: readonly string[],
  options: O,
): Parsed<
  ReturnType<
    typeof parseArgs<{ options: O; allowPositionals: true; strict: true; args: string[] }>
  >["values"]
> {
  let result: ReturnType<typeof parseArgs>;
  try {
    result = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (cause) {
    throw new UsageError(describeParseError(cause as Error & { code?: string }, options), {
      hint: `see \`s5 ${command} --help\`; put \`--\` before a value that starts with \`-\``,
    });
  }
  const positionals = [...result.positionals];
  let backendWord: BackendName | undefined;
  const first = positionals[0];
  if (first !== undefined && UNSUPPORTED.has(first)) {
    throw new UsageError(`the \`${first}\` backend of the Go tool is not supported`, {
      hint: "decrypt those values with the Go tool once and encrypt them again with `s5 cipher`",
    });
  }
  if (first === "aes" || first === "vault" || first === "local") {
    backendWord = parseBackendName(first, "the command line");
    positionals.shift();
  }
  return { values: result.values as never, positionals, backendWord };
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
    legacy: values.legacy as boolean | undefined,
    noTrim: values["no-trim"] as boolean | undefined,
    transitKey: values["transit-key"] as string | undefined,
    transitMount: values["transit-mount"] as string | undefined,
  };
}
