import { createBackends, defaultBackend, resolveSettings, sealText } from "@s5/core";
import { backendOptions, commonOptions, overridesFrom, parse } from "../args.ts";
import type { Context } from "../context.ts";
import { readText } from "../io.ts";
import { writeOutputs, writeStdout } from "../write.ts";

export const sealHelp = `Usage: s5 seal [BACKEND] [FILE…|-] [-i | -o OUT] [options]

Encrypts every value marked for encryption and leaves everything else as it was:

  password: {{ s5:seal hunter2 }}                 a bare value: up to \`|\`, \`}}\` or the line end
  tls.key: {{ s5:seal "line 1\\nline 2" | yaml }}  a JSON string: any value; filters as in tokens

All new values of a run are encrypted in one backend call. All or nothing, like render.
Options:
  -i, --in-place        replace each FILE atomically, keeping its mode; all files or none
  -o, --output OUT      write to OUT (one input)
      --force           replace read-only files too
      --key HEX / -k KEY / --transit-mount M / --config FILE   as for cipher
`;

const options = {
  ...commonOptions,
  ...backendOptions,
  output: { type: "string", short: "o" },
  "in-place": { type: "boolean", short: "i" },
  force: { type: "boolean" },
} as const;

export async function sealCommand(args: readonly string[], context: Context): Promise<number> {
  const { values, positionals, backendWord } = parse("seal", args, options);
  if (values.help) return context.help(sealHelp);
  const files = positionals.length > 0 ? positionals : ["-"];
  const inPlace = values["in-place"] === true;
  if (inPlace && (values.output !== undefined || files.includes("-"))) {
    context.usage("-i needs files and cannot go with -o", sealHelp);
  }
  if (values.output !== undefined && files.length > 1)
    context.usage("-o takes one input", sealHelp);
  const settings = resolveSettings({ overrides: overridesFrom(values, backendWord) });
  await using backends = createBackends(settings);
  const outputs: string[] = [];
  const backend = defaultBackend(settings);
  for (const file of files) {
    const text = await readText(file);
    const name = file === "-" ? "<stdin>" : file;
    outputs.push((await sealText(text, { backends, backend, name })).text);
  }
  const force = values.force;
  if (inPlace) {
    const targets = files.map((path, i) => ({ path, pieces: [Buffer.from(outputs[i]!)] }));
    await writeOutputs(targets, { secret: false, inPlace: true, force });
  } else if (values.output !== undefined) {
    const target = { path: values.output, pieces: [Buffer.from(outputs[0]!)] };
    await writeOutputs([target], { secret: false, force });
  } else await writeStdout(outputs.map((text) => Buffer.from(text)));
  return 0;
}
