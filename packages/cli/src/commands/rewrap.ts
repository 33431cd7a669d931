import {
  createBackends,
  resolveSettings,
  rewrapSources,
  type Source,
  type Spliced,
  type TokenFailure,
  TokenFailures,
} from "@s5/core";
import { overridesFrom } from "../args.ts";
import type { Context } from "../context.ts";
import { defineCommand } from "../define.ts";
import { groupByProject } from "../file-project.ts";
import { readInput } from "../io.ts";
import { backendOptions, commonOptions, inPlaceOptions } from "../options.ts";
import { onceEach } from "../same-file.ts";
import { writeStdout } from "../stdout.ts";
import { checkOutputs, writeOutputs } from "../write.ts";

export default defineCommand({
  name: "rewrap",
  summary: "move Vault tokens to the newest key",
  description: `Moves every Vault token in the files (or stdin) to the newest version of its transit key through
Vault's rewrap: the plaintext never leaves Vault, and only the token's text changes (spacing,
filters and every other byte stay). Tokens already at the newest version are left as they are.
All or nothing: when any token fails, nothing is printed or written.
Rotate, rewrap, then raise the key's min_decryption_version:
  bao write -f transit/keys/KEY/rotate
  s5 rewrap -k KEY -i config/*.yml
  bao write transit/keys/KEY/config min_decryption_version=N`,
  usage: "[vault] [FILE…|-] [-i] [-k KEY] [options]",
  positionals: [
    { name: "BACKEND", optional: true, complete: ["vault"] },
    { name: "FILE", optional: true, multiple: true, complete: "file" },
  ],
  options: { ...commonOptions, ...backendOptions, ...inPlaceOptions },
  examples: ["s5 rewrap -k app -i secret.yml"],
  notes: `Needs a token whose policy allows \`update\` on MOUNT/rewrap/KEY (and \`read\` on MOUNT/keys/KEY
to skip tokens already current).`,
  async run({ values, positionals, backendWord }, context: Context) {
    // One real file named twice (`a.yml ./a.yml`, a link to it) is read and written once.
    const files = onceEach(positionals.length > 0 ? positionals : ["-"]);
    const inPlace = values["in-place"] === true;
    if (inPlace && files.includes("-")) context.usage("-i needs files, not stdin");
    if (files.filter((file) => file === "-").length > 1) {
      context.usage("stdin (-) can be read once");
    }
    if (backendWord !== undefined && backendWord !== "vault") {
      context.usage(`the ${backendWord} backend has no rewrap; only Vault tokens are rewrapped`);
    }

    const overrides = overridesFrom(values, backendWord);
    const settings = resolveSettings({ overrides });
    // Each file with its own project's transit key and mount: with the working directory's, a
    // sub-project's tokens were compared to another key's version and left behind, exit 0.
    const groups = groupByProject(files, overrides, settings);
    const sources: Source<Uint8Array>[] = [];
    // Before anything is read or decrypted: a FIFO named with -i would be read (and drained)
    // only to be refused, and a target s5 must not write would cost a Vault round for nothing.
    const checked = inPlace ? files : [];
    checkOutputs(checked, { secret: false, inPlace, force: values.force });
    for (const file of files) {
      sources.push({ name: file === "-" ? "<stdin>" : file, content: await readInput(file) });
    }
    const result = { outputs: [] as Spliced[], changed: 0, total: 0, keptGoTool: 0, local: 0 };
    // Every project's failed tokens, reported together: nothing is written unless all rewrapped.
    const failures: TokenFailure[] = [];
    for (const group of groups) {
      const own = group.project === settings.project?.file ? settings : group.read();
      await using backends = createBackends(own);
      try {
        // Bare (Go tool) tokens by their shape: its AES payload is AES (left as it is), the rest
        // Vault, whatever the project's default backend is; `s5 rewrap vault` takes them all as
        // Vault.
        const done = await rewrapSources(
          group.indexes.map((i) => sources[i]!),
          backends,
          { bareTokens: backendWord ?? "shape", goToolTokens: own.goToolTokens },
        );
        for (const [k, i] of group.indexes.entries()) result.outputs[i] = done.outputs[k]!;
        result.changed += done.changed;
        result.total += done.total;
        result.keptGoTool += done.keptGoTool;
        result.local += done.others.local ?? 0;
      } catch (error) {
        if (!(error instanceof TokenFailures) || groups.length === 1) throw error;
        failures.push(...error.failures);
      }
    }
    if (failures.length > 0) throw new TokenFailures(failures);

    if (inPlace) {
      const targets = files.map((path, i) => ({ path, pieces: result.outputs[i]! }));
      await writeOutputs(targets, {
        secret: false,
        inPlace: true,
        force: values.force,
        before: "its tokens before the rewrap, which the earlier key versions still open",
      });
      process.stderr.write(
        `s5: rewrapped ${result.changed} of ${result.total} Vault tokens in ${files.length} file${files.length === 1 ? "" : "s"}\n`,
      );
    } else {
      for (const output of result.outputs) await writeStdout(output);
    }
    if (result.local > 0) {
      // "rewrapped 0 of 0" alone read as the rotation's step done (`s5 keys rotate`, then rewrap).
      process.stderr.write(
        `s5: note: ${result.local} local-key token${result.local === 1 ? "" : "s"} left as ${result.local === 1 ? "it is" : "they are"}: rewrap moves only Vault tokens; a local-key token keeps the key it was sealed with (it still decrypts), so change a value that a removed recipient may know (s5 edit) to seal it to the newest key\n`,
      );
    }
    if (result.keptGoTool > 0) {
      process.stderr.write(
        `s5: note: ${result.keptGoTool} token(s) in the Go tool's form left at their version: legacyTokens is set, and the Go tool reads only version 1 of a transit key\n`,
      );
    }
    return 0;
  },
});
