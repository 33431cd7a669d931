import { type Backends, createBackends, defaultBackend, type Settings, sealText } from "@s5/core";
import { overridesFrom } from "../args.ts";
import type { Context } from "../context.ts";
import { guardSeals, holdAll, keyRetiredSince, sealToCurrentKey } from "../current-key.ts";
import { BACKEND_WORDS, defineCommand } from "../define.ts";
import { projectsForFiles } from "../file-project.ts";
import { goToolFormFor, noteNotGoTool } from "../go-tool-form.ts";
import { readText } from "../io.ts";
import { backendOptions, commonOptions, inPlaceOptions } from "../options.ts";
import { onceEach } from "../same-file.ts";
import { sealSummary } from "../seal-summary.ts";
import { writeStdout } from "../stdout.ts";
import { checkOutputs, writeOutputs } from "../write.ts";

/** Backends made once per project's settings, kept across attempts; all ended with the run. */
function backendsBySettings(): { of(settings: Settings): Backends } & AsyncDisposable {
  const made = new Map<Settings, Backends>();
  return {
    of(settings) {
      let backends = made.get(settings);
      if (!backends) {
        backends = createBackends(settings);
        made.set(settings, backends);
      }
      return backends;
    },
    async [Symbol.asyncDispose]() {
      for (const backends of made.values()) await backends[Symbol.asyncDispose]();
    },
  };
}

export default defineCommand({
  name: "seal",
  summary: "encrypt values marked {{ s5:seal … }}",
  description: `Encrypts every value marked for encryption and leaves everything else as it was:
  password: {{ s5:seal hunter2 }}                 a bare value: up to \`|\`, \`}}\` or the line end
  tls.key: {{ s5:seal "line 1\\nline 2" | yaml }}  a JSON string: any value; filters as in tokens
Each file is sealed with its own project's keys and backend (the nearest .s5.json above it), so
files of a monorepo's apps go in one run. All or nothing, like render: across every project.`,
  usage: "[BACKEND] [FILE…|-] [-i | -o OUT] [options]",
  positionals: [
    { name: "BACKEND", optional: true, complete: BACKEND_WORDS },
    { name: "FILE", optional: true, multiple: true, complete: "file" },
  ],
  options: {
    ...commonOptions,
    ...backendOptions,
    ...inPlaceOptions,
    output: { type: "string", short: "o", value: "FILE", description: "write to FILE (one input)" },
    "allow-empty": {
      type: "boolean",
      description: "seal an empty or white-space-only value (refused otherwise)",
    },
    legacy: {
      type: "boolean",
      env: "S5_LEGACY_TOKENS",
      description: "write tokens the Go tool can read (also legacyTokens in .s5.json)",
    },
  },
  examples: ["s5 seal -i values.yml"],
  async run({ values, positionals, backendWord }, context: Context) {
    // One real file named twice (`a.yml ./a.yml`, a link to it) is read and written once.
    const files = onceEach(positionals.length > 0 ? positionals : ["-"]);
    const inPlace = values["in-place"] === true;
    if (inPlace && (values.output !== undefined || files.includes("-"))) {
      context.usage("-i needs files and cannot go with -o");
    }
    if (values.output !== undefined && files.length > 1) context.usage("-o takes one input");
    // Each file with its own project (a monorepo's packages each have a .s5.json): its keys, its
    // Vault key, its backend; all or nothing across them.
    const projects = projectsForFiles(files, overridesFrom(values, backendWord));
    // Before anything is read or decrypted: a FIFO named with -i would be read (and drained)
    // only to be refused, and a target s5 must not write would cost a Vault round for nothing.
    const checked = inPlace ? files : values.output === undefined ? [] : [values.output];
    checkOutputs(checked, { secret: false, inPlace, force: values.force });
    const projectOf: number[] = [];
    for (const [k, project] of projects.entries())
      for (const i of project.indexes) projectOf[i] = k;
    // Read once: sealed again from the same text when a rotation retired a key (current-key.ts),
    // with the settings of each project whose key was retired read again; the others keep theirs
    // and their backends (a Vault login is not repeated).
    const texts: string[] = [];
    let current = projects.map((project) => project.settings);
    const fresh = () => {
      current = current.map((settings, k) =>
        projects.length === 1 || keyRetiredSince(settings) ? projects[k]!.fresh() : settings,
      );
      return current;
    };
    await using made = backendsBySettings();
    await sealToCurrentKey(current, fresh, async (all) => {
      const guards = all.map((settings) => guardSeals(settings, made.of(settings)));
      const backends = all.map((settings) => defaultBackend(settings));
      const outputs: string[] = [];
      const summaries: string[] = [];
      for (const [i, file] of files.entries()) {
        texts[i] ??= await readText(file);
        const k = projectOf[i]!;
        const name = file === "-" ? "<stdin>" : file;
        const allowEmpty = values["allow-empty"];
        const goTool = goToolFormFor(all[k]!, texts[i]!);
        const sealed = await sealText(texts[i]!, {
          backends: guards[k]!.backends,
          backend: backends[k]!,
          name,
          allowEmpty,
          goTool,
        });
        noteNotGoTool(name, sealed.notGoTool);
        outputs.push(sealed.text);
        if (sealed.sealed > 0) summaries.push(sealSummary(name, sealed, { kept: false }));
      }
      const force = values.force;
      const hold = () => holdAll(guards);
      if (inPlace) {
        const targets = files.map((path, i) => ({ path, pieces: [Buffer.from(outputs[i]!)] }));
        // A hard link of the file keeps the seal markers: the values in clear (write.ts warns).
        const before = "the values in clear";
        await writeOutputs(targets, { secret: false, inPlace: true, force, hold, before });
      } else if (values.output !== undefined) {
        const target = { path: values.output, pieces: [Buffer.from(outputs[0]!)] };
        await writeOutputs([target], { secret: false, force, hold });
      } else {
        hold().release();
        await writeStdout(outputs.map((text) => Buffer.from(text)));
      }
      // Once every file is written (all or none): where each file's new values went.
      process.stderr.write(summaries.join(""));
    });
    return 0;
  },
});
