import { setFlagsFromString } from "node:v8";
import {
  createBackends,
  renderSources,
  resolveSettings,
  type Source,
  type Spliced,
} from "@s5/core";
import { backendOptions, commonOptions, overridesFrom, parse } from "../args.ts";
import type { Context } from "../context.ts";
import { readInput } from "../io.ts";
import { progress } from "../progress.ts";
import { writeOutputs, writeStdout } from "../write.ts";

export const renderHelp = `Usage: s5 render [BACKEND] [FILE…|-] [-o OUT | -i] [options]

Replaces every token in the files (or stdin, or \`-\`) with its plaintext and keeps every other byte
as it was. All or nothing: when any token fails, nothing is printed or written and the exit code is
not 0 — safe for \`s5 render secret.yml | kubectl apply -f -\`.

Options:
  -o, --output OUT      write to OUT (one input): a new file is 0600, an existing one loses its
                        group/other bits; a FIFO, a device or /dev/stdout is written as a stream
  -i, --in-place        replace each FILE atomically (all files or none); it keeps its owner bits
                        and loses group/other bits
      --force           replace read-only files too
      --key HEX         AES key (S5_AES_KEY) for aes tokens
  -k, --transit-key K   Vault transit key (S5_VAULT_TRANSIT_KEY)
      --transit-mount M Vault transit mount (S5_VAULT_TRANSIT_MOUNT)
      --private-key-file FILE  s5 secret key(s) for local-key tokens (S5_PRIVATE_KEY_FILE)
      --config FILE     project config (default: .s5.json found upward)
      --keep-failed     leave tokens that do not decrypt as they are, exit 0 (for git diff)

Filters in tokens escape the value for where it lands: {{ s5:… | base64 }}, | json, | yaml, | shell.
Several files without -i are printed one after another.

As a git diff driver (shows plaintext diffs where you have the key, tokens elsewhere):
  git config diff.s5.textconv "s5 render --keep-failed"
  echo '*.yml diff=s5' >> .gitattributes
`;

const options = {
  ...commonOptions,
  ...backendOptions,
  output: { type: "string", short: "o" },
  "in-place": { type: "boolean", short: "i" },
  "keep-failed": { type: "boolean" },
  force: { type: "boolean" },
} as const;

/**
 * A large render keeps one object per token alive until the end, and V8 then grows its young
 * generation to 64 MB (sized from the machine's memory), most of the peak of a 50 MB render. Past
 * 16 MB of input, keep it at its starting size: 3.3× the file instead of 4.8× for 100k distinct
 * tokens, about 15 % slower. (A flag read when the young generation would grow; no effect on
 * small renders.)
 */
function boundYoungGeneration(sources: readonly Source<Uint8Array>[]): void {
  const total = sources.reduce((sum, source) => sum + source.content.byteLength, 0);
  if (total > 16 * 1024 * 1024) setFlagsFromString("--semi-space-growth-factor=1");
}

export async function renderCommand(args: readonly string[], context: Context): Promise<number> {
  const { values, positionals, backendWord } = parse("render", args, options);
  if (values.help) return context.help(renderHelp);
  const files = positionals.length > 0 ? positionals : ["-"];
  const inPlace = values["in-place"] === true;
  if (inPlace && values.output !== undefined) {
    context.usage("-i and -o cannot be used together", renderHelp);
  }
  if (inPlace && files.includes("-")) context.usage("-i needs files, not stdin", renderHelp);
  if (values.output !== undefined && files.length > 1) {
    context.usage("-o takes one input; use -i for several files", renderHelp);
  }
  if (files.filter((file) => file === "-").length > 1)
    context.usage("stdin (-) can be read once", renderHelp);

  const settings = resolveSettings({ overrides: overridesFrom(values, backendWord) });
  const bar = progress(files.length);
  const sources: Source<Uint8Array>[] = [];
  for (const file of files) {
    sources.push({ name: file === "-" ? "<stdin>" : file, content: await readInput(file) });
    bar.tick("read");
  }
  boundYoungGeneration(sources);
  let outputs: Spliced[];
  try {
    await using backends = createBackends(settings);
    outputs = await renderSources(sources, backends, { keepFailed: values["keep-failed"] });
  } finally {
    bar.done();
  }

  if (inPlace) {
    const targets = files.map((path, i) => ({ path, pieces: outputs[i]! }));
    await writeOutputs(targets, { secret: true, inPlace: true, force: values.force });
  } else if (values.output !== undefined) {
    await writeOutputs([{ path: values.output, pieces: outputs[0]! }], {
      secret: true,
      force: values.force,
    });
  } else {
    for (const output of outputs) await writeStdout(output);
  }
  return 0;
}
