import {
  DOCUMENT_KINDS,
  type DocumentKind,
  resolveSettings,
  type Source,
  type Spliced,
} from "@s5/core";
import { overridesFrom } from "../args.ts";
import type { Context } from "../context.ts";
import { BACKEND_WORDS, defineCommand } from "../define.ts";
import { readInput } from "../io.ts";
import { backendOptions, commonOptions, inPlaceOptions } from "../options.ts";
import { SHARED_FIX, SHARED_FIX_STDOUT, warnSharedDescriptor } from "../output-checks.ts";
import { progress } from "../progress.ts";
import { renderFiles } from "../render-files.ts";
import { onceEach } from "../same-file.ts";
import { writeStdout } from "../stdout.ts";
import { warnUnignoredOutput } from "../unignored-output.ts";
import { checkOutputs, writeOutputs } from "../write.ts";

/**
 * A large render keeps one object per token alive until the end, and V8 then grows its young
 * generation to 64 MB (sized from the machine's memory), most of the peak of a 50 MB render. Past
 * 16 MB of input, keep it at its starting size: 3.3× the file instead of 4.8× for 100k distinct
 * tokens, about 15 % slower. (A flag read when the young generation would grow; no effect on
 * small renders.)
 */
function boundYoungGeneration(sources: readonly Source<Uint8Array>[]): void {
  const total = sources.reduce((sum, source) => sum + source.content.byteLength, 0);
  // node:v8 is loaded here only (30 modules): small renders never need it.
  if (total > 16 * 1024 * 1024) {
    process.getBuiltinModule("node:v8").setFlagsFromString("--semi-space-growth-factor=1");
  }
}

/** What `--input-type` takes: the kinds core judges, and `text` for none. */
const INPUT_TYPES: readonly string[] = [...DOCUMENT_KINDS, "text"];

export default defineCommand({
  name: "render",
  summary: "replace every token in files",
  description: `Replaces every token in the files (or stdin, or \`-\`) with its plaintext and keeps every other byte
as it was. All or nothing: when any token fails, nothing is printed or written and the exit code is
not 0 — safe for \`s5 render secret.yml | kubectl apply -f -\`.
Filters in tokens escape the value for where it lands: {{ s5:… | base64 }}, | json, | yaml, | hcl,
| shell. In a .json, .yaml/.yml, .env, .tf/.tfvars/.hcl or .toml file, a value without a filter that
would end the string or scalar its token stands in (a line break in \`key: {{ s5:… }}\`, a quote in a
JSON string, \`\${\` in an HCL string) is refused (S5_VALUE_CONTEXT) with the filter that fits;
\`| raw\` splices it as it is. Stdin is judged with --input-type
(\`helm template . | s5 render --input-type yaml\`).
Several files without -i are printed one after another; a file named twice, once.`,
  usage: "[BACKEND] [FILE…|-] [-o OUT | -i] [options]",
  positionals: [
    { name: "BACKEND", optional: true, complete: BACKEND_WORDS },
    { name: "FILE", optional: true, multiple: true, complete: "file" },
  ],
  options: {
    ...commonOptions,
    ...backendOptions,
    output: {
      type: "string",
      short: "o",
      value: "FILE",
      description: `write to FILE (one input): a new file is 0600, an existing one loses its
group/other bits; a FIFO, a device or /dev/stdout is written as a stream`,
    },
    "in-place": {
      type: "boolean",
      short: "i",
      description: `replace each FILE atomically (all files or none); it keeps its owner bits
and loses group/other bits`,
    },
    force: inPlaceOptions.force,
    "input-type": {
      type: "string",
      value: "TYPE",
      description: `judge values by where they land as in a file of this type, whatever the
names (stdin too): ${DOCUMENT_KINDS.join(", ")}; text judges none`,
      default: "from each file's name",
      choices: INPUT_TYPES,
    },
    "keep-failed": {
      type: "boolean",
      description: "leave tokens that do not decrypt as they are, exit 0",
    },
    textconv: {
      type: "boolean",
      description: `for git diff (a textconv driver): --keep-failed, and an S5Secret's values shown
too; to stdout only: the output is for reading, never for kubectl`,
    },
  },
  examples: ["s5 render secret.yml | kubectl apply -f -", "s5 render -i config/*.yml"],
  notes: `As a git diff driver (shows plaintext diffs where you have the key, tokens elsewhere):
  git config diff.s5.textconv "s5 render --textconv"
  echo '*.yml diff=s5' >> .gitattributes`,
  async run({ values, positionals, backendWord }, context: Context) {
    // One real file named twice (`a.yml ./a.yml`, a link to it) is read and written once.
    const files = onceEach(positionals.length > 0 ? positionals : ["-"]);
    const inPlace = values["in-place"] === true;
    if (inPlace && values.output !== undefined) {
      context.usage("-i and -o cannot be used together");
    }
    if (inPlace && files.includes("-")) context.usage("-i needs files, not stdin");
    if (values.output !== undefined && files.length > 1) {
      context.usage("-o takes one input; use -i for several files");
    }
    if (values.textconv && (inPlace || values.output !== undefined)) {
      // An S5Secret rendered whole is no manifest to keep: its plaintext would stand in it.
      context.usage("--textconv writes to stdout only (its output is for reading)");
    }
    if (files.filter((file) => file === "-").length > 1)
      context.usage("stdin (-) can be read once");
    const inputType = values["input-type"];
    if (inputType !== undefined && !INPUT_TYPES.includes(inputType)) {
      context.usage(`--input-type is one of: ${INPUT_TYPES.join(", ")}`);
    }

    const overrides = overridesFrom(values, backendWord);
    const settings = resolveSettings({ overrides });
    const bar = progress(files.length);
    const sources: Source<Uint8Array>[] = [];
    // Before anything is read or decrypted: a FIFO named with -i would be read (and drained)
    // only to be refused, and a target s5 must not write would cost a Vault round for nothing.
    const checked = inPlace ? files : values.output === undefined ? [] : [values.output];
    checkOutputs(checked, { secret: true, inPlace, force: values.force });
    for (const file of files) {
      sources.push({ name: file === "-" ? "<stdin>" : file, content: await readInput(file) });
      bar.tick("read");
    }
    boundYoungGeneration(sources);
    let outputs: Spliced[];
    try {
      // Each file with its own project's settings (a monorepo's packages each have a .s5.json).
      outputs = await renderFiles(files, sources, overrides, settings, {
        keepFailed: values["keep-failed"] || values.textconv,
        forReading: values.textconv,
        inputType: inputType as DocumentKind | "text" | undefined,
      });
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
      warnUnignoredOutput(values.output);
    } else {
      // --textconv refuses -o: its advice would be refused.
      warnSharedDescriptor(1, "stdout", values.textconv ? SHARED_FIX_STDOUT : SHARED_FIX);
      for (const output of outputs) await writeStdout(output);
    }
    return 0;
  },
});
