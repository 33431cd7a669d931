import { resolveSettings, UsageError } from "@s5/core";
import { goToolBackendOf } from "@s5/core/internal";
import { overridesFrom } from "../args.ts";
import type { Context } from "../context.ts";
import { defineCommand } from "../define.ts";
import { settingsPerFile } from "../file-project.ts";
import { readInput } from "../io.ts";
import { commonOptions, inPlaceOptions } from "../options.ts";
import { writeStdout } from "../stdout.ts";
import { writeOutputs } from "../write.ts";

/** The actions of `s5 k8s`. */
const K8S_ACTIONS = ["wrap", "unwrap"] as const;

/** `@s5/kubernetes` is an optional peer: only this command needs it. */
async function manifestModule() {
  try {
    return await import("@s5/kubernetes/manifest");
  } catch {
    throw new UsageError("`s5 k8s` needs the package @s5/kubernetes", {
      hint: "npm install -D @s5/kubernetes",
    });
  }
}

export default defineCommand({
  name: "k8s",
  summary: "turn a Secret with tokens into an S5Secret, and back",
  description: `  wrap FILE    print FILE's Secrets (apiVersion v1) as S5Secrets: the s5 controller decrypts
               them in the cluster (GitOps: Argo CD, Flux). Tokens stay as they are; a
               stringData token's | yaml is dropped (an S5Secret's values are strings)
  unwrap FILE  the other way: S5Secrets back to Secrets for \`s5 render | kubectl apply\`
Other documents of FILE are copied byte for byte; comments are kept. Nothing is decrypted.
wrap refuses a token outside the values of data/stringData, and merge keys or aliases there;
both refuse a field the other kind has no place for (a misspelt stringdata: would be lost).`,
  positionals: [
    { name: "ACTION", complete: K8S_ACTIONS },
    { name: "FILE", optional: true, multiple: true, complete: "file" },
  ],
  options: { help: commonOptions.help, backend: commonOptions.backend, ...inPlaceOptions },
  examples: [
    "s5 k8s wrap secret.yml > secret.s5.yml",
    "s5 k8s wrap -i k8s/secret.yml",
    "s5 k8s unwrap secret.s5.yml | s5 render - | kubectl apply -f -",
  ],
  async run({ values, positionals, backendWord }, context: Context) {
    const [action, ...files] = positionals;
    if (!K8S_ACTIONS.includes(action as (typeof K8S_ACTIONS)[number])) {
      context.usage("k8s takes wrap or unwrap");
    }
    const inPlace = values["in-place"] === true;
    const inputs = files.length > 0 ? files : ["-"];
    if (inPlace && inputs.includes("-")) context.usage("-i needs files, not stdin");
    if (!inPlace && inputs.length > 1) context.usage("give one FILE, or several with -i");
    const { unwrapManifest, wrapManifest } = await manifestModule();
    const convert = action === "wrap" ? wrapManifest : unwrapManifest;
    // Only to recognise the Go tool's bare tokens (`-b vault`, a project's `backend`); nothing is
    // decrypted. Each file's own project says it (a monorepo's app with `backend: vault`).
    const overrides = overridesFrom(values, backendWord);
    const settingsOf = settingsPerFile(overrides, resolveSettings({ overrides }));
    const outputs = [];
    for (const path of inputs) {
      const backend = goToolBackendOf(settingsOf(path));
      const text = (await readInput(path)).toString("utf8");
      const name = path === "-" ? "<stdin>" : path;
      const warn = (message: string) => process.stderr.write(`s5: warning: ${message}\n`);
      outputs.push({ path, pieces: [Buffer.from(convert(text, name, backend, warn))] });
    }
    // Tokens only, no plaintext: the file keeps its mode.
    if (inPlace) await writeOutputs(outputs, { secret: false, inPlace: true, force: values.force });
    else await writeStdout(outputs[0]!.pieces);
    return 0;
  },
});
